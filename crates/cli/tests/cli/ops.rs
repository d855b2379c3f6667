//! The operations commands as a user runs them, on a fresh data directory (SQLite): their
//! output, exit codes and errors. The checks themselves are tested in crates/ops over real data.

use crate::common::{nba_props, shared_data};
use nba_props_store::Db;
use std::process::Output;

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn health_reconcile_drift_and_heartbeats_on_a_fresh_database() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = nba_props(d, &["health", "--days", "3"]);
    assert!(o.status.success(), "{}", out(&o));
    let text = out(&o);
    // No schedule, so no game day in the window: no score (a 100 would claim the data checks
    // found everything in order), the reason, and the instant the checks looked from.
    assert!(text.starts_with("Health no score over "), "{text}");
    assert!(text.contains("(0 game days) as of "), "{text}");
    assert!(text.contains("no game days in "), "{text}");
    for check in [
        "stale_heartbeats",
        "late_work",
        "late_arrivals",
        "missing_partitions",
        "duplicate_keys",
        "builds_in_use",
        "train_serve_parity",
    ] {
        assert!(text.contains(&format!("pass {check}")), "{check}: {text}");
    }
    let o = nba_props(d, &["health", "--days", "3", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["score"].is_null(), "{v}");
    assert_eq!(v["game_days"], 0, "{v}");
    assert!(v["note"].as_str().unwrap().contains("no game days"), "{v}");
    let as_of = v["as_of"].as_str().unwrap();
    assert!(
        as_of.parse::<jiff::Timestamp>().is_ok() && as_of.starts_with(v["to"].as_str().unwrap()),
        "as_of {as_of} is the instant of the window's last day: {v}"
    );
    assert_eq!(v["checks"].as_array().unwrap().len(), 12);

    let o = nba_props(d, &["reconcile", "--days", "3"]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).starts_with("0 gaps over "), "{}", out(&o));
    let o = nba_props(d, &["drift"]);
    assert!(o.status.success(), "{}", out(&o));
    let o = nba_props(d, &["heartbeats", "--prune-older-than", "7d"]);
    assert!(o.status.success(), "{}", out(&o));

    let o = nba_props(d, &["heartbeats", "--prune-older-than", "7x"]);
    assert!(!o.status.success());
    assert!(
        out(&o).contains("unit \"x\" is not one of d, h, m, s, ms"),
        "{}",
        out(&o)
    );

    // A schedule that cannot work is refused when the configuration loads, by name.
    std::fs::write(
        d.join("nba-props.toml"),
        "[[ops.schedules]]\nname = \"broken\"\ncron = \"61 5 * * *\"\ntargets = [\"predict\"]\n",
    )
    .unwrap();
    let o = nba_props(d, &["health"]);
    assert!(!o.status.success());
    assert!(
        out(&o).contains("schedule broken: cron \"61 5 * * *\""),
        "{}",
        out(&o)
    );
}

/// `check parity` as a user runs it after a backfill through phase 5: exit 0, then, with the
/// spread planted NULL in the date's feature rows (the live path without game lines), exit 1
/// naming it, in text and in JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_parity_passes_after_a_backfill_and_names_a_feature_planted_null() {
    let Some(data) = shared_data() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let archive = data.join("archive");
    let o = nba_props(d, &["import", archive.to_str().unwrap()]);
    assert!(o.status.success(), "{}", out(&o));
    let o = nba_props(
        d,
        &[
            "backfill",
            "--from",
            "2023-10-20",
            "--to",
            "2023-11-08",
            "--phases",
            "2-5",
            "--in-process",
        ],
    );
    assert!(o.status.success(), "{}", out(&o));

    let o = nba_props(d, &["check", "parity", "--date", "2023-11-08"]);
    let text = out(&o);
    assert!(o.status.success(), "{text}");
    assert!(
        text.starts_with("Train/serve parity for 2023-11-08"),
        "{text}"
    );
    assert_eq!(
        text.matches("every feature of training present").count(),
        6,
        "baseline and anchored × three markets: {text}"
    );

    let db = Db::connect(&format!("sqlite://{}", d.join("nba-props.db").display()))
        .await
        .unwrap();
    db.execute(
        "UPDATE feature_store SET spread = NULL WHERE game_date = '2023-11-08'",
        &[],
    )
    .await
    .unwrap();
    let o = nba_props(d, &["check", "parity", "--date", "2023-11-08"]);
    let text = out(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert_eq!(text.matches("absent live: spread\n").count(), 6, "{text}");
    let o = nba_props(d, &["check", "parity", "--date", "2023-11-08", "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for m in v["models"].as_array().unwrap() {
        let missing: Vec<&str> = m["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["missing_live"] == true)
            .map(|f| f["feature"].as_str().unwrap())
            .collect();
        assert_eq!(missing, ["spread"], "{m}");
        assert!(m["training_rows"].as_i64().unwrap() > 0, "{m}");
    }
}
