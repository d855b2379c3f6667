//! Rate-limit benchmark: every host's scrapers run flat out (several concurrent scrapes per host)
//! against a local HTTP server that answers after 100 ms; the server stamps each request's
//! arrival. For each host it prints the achieved rate against the configured one and the
//! tightest window seen, and fails (exit 1) when a host goes above its rate or below 95 % of it.
//!
//! `cargo bench -p nba-props-sources --bench ratelimit [-- SECONDS]` (default 8 s per host, all
//! hosts at once, production default rates).

use nba_props_core::GameDate;
use nba_props_sources::{Secret, Sources, SourcesConfig};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const LATENCY: Duration = Duration::from_millis(100);
/// Arrival-time noise tolerated when checking that no window holds more requests than allowed.
const CLOCK_SLACK: Duration = Duration::from_millis(5);
const MIN_SHARE: f64 = 0.95;

type Arrivals = Arc<Mutex<HashMap<&'static str, Vec<Instant>>>>;

fn host_of(path: &str) -> &'static str {
    match path {
        p if p.starts_with("/stats/") => "nba_stats",
        p if p.starts_with("/static/") => "nba_cdn",
        p if p.starts_with("/apis/") => "espn",
        p if p.starts_with("/v4/") => "odds_api",
        p if p.starts_with("/v3/") => "bettingpros",
        _ => "other",
    }
}

/// A keep-alive HTTP/1.1 server: stamps arrival, waits `LATENCY`, answers a small JSON body.
async fn serve(listener: TcpListener, arrivals: Arrivals) {
    loop {
        let Ok((mut sock, _)) = listener.accept().await else {
            continue;
        };
        let arrivals = arrivals.clone();
        tokio::spawn(async move {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                    continue;
                };
                let head = String::from_utf8_lossy(&buf[..end]).to_string();
                buf.drain(..end + 4);
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                let host = host_of(&path);
                arrivals
                    .lock()
                    .unwrap()
                    .entry(host)
                    .or_default()
                    .push(Instant::now());
                tokio::time::sleep(LATENCY).await;
                let body: &str = if path.starts_with("/static/json/staticData") {
                    r#"{"leagueSchedule":{"seasonYear":"2023-24","gameDates":[]}}"#
                } else if host == "odds_api" {
                    "[]"
                } else {
                    r#"{"events":[],"resultSets":[]}"#
                };
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-requests-remaining: 100000\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                if sock.write_all(resp.as_bytes()).await.is_err() {
                    return;
                }
            }
        });
    }
}

#[tokio::main]
async fn main() {
    let secs: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(8);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let arrivals: Arrivals = Arc::default();
    tokio::spawn(serve(listener, arrivals.clone()));

    let mut config = SourcesConfig::default().all_base_urls(&base);
    config.odds.api_key = Some(Secret::new("bench"));
    config.odds.historical = Some(false);
    config.bettingpros_api.api_key = Some(Secret::new("bench"));
    let rates: HashMap<&str, f64> = config
        .hosts()
        .iter()
        .map(|(n, h)| (*n, h.rate_per_second))
        .collect();
    let sources = Arc::new(Sources::new(config).unwrap());
    let db = nba_props_store::testing::sqlite().await.unwrap();
    let store = Arc::new(db.store.clone());

    // One dataset per host, each scraped by 4 tasks at once, as fast as the limiter lets them.
    let datasets = [
        ("nba_stats", "nbacom.leaguegamelog_player"),
        ("nba_cdn", "nbacom.schedule"),
        ("espn", "espn.scoreboard"),
        ("odds_api", "oddsapi.events"),
        ("bettingpros", "bettingpros.events"),
    ];
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for (_, ds) in datasets {
        for _ in 0..4 {
            let (s, st) = (sources.clone(), store.clone());
            tasks.push(tokio::spawn(async move {
                let mut day = GameDate::parse("2023-11-01").unwrap();
                while Instant::now() < deadline {
                    if let Err(e) = s.scrape(&st, ds, day).await {
                        eprintln!("{ds}: {e}");
                        return;
                    }
                    day = day.add_days(1);
                }
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }

    let arrivals = arrivals.lock().unwrap();
    let mut failed = false;
    println!(
        "{:<12} {:>9} {:>10} {:>10} {:>7} {:>14}",
        "host", "requests", "configured", "achieved", "share", "min gap/period"
    );
    for (host, _) in datasets {
        let rate = rates[host];
        let period = Duration::from_secs_f64(1.0 / rate);
        let times = arrivals.get(host).cloned().unwrap_or_default();
        if times.len() < 3 {
            println!("{host:<12} too few requests ({})", times.len());
            failed = true;
            continue;
        }
        let span = (*times.last().unwrap() - times[0]).as_secs_f64();
        let achieved = (times.len() - 1) as f64 / span;
        // Never above the rate: any k+1 consecutive arrivals span at least k periods.
        let mut over = false;
        for k in 1..times.len() {
            for i in 0..times.len() - k {
                if times[i + k] - times[i] + CLOCK_SLACK < period * k as u32 {
                    over = true;
                }
            }
        }
        let min_gap = times
            .windows(2)
            .map(|w| w[1] - w[0])
            .min()
            .unwrap_or_default();
        let share = achieved / rate;
        println!(
            "{host:<12} {:>9} {:>8.3}/s {:>8.3}/s {:>6.1}% {:>14.3}{}",
            times.len(),
            rate,
            achieved,
            share * 100.0,
            min_gap.as_secs_f64() / period.as_secs_f64(),
            if over { "  ABOVE RATE" } else { "" }
        );
        if over || share < MIN_SHARE {
            failed = true;
        }
    }
    println!("latency per request {LATENCY:?}, {secs} s per host, all hosts concurrently");
    if failed {
        std::process::exit(1);
    }
}
