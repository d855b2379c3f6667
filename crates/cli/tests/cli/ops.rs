//! The operations commands as a user runs them, on a fresh data directory (SQLite): their
//! output, exit codes and errors. The checks themselves are tested in crates/ops over real data.

use crate::common::nba_props;
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
    assert_eq!(v["checks"].as_array().unwrap().len(), 11);

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
