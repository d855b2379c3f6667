//! The fetch policy: retries, Retry-After, circuit breaker, timeouts, bad payloads, unreachable
//! hosts, configuration. Each test either finds the right payload in the raw store or a clear
//! error; an outer timeout makes sure nothing hangs.

use crate::support::*;
use nba_props_sources::{SourceError, SourcesConfig, datasets, resolve};
use std::time::{Duration, Instant};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const LOG: &str = "/stats/leaguegamelog";
const DS: &str = "nbacom.leaguegamelog_player";
const BODY: &str = r#"{"resource":"leaguegamelog","resultSets":[]}"#;

/// Runs a scrape with a hard upper bound: a hang fails the test instead of blocking it.
async fn bounded<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), f)
        .await
        .expect("the scrape finished (nothing hangs)")
}

fn ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(BODY, "application/json")
}

#[tokio::test]
async fn retry_after_is_honoured_then_the_retry_succeeds() {
    let server = MockServer::start().await;
    Mock::given(path(LOG))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path(LOG))
        .respond_with(ok())
        .mount(&server)
        .await;
    let t = db().await;
    let s = sources(config(&server.uri()));
    let start = Instant::now();
    let r = bounded(s.scrape(&t.store, DS, date("2024-01-15")))
        .await
        .unwrap();
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(950),
        "waited {took:?} for Retry-After: 1"
    );
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert_stored(
        &t,
        &r.stored[0],
        "nbacom",
        "leaguegamelog_player",
        "2024-01-15",
        BODY.as_bytes(),
    )
    .await;
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_maximum_is_a_rate_limit_error() {
    let server = MockServer::start().await;
    Mock::given(path(LOG))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
        .mount(&server)
        .await;
    let t = db().await;
    let e = bounded(sources(config(&server.uri())).scrape(&t.store, DS, date("2024-01-15")))
        .await
        .unwrap_err();
    assert!(matches!(e, SourceError::RateLimited { .. }), "{e}");
    assert!(
        e.to_string().contains("leaguegamelog_player 2024-01-15"),
        "{e}"
    );
}

#[tokio::test]
async fn server_errors_are_retried_until_success() {
    let server = MockServer::start().await;
    Mock::given(path(LOG))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path(LOG))
        .respond_with(ok())
        .mount(&server)
        .await;
    let t = db().await;
    let s = sources(config(&server.uri()));
    let r = bounded(s.scrape(&t.store, DS, date("2024-01-15")))
        .await
        .unwrap();
    assert_stored(
        &t,
        &r.stored[0],
        "nbacom",
        "leaguegamelog_player",
        "2024-01-15",
        BODY.as_bytes(),
    )
    .await;
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn persistent_server_errors_open_the_breaker_and_later_calls_fail_fast() {
    let server = MockServer::start().await;
    Mock::given(path(LOG))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let t = db().await;
    let mut c = config(&server.uri());
    c.nba_stats.breaker_threshold = 3;
    let s = sources(c);
    let e = bounded(s.scrape(&t.store, DS, date("2024-01-15")))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            SourceError::Status {
                status: 500,
                attempts: 3,
                ..
            }
        ),
        "{e}"
    );
    assert!(s.breaker_open("nba_stats"));
    let start = Instant::now();
    let e = bounded(s.scrape(&t.store, DS, date("2024-01-16")))
        .await
        .unwrap_err();
    assert!(start.elapsed() < Duration::from_millis(500), "fails fast");
    assert!(
        matches!(e, SourceError::CircuitOpen { failures: 3, .. }),
        "{e}"
    );
    assert!(
        e.to_string().contains("127.0.0.1") && e.to_string().contains("2024-01-16"),
        "{e}"
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        3,
        "no request while open"
    );
    // Other hosts are not affected.
    assert!(!s.breaker_open("espn"));
    assert!(
        rows(&t, "nbacom", "leaguegamelog_player", "2024-01-15")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_hanging_host_becomes_a_timeout_error_quickly() {
    let server = MockServer::start().await;
    Mock::given(path(LOG))
        .respond_with(ok().set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let t = db().await;
    let mut c = config(&server.uri());
    c.nba_stats.read_timeout_ms = 200;
    c.nba_stats.retries = 1;
    let s = sources(c);
    let start = Instant::now();
    let e = bounded(s.scrape(&t.store, DS, date("2024-01-15")))
        .await
        .unwrap_err();
    let took = start.elapsed();
    assert!(matches!(e, SourceError::Timeout { attempts: 2, .. }), "{e}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert!(e.to_string().contains("timed out"), "{e}");
}

#[tokio::test]
async fn access_denied_html_is_an_error_and_not_retried() {
    let server = MockServer::start().await;
    Mock::given(path(LOG))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>Reference #18.abc</BODY></HTML>",
            "text/html",
        ))
        .mount(&server)
        .await;
    let t = db().await;
    let e = bounded(sources(config(&server.uri())).scrape(&t.store, DS, date("2024-01-15")))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            SourceError::WrongContent {
                expected: "JSON",
                ..
            }
        ),
        "{e}"
    );
    let msg = e.to_string();
    assert!(
        msg.contains("an HTML page") && msg.contains("Access Denied"),
        "{msg}"
    );
    assert!(msg.contains("leaguegamelog_player 2024-01-15"), "{msg}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert!(
        rows(&t, "nbacom", "leaguegamelog_player", "2024-01-15")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn empty_and_invalid_bodies_are_errors() {
    let server = MockServer::start().await;
    Mock::given(path(LOG))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let t = db().await;
    let s = sources(config(&server.uri()));
    let e = bounded(s.scrape(&t.store, DS, date("2024-01-15")))
        .await
        .unwrap_err();
    assert!(matches!(e, SourceError::EmptyBody { .. }), "{e}");
    assert!(e.to_string().contains("empty body"), "{e}");
    server.reset().await;
    Mock::given(path(LOG))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(r#"{"resultSets": ["#, "application/json"),
        )
        .mount(&server)
        .await;
    let e = bounded(s.scrape(&t.store, DS, date("2024-01-15")))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("invalid JSON"), "{e}");
    assert!(
        rows(&t, "nbacom", "leaguegamelog_player", "2024-01-15")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = MockServer::start().await;
    Mock::given(path(LOG))
        .respond_with(ResponseTemplate::new(400))
        .mount(&server)
        .await;
    let t = db().await;
    let e = bounded(sources(config(&server.uri())).scrape(&t.store, DS, date("2024-01-15")))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            SourceError::Status {
                status: 400,
                attempts: 1,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_unreachable_host_is_named_plainly_and_not_retried() {
    // A port nothing listens on: connection refused.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let t = db().await;
    let s = sources(config(&format!("http://127.0.0.1:{port}")));
    let start = Instant::now();
    let e = bounded(s.scrape(&t.store, DS, date("2024-01-15")))
        .await
        .unwrap_err();
    assert!(matches!(e, SourceError::Unreachable { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains(&format!("cannot reach 127.0.0.1:{port}")),
        "{msg}"
    );
    assert!(msg.contains("network"), "{msg}");
    assert!(start.elapsed() < Duration::from_secs(2), "not retried");
}

#[tokio::test]
async fn every_listed_dataset_is_scrapable_and_names_resolve() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let t = db().await;
    let s = sources(config(&format!("http://127.0.0.1:{port}")));
    for d in datasets() {
        let e = bounded(s.scrape(&t.store, d.name, date("2024-01-15")))
            .await
            .unwrap_err();
        let unreachable = |e: &SourceError| matches!(e, SourceError::Unreachable { .. });
        let ok = match &e {
            SourceError::FallbackFailed { primary, fallback } => {
                unreachable(primary) && unreachable(fallback)
            }
            e => unreachable(e),
        };
        assert!(ok, "{}: {e}", d.name);
        assert_eq!(resolve(d.name).unwrap(), [d]);
    }
    assert_eq!(resolve("nbacom").unwrap().len(), 8);
    assert_eq!(resolve("oddsapi").unwrap().len(), 3);
    let e = s
        .scrape(&t.store, "nbacom.nope", date("2024-01-15"))
        .await
        .unwrap_err();
    assert!(matches!(e, SourceError::UnknownDataset(_)), "{e}");
    assert!(resolve("nope").is_err());
}

#[test]
fn configuration_has_defaults_reads_partial_files_and_the_environment() {
    let d = SourcesConfig::default();
    assert!((d.nba_stats.rate_per_second - 1.0 / 0.6).abs() < 1e-9);
    assert_eq!(d.nba_stats.base_url, "https://stats.nba.com");
    let p = &d.header_profiles[&d.nba_stats.header_profile];
    assert_eq!(p["Referer"], "https://www.nba.com/");
    assert!(p.contains_key("Origin") && p.contains_key("Sec-Ch-Ua"));
    // A partial file keeps every other default.
    let c: SourcesConfig = serde_json::from_str(
        r#"{"nba_stats": {"rate_per_second": 1.0, "proxy": "http://127.0.0.1:3128"}, "odds": {"quota_reserve": 5}}"#,
    )
    .unwrap();
    assert_eq!(c.nba_stats.rate_per_second, 1.0);
    assert_eq!(c.nba_stats.base_url, "https://stats.nba.com");
    assert_eq!(c.odds.quota_reserve, 5);
    assert_eq!(c.odds.player_markets, ["player_points"]);
    assert!(serde_json::from_str::<SourcesConfig>(r#"{"nba_stat": {}}"#).is_err());
    let mut c = SourcesConfig::default();
    c.apply_env(|k| match k {
        "NBA_PROPS_ODDS_API_KEY" => Some("k123".into()),
        "NBA_PROPS_ESPN_BASE_URL" => Some("http://127.0.0.1:9".into()),
        _ => None,
    });
    assert_eq!(c.odds.api_key.as_ref().unwrap().expose(), "k123");
    assert_eq!(c.espn.base_url, "http://127.0.0.1:9");
    assert!(!format!("{c:?}").contains("k123"), "secrets never in Debug");
}

#[test]
fn invalid_configuration_is_refused_by_name() {
    let mut c = SourcesConfig::default();
    c.espn.rate_per_second = 0.0;
    let e = nba_props_sources::Sources::new(c).err().unwrap();
    assert!(e.to_string().contains("espn.rate_per_second"), "{e}");
    let mut c = SourcesConfig::default();
    c.odds_api.header_profile = "missing".into();
    let e = nba_props_sources::Sources::new(c).err().unwrap();
    assert!(e.to_string().contains("missing"), "{e}");
    let mut c = SourcesConfig::default();
    c.header_profiles
        .get_mut("browser")
        .unwrap()
        .insert("Accept-Encoding".into(), "br".into());
    let e = nba_props_sources::Sources::new(c).err().unwrap();
    assert!(e.to_string().contains("Accept-Encoding"), "{e}");
    let mut c = SourcesConfig::default();
    c.bettingpros.base_url = "not a url".into();
    assert!(nba_props_sources::Sources::new(c).is_err());
}

#[tokio::test]
async fn a_body_cut_off_mid_transfer_is_retried_then_reported() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            // Promises 1000 bytes, sends 12, hangs up.
            let _ = sock
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n{\"resultSets")
                .await;
            drop(sock);
        }
    });
    let t = db().await;
    let s = sources(config(&format!("http://{addr}")));
    let e = bounded(s.scrape(&t.store, DS, date("2024-01-15")))
        .await
        .unwrap_err();
    assert!(
        matches!(e, SourceError::Incomplete { attempts: 3, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("incomplete body"), "{e}");
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 3);
}

#[tokio::test]
async fn requests_go_through_the_configured_proxy() {
    let proxy = MockServer::start().await;
    Mock::given(path(LOG))
        .respond_with(ok())
        .expect(1)
        .mount(&proxy)
        .await;
    let t = db().await;
    let mut c = config(&proxy.uri());
    // A host that does not resolve: only the proxy can answer for it.
    c.nba_stats.base_url = "http://stats.nba.invalid".into();
    c.nba_stats.proxy = Some(proxy.uri());
    let r = bounded(sources(c).scrape(&t.store, DS, date("2024-01-15")))
        .await
        .unwrap();
    assert!(
        r.stored[0]
            .url
            .starts_with("http://stats.nba.invalid/stats/leaguegamelog")
    );
    assert_eq!(
        t.store.raw.get(&r.stored[0].sha256).unwrap(),
        BODY.as_bytes()
    );
}

/// Against the real hosts with the production configuration: `cargo test -p nba-props-sources
/// -- --ignored live_hosts`. Without network every dataset must end in a plain "cannot reach
/// <host>" error; with network it prints what was stored.
#[tokio::test]
#[ignore = "talks to the real sources"]
async fn live_hosts() {
    let t = db().await;
    let mut c = SourcesConfig::from_env();
    for h in [
        &mut c.nba_stats,
        &mut c.nba_cdn,
        &mut c.espn,
        &mut c.injury_report,
    ] {
        h.retries = 0;
    }
    let s = sources(c);
    for d in datasets() {
        match bounded(s.scrape(&t.store, d.name, date("2024-01-15"))).await {
            Ok(r) => println!("{}: stored {} payload(s)", d.name, r.stored.len()),
            Err(e) => println!("{}: {e}", d.name),
        }
    }
}
