//! The replay server against the real archive, scraped by the real scrapers (`Sources` with every
//! base URL pointed at it) under a `ManualClock`: what a scrape sees changes with the clock only.
//! Expected values are read from the archive files themselves.

use nba_props_core::GameDate;
use nba_props_replay::ReplayServer;
use nba_props_runtime::clock::{Clock, ManualClock};
use nba_props_sources::{Secret, Sources, SourcesConfig};
use nba_props_store::testing::{self, TestDb};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn archive_dir() -> Option<PathBuf> {
    nba_props_pipeline::testdata::shared_data_dir().map(|d| d.join("archive"))
}

fn ms(instant: &str) -> i64 {
    instant.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

async fn start(archive: &Path, at: &str) -> (ReplayServer, ManualClock) {
    let clock = ManualClock::at(ms(at));
    let clock_dyn: Arc<dyn Clock> = Arc::new(clock.clone());
    let server = ReplayServer::start(archive, "127.0.0.1:0".parse().unwrap(), clock_dyn)
        .await
        .unwrap();
    assert!(server.skipped().is_empty(), "{:?}", server.skipped());
    (server, clock)
}

/// Every host at the replay server, quick limits, keys set, the archive's props market;
/// `historical` picks the Odds API endpoints.
fn sources(base: &str, historical: bool) -> Sources {
    nba_props_sources::install_crypto_provider();
    let mut c = SourcesConfig::default().all_base_urls(base);
    for h in [
        &mut c.nba_stats,
        &mut c.nba_cdn,
        &mut c.injury_report,
        &mut c.espn,
        &mut c.odds_api,
        &mut c.bettingpros,
    ] {
        h.rate_per_second = 1000.0;
        h.concurrency = 4;
        h.retries = 0;
    }
    c.odds.api_key = Some(Secret::new("replay-key"));
    c.bettingpros_api.api_key = Some(Secret::new("replay-key"));
    c.odds.player_markets = vec!["player_points_rebounds_assists".into()];
    c.odds.historical = Some(historical);
    Sources::new(c).unwrap()
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

/// (event id, capture instant in ms, file) of every props snapshot filed under these UTC dates.
fn snapshots(archive: &Path, utc_dates: &[&str]) -> Vec<(String, i64, PathBuf)> {
    let mut out = Vec::new();
    for d in utc_dates {
        for f in std::fs::read_dir(archive.join("oddsapi/player_props").join(d)).unwrap() {
            let path = f.unwrap().path();
            let name = path.file_stem().unwrap().to_str().unwrap().to_string();
            let (id, stamp) = name.split_once('_').unwrap();
            let stamp = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%SZ", stamp)
                .unwrap()
                .to_zoned(jiff::tz::TimeZone::UTC)
                .unwrap()
                .timestamp()
                .as_millisecond();
            out.push((id.to_string(), stamp, path));
        }
    }
    out
}

/// The newest snapshot of `event` captured at or before `at_ms`.
fn newest(snaps: &[(String, i64, PathBuf)], event: &str, at_ms: i64) -> Option<PathBuf> {
    snaps
        .iter()
        .filter(|(id, stamp, _)| id == event && *stamp <= at_ms)
        .max_by_key(|(_, stamp, _)| *stamp)
        .map(|(_, _, p)| p.clone())
}

async fn payload(t: &TestDb, s: &nba_props_sources::Stored) -> Vec<u8> {
    t.store.raw.get(&s.sha256).unwrap()
}

fn rows_of(gamelog: &Value) -> usize {
    gamelog["resultSets"][0]["rowSet"].as_array().unwrap().len()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_game_day_scraped_in_the_morning_and_the_next_morning_sees_what_existed_then() {
    let Some(archive) = archive_dir() else { return };
    let date = GameDate::parse("2024-01-15").unwrap();
    // MLK Day 2024: 11 games from 1 pm ET; props snapshots from 16:55Z on, two for seven events.
    let morning = "2024-01-15T12:30:00-05:00";
    let (server, clock) = start(&archive, morning).await;
    let t = testing::sqlite().await.unwrap();
    let live = sources(&server.base_url(), false);

    let r = live
        .scrape(&t.store, "nbacom.schedule", date)
        .await
        .unwrap();
    assert_eq!(
        payload(&t, &r.stored[0]).await,
        std::fs::read(archive.join("nbacom/schedule/2023-24.json")).unwrap(),
        "the schedule as captured"
    );

    let gamelog_file =
        std::fs::read(archive.join("nbacom/leaguegamelog_player/2024-01-15.json")).unwrap();
    let archived_rows = rows_of(&json(&gamelog_file));
    assert!(archived_rows > 200, "{archived_rows}");
    let r = live
        .scrape(&t.store, "nbacom.leaguegamelog_player", date)
        .await
        .unwrap();
    let morning_log = json(&payload(&t, &r.stored[0]).await);
    assert_eq!(rows_of(&morning_log), 0, "no box scores before the games");
    assert_eq!(
        morning_log["resultSets"][0]["headers"],
        json(&gamelog_file)["resultSets"][0]["headers"],
        "the real shape, empty"
    );

    let snaps = snapshots(&archive, &["2024-01-15", "2024-01-16"]);
    let r = live
        .scrape(&t.store, "oddsapi.player_props", date)
        .await
        .unwrap();
    let listed = json(&payload(&t, &r.stored[0]).await);
    let mut listed_ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    listed_ids.sort();
    // Every event filed under the two UTC dates the Eastern day spans (before 05:00Z on the 16th).
    let mut expected_ids: Vec<&str> = snaps
        .iter()
        .filter(|(_, stamp, p)| {
            p.to_str().unwrap().contains("2024-01-15/") || *stamp < ms("2024-01-16T05:00:00Z")
        })
        .map(|(id, _, _)| id.as_str())
        .collect();
    expected_ids.sort();
    expected_ids.dedup();
    assert_eq!(listed_ids, expected_ids);
    assert_eq!(r.stored.len(), 1 + expected_ids.len(), "{:?}", r.notes);
    let mut with_books = 0;
    for stored in &r.stored[1..] {
        let served = json(&payload(&t, stored).await);
        let id = served["id"].as_str().unwrap();
        match newest(&snaps, id, ms(morning)) {
            Some(file) => {
                with_books += 1;
                assert_eq!(served, json(&std::fs::read(file).unwrap())["data"], "{id}");
            }
            None => assert_eq!(served["bookmakers"], serde_json::json!([]), "{id}"),
        }
    }
    assert_eq!(with_books, 1, "only HOU@PHI had a snapshot by 17:30Z");

    let r = live
        .scrape(&t.store, "oddsapi.game_lines", date)
        .await
        .unwrap();
    let lines = json(&payload(&t, &r.stored[0]).await);
    assert_eq!(lines.as_array().unwrap().len(), 11, "every game of the day");
    assert!(
        lines
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["bookmakers"] == serde_json::json!([])),
        "closing lines before any tip-off: {lines}"
    );

    // The next morning, through the historical endpoints (snapshot 22:00Z on the date).
    clock.set(ms("2024-01-16T09:00:00-05:00"));
    let his = sources(&server.base_url(), true);
    let r = his
        .scrape(&t.store, "nbacom.leaguegamelog_player", date)
        .await
        .unwrap();
    assert_eq!(
        payload(&t, &r.stored[0]).await,
        gamelog_file,
        "every row, as archived"
    );

    let as_of = ms("2024-01-15T22:00:00Z");
    let r = his
        .scrape(&t.store, "oddsapi.player_props", date)
        .await
        .unwrap();
    let listed = json(&payload(&t, &r.stored[0]).await);
    let ids: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    // HOU@PHI tipped at 18:00Z (schedule): over by 22:00Z, no longer listed.
    assert!(
        !ids.contains(&"93af4b300a4c0dded909234ea32e9abd"),
        "{ids:?}"
    );
    assert_eq!(ids.len(), expected_ids.len() - 1);
    let mut with_books = 0;
    for stored in &r.stored[1..] {
        let bytes = payload(&t, stored).await;
        let served = json(&bytes);
        let id = served["data"]["id"].as_str().unwrap();
        match newest(&snaps, id, as_of) {
            Some(file) => {
                with_books += 1;
                assert_eq!(
                    bytes,
                    std::fs::read(file).unwrap(),
                    "{id}: the archived snapshot"
                );
            }
            None => assert_eq!(served["data"]["bookmakers"], serde_json::json!([]), "{id}"),
        }
    }
    // DET@WAS, SAS@ATL, GSW@MEM, ORL@NYK, NOP@DAL had a snapshot by 22:00Z.
    assert_eq!(with_books, 5);
    // One event's lines and prices: GSW@MEM, captured 21:55:38Z (its 23:05:38Z one is later).
    let gsw_mem = r.stored[1..]
        .iter()
        .find(|s| s.url.contains("76815e2233440eaa53f0565105823d0d"))
        .unwrap();
    let file = archive.join(
        "oddsapi/player_props/2024-01-15/76815e2233440eaa53f0565105823d0d_20240115T215538Z.json",
    );
    let served = json(&payload(&t, gsw_mem).await);
    let archived = json(&std::fs::read(file).unwrap());
    let outcomes = |v: &Value| -> Vec<(String, String, f64, i64)> {
        v["data"]["bookmakers"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|b| {
                b["markets"][0]["outcomes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| {
                        (
                            b["key"].as_str().unwrap().to_string(),
                            o["description"].as_str().unwrap().to_string(),
                            o["point"].as_f64().unwrap(),
                            o["price"].as_i64().unwrap(),
                        )
                    })
            })
            .collect()
    };
    assert!(outcomes(&archived).len() > 100);
    assert_eq!(outcomes(&served), outcomes(&archived));

    let r = his
        .scrape(&t.store, "oddsapi.game_lines", date)
        .await
        .unwrap();
    let lines = json(&payload(&t, &r.stored[0]).await);
    let csv_rows = sbr_rows(&archive, "2024-01-15");
    let mut compared = 0;
    for g in lines["data"].as_array().unwrap() {
        let Some(book) = g["bookmakers"].as_array().unwrap().first() else {
            continue;
        };
        compared += 1;
        let (home, away) = (
            g["home_team"].as_str().unwrap(),
            g["away_team"].as_str().unwrap(),
        );
        let row = csv_rows
            .iter()
            .find(|r| r["Home"] == home && r["Away"] == away)
            .unwrap();
        let num = |k: &str| row[k].parse::<f64>().unwrap();
        assert_eq!(book["key"], "fanduel");
        let market = |k: &str| {
            book["markets"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["key"] == k)
                .unwrap()["outcomes"]
                .clone()
        };
        let h2h = market("h2h");
        assert_eq!(h2h[0]["name"], away);
        assert_eq!(h2h[0]["price"].as_f64().unwrap(), num("ML_Away"));
        assert_eq!(h2h[1]["name"], home);
        assert_eq!(h2h[1]["price"].as_f64().unwrap(), num("ML_Home"));
        let spreads = market("spreads");
        assert_eq!(spreads[0]["point"].as_f64().unwrap(), num("Spread"));
        assert_eq!(spreads[1]["point"].as_f64().unwrap(), -num("Spread"));
        assert!(
            spreads[0].get("price").is_none(),
            "SBR has no spread prices"
        );
        let totals = market("totals");
        assert_eq!(totals[0]["point"].as_f64().unwrap(), num("OU"));
        assert_eq!(totals[1]["point"].as_f64().unwrap(), num("OU"));
    }
    // Tipped by 22:00Z and not over: NOP@DAL 19:30Z, ORL@NYK and DET@WAS 20:00Z, SAS@ATL 20:30Z.
    assert_eq!(compared, 4, "{lines}");
    let served = server.requests();
    assert_eq!(
        served.get("odds_api.historical_event_odds"),
        Some(&(ids.len() as u64))
    );
    assert_eq!(served.get("nba_stats.leaguegamelog"), Some(&2));
    server.shutdown().await;
}

/// The SBR rows of one date, as column → value maps.
fn sbr_rows(archive: &Path, date: &str) -> Vec<std::collections::HashMap<String, String>> {
    let text = std::fs::read_to_string(archive.join("sbr/game_lines/2023-24.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect::<std::collections::HashMap<_, _>>()
        })
        .filter(|r| r["game_date"] == date)
        .collect()
}

async fn get(base: &str, path: &str) -> (u16, Vec<u8>) {
    let r = reqwest::get(format!("{base}{path}")).await.unwrap();
    (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_snapshot_captured_after_the_clock_is_never_served() {
    let Some(archive) = archive_dir() else { return };
    nba_props_sources::install_crypto_provider();
    // GSW@MEM 2024-01-15, tip-off 23:00Z: snapshots at 21:55:38Z and 23:05:38Z.
    let id = "76815e2233440eaa53f0565105823d0d";
    let file = |stamp: &str| {
        std::fs::read(archive.join(format!("oddsapi/player_props/2024-01-15/{id}_{stamp}.json")))
            .unwrap()
    };
    let (first, second) = (file("20240115T215538Z"), file("20240115T230538Z"));
    let (server, clock) = start(&archive, "2024-01-15T22:00:00Z").await;
    let base = server.base_url();
    // Only the clock changes between these requests.
    let historical = format!(
        "/v4/historical/sports/basketball_nba/events/{id}/odds?apiKey=k&date=2024-01-16T01:00:00Z&markets=player_points_rebounds_assists"
    );
    let live = format!(
        "/v4/sports/basketball_nba/events/{id}/odds?apiKey=k&markets=player_points_rebounds_assists"
    );
    assert_eq!(get(&base, &historical).await, (200, first.clone()));
    assert_eq!(json(&get(&base, &live).await.1), json(&first)["data"]);
    clock.set(ms("2024-01-15T23:05:37Z"));
    assert_eq!(get(&base, &historical).await, (200, first.clone()));
    clock.set(ms("2024-01-15T23:05:38Z"));
    assert_eq!(get(&base, &historical).await, (200, second.clone()));
    assert_eq!(json(&get(&base, &live).await.1), json(&second)["data"]);
    // Asked as of a date before the first capture, even later in the replay: none yet.
    let early = historical.replace("2024-01-16T01:00:00Z", "2024-01-15T21:00:00Z");
    let (status, body) = get(&base, &early).await;
    assert_eq!(status, 200);
    assert_eq!(json(&body)["data"]["bookmakers"], serde_json::json!([]));
    // The game is over three hours after its 23:00Z tip-off: the event is no longer listed.
    clock.set(ms("2024-01-16T02:00:00Z"));
    let (status, body) = get(&base, &live).await;
    assert_eq!(status, 404, "{}", String::from_utf8_lossy(&body));

    // Box scores of the date appear when its last game (OKC@LAL, 03:30Z) is over.
    let gamelog = "/stats/leaguegamelog?Counter=1000&DateFrom=2024-01-15&DateTo=2024-01-15&Direction=DESC&LeagueID=00&PlayerOrTeam=P&Season=2023-24&SeasonType=Regular+Season&Sorter=DATE";
    clock.set(ms("2024-01-16T06:29:59Z"));
    assert_eq!(rows_of(&json(&get(&base, gamelog).await.1)), 0);
    clock.set(ms("2024-01-16T06:30:00Z"));
    let archived =
        std::fs::read(archive.join("nbacom/leaguegamelog_player/2024-01-15.json")).unwrap();
    assert_eq!(get(&base, gamelog).await, (200, archived));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sources_the_archive_lacks_are_clean_misses_and_every_request_is_counted() {
    let Some(archive) = archive_dir() else { return };
    let (server, _clock) = start(&archive, "2024-01-16T09:00:00-05:00").await;
    let t = testing::sqlite().await.unwrap();
    let s = sources(&server.base_url(), true);
    let date = GameDate::parse("2024-01-15").unwrap();
    let board = s.scrape(&t.store, "espn.summary", date).await.unwrap();
    assert_eq!(board.stored.len(), 1, "the scoreboard, no summaries");
    assert!(
        board.notes[0].contains("no ESPN events"),
        "{:?}",
        board.notes
    );
    let bp = s
        .scrape(&t.store, "bettingpros.offers", date)
        .await
        .unwrap();
    assert!(
        bp.notes[0].contains("no BettingPros events"),
        "{:?}",
        bp.notes
    );
    let injury = s
        .scrape(&t.store, "nbacom.injury_report", date)
        .await
        .unwrap_err();
    assert!(injury.to_string().contains("404"), "{injury}");
    let boxes = s
        .scrape(&t.store, "nbacom.boxscoretraditionalv3", date)
        .await
        .unwrap_err();
    assert!(boxes.to_string().contains("404"), "{boxes}");

    let (status, body) = get(&server.base_url(), "/no/such/path?x=1").await;
    assert_eq!(status, 404);
    assert!(String::from_utf8_lossy(&body).contains("/no/such/path"));
    let served = server.requests();
    assert_eq!(served.get("unknown"), Some(&1));
    assert_eq!(served.get("espn.scoreboard"), Some(&1));
    assert_eq!(served.get("bettingpros.events"), Some(&1));
    // Six configured report times; the three with minutes are skipped for a 2024 date.
    assert_eq!(served.get("injury_report"), Some(&3));
    // The first game's stats box score, then its CDN fallback: both 404, the scrape stops.
    assert_eq!(served.get("nba_stats.boxscoretraditionalv3"), Some(&1));
    assert_eq!(served.get("nba_cdn.boxscore"), Some(&1));
    server.shutdown().await;
}
