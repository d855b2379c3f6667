//! Phase 2 over the real archive in `../shared/data`, on SQLite and PostgreSQL: the tables must
//! agree with the sources' own counts and totals, re-runs must change nothing, concurrent
//! backfills must not duplicate, and bad payloads must be kept, marked and reported.

use nba_props_core::{BuildInfo, GameDate};
use nba_props_pipeline::backfill::{BackfillSummary, backfill, processors_for};
use nba_props_pipeline::import::import_archive;
use nba_props_pipeline::{Ctx, testdata};
use nba_props_store::schema::OUTPUT_TABLES;
use nba_props_store::{Db, Store, testing};
use std::path::Path;
use std::sync::Arc;

/// Phase 2 of the per-game box scores, ESPN, the injury report and BettingPros.
mod phase2_sources;

fn d(s: &str) -> GameDate {
    GameDate::parse(s).unwrap()
}

async fn run(store: &Store, from: &str, to: &str, jobs: usize) -> BackfillSummary {
    let ctx = Arc::new(Ctx::new(store.clone()).snapshot_raw_index());
    backfill(ctx, processors_for(2..=2), d(from), d(to), jobs, &|_| {}).await
}

async fn count(db: &Db, sql: &str) -> i64 {
    db.query(sql, &[]).await.unwrap()[0].i64(0).unwrap_or(0)
}

/// Every output table's rows, sorted, as one string: equal strings mean equal tables.
async fn checksum(db: &Db) -> String {
    let mut all = String::new();
    for t in OUTPUT_TABLES {
        let cols: Vec<&str> = t.columns.iter().map(|c| c.name).collect();
        let sql = format!(
            "SELECT {} FROM {} ORDER BY {}",
            cols.join(", "),
            t.name,
            t.key.join(", ")
        );
        for row in db.query(&sql, &[]).await.unwrap() {
            all.push_str(&format!("{:?}\n", row.0));
        }
    }
    nba_props_store::raw::sha256_hex(all.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phase2_over_the_archive_matches_the_sources_and_reruns_change_nothing() {
    let Some(data) = testdata::shared_data_dir() else {
        return;
    };
    for t in testing::all().await {
        let (store, db, who) = (&t.store, &t.store.db, t.label);
        let first = import_archive(
            store,
            &data.join("archive"),
            BuildInfo::current(),
            |_, _| {},
        )
        .await
        .unwrap();
        assert!(first.errors.is_empty(), "{who}: {:?}", first.errors);
        assert_eq!(first.new_payloads, first.files, "{who}");
        let again = import_archive(
            store,
            &data.join("archive"),
            BuildInfo::current(),
            |_, _| {},
        )
        .await
        .unwrap();
        assert_eq!(
            (again.new_payloads, again.already_stored),
            (0, first.files),
            "{who}: a second import stored something"
        );

        let summary = run(store, "2021-10-01", "2024-06-30", 2).await;
        assert!(
            summary.ok(),
            "{who}: {:?} {:?}",
            summary.failures,
            summary.bad_payloads
        );

        // Player rows and games per season, exactly as the data README counts them.
        let per_season = db
            .query(
                "SELECT season, CAST(COUNT(*) AS BIGINT), CAST(COUNT(DISTINCT game_id) AS BIGINT) \
                 FROM nbac_player_boxscores GROUP BY season ORDER BY season",
                &[],
            )
            .await
            .unwrap();
        let got: Vec<(String, i64, i64)> = per_season
            .iter()
            .map(|r| (r.text(0), r.i64(1).unwrap(), r.i64(2).unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                ("2021-22".into(), 26039, 1230),
                ("2022-23".into(), 25895, 1230),
                ("2023-24".into(), 26401, 1230)
            ],
            "{who}"
        );
        // No real row breaks the parsers' range and consistency checks: nothing of the real
        // box scores is quarantined.
        let quarantined = count(
            db,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM unmatched_rows WHERE processor = 'nbac_player_boxscores'",
        )
        .await;
        assert_eq!(quarantined, 0, "{who}");
        // 1,230 regular-season games per season among the known games, none twice.
        let regular = db
            .query(
                "SELECT season, CAST(COUNT(*) AS BIGINT) FROM nbac_schedule WHERE season_type = 'regular' GROUP BY season ORDER BY season",
                &[],
            )
            .await
            .unwrap();
        let got: Vec<(String, i64)> = regular
            .iter()
            .map(|r| (r.text(0), r.i64(1).unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                ("2021-22".into(), 1230),
                ("2022-23".into(), 1230),
                ("2023-24".into(), 1230)
            ],
            "{who}"
        );
        // Every game seen in box scores exists as a game, on the same date.
        let orphans = count(
            db,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT DISTINCT game_id, game_date FROM nbac_player_boxscores) b \
             WHERE NOT EXISTS (SELECT 1 FROM nbac_schedule s WHERE s.game_id = b.game_id AND s.game_date = b.game_date)",
        )
        .await;
        assert_eq!(
            orphans, 0,
            "{who}: box-score games missing from the schedule"
        );
        // A game the pre-season capture put on 2024-01-17 was played on 2024-02-15: it moved, once.
        let moved = db
            .query(
                "SELECT game_date, source FROM nbac_schedule WHERE game_id = '0022300576'",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(moved.len(), 1, "{who}");
        assert_eq!(
            (moved[0].text(0), moved[0].text(1)),
            ("2024-02-15".into(), "schedule".into()),
            "{who}"
        );

        // Summed player points equal the final scores wherever a source states them.
        let team_points = "SELECT game_id, team, CAST(SUM(points) AS BIGINT) AS pts FROM nbac_player_boxscores GROUP BY game_id, team";
        let schedule_checked = count(
            db,
            &format!(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM nbac_schedule s JOIN ({team_points}) h ON h.game_id = s.game_id AND h.team = s.home_team \
                 JOIN ({team_points}) a ON a.game_id = s.game_id AND a.team = s.away_team \
                 WHERE s.score_source = 'schedule' AND s.home_score = h.pts AND s.away_score = a.pts"
            ),
        )
        .await;
        let schedule_scored = count(
            db,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM nbac_schedule WHERE score_source = 'schedule' AND season_type = 'regular'",
        )
        .await;
        assert_eq!(
            (schedule_checked, schedule_scored),
            (2460, 2460),
            "{who}: schedule scores vs box scores"
        );
        let lines_checked = count(
            db,
            &format!(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM game_lines l JOIN (SELECT game_id, SUM(pts) AS total FROM ({team_points}) x GROUP BY game_id) b \
                 ON b.game_id = l.game_id WHERE l.final_total = b.total"
            ),
        )
        .await;
        let lines_with_box = count(
            db,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM game_lines l WHERE EXISTS (SELECT 1 FROM nbac_player_boxscores b WHERE b.game_id = l.game_id)",
        )
        .await;
        assert!(
            lines_with_box > 3600,
            "{who}: only {lines_with_box} lines joined to box scores"
        );
        assert_eq!(
            lines_checked, lines_with_box,
            "{who}: game-line totals vs box scores"
        );

        // Nothing is dropped silently: every CSV row is a line or an unmatched row.
        let lines = count(db, "SELECT CAST(COUNT(*) AS BIGINT) FROM game_lines").await;
        let unmatched_lines = count(
            db,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM unmatched_rows WHERE processor = 'game_lines'",
        )
        .await;
        assert_eq!(lines + unmatched_lines, 1323 + 1319 + 1255, "{who}");
        // Every 2023-24 PRA snapshot file ends up as rows or as a reported unmatched event.
        let files = count(
            db,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT payload_sha256 FROM odds_player_props WHERE market = 'player_points_rebounds_assists' \
             UNION SELECT payload_sha256 FROM unmatched_rows WHERE processor = 'odds_player_props') x",
        )
        .await;
        assert_eq!(files, 347, "{who}");
        let props_games_unknown = count(
            db,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM odds_player_props p WHERE NOT EXISTS (SELECT 1 FROM nbac_schedule s WHERE s.game_id = p.game_id AND s.game_date = p.game_date)",
        )
        .await;
        assert_eq!(props_games_unknown, 0, "{who}");

        // Running the same backfill again changes no row, and every run says so.
        let before = checksum(db).await;
        let rerun = run(store, "2021-10-01", "2024-06-30", 2).await;
        assert!(rerun.ok(), "{who}");
        assert!(
            rerun.totals.values().all(|t| t.changed == 0),
            "{who}: {:?}",
            rerun.totals
        );
        assert_eq!(
            checksum(db).await,
            before,
            "{who}: a re-run changed the tables"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_backfills_of_one_range_at_once_leave_no_duplicate() {
    let Some(data) = testdata::shared_data_dir() else {
        return;
    };
    for t in testing::all().await {
        let who = t.label;
        let archive = small_archive(&data, t.dir.path(), &[]);
        import_archive(&t.store, &archive, BuildInfo::current(), |_, _| {})
            .await
            .unwrap();
        // Two independent connections pools, as two processes would have.
        let other = Store {
            db: Db::connect(&t.url).await.unwrap(),
            raw: t.store.raw.clone(),
        };
        let (a, b) = tokio::join!(
            run(&t.store, "2023-12-01", "2023-12-10", 2),
            run(&other, "2023-12-01", "2023-12-10", 2)
        );
        assert!(a.ok() && b.ok(), "{who}: {:?} {:?}", a.failures, b.failures);
        let db = &t.store.db;
        let rows = count(
            db,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM nbac_player_boxscores",
        )
        .await;
        let distinct = count(db, "SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT DISTINCT game_id, player_id FROM nbac_player_boxscores) x").await;
        assert_eq!(rows, distinct, "{who}");
        assert_eq!(
            rows,
            expected_rows(&data, "2023-12-01", "2023-12-10"),
            "{who}"
        );
    }
}

/// Player rows in the archive's box-score files for a date range.
fn expected_rows(data: &Path, from: &str, to: &str) -> i64 {
    d(from)
        .through(d(to))
        .filter_map(|day| {
            std::fs::read(data.join(format!("archive/nbacom/leaguegamelog_player/{day}.json"))).ok()
        })
        .map(|bytes| {
            let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            v["resultSets"][0]["rowSet"].as_array().unwrap().len() as i64
        })
        .sum()
}

/// A small archive: the 2023-24 schedule, box scores of 2023-12-01..10, plus `extra`
/// (path, bytes, partition) box-score files written as given.
fn small_archive(data: &Path, dir: &Path, extra: &[(&str, &[u8])]) -> std::path::PathBuf {
    let out = dir.join("archive");
    let manifest = std::fs::read_to_string(data.join("archive/manifest.jsonl")).unwrap();
    let mut lines = Vec::new();
    for line in manifest.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let path = v["path"].as_str().unwrap();
        let part = v["partition"].as_str().unwrap();
        let keep = path == "nbacom/schedule/2023-24.json"
            || (path.starts_with("nbacom/leaguegamelog_player/")
                && ("2023-12-01"..="2023-12-10").contains(&part));
        if keep {
            let target = out.join(path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(data.join("archive").join(path), target).unwrap();
            lines.push(line.to_string());
        }
    }
    for (date, bytes) in extra {
        let path = format!("nbacom/leaguegamelog_player/{date}.json");
        std::fs::write(out.join(&path), bytes).unwrap();
        let sha = nba_props_store::raw::sha256_hex(bytes);
        lines.push(
            serde_json::json!({"path": path, "source": "nbacom", "dataset": "leaguegamelog_player", "partition": date,
                               "captured_at": null, "sha256": sha, "bytes": bytes.len(), "origin": "test", "reserialized": true})
            .to_string(),
        );
    }
    std::fs::write(out.join("manifest.jsonl"), lines.join("\n") + "\n").unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_payloads_are_kept_marked_and_reported_while_other_dates_go_on() {
    let Some(data) = testdata::shared_data_dir() else {
        return;
    };
    let good =
        std::fs::read(data.join("archive/nbacom/leaguegamelog_player/2023-12-11.json")).unwrap();
    let truncated = good[..good.len() / 2].to_vec();
    // The first row's PLAYER_ID (a number) written as a string, in the real file of that date.
    let real_14 = String::from_utf8(
        std::fs::read(data.join("archive/nbacom/leaguegamelog_player/2023-12-14.json")).unwrap(),
    )
    .unwrap();
    let first_row = "\"rowSet\":[[\"22023\",";
    let at = real_14.find(first_row).unwrap() + first_row.len();
    let digits = real_14[at..].find(',').unwrap();
    let wrong_type = format!(
        "{}\"{}\"{}",
        &real_14[..at],
        &real_14[at..at + digits],
        &real_14[at + digits..]
    );
    let html = b"<!DOCTYPE html><html><head><title>Access Denied</title></head><body>Access Denied</body></html>".to_vec();
    let bad: Vec<(&str, &[u8])> = vec![
        ("2023-12-11", &truncated),
        ("2023-12-12", html.as_slice()),
        ("2023-12-13", b""),
    ];
    // A row with a cell of the wrong type is quarantined; the payload's other rows are kept.
    let mut extra = bad.clone();
    extra.push(("2023-12-14", wrong_type.as_bytes()));
    for t in testing::all().await {
        let who = t.label;
        let archive = small_archive(&data, t.dir.path(), &extra);
        let imported = import_archive(&t.store, &archive, BuildInfo::current(), |_, _| {})
            .await
            .unwrap();
        assert!(imported.errors.is_empty(), "{who}: {:?}", imported.errors);
        let summary = run(&t.store, "2023-12-01", "2023-12-14", 1).await;
        assert!(!summary.ok(), "{who}");
        assert_eq!(
            summary.bad_payloads.len(),
            3,
            "{who}: {:#?}",
            summary.bad_payloads
        );
        for (date, _) in &bad {
            let msg = summary
                .bad_payloads
                .iter()
                .find(|m| m.contains(&format!("{date}.json")))
                .unwrap_or_else(|| panic!("{who}: {date} not reported"));
            assert!(
                msg.contains("nbacom/leaguegamelog_player"),
                "{who}: no dataset in {msg}"
            );
            assert!(msg.contains("field "), "{who}: no field in {msg}");
        }

        assert!(
            summary.bad_payloads.iter().any(|m| m.contains("HTML")),
            "{who}: {:?}",
            summary.bad_payloads
        );
        let db = &t.store.db;
        // Marked failed, and still stored byte for byte.
        let marked = db
            .query(
                "SELECT sha256, partition_key FROM raw_parse_failures ORDER BY partition_key",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(marked.len(), 3, "{who}");
        assert_eq!(
            t.store.raw.get(&marked[0].text(0)).unwrap(),
            truncated,
            "{who}"
        );
        // The good dates were written in full, the date with one bad row but that row.
        let rows = count(
            db,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM nbac_player_boxscores",
        )
        .await;
        assert_eq!(
            rows,
            expected_rows(&data, "2023-12-01", "2023-12-10")
                + expected_rows(&data, "2023-12-14", "2023-12-14")
                - 1,
            "{who}"
        );
        let quarantined = db
            .query(
                "SELECT partition_key, item, reason FROM unmatched_rows WHERE processor = 'nbac_player_boxscores'",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(quarantined.len(), 1, "{who}");
        assert_eq!(quarantined[0].text(0), "2023-12-14", "{who}");
        assert!(
            quarantined[0]
                .text(1)
                .starts_with("resultSets[0].rowSet[0]"),
            "{who}: {}",
            quarantined[0].text(1)
        );
        assert!(
            quarantined[0].text(2).contains(
                "nbacom/leaguegamelog_player payload nbacom/leaguegamelog_player/2023-12-14.json: field resultSets[0].rowSet[0].PLAYER_ID"
            ),
            "{who}: {}",
            quarantined[0].text(2)
        );
        let failed_runs = count(db, "SELECT CAST(COUNT(*) AS BIGINT) FROM runs WHERE status = 'failed' AND processor = 'nbac_player_boxscores'").await;
        assert_eq!(failed_runs, 3, "{who}");
    }
}
