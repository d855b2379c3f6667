//! Hostile input: dates at the edges of the calendar, half-sent requests, bodies and heads over
//! the limits, bytes that are not UTF-8 or not HTTP, live-scraping phases for past dates and
//! ids beyond 64 bits. Every answer is a JSON error, and nothing panics or hangs.

use crate::api::error_message;
use crate::support::{App, TOKEN, count};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A raw HTTP exchange: writes `request` as is, reads until the server closes (every request
/// here says `connection: close`, and hyper closes after its own error answers).
pub struct Raw {
    pub status: u16,
    pub content_type: String,
    pub headers: String,
    pub body: String,
}

pub async fn raw(app: &App, request: &[u8]) -> Raw {
    let addr = app.base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).await.unwrap();
    // The server may answer and close before it has read all of a request that is too large.
    let _ = s.write_all(request).await;
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 8192];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "no answer within 10 s to {:?}",
        String::from_utf8_lossy(&request[..request.len().min(80)])
    );
    let text = String::from_utf8_lossy(&out).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let content_type = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type:")
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_default();
    Raw {
        status,
        content_type,
        headers: head.to_string(),
        body: body.to_string(),
    }
}

/// `r` is the documented JSON error: status `status`, `application/json`, a message.
pub fn assert_json_error(r: &Raw, status: u16, what: &str) {
    assert_eq!(r.status, status, "{what}: {}\r\n\r\n{}", r.headers, r.body);
    assert!(
        r.content_type.starts_with("application/json"),
        "{what}: content type {:?}: {}",
        r.content_type,
        r.body
    );
    let body: serde_json::Value = serde_json::from_str(&r.body)
        .unwrap_or_else(|e| panic!("{what}: the body is not JSON ({e}): {:?}", r.body));
    assert_eq!(body["error"]["status"], status, "{what}: {body}");
    assert!(!error_message(&body).is_empty(), "{what}: {body}");
}

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n").into_bytes()
}

fn post(path: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\nauthorization: Bearer {TOKEN}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Dates outside 1946-01-01..=2100-12-31 are a 400 naming the parameter, on every endpoint
/// that takes one (the old server panicked on 9999-12-31: a range's default start overflowed).
pub async fn out_of_range_dates(app: &App, who: &str) {
    for (path, param) in [
        ("/api/status/9999-12-31", "date"),
        ("/?date=9999-12-31", "date"),
        ("/?date=0001-01-01&days=120", "date"),
        ("/api/status?to=9999-12-31", "to"),
        ("/api/status?from=0001-01-01&to=2024-01-02", "from"),
        ("/api/status?from=2024-01-01&to=2101-01-01", "to"),
        ("/api/predictions/9999-12-31", "date"),
        ("/api/results/1945-12-31", "date"),
        ("/api/accuracy?to=9999-12-31", "to"),
    ] {
        let r = raw(app, &get(path)).await;
        assert_json_error(&r, 400, &format!("{who}: GET {path}"));
        assert!(
            r.body.contains(&format!("{param} \\\"")) && r.body.contains("out of range"),
            "{who}: GET {path}: {}",
            r.body
        );
    }
    // The edges themselves are dates like any other.
    for path in ["/api/status/1946-01-01", "/api/status?to=2100-12-31"] {
        let r = raw(app, &get(path)).await;
        assert_eq!(r.status, 200, "{who}: GET {path}: {}", r.body);
    }
    for body in [
        r#"{"from": "0001-01-01", "to": "0001-01-01"}"#,
        r#"{"from": "2100-12-31", "to": "9999-12-31"}"#,
    ] {
        let r = raw(app, &post("/api/backfill", body)).await;
        assert_json_error(&r, 400, &format!("{who}: backfill {body}"));
        assert!(r.body.contains("out of range"), "{who}: {}", r.body);
    }
    assert_eq!(
        count(&app.store, "SELECT COUNT(*) FROM jobs", &[]).await,
        0,
        "{who}: a refused backfill wrote jobs"
    );
}

/// Each error status the server produces, whoever produces it (a handler, the router, the
/// limits, hyper's parser), answers the JSON error shape.
pub async fn every_error_status_is_json(app: &App, who: &str) {
    let cases: Vec<(u16, &str, Vec<u8>)> = vec![
        (400, "a path that is not UTF-8", get("/api/status/%FF%FE")),
        (
            400,
            "a query that is not UTF-8",
            get("/api/status?from=%C3%28"),
        ),
        (
            400,
            "a request line that is not HTTP",
            b"HELLO\r\n\r\n".to_vec(),
        ),
        (401, "no token", {
            let mut r = post("/api/reconcile", "{}");
            let s = String::from_utf8(r)
                .unwrap()
                .replace("authorization", "x-no-auth");
            r = s.into_bytes();
            r
        }),
        (404, "an unknown path", get("/api/nothing")),
        (
            405,
            "a method the path does not have",
            b"DELETE /api/health HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n".to_vec(),
        ),
        (405, "GET of a POST endpoint", get("/api/reconcile")),
        (
            413,
            "a body over the limit",
            post("/api/backfill", &" ".repeat(100 * 1024)),
        ),
        (
            414,
            "a target over the limit",
            get(&format!("/api/jobs?processor={}", "x".repeat(10_000))),
        ),
        (
            414,
            "a target over hyper's own limit",
            get(&format!("/api/jobs?processor={}", "x".repeat(70_000))),
        ),
        (
            431,
            "header fields over the limit",
            format!(
                "GET /api/health HTTP/1.1\r\nhost: t\r\nconnection: close\r\nx-big: {}\r\n\r\n",
                "y".repeat(40_000)
            )
            .into_bytes(),
        ),
        (
            431,
            "a head over hyper's buffer",
            format!(
                "GET /api/health HTTP/1.1\r\nhost: t\r\nconnection: close\r\nx-big: {}\r\n\r\n",
                "y".repeat(200_000)
            )
            .into_bytes(),
        ),
        (
            431,
            "too many header fields",
            format!(
                "GET /api/health HTTP/1.1\r\nhost: t\r\nconnection: close\r\n{}\r\n",
                (0..150)
                    .map(|i| format!("x-h{i}: v\r\n"))
                    .collect::<String>()
            )
            .into_bytes(),
        ),
    ];
    for (status, what, request) in cases {
        let r = raw(app, &request).await;
        assert_json_error(&r, status, &format!("{who}: {what}"));
        if status == 405 {
            assert!(
                r.headers.to_ascii_lowercase().contains("\r\nallow:"),
                "{who}: {what}: {}",
                r.headers
            );
        }
    }
}

/// A request whose head never ends is dropped after the header read timeout, and one whose
/// body never ends answers 408 after the body timeout (the old server waited forever on both).
pub async fn slow_clients_are_cut_off(app: &App, timeout: Duration, who: &str) {
    let addr = app.base.trim_start_matches("http://");
    for partial in [
        &b"GET /api/hea"[..],
        b"",
        b"GET /api/health HTTP/1.1\r\nhost: t\r\n",
    ] {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(partial).await.unwrap();
        let started = Instant::now();
        let mut buf = Vec::new();
        let closed = tokio::time::timeout(timeout * 10, s.read_to_end(&mut buf)).await;
        assert!(
            closed.is_ok(),
            "{who}: {:?}: still open after {:?}",
            String::from_utf8_lossy(partial),
            started.elapsed()
        );
        assert!(
            started.elapsed() >= timeout / 2,
            "{who}: closed before the timeout"
        );
    }
    let mut s = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/backfill HTTP/1.1\r\nhost: t\r\nconnection: close\r\nauthorization: Bearer {TOKEN}\r\n\
         content-type: application/json\r\ncontent-length: 100\r\n\r\n{{\"from\": "
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let answered = tokio::time::timeout(timeout * 10, s.read_to_end(&mut out)).await;
    assert!(answered.is_ok(), "{who}: a stalled body got no answer");
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.starts_with("HTTP/1.1 408") && text.contains("application/json"),
        "{who}: {text}"
    );
    // The server still answers everyone else.
    let (status, _) = app.get("/api/health").await;
    assert_eq!(status, 200, "{who}");
}

/// Phase 1 fetches live (and spends The Odds API's credits): refused for a range that starts
/// before today, US Eastern, by the server's clock; accepted from today on. Bodies are strict:
/// an object, and `phases` plain digits.
pub async fn live_phases_only_from_today(app: &App, today: &str, yesterday: &str, who: &str) {
    for body in [
        format!(r#"{{"from": "{yesterday}", "to": "{today}", "phases": "1"}}"#),
        format!(r#"{{"from": "{yesterday}", "to": "{yesterday}", "phases": "1-2"}}"#),
        r#"{"from": "2021-10-19", "to": "2021-10-19", "phases": "1-5"}"#.to_string(),
    ] {
        let (status, r) = app.post("/api/backfill", Some(TOKEN), &body).await;
        assert_eq!(status, 400, "{who}: {body}: {r}");
        let m = error_message(&r);
        assert!(m.contains("phase 1") && m.contains(today), "{who}: {m}");
    }
    let (status, r) = app
        .post("/api/reconcile", Some(TOKEN), r#"{"phases": "1"}"#)
        .await;
    assert_eq!(status, 400, "{who}: reconcile: {r}");
    assert_eq!(
        count(&app.store, "SELECT COUNT(*) FROM jobs", &[]).await,
        0,
        "{who}: a refused request wrote jobs"
    );
    let body = format!(r#"{{"from": "{today}", "to": "{today}", "phases": "1"}}"#);
    let (status, r) = app.post("/api/backfill", Some(TOKEN), &body).await;
    assert_eq!(status, 202, "{who}: {body}: {r}");
    // A body is a JSON object: an array is not the fields in order.
    for (path, body) in [
        ("/api/reconcile", "[null, null]"),
        ("/api/backfill", r#"["2024-01-15", "2024-01-15", "2"]"#),
    ] {
        let (status, r) = app.post(path, Some(TOKEN), body).await;
        assert_eq!(status, 400, "{who}: {path} {body}: {r}");
        assert!(error_message(&r).contains("object"), "{who}: {r}");
    }
    // Phase numbers are plain digits: no sign, no spaces.
    for phases in ["+2", " 2", "2- 3", "02-0003"] {
        let body = format!(r#"{{"from": "{today}", "to": "{today}", "phases": "{phases}"}}"#);
        let (status, r) = app.post("/api/backfill", Some(TOKEN), &body).await;
        assert_eq!(status, 400, "{who}: {body}: {r}");
    }
}

/// A NUL character in a name bound as text (PostgreSQL's text cannot hold one: the statement
/// failed with a 500) is a 400 on both backends.
pub async fn nul_in_names(app: &App, who: &str) {
    for path in [
        "/api/predictions/2024-01-15?system=gb%00m",
        "/api/results/2024-01-15?system=%00",
        "/api/jobs?processor=a%00b",
        "/api/jobs?group=%00",
        "/api/backfill/g%00",
    ] {
        let r = raw(app, &get(path)).await;
        assert_json_error(&r, 400, &format!("{who}: GET {path}"));
        assert!(r.body.contains("NUL"), "{who}: GET {path}: {}", r.body);
    }
}

/// Ids beyond what the jobs table holds: 404 up to the largest 64-bit id, 400 past it.
pub async fn huge_ids(app: &App, who: &str) {
    for (id, status) in [
        ("9223372036854775807", 404),
        ("9223372036854775808", 400),
        ("340282366920938463463374607431768211456", 400),
        ("0", 400),
        ("-1", 400),
    ] {
        let r = raw(app, &get(&format!("/api/jobs/{id}"))).await;
        assert_json_error(&r, status, &format!("{who}: job {id}"));
        let r = raw(app, &post(&format!("/api/jobs/{id}/retry"), "")).await;
        assert_json_error(&r, status, &format!("{who}: retry {id}"));
    }
}
