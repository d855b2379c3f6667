//! Health checks and reconciliation over a real database (the dev archive, phases 2-4 run by
//! workers), on SQLite and PostgreSQL: each check catches a fault planted in it, naming the
//! right dates and processors, and `reconcile --fix` followed by the workers makes it pass;
//! source data that arrived after its deadline is reported even once it is there.

use crate::support::*;
use nba_props_ops::health::{self, HealthReport, Status};
use nba_props_ops::{drift, heartbeats, reconcile};
use nba_props_pipeline::testdata;
use nba_props_runtime::clock::ManualClock;
use nba_props_runtime::testing::{count, import, run_workers};
use nba_props_runtime::{Clock, Graph, backfill};
use nba_props_store::testing;
use std::sync::Arc;

const FROM: &str = "2023-10-24";
const TO: &str = "2023-11-15";
const DAYS: u32 = 14;

fn show(r: &HealthReport) -> String {
    r.checks
        .iter()
        .map(|c| format!("{} {:?}: {} {:?}", c.name, c.status, c.figure, c.concerned))
        .collect::<Vec<_>>()
        .join("\n")
}

fn status(r: &HealthReport, name: &str) -> Status {
    r.get(name).unwrap().status
}

fn concerned(r: &HealthReport, name: &str) -> Vec<String> {
    r.get(name).unwrap().concerned.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_check_catches_its_planted_fault_and_reconcile_fixes_the_rest() {
    let Some(data) = testdata::shared_data_dir() else {
        return;
    };
    let graph = Arc::new(Graph::all());
    let config = test_config();
    for t in testing::all().await {
        let who = t.label;
        let store = &t.store;
        let db = &store.db;
        let clock = ManualClock::at(et("2023-11-15 14:00"));
        import(store, &data).await;
        backfill::enqueue(db, &clock, &graph, d(FROM), d(TO), 2..=4, 2, 3)
            .await
            .unwrap();
        run_workers(store, &graph, 2, Arc::new(clock.clone())).await;

        // A clean database passes every check.
        let clean = health::check(store, &clock, &graph, &config, DAYS)
            .await
            .unwrap();
        assert!(clean.game_days >= 10, "{who}: {}", clean.game_days);
        assert!(
            clean.checks.iter().all(|c| c.status == Status::Pass),
            "{who}: clean database:\n{}",
            show(&clean)
        );
        assert_eq!(clean.score, Some(100.0));

        // 1. A processor's heartbeat stopped three days ago while the others went on.
        db.execute(
            "UPDATE processor_heartbeats SET last_run_at = last_run_at - 259200000 WHERE processor = 'player_daily_cache'",
            &[],
        )
        .await
        .unwrap();
        // 2. A partition deleted.
        db.execute(
            "DELETE FROM player_game_summary WHERE game_date = '2023-11-08'",
            &[],
        )
        .await
        .unwrap();
        // 3. A duplicate row forced in: the table lost its primary key (a botched manual
        // migration), then a row was written twice.
        let mut tx = db.begin().await.unwrap();
        for sql in [
            "CREATE TABLE tog_copy AS SELECT * FROM team_offense_game_summary",
            "DROP TABLE team_offense_game_summary",
            "ALTER TABLE tog_copy RENAME TO team_offense_game_summary",
            "INSERT INTO team_offense_game_summary SELECT * FROM team_offense_game_summary \
             WHERE game_date = '2023-11-06' AND game_id = (SELECT MIN(game_id) FROM team_offense_game_summary \
             WHERE game_date = '2023-11-06') AND team = (SELECT MIN(team) FROM team_offense_game_summary \
             WHERE game_date = '2023-11-06' AND game_id = (SELECT MIN(game_id) FROM team_offense_game_summary WHERE game_date = '2023-11-06'))",
        ] {
            // One connection for the four statements: on SQLite a pooled connection that has
            // not yet seen the DROP could refuse the RENAME (seen once under load).
            tx.execute(sql, &[]).await.unwrap();
        }
        tx.commit().await.unwrap();
        // 4. A job dead: its attempts used up by a lost database connection.
        let dead = db
            .execute(
                "UPDATE jobs SET state = 'dead', attempts = max_attempts, outcome = NULL, \
                 last_error = 'planted: connection reset' WHERE processor = 'feature_store' AND partition_key = '2023-11-09'",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(dead, 1, "{who}");
        // 5. A source late past its deadline: the box scores of 2023-11-13 never arrived.
        db.execute(
            "DELETE FROM raw_payloads WHERE source = 'nbacom' AND dataset = 'leaguegamelog_player' AND partition_key = '2023-11-13'",
            &[],
        )
        .await
        .unwrap();

        let r = health::check(store, &clock, &graph, &config, DAYS)
            .await
            .unwrap();
        let all = show(&r);
        assert!(!r.ok(), "{who}");
        assert!(r.score.unwrap() < 60.0, "{who}: {:?}\n{all}", r.score);

        let stale = concerned(&r, "stale_heartbeats");
        assert_eq!(stale.len(), 1, "{who}: {all}");
        assert!(
            stale[0].starts_with("processor player_daily_cache "),
            "{who}: {stale:?}"
        );

        let missing = concerned(&r, "missing_partitions");
        assert_eq!(
            missing,
            vec!["player_game_summary has no rows for 2023-11-08, a game day".to_string()],
            "{who}"
        );
        let completion = concerned(&r, "completion_vs_tables");
        assert_eq!(completion.len(), 2, "{who}: {completion:?}");
        assert!(
            completion
                .iter()
                .any(|c| c.starts_with("player_game_summary 2023-11-08: "))
        );
        assert!(
            completion
                .iter()
                .any(|c| c.starts_with("team_game_summary 2023-11-06: "))
        );

        let dups = concerned(&r, "duplicate_keys");
        assert_eq!(
            dups,
            vec![
                "team_offense_game_summary 2023-11-06: 1 keys (game_id, team) duplicated"
                    .to_string()
            ],
            "{who}"
        );
        let dead = concerned(&r, "dead_jobs");
        assert_eq!(dead.len(), 1, "{who}: {dead:?}");
        assert!(
            dead[0].starts_with("feature_store 2023-11-09 (job "),
            "{who}: {dead:?}"
        );

        let late = concerned(&r, "late_work");
        assert_eq!(late.len(), 1, "{who}: {late:?}");
        assert!(
            late[0].starts_with(
                "nbacom.leaguegamelog_player 2023-11-13: expected by 2023-11-14T12:00:00Z"
            ),
            "{who}: {late:?}"
        );
        for name in [
            "stale_heartbeats",
            "missing_partitions",
            "duplicate_keys",
            "dead_jobs",
            "late_work",
        ] {
            assert_eq!(status(&r, name), Status::Fail, "{who}: {name}\n{all}");
        }
        assert_eq!(status(&r, "builds_in_use"), Status::Pass, "{who}");

        // Undo what no job can: the retired processor's ghost is pruned, the source arrives.
        let pruned = heartbeats::prune(db, clock.now_ms(), 2 * 86_400_000)
            .await
            .unwrap();
        assert_eq!(
            pruned.processors,
            vec!["player_daily_cache".to_string()],
            "{who}"
        );
        assert!(pruned.workers.is_empty(), "{who}");
        import(store, &data).await;

        // reconcile lists every remaining gap and, with --fix, enqueues what closes it.
        let listed = reconcile::reconcile(store, &clock, &graph, &config, DAYS, false, 3)
            .await
            .unwrap();
        let keys: Vec<(String, String, String)> = listed
            .gaps
            .iter()
            .map(|g| (g.kind.to_string(), g.processor.clone(), g.date.to_string()))
            .collect();
        let k = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
        assert_eq!(
            keys,
            vec![
                k("completion_mismatch", "player_game_summary", "2023-11-08"),
                k("completion_mismatch", "team_game_summary", "2023-11-06"),
                k("dead_job", "feature_store", "2023-11-09"),
                k("missing_partition", "player_game_summary", "2023-11-08"),
            ],
            "{who}"
        );
        let jobs_before = count(db, "SELECT COUNT(*) FROM jobs").await;
        let fixed = reconcile::reconcile(store, &clock, &graph, &config, DAYS, true, 3)
            .await
            .unwrap();
        assert_eq!(
            (fixed.created, fixed.retried.len()),
            (2, 1),
            "{who}: {fixed:?}"
        );
        assert!(fixed.unfixable.is_empty(), "{who}");
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM jobs").await,
            jobs_before + 2
        );
        run_workers(store, &graph, 2, Arc::new(clock.clone())).await;

        let after = health::check(store, &clock, &graph, &config, DAYS)
            .await
            .unwrap();
        assert!(
            after.ok() && after.checks.iter().all(|c| c.status == Status::Pass),
            "{who}: after reconcile --fix:\n{}",
            show(&after)
        );
        let again = reconcile::reconcile(store, &clock, &graph, &config, DAYS, false, 3)
            .await
            .unwrap();
        assert!(again.gaps.is_empty(), "{who}: {:?}", again.gaps);

        // 6. A mixed build: runs of an older build in the window, and a worker still on it.
        db.execute(
            "UPDATE runs SET build = '0.0.9+deadbeef' WHERE processor = 'player_daily_cache' \
             AND partition_key >= '2023-11-03' AND partition_key <= '2023-11-05'",
            &[],
        )
        .await
        .unwrap();
        let r = health::check(store, &clock, &graph, &config, DAYS)
            .await
            .unwrap();
        assert_eq!(
            status(&r, "builds_in_use"),
            Status::Warn,
            "{who}: {}",
            show(&r)
        );
        let builds = concerned(&r, "builds_in_use");
        assert!(
            builds.iter().any(|b| b
                == "build 0.0.9+deadbeef: 3 runs of player_daily_cache on 2023-11-03..2023-11-05"),
            "{who}: {builds:?}"
        );
        nba_props_runtime::heartbeat::beat(
            db,
            &nba_props_runtime::heartbeat::WorkerBeat {
                worker: "old-host/1".into(),
                host: "old-host".into(),
                pid: 1,
                build: "0.0.9+deadbeef".into(),
                started_at: clock.now_ms() - 60_000,
                last_beat_at: clock.now_ms() - 10_000,
                state: "idle".into(),
                current_job: None,
                jobs_done: 0,
                jobs_failed: 0,
                heartbeat_errors: 0,
            },
        )
        .await
        .unwrap();
        let r = health::check(store, &clock, &graph, &config, DAYS)
            .await
            .unwrap();
        assert_eq!(
            status(&r, "builds_in_use"),
            Status::Fail,
            "{who}: {}",
            show(&r)
        );
        let report = drift::report(store, d("2023-11-02"), d("2023-11-15"))
            .await
            .unwrap();
        assert!(report.mixed, "{who}");
        assert_eq!(report.others, vec!["0.0.9+deadbeef".to_string()], "{who}");
        let old = report.builds.iter().find(|b| !b.is_this_binary).unwrap();
        assert_eq!((old.runs, old.live_workers), (3, 1), "{who}: {old:?}");
        assert_eq!(old.workers, vec!["old-host/1".to_string()], "{who}");

        // 7. Box scores that came late but came: 90 minutes after the deadline on 2023-11-10,
        // before it on 2023-11-12, and "after now" on 2023-11-14 (a replay's import, not a
        // late scheduler). Only the first is reported, as a warning; none is late work now.
        for (date, captured) in [
            ("2023-11-10", "2023-11-11T13:30:00Z"),
            ("2023-11-12", "2023-11-13T11:00:00Z"),
            ("2023-11-14", "2023-11-15T20:00:00Z"),
        ] {
            let n = db
                .execute(
                    "UPDATE raw_payloads SET captured_at = $1 WHERE source = 'nbacom' \
                     AND dataset = 'leaguegamelog_player' AND partition_key = $2",
                    &[captured.into(), date.into()],
                )
                .await
                .unwrap();
            assert!(n >= 1, "{who}: no box-score payload for {date}");
        }
        let r = health::check(store, &clock, &graph, &config, DAYS)
            .await
            .unwrap();
        assert_eq!(
            status(&r, "late_arrivals"),
            Status::Warn,
            "{who}: {}",
            show(&r)
        );
        assert_eq!(
            concerned(&r, "late_arrivals"),
            vec![
                "nbacom.leaguegamelog_player 2023-11-10: arrived 2023-11-11T13:30:00Z, 90 min after its deadline 2023-11-11T12:00:00Z"
                    .to_string()
            ],
            "{who}"
        );
        assert_eq!(status(&r, "late_work"), Status::Pass, "{who}");
    }
}
