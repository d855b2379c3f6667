//! The runtime over real data, on SQLite and PostgreSQL: a backfill through jobs equals the
//! in-process backfill; a changed upstream date re-runs exactly its dependents and ends where a
//! fresh backfill of the changed data ends; re-delivered triggers change nothing; a stale lease
//! cannot write; failing jobs die after their attempts and come back by command; heartbeats
//! stay one row per worker and processor, and a heartbeat that cannot be written is counted.

use nba_props_pipeline::runner::{Outcome, run_partitions_with};
use nba_props_pipeline::{Ctx, testdata};
use nba_props_runtime::clock::ManualClock;
use nba_props_runtime::jobs::{self, ClaimOptions, JobOptions, JobState, ListFilter};
use nba_props_runtime::testing::*;
use nba_props_runtime::worker::{Stop, Worker, WorkerConfig};
use nba_props_runtime::{Graph, SystemClock, backfill, heartbeat, trigger};
use nba_props_store::testing;
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

const FROM: &str = "2023-10-20";
const TO: &str = "2023-11-30";
/// The date whose box scores change in the dependents test.
const X: &str = "2023-11-10";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_reproduce_the_in_process_backfill_and_rerun_only_dependents() {
    let Some(data) = testdata::shared_data_dir() else {
        return;
    };
    let graph = Arc::new(Graph::all());
    for t in testing::all().await {
        let who = t.label;
        let store = &t.store;
        let db = &store.db;
        import(store, &data).await;
        let group = backfill::enqueue(db, &SystemClock, &graph, d(FROM), d(TO), 2..=4, 2, 5)
            .await
            .unwrap();
        assert!(group.enqueued.created > 0);
        run_workers(store, &graph, 2, Arc::new(SystemClock)).await;
        let progress = backfill::progress(db, &group.group_id).await.unwrap();
        assert_eq!(
            (progress.queued, progress.running, progress.dead),
            (0, 0, 0),
            "{who}: every job finished: {progress:?}"
        );

        // Each partition ran once: readiness ordered the work, so no trigger had to redo any.
        let jobs_made = count(db, "SELECT COUNT(*) FROM jobs").await;
        assert_eq!(
            jobs_made as usize, group.enqueued.created,
            "{who}: triggers added jobs to a fresh backfill"
        );
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM jobs WHERE generation > 1").await,
            0,
            "{who}"
        );

        // The same rows as the in-process backfill of the same range.
        let reference = testing::same_backend(&t).await;
        import(&reference.store, &data).await;
        in_process(&reference.store, FROM, TO).await;
        assert_same_tables(&graph, db, &reference.store.db, who).await;

        // Every job that wrote ran exactly once for its generation, under its lease epoch.
        assert_one_success_per_generation(db, who).await;
        // One heartbeat row per worker and per processor that ran.
        let workers = heartbeat::workers(db).await.unwrap();
        assert_eq!(workers.len(), 2, "{who}: {workers:?}");
        let procs = heartbeat::processors(db).await.unwrap();
        let ran = graph.nodes().iter().filter(|n| n.phase <= 4).count();
        assert_eq!(procs.len(), ran, "{who}: {procs:?}");

        // Re-running the range changes nothing and triggers nothing beyond the backfill itself.
        let before = table_digests(&graph, db).await;
        let again = backfill::enqueue(db, &SystemClock, &graph, d(FROM), d(TO), 2..=4, 2, 5)
            .await
            .unwrap();
        run_workers(store, &graph, 2, Arc::new(SystemClock)).await;
        assert_eq!(
            before,
            table_digests(&graph, db).await,
            "{who}: a re-run changed rows"
        );
        let triggered = count(
            db,
            &format!(
                "SELECT COUNT(*) FROM jobs WHERE group_id = '{}' AND reason LIKE 'after %'",
                again.group_id
            ),
        )
        .await;
        assert_eq!(
            triggered, 0,
            "{who}: unchanged outputs triggered {triggered} jobs"
        );
        assert_eq!(
            heartbeat::workers(db).await.unwrap().len(),
            2,
            "{who}: restarted workers reuse their heartbeat rows"
        );

        // A changed box score on X re-runs what reads it (and nothing else) ...
        let max_job_before = count(db, "SELECT MAX(job_id) FROM jobs").await;
        let features_before = rows_by_date(db, "feature_store").await;
        change_box_score(store, d(X)).await;
        let g = jobs::create_group(db, &SystemClock, 2, Some(4), "changed box score")
            .await
            .unwrap();
        let opts = JobOptions {
            correlation_id: "test-change".into(),
            group_id: Some(g.clone()),
            max_attempts: 5,
            reason: "new capture".into(),
            max_phase: Some(4),
        };
        jobs::enqueue(
            db,
            &SystemClock,
            &graph,
            &[("nbac_player_boxscores", d(X))],
            &opts,
        )
        .await
        .unwrap();
        run_workers(store, &graph, 2, Arc::new(SystemClock)).await;
        let rerun: BTreeSet<(String, String)> = db
            .query(
                &format!(
                    "SELECT processor, partition_key FROM jobs WHERE job_id > {max_job_before}"
                ),
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| (r.text(0), r.text(1)))
            .collect();
        let reachable = dependents(&graph, "nbac_player_boxscores", d(X), d(FROM), d(TO));
        for job in &rerun {
            assert!(
                reachable.contains(job),
                "{who}: {job:?} re-ran but cannot depend on box scores of {X}"
            );
        }
        for p in [
            "nbac_player_boxscores",
            "team_game_summary",
            "player_game_summary",
        ] {
            assert!(
                rerun.contains(&(p.to_string(), X.to_string())),
                "{who}: {p} {X} did not re-run"
            );
        }
        // ... every job of it carries the correlation id of the change ...
        let strangers = count(
            db,
            &format!("SELECT COUNT(*) FROM jobs WHERE job_id > {max_job_before} AND correlation_id <> 'test-change'"),
        )
        .await;
        assert_eq!(
            strangers, 0,
            "{who}: triggered jobs lost the correlation id"
        );
        // ... features up to X are untouched, and later ones changed ...
        let features_after = rows_by_date(db, "feature_store").await;
        for (date, rows) in &features_before {
            if date.as_str() <= X {
                assert_eq!(
                    Some(rows),
                    features_after.get(date),
                    "{who}: features of {date} changed"
                );
            }
        }
        assert!(
            features_before
                .iter()
                .any(|(date, rows)| date.as_str() > X && Some(rows) != features_after.get(date)),
            "{who}: no feature after {X} saw the changed box score"
        );
        // ... and the result is what a fresh backfill of the changed data gives.
        let fresh = testing::same_backend(&t).await;
        import(&fresh.store, &data).await;
        change_box_score(&fresh.store, d(X)).await;
        in_process(&fresh.store, FROM, TO).await;
        assert_same_tables(&graph, db, &fresh.store.db, who).await;
        assert_one_success_per_generation(db, who).await;

        // 1,000 duplicate and reordered trigger messages for these partitions change nothing.
        let jobs_before = job_table(db).await;
        let digests = table_digests(&graph, db).await;
        let sent: Vec<(String, String, i64)> = db
            .query(
                "SELECT processor, partition_key, generation FROM jobs WHERE state = 'succeeded'",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| (r.text(0), r.text(1), r.i64(2).unwrap()))
            .collect();
        let mut rng = fastrand::Rng::with_seed(7);
        let mut created = 0;
        for _ in 0..1000 {
            let (p, date, gen_) = &sent[rng.usize(..sent.len())];
            let e = trigger::deliver(db, &SystemClock, &graph, p, d(date), *gen_)
                .await
                .unwrap();
            created += e.created;
        }
        assert_eq!(created, 0, "{who}: re-delivered triggers created jobs");
        assert_eq!(
            jobs_before,
            job_table(db).await,
            "{who}: the job table changed"
        );
        run_workers(store, &graph, 2, Arc::new(SystemClock)).await;
        assert_eq!(
            digests,
            table_digests(&graph, db).await,
            "{who}: rows changed"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_whose_lease_was_taken_over_cannot_write() {
    let Some(data) = testdata::shared_data_dir() else {
        return;
    };
    let graph = Arc::new(Graph::all());
    for t in testing::all().await {
        let (store, db, who) = (&t.store, &t.store.db, t.label);
        import(store, &data).await;
        let clock = ManualClock::at(1_700_000_000_000);
        let date = d("2023-11-01");
        let opts = JobOptions {
            correlation_id: "fence".into(),
            group_id: None,
            max_attempts: 5,
            reason: "test".into(),
            max_phase: Some(4),
        };
        jobs::enqueue(
            db,
            &clock,
            &graph,
            &[("nbac_player_boxscores", date)],
            &opts,
        )
        .await
        .unwrap();
        let config = |name: &str| WorkerConfig {
            name: name.into(),
            lease_ttl_ms: 1_000,
            ..WorkerConfig::default()
        };
        let a = Worker::new(
            store.clone(),
            graph.clone(),
            config("a"),
            Arc::new(clock.clone()),
        )
        .await
        .unwrap();
        let b = Worker::new(
            store.clone(),
            graph.clone(),
            config("b"),
            Arc::new(clock.clone()),
        )
        .await
        .unwrap();
        let claim = |w: &str| ClaimOptions {
            worker: w.into(),
            lease_ttl_ms: 1_000,
            max_batch: 31,
        };
        let first = jobs::claim(db, &clock, &graph, &claim("a"))
            .await
            .unwrap()
            .unwrap();
        assert!(
            jobs::claim(db, &clock, &graph, &claim("b"))
                .await
                .unwrap()
                .is_none(),
            "{who}: a live lease is not claimed twice"
        );
        // `a` stalls past its lease; `b` takes the job over with the next epoch.
        clock.advance(1_001);
        let second = jobs::claim(db, &clock, &graph, &claim("b"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(second.jobs[0].job_id, first.jobs[0].job_id);
        assert_eq!(second.jobs[0].epoch, first.jobs[0].epoch + 1, "{who}");

        let node = graph.node("nbac_player_boxscores").unwrap();
        let ctx = Ctx::new(store.clone());
        let stale = run_partitions_with(
            &ctx,
            node.processor.as_ref(),
            &[date],
            Some(&a.hook(&first)),
        )
        .await;
        assert!(
            matches!(stale[0].outcome, Outcome::Fenced { .. }),
            "{who}: {:?}",
            stale[0].outcome
        );
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM nbac_player_boxscores").await,
            0,
            "{who}: the stale worker wrote"
        );
        let fresh = run_partitions_with(
            &ctx,
            node.processor.as_ref(),
            &[date],
            Some(&b.hook(&second)),
        )
        .await;
        assert!(
            matches!(fresh[0].outcome, Outcome::Succeeded { .. }),
            "{who}: {:?}",
            fresh[0].outcome
        );
        let runs = db
            .query(
                "SELECT status, worker, epoch FROM runs WHERE processor = 'nbac_player_boxscores'",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(
            runs.len(),
            1,
            "{who}: only the current holder's run is recorded"
        );
        assert_eq!(
            (runs[0].text(1), runs[0].i64(2)),
            ("b".to_string(), Some(second.jobs[0].epoch))
        );
        let job = jobs::get(db, first.jobs[0].job_id).await.unwrap();
        assert_eq!(job.state, JobState::Succeeded, "{who}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_jobs_are_retried_then_dead_then_retried_by_command() {
    for t in testing::all().await {
        let (store, db, who) = (&t.store, &t.store.db, t.label);
        let graph = Arc::new(Graph::all());
        // The only capture of the date is an HTML block page: the box-score run fails.
        store_payload(
            store,
            "nbacom",
            "leaguegamelog_player",
            "2024-01-02",
            b"<html><body>Access Denied</body></html>",
        )
        .await;
        let clock = ManualClock::at(1_700_000_000_000);
        let opts = JobOptions {
            correlation_id: "dead".into(),
            group_id: None,
            max_attempts: 2,
            reason: "test".into(),
            max_phase: Some(4),
        };
        jobs::enqueue(
            db,
            &clock,
            &graph,
            &[("nbac_player_boxscores", d("2024-01-02"))],
            &opts,
        )
        .await
        .unwrap();
        let w = Worker::new(
            store.clone(),
            graph.clone(),
            WorkerConfig {
                name: "w".into(),
                ..WorkerConfig::default()
            },
            Arc::new(clock.clone()),
        )
        .await
        .unwrap();
        let step = w.step().await.unwrap();
        assert!(
            matches!(step, nba_props_runtime::worker::Step::Ran { failed: 1, .. }),
            "{who}: {step:?}"
        );
        let job = &jobs::list(
            db,
            &ListFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap()[0];
        assert_eq!(
            (job.state, job.attempts),
            (JobState::Queued, 1),
            "{who}: queued again after a backoff"
        );
        assert!(
            job.last_error
                .as_deref()
                .unwrap_or_default()
                .contains("leaguegamelog_player"),
            "{who}: {job:?}"
        );
        assert_eq!(
            w.step().await.unwrap(),
            nba_props_runtime::worker::Step::Idle,
            "{who}: not before its backoff"
        );
        clock.advance(3_600_000);
        w.step().await.unwrap();
        let job = jobs::get(db, job.job_id).await.unwrap();
        assert_eq!(
            (job.state, job.attempts),
            (JobState::Dead, 2),
            "{who}: dead after its last attempt"
        );
        clock.advance(3_600_000);
        assert_eq!(
            w.step().await.unwrap(),
            nba_props_runtime::worker::Step::Idle,
            "{who}: dead jobs are not retried"
        );
        let dead = jobs::list(
            db,
            &ListFilter {
                state: Some(JobState::Dead),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(dead.len(), 1);
        let err = jobs::retry(db, &clock, 999_999).await.unwrap_err();
        assert!(err.to_string().contains("no job 999999"), "{who}: {err}");
        let again = jobs::retry(db, &clock, job.job_id).await.unwrap();
        assert_eq!((again.state, again.attempts), (JobState::Queued, 0));
        let beat = heartbeat::processors(db).await.unwrap();
        assert_eq!(beat.len(), 1);
        assert!(
            beat[0]
                .last_error
                .as_deref()
                .unwrap_or_default()
                .contains("leaguegamelog_player")
        );
        assert_eq!(beat[0].last_success_at, None);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_heartbeat_that_cannot_be_written_is_counted_and_reported() {
    for t in testing::all().await {
        let (store, db, who) = (&t.store, &t.store.db, t.label);
        let graph = Arc::new(Graph::all());
        let w = Worker::new(
            store.clone(),
            graph,
            WorkerConfig {
                name: "beats".into(),
                ..WorkerConfig::default()
            },
            Arc::new(SystemClock),
        )
        .await
        .unwrap();
        w.beat_now().await;
        db.execute(
            "ALTER TABLE worker_heartbeats RENAME TO worker_heartbeats_away",
            &[],
        )
        .await
        .unwrap();
        w.beat_now().await;
        w.beat_now().await;
        assert_eq!(w.heartbeat_errors(), 2, "{who}");
        db.execute(
            "ALTER TABLE worker_heartbeats_away RENAME TO worker_heartbeats",
            &[],
        )
        .await
        .unwrap();
        w.beat_now().await;
        let rows = heartbeat::workers(db).await.unwrap();
        assert_eq!(
            rows.len(),
            1,
            "{who}: one row per worker however many beats"
        );
        assert_eq!(
            rows[0].heartbeat_errors, 2,
            "{who}: the lost beats are reported"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_worker_finishes_its_batch_and_says_so() {
    let Some(data) = testdata::shared_data_dir() else {
        return;
    };
    for t in testing::all().await {
        let (store, db, who) = (&t.store, &t.store.db, t.label);
        import(store, &data).await;
        let graph = Arc::new(Graph::all());
        backfill::enqueue(
            db,
            &SystemClock,
            &graph,
            d("2023-11-01"),
            d("2023-11-07"),
            2..=2,
            1,
            5,
        )
        .await
        .unwrap();
        let w = Worker::new(
            store.clone(),
            graph.clone(),
            fast_config("stopper"),
            Arc::new(SystemClock),
        )
        .await
        .unwrap();
        let (tx, rx) = tokio::sync::watch::channel(Stop::Run);
        let running = tokio::spawn(w.run(rx));
        tx.send(Stop::Finish).unwrap();
        running.await.unwrap().unwrap();
        let states: HashSet<String> = db
            .query("SELECT DISTINCT state FROM jobs", &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.text(0))
            .collect();
        assert!(
            !states.contains("running"),
            "{who}: a job was left running: {states:?}"
        );
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM leases WHERE holder IS NOT NULL").await,
            0,
            "{who}: a lease was left held"
        );
        let beat = heartbeat::workers(db).await.unwrap();
        assert_eq!(beat[0].state, "stopped", "{who}");
    }
}
