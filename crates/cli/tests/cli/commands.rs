//! The `nba-props` binary as a user runs it: on a small archive cut from the real data, with its
//! own data directory (SQLite) per test.

use crate::common::{self, nba_props, shared_data};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The common small archive plus a truncated box score for 2023-12-04 (no games on the 3rd).
fn small_archive(data: &Path, dir: &Path) -> PathBuf {
    let out = common::small_archive(data, dir);
    let good =
        std::fs::read(data.join("archive/nbacom/leaguegamelog_player/2023-12-04.json")).unwrap();
    let bad = &good[..good.len() / 3];
    std::fs::write(out.join("nbacom/leaguegamelog_player/2023-12-04.json"), bad).unwrap();
    let sha = {
        use std::fmt::Write;
        let digest = <sha2::Sha256 as sha2::Digest>::digest(bad);
        digest.iter().fold(String::new(), |mut s, b| {
            write!(s, "{b:02x}").unwrap();
            s
        })
    };
    let mut manifest = std::fs::read_to_string(out.join("manifest.jsonl")).unwrap();
    manifest.push_str(&format!(
        r#"{{"path": "nbacom/leaguegamelog_player/2023-12-04.json", "source": "nbacom", "dataset": "leaguegamelog_player", "partition": "2023-12-04", "captured_at": null, "sha256": "{sha}", "bytes": {}, "origin": "test"}}"#,
        bad.len()
    ));
    manifest.push('\n');
    std::fs::write(out.join("manifest.jsonl"), manifest).unwrap();
    out
}

#[test]
fn import_backfill_and_status_as_a_user_sees_them() {
    let Some(data) = shared_data() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let archive = small_archive(&data, tmp.path());
    let archive = archive.to_str().unwrap();

    let first = nba_props(tmp.path(), &["import", archive]);
    assert!(first.status.success(), "{:?}", text(&first));
    assert!(
        text(&first).0.contains("Imported 4 new payloads"),
        "{:?}",
        text(&first)
    );
    let second = nba_props(tmp.path(), &["import", archive]);
    assert!(second.status.success());
    assert!(
        text(&second).0.contains("Nothing new: all 4 files"),
        "{:?}",
        text(&second)
    );
    assert!(
        tmp.path().join("nba-props.db").is_file(),
        "the SQLite database lives in the data directory"
    );

    // The truncated 2023-12-04 payload fails: non-zero exit, a summary naming file, dataset, field.
    let backfill = nba_props(
        tmp.path(),
        &[
            "backfill",
            "--from",
            "2023-12-01",
            "--to",
            "2023-12-04",
            "--phases",
            "2",
        ],
    );
    let (out, err) = text(&backfill);
    assert_eq!(backfill.status.code(), Some(1), "{out}\n{err}");
    assert!(out.contains("nbac_player_boxscores"), "{out}");
    assert!(err.contains("1 payloads failed to parse"), "{err}");
    assert!(
        err.contains("nbacom/leaguegamelog_player/2023-12-04.json") && err.contains("field "),
        "{err}"
    );

    let ok_day = nba_props(tmp.path(), &["status", "--date", "2023-12-01"]);
    let (out, _) = text(&ok_day);
    assert!(ok_day.status.success(), "{out}");
    assert!(
        out.contains("nbac_player_boxscores")
            && out.contains("succeeded")
            && out.contains("nbac_schedule"),
        "{out}"
    );
    let bad_day = nba_props(tmp.path(), &["status", "--date", "2023-12-04"]);
    let (out, _) = text(&bad_day);
    assert_eq!(bad_day.status.code(), Some(1), "{out}");
    assert!(
        out.contains("failed") && out.contains("Payloads that fail to parse (1)"),
        "{out}"
    );
}

#[test]
fn run_without_an_archive_says_plainly_that_the_sources_cannot_be_reached() {
    let tmp = tempfile::tempdir().unwrap();
    // Every source points at a closed local port: the test never leaves this machine.
    let closed = "http://127.0.0.1:9";
    let o = Command::new(env!("CARGO_BIN_EXE_nba-props"))
        .args(["run", "--date", "2024-01-15"])
        .env("NBA_PROPS_DATA_DIR", tmp.path())
        .env_remove("NBA_PROPS_DATABASE_URL")
        .env_remove("NBA_PROPS_ODDS_API_KEY")
        .env("NBA_PROPS_NBA_STATS_BASE_URL", closed)
        .env("NBA_PROPS_NBA_CDN_BASE_URL", closed)
        .env("NBA_PROPS_ODDS_API_BASE_URL", closed)
        .env("NBA_PROPS_ESPN_BASE_URL", closed)
        .env("NBA_PROPS_BETTINGPROS_BASE_URL", closed)
        .env("NBA_PROPS_INJURY_REPORT_BASE_URL", closed)
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let (_, err) = text(&o);
    assert!(err.contains("cannot reach 127.0.0.1"), "{err}");
    assert!(err.contains("set NBA_PROPS_ODDS_API_KEY"), "{err}");
    assert!(err.contains("run --archive"), "{err}");

    // `sources` shows each failed dataset's last error with its message, and no success.
    let o = nba_props(tmp.path(), &["sources"]);
    let (out, _) = text(&o);
    assert!(o.status.success(), "{out}");
    // A dataset's line and the indented lines under it.
    let block = |name: &str| -> String {
        let mut lines = out
            .lines()
            .skip_while(|l| !l.starts_with(&format!("{name} ")));
        let first = lines.next().unwrap_or_else(|| panic!("{name} in {out}"));
        std::iter::once(first)
            .chain(lines.take_while(|l| l.starts_with(' ')))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let schedule = block("nbacom.schedule");
    assert!(
        schedule.contains("last error: ") && schedule.contains("cannot reach 127.0.0.1"),
        "{schedule}"
    );
    // Last success never, last error at a time.
    let cols: Vec<&str> = schedule
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(cols[1], "never", "{schedule}");
    assert!(cols[2].parse::<jiff::Timestamp>().is_ok(), "{schedule}");
    let props = block("oddsapi.player_props");
    assert!(
        props.contains("last error: ") && props.contains("set NBA_PROPS_ODDS_API_KEY"),
        "{props}"
    );
    // Datasets `run` does not fetch were never tried.
    let espn = block("espn.summary");
    assert!(!espn.contains("last error"), "{espn}");
}

#[test]
fn bad_arguments_get_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let o = nba_props(tmp.path(), &["status", "--date", "2024-13-45"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).1.contains("invalid game date \"2024-13-45\""),
        "{:?}",
        text(&o)
    );
    let o = nba_props(
        tmp.path(),
        &["backfill", "--from", "2024-01-02", "--to", "2024-01-01"],
    );
    assert!(text(&o).1.contains("is after --to"), "{:?}", text(&o));
    let o = nba_props(
        tmp.path(),
        &[
            "backfill",
            "--from",
            "2024-01-01",
            "--to",
            "2024-01-02",
            "--phases",
            "x",
        ],
    );
    assert!(text(&o).1.contains("--phases"), "{:?}", text(&o));
    let o = nba_props(tmp.path(), &["import", "/nonexistent/archive"]);
    assert!(
        text(&o).1.contains("/nonexistent/archive/manifest.jsonl"),
        "{:?}",
        text(&o)
    );
}
