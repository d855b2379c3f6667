//! `nba-props serve` as an operator runs it: the dashboard and API on `NBA_PROPS_WEB_ADDR`, a
//! backfill enqueued over HTTP with the bearer token and run by the serve's own workers, JSON
//! logs whose lines carry the processor, partition, job and correlation ids, and a clean stop on
//! SIGTERM.

use crate::common::{shared_data, small_archive};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One HTTP/1.1 request; the status and the body.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let status = out.split(' ').nth(1)?.parse().ok()?;
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Some((status, body))
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[test]
fn serve_answers_runs_a_backfill_from_the_api_logs_json_and_stops_on_sigterm() {
    let Some(data) = shared_data() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let archive = small_archive(&data, dir.path());
    let cmd = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_nba-props"));
        c.env("NBA_PROPS_DATA_DIR", dir.path())
            .env_remove("NBA_PROPS_DATABASE_URL")
            .env_remove("NBA_PROPS_CONFIG")
            .current_dir(dir.path());
        c
    };
    let import = cmd().arg("import").arg(&archive).output().unwrap();
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let log = dir.path().join("serve.log");
    let mut serve = cmd()
        .args(["--log-format", "json", "serve", "--workers", "1"])
        .env("NBA_PROPS_WEB_ADDR", &addr)
        .env("NBA_PROPS_WEB_TOKEN", "serve-test-token")
        .env("NBA_PROPS_LOG", "info")
        .env("NBA_PROPS_RUNTIME_POLL_MS", "50")
        .env("NBA_PROPS_RUNTIME_WORKER_NAME", "serve-test")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let health = loop {
        if let Some((200, body)) = http(&addr, "GET", "/api/health", None, "") {
            break json(&body);
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "serve did not answer: {}",
            std::fs::read_to_string(&log).unwrap()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    // The window (the last 30 days) holds no game of the data loaded: no score, and why.
    assert!(
        health["score"].is_null() && health["note"].is_string(),
        "{health}"
    );

    let body = r#"{"from": "2023-12-01", "to": "2023-12-03", "phases": "2"}"#;
    assert_eq!(
        http(&addr, "POST", "/api/backfill", None, body).unwrap().0,
        401
    );
    let (status, b) = http(
        &addr,
        "POST",
        "/api/backfill",
        Some("serve-test-token"),
        body,
    )
    .unwrap();
    assert_eq!(status, 202, "{b}");
    let group = json(&b)["group_id"].as_str().unwrap().to_string();
    let jobs = loop {
        let (_, p) = http(&addr, "GET", &format!("/api/backfill/{group}"), None, "").unwrap();
        let p = json(&p);
        if p["finished"] == true {
            break p;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "backfill not finished: {p}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(jobs["dead"], 0, "{jobs}");
    let (_, st) = http(&addr, "GET", "/api/status/2023-12-02", None, "").unwrap();
    let st = json(&st);
    let lgl = st["processors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["state"] == "succeeded" && p["rows_written"].as_i64() > Some(0));
    assert!(lgl.is_some(), "no phase 2 processor wrote 2023-12-02: {st}");
    let (status, metrics) = http(&addr, "GET", "/metrics", None, "").unwrap();
    assert_eq!(status, 200);
    assert!(
        metrics.contains("nba_props_worker_heartbeat_age_seconds{worker=\"serve-test/1\""),
        "{metrics}"
    );

    let term = Command::new("kill")
        .args(["-TERM", &serve.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let stopped = Instant::now();
    let status = loop {
        if let Some(s) = serve.try_wait().unwrap() {
            break s;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(20),
            "serve did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "serve exited with {status}");
    assert!(
        http(&addr, "GET", "/api/health", None, "").is_none(),
        "still answering after it stopped"
    );

    // Every log line is JSON; the batches name their processor, partition, job and correlation.
    let text = std::fs::read_to_string(&log).unwrap();
    let events: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(json)
        .collect();
    let batch = events
        .iter()
        .filter(|e| e["fields"]["message"] == "Batch finished.")
        .find(|e| e["fields"]["correlation_id"] == group.as_str())
        .unwrap_or_else(|| panic!("no batch event of {group} in the log:\n{text}"));
    let f = &batch["fields"];
    assert!(
        f["processor"].is_string() && f["partition"].is_string() && f["job_id"].is_number(),
        "{batch}"
    );
    assert_eq!(batch["level"], "INFO");
}
