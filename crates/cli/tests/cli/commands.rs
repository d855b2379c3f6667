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

/// `run --date D` fetches what the daily schedules fire for D, in their order, and nothing else:
/// the expected list comes from the configuration through the scheduler's own API.
#[test]
fn run_fetches_what_the_daily_schedules_fire_for_the_date() {
    let Some(data) = shared_data() else {
        eprintln!("SKIPPED: ../shared/data is absent");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    // The archive's schedule makes 2023-12-01 a game day; every source is a closed local port.
    let archive = common::small_archive(&data, tmp.path());
    let o = nba_props(tmp.path(), &["import", archive.to_str().unwrap()]);
    assert!(o.status.success(), "{:?}", text(&o));
    let closed = "http://127.0.0.1:9";
    let o = Command::new(env!("CARGO_BIN_EXE_nba-props"))
        .args(["run", "--date", "2023-12-01"])
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
    let (out, err) = text(&o);
    let date = nba_props_core::GameDate::parse("2023-12-01").unwrap();
    let ticks =
        nba_props_ops::scheduler::day_ticks(&nba_props_ops::OpsConfig::default().schedules, date)
            .unwrap();
    let expected: Vec<String> = ticks
        .iter()
        .flat_map(|t| t.schedule.targets.iter())
        .filter(|t| nba_props_sources::resolve(t).is_ok())
        .cloned()
        .collect();
    let fetched: Vec<String> = out
        .lines()
        .filter_map(|l| l.strip_prefix("Phase 1: "))
        .filter_map(|l| l.split(' ').next())
        .map(String::from)
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(fetched, expected, "{out}\n{err}");
    let fired: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("Schedule ") && l.contains(": fired: "))
        .filter_map(|l| l.split(' ').nth(1))
        .collect();
    let names: Vec<&str> = ticks.iter().map(|t| t.schedule.name.as_str()).collect();
    assert_eq!(fired, names, "{out}");
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
    let (out, err) = text(&o);
    assert!(err.contains("cannot reach 127.0.0.1"), "{err}");
    assert!(err.contains("run --archive"), "{err}");
    // Without a schedule no date is known to have games: as `serve` would, `run` passes over
    // the game-aware schedules (the props among them) and says so.
    assert!(
        out.contains("Schedule prop_lines") && out.contains("not fired"),
        "{out}"
    );

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
    // Datasets `run` does not fetch were never tried.
    let props = block("oddsapi.player_props");
    assert!(!props.contains("last error"), "{props}");
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

/// The sha256 of `bytes` in hex, as the manifest writes it.
fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    <sha2::Sha256 as sha2::Digest>::digest(bytes)
        .iter()
        .fold(String::new(), |mut s, b| {
            write!(s, "{b:02x}").unwrap();
            s
        })
}

fn manifest_line(path: &str, source: &str, dataset: &str, partition: &str, sha: &str) -> String {
    format!(
        r#"{{"path": {path:?}, "source": "{source}", "dataset": "{dataset}", "partition": "{partition}", "captured_at": null, "sha256": "{sha}", "bytes": 1, "origin": "test"}}"#
    )
}

/// Files in the raw store (`<data dir>/raw/<aa>/<sha256>`).
fn raw_files(data_dir: &Path) -> Vec<String> {
    let Ok(dirs) = std::fs::read_dir(data_dir.join("raw")) else {
        return Vec::new();
    };
    dirs.flatten()
        .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten().flatten())
        .map(|f| f.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn import_refuses_manifest_paths_that_leave_the_archive_without_reading_them() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");
    std::fs::create_dir_all(archive.join("nbacom")).unwrap();
    // A file beside the archive, with its true hash in the manifest: the old import read it,
    // printed nothing wrong and stored it.
    let secret = tmp.path().join("secret.json");
    std::fs::write(&secret, b"{\"token\": \"do-not-import-me\"}").unwrap();
    let sha = sha256_hex(&std::fs::read(&secret).unwrap());
    std::os::unix::fs::symlink(&secret, archive.join("nbacom/link.json")).unwrap();
    let lines = [
        manifest_line(
            "../secret.json",
            "nbacom",
            "leaguegamelog_player",
            "2023-12-01",
            &sha,
        ),
        manifest_line(
            secret.to_str().unwrap(),
            "nbacom",
            "leaguegamelog_player",
            "2023-12-02",
            &sha,
        ),
        String::new(),
        manifest_line(
            "nbacom/link.json",
            "nbacom",
            "leaguegamelog_player",
            "2023-12-03",
            &sha,
        ),
        manifest_line(
            "nbacom/../../secret.json",
            "nbacom",
            "leaguegamelog_player",
            "2023-12-04",
            &sha,
        ),
    ];
    std::fs::write(archive.join("manifest.jsonl"), lines.join("\n") + "\n").unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();

    let o = nba_props(&data, &["import", archive.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(out.contains("Imported 0 new payloads"), "{out}");
    for (line, what) in [
        (1, "goes up with `..`"),
        (2, "is absolute"),
        (4, "leads out of the archive through a symlink"),
        (5, "goes up with `..`"),
    ] {
        assert!(
            err.lines()
                .any(|l| l.contains(&format!("manifest.jsonl line {line}: ")) && l.contains(what)),
            "line {line} should be refused ({what}):\n{err}"
        );
    }
    // Refused before reading: no hash of the outside file, and nothing stored.
    assert!(!err.contains(&sha) && !err.contains("sha256 is"), "{err}");
    assert!(raw_files(&data).is_empty(), "{:?}", raw_files(&data));
}

#[test]
fn import_refuses_unknown_datasets_and_partitions_of_the_wrong_form_by_line() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");
    std::fs::create_dir_all(&archive).unwrap();
    let mut lines = Vec::new();
    // Each entry names a real file with its true hash: only the dataset or partition is wrong.
    for (i, (source, dataset, partition)) in [
        ("nbacom", "leaguegamelog_playr", "2023-12-01"),
        ("nbacom", "leaguegamelog_player", "2023-13-45"),
        ("nbacom", "leaguegamelog_player", "9999-12-31"),
        ("nbacom", "schedule", "2023-12-01"),
        ("sbr", "game_lines", "22023"),
        ("oddsapi", "player_props/", "2023-12-01"),
        ("espn", "game_lines", "2023-12-01"),
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("f{i}.json");
        let bytes = format!("{{\"n\": {i}}}");
        std::fs::write(archive.join(&name), &bytes).unwrap();
        lines.push(manifest_line(
            &name,
            source,
            dataset,
            partition,
            &sha256_hex(bytes.as_bytes()),
        ));
    }
    std::fs::write(archive.join("manifest.jsonl"), lines.join("\n") + "\n").unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();

    let o = nba_props(&data, &["import", archive.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(out.contains("Imported 0 new payloads"), "{out}");
    for (line, what) in [
        (
            1,
            "dataset nbacom.leaguegamelog_playr is not one the pipeline reads",
        ),
        (
            2,
            "partition \"2023-13-45\" of nbacom.leaguegamelog_player is not a game date",
        ),
        (
            3,
            "partition \"9999-12-31\" of nbacom.leaguegamelog_player is not a game date",
        ),
        (
            4,
            "partition \"2023-12-01\" of nbacom.schedule is not a season",
        ),
        (5, "partition \"22023\" of sbr.game_lines is not a season"),
        (
            6,
            "dataset oddsapi.player_props/ is not one the pipeline reads",
        ),
        (7, "dataset espn.game_lines is not one the pipeline reads"),
    ] {
        assert!(
            err.lines()
                .any(|l| l.contains(&format!("manifest.jsonl line {line}: ")) && l.contains(what)),
            "line {line} should be refused ({what}):\n{err}"
        );
    }
    // The refusal lists what the pipeline does read.
    assert!(
        err.contains("nbacom.leaguegamelog_player") && err.contains("oddsapi.player_props/"),
        "{err}"
    );
    assert!(raw_files(&data).is_empty(), "{:?}", raw_files(&data));
}

#[test]
fn a_top_level_typo_in_the_configuration_is_an_error_naming_key_and_file() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(
        d.join("nba-props.toml"),
        "databse_url = \"postgres://postgres@127.0.0.1:1/nowhere\"\n",
    )
    .unwrap();
    let o = nba_props(d, &["heartbeats"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(
        err.contains("databse_url") && err.contains("nba-props.toml"),
        "{err}"
    );
    assert!(
        !d.join("nba-props.db").exists(),
        "the local SQLite database must not be used instead"
    );

    // The sections read elsewhere are still accepted beside the top-level settings.
    std::fs::write(
        d.join("nba-props.toml"),
        "archive_dir = \"archive\"\n[sources.odds]\nquota_reserve = 50\n[predict]\ntrain_seasons = 2\n[runtime]\nworkers = 1\n",
    )
    .unwrap();
    let o = nba_props(d, &["heartbeats"]);
    assert!(o.status.success(), "{:?}", text(&o));
}

#[test]
fn dates_outside_1946_to_2100_and_huge_windows_exit_1_with_the_range_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let out_dir = d.join("out");
    let out_dir = out_dir.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["backfill", "--from", "9999-12-31", "--to", "9999-12-31"],
            "1946-01-01 to 2100-12-31",
        ),
        (
            vec!["backfill", "--from", "2024-01-01", "--to", "9999-12-31"],
            "1946-01-01 to 2100-12-31",
        ),
        (
            vec!["run", "--date", "9999-12-31", "--archive", "x"],
            "1946-01-01 to 2100-12-31",
        ),
        (
            vec!["run", "--from", "1900-01-01", "--to", "2024-01-01"],
            "1946-01-01 to 2100-12-31",
        ),
        (
            vec!["eval", "--from", "2024-01-01", "--to", "9999-12-31"],
            "1946-01-01 to 2100-12-31",
        ),
        (
            vec!["status", "--date", "9999-12-31"],
            "1946-01-01 to 2100-12-31",
        ),
        (
            vec!["export", "--date", "9999-12-31", "--out", out_dir],
            "1946-01-01 to 2100-12-31",
        ),
        (
            vec!["health", "--days", "100000000"],
            "expected 1 to 3650 days",
        ),
        (
            vec!["reconcile", "--days", "100000000"],
            "expected 1 to 3650 days",
        ),
        (vec!["drift", "--days", "4000"], "expected 1 to 3650 days"),
        (
            vec![
                "backfill",
                "--from",
                "2024-01-01",
                "--to",
                "2024-01-02",
                "--no-wait",
                "--jobs",
                "100000000",
            ],
            "--jobs 100000000: expected at most 64",
        ),
        (
            vec!["heartbeats", "--prune-older-than", "999999999999999d"],
            "is too long",
        ),
    ];
    for (args, expected) in cases {
        let o = nba_props(d, &args);
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {out}\n{err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    // A schedule in the configuration is held to the same range.
    std::fs::write(
        d.join("nba-props.toml"),
        "[[ops.schedules]]\nname = \"far\"\ncron = \"0 5 * * *\"\ntargets = [\"predict\"]\ndate = \"9999-12-31\"\n",
    )
    .unwrap();
    let o = nba_props(d, &["heartbeats"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(err.contains("1946-01-01 to 2100-12-31"), "{err}");
}

#[test]
fn commands_end_quietly_when_their_output_is_closed() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // A database to read (the first command creates it).
    assert!(nba_props(d, &["heartbeats"]).status.success());
    for args in [
        &["jobs"][..],
        &["health", "--days", "3"],
        &["sources"],
        &["status", "--date", "2024-01-15"],
        &["heartbeats"],
    ] {
        // The reader is gone before the first line (`| head -0`, or `| head -1` once the first
        // line is read): every write after that fails with a broken pipe.
        let mut child = Command::new(env!("CARGO_BIN_EXE_nba-props"))
            .args(args)
            .env("NBA_PROPS_DATA_DIR", d)
            .env_remove("NBA_PROPS_DATABASE_URL")
            .env_remove("NBA_PROPS_ARCHIVE_DIR")
            .current_dir(d)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.contains("Broken pipe"), "{args:?}: {err}");
        assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
    }
}

/// A box-score date whose job dies leaves the features after it waiting, not computed over the
/// hole: `backfill` says so and exits 1, `jobs` and `status` show each blocked job with the dead
/// job it waits for.
#[test]
fn jobs_blocked_by_a_dead_partition_are_shown_by_backfill_jobs_and_status() {
    let Some(data) = shared_data() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let archive = common::small_archive(&data, tmp.path());
    let imported = nba_props(tmp.path(), &["import", archive.to_str().unwrap()]);
    assert!(imported.status.success(), "{:?}", text(&imported));
    // The raw file of 2023-12-02's box scores goes missing (as when its disk is away).
    let bytes = std::fs::read(archive.join("nbacom/leaguegamelog_player/2023-12-02.json")).unwrap();
    let sha = nba_props_store::raw::sha256_hex(&bytes);
    let file = tmp.path().join("raw").join(&sha[..2]).join(&sha);
    std::fs::remove_file(&file).unwrap();

    let backfill = Command::new(env!("CARGO_BIN_EXE_nba-props"))
        .args([
            "backfill",
            "--from",
            "2023-12-01",
            "--to",
            "2023-12-03",
            "--phases",
            "2-4",
        ])
        .env("NBA_PROPS_DATA_DIR", tmp.path())
        .env_remove("NBA_PROPS_DATABASE_URL")
        .env("NBA_PROPS_RUNTIME_MAX_ATTEMPTS", "1")
        .current_dir(tmp.path())
        .output()
        .unwrap();
    let (out, err) = text(&backfill);
    assert_eq!(backfill.status.code(), Some(1), "{out}\n{err}");
    assert!(
        err.contains("1 jobs are dead") && err.contains("nbac_player_boxscores 2023-12-02"),
        "{err}"
    );
    assert!(
        err.contains("wait for a dead upstream partition")
            && err.contains("feature_store 2023-12-03 waits for dead job"),
        "{err}"
    );

    let jobs = nba_props(tmp.path(), &["jobs"]);
    let (out, _) = text(&jobs);
    assert!(out.contains("blocked by dead partitions"), "{out}");
    assert!(
        out.lines().any(|l| l.contains(" queued ")
            && l.contains("blocked: waits for dead job")
            && l.contains("(nbac_player_boxscores 2023-12-02)")),
        "{out}"
    );
    let status = nba_props(tmp.path(), &["status", "--date", "2023-12-03"]);
    let (out, _) = text(&status);
    assert_eq!(status.status.code(), Some(1), "{out}");
    assert!(
        out.contains("Blocked by a dead upstream partition")
            && out.contains("feature_store 2023-12-03"),
        "{out}"
    );
}
