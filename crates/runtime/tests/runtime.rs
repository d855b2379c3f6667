//! The runtime over real data, on SQLite and PostgreSQL: a backfill through jobs equals the
//! in-process backfill; a changed upstream date re-runs exactly its dependents and ends where a
//! fresh backfill of the changed data ends; re-delivered triggers change nothing; a stale lease
//! cannot write; a fatal failure is dead at once and a retryable one backs off, both come back
//! by command; a dead upstream partition blocks its dependents; a crashed worker's jobs are
//! taken over alone and counted as crashes; heartbeats
//! stay one row per worker and processor, and a heartbeat that cannot be written is counted.

use nba_props_pipeline::runner::{Outcome, run_partitions_with};
use nba_props_pipeline::{Ctx, testdata};
use nba_props_runtime::clock::ManualClock;
use nba_props_runtime::jobs::{self, ClaimOptions, JobOptions, JobState, ListFilter};
use nba_props_runtime::testing::*;
use nba_props_runtime::worker::{Stop, Worker, WorkerConfig};
use nba_props_runtime::{Clock, Graph, SystemClock, backfill, heartbeat, trigger};
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
        let progress = backfill::progress(db, &graph, &group).await.unwrap();
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
            max_crashes: 20,
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

async fn worker_on(
    store: &nba_props_store::Store,
    graph: &Arc<Graph>,
    clock: &ManualClock,
) -> Worker {
    let cfg = WorkerConfig {
        name: "w".into(),
        ..WorkerConfig::default()
    };
    Worker::new(store.clone(), graph.clone(), cfg, Arc::new(clock.clone()))
        .await
        .unwrap()
}

async fn box_score_jobs(db: &nba_props_store::Db) -> Vec<jobs::Job> {
    let filter = ListFilter {
        processor: Some("nbac_player_boxscores".into()),
        limit: 10,
        ..Default::default()
    };
    jobs::list(db, &filter).await.unwrap()
}

/// A payload that cannot parse fails the same way on every attempt: the job is dead at once,
/// named fatal, without burning its retries, and comes back by command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payload_that_cannot_parse_is_dead_at_once_and_retried_by_command() {
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
            max_attempts: 5,
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
        let w = worker_on(store, &graph, &clock).await;
        let step = w.step().await.unwrap();
        assert!(
            matches!(step, nba_props_runtime::worker::Step::Ran { failed: 1, .. }),
            "{who}: {step:?}"
        );
        let job = box_score_jobs(db).await.remove(0);
        assert_eq!(
            (job.state, job.attempts, job.failure.as_deref()),
            (JobState::Dead, 1, Some("fatal")),
            "{who}: dead after one attempt of five: {job:?}"
        );
        assert!(
            job.last_error
                .as_deref()
                .unwrap_or_default()
                .contains("leaguegamelog_player"),
            "{who}: {job:?}"
        );
        clock.advance(3_600_000);
        assert_eq!(
            w.step().await.unwrap(),
            nba_props_runtime::worker::Step::Idle,
            "{who}: dead jobs are not retried"
        );
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

/// A failure that can pass (here the raw store cannot read a payload file, as when its disk or
/// mount is away) is retried after a backoff, dead after its last attempt, and once the cause
/// is gone a retry by command succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_that_can_pass_backs_off_then_dies_then_heals_by_command() {
    let Some(data) = testdata::shared_data_dir() else {
        return;
    };
    let bytes = std::fs::read(data.join("archive/nbacom/leaguegamelog_player/2024-01-03.json"))
        .expect("the archive's box scores of 2024-01-03");
    for t in testing::all().await {
        let (store, db, who) = (&t.store, &t.store.db, t.label);
        let graph = Arc::new(Graph::all());
        store_payload(
            store,
            "nbacom",
            "leaguegamelog_player",
            "2024-01-03",
            &bytes,
        )
        .await;
        let (sha, _) = store.raw.put(&bytes).unwrap();
        let file = store.raw.dir().join(&sha[..2]).join(&sha);
        let away = file.with_extension("away");
        std::fs::rename(&file, &away).unwrap();
        let clock = ManualClock::at(1_700_000_000_000);
        let opts = JobOptions {
            correlation_id: "io".into(),
            group_id: None,
            max_attempts: 2,
            reason: "test".into(),
            max_phase: Some(2),
        };
        jobs::enqueue(
            db,
            &clock,
            &graph,
            &[("nbac_player_boxscores", d("2024-01-03"))],
            &opts,
        )
        .await
        .unwrap();
        let w = worker_on(store, &graph, &clock).await;
        w.step().await.unwrap();
        let job = box_score_jobs(db).await.remove(0);
        assert_eq!(
            (job.state, job.attempts, job.failure.as_deref()),
            (JobState::Queued, 1, Some("retryable")),
            "{who}: queued again after a backoff: {job:?}"
        );
        assert!(job.next_attempt_at > clock.now_ms(), "{who}: not at once");
        assert_eq!(
            w.step().await.unwrap(),
            nba_props_runtime::worker::Step::Idle,
            "{who}: not before its backoff"
        );
        clock.advance(3_600_000);
        w.step().await.unwrap();
        let job = jobs::get(db, job.job_id).await.unwrap();
        assert_eq!(
            (job.state, job.attempts, job.failure.as_deref()),
            (JobState::Dead, 2, Some("retryable")),
            "{who}: dead after its last attempt"
        );
        std::fs::rename(&away, &file).unwrap();
        jobs::retry(db, &clock, job.job_id).await.unwrap();
        w.step().await.unwrap();
        let job = jobs::get(db, job.job_id).await.unwrap();
        assert_eq!(job.state, JobState::Succeeded, "{who}: {job:?}");
        assert_eq!(
            (job.failure, job.last_error),
            (None, None),
            "{who}: a success clears the last failure"
        );
        assert!(
            count(db, "SELECT COUNT(*) FROM nbac_player_boxscores").await > 100,
            "{who}: the date's box scores were written"
        );
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

/// Moves the raw file of a date's box scores away (as when its disk is gone); returns a guard
/// that puts it back.
async fn hide_box_scores(
    store: &nba_props_store::Store,
    date: &str,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let rows = store
        .db
        .query(
            "SELECT sha256 FROM raw_payloads WHERE dataset = 'leaguegamelog_player' AND partition_key = $1",
            &[date.into()],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "one capture of {date}");
    let sha = rows[0].text(0);
    let file = store.raw.dir().join(&sha[..2]).join(&sha);
    let away = file.with_extension("away");
    std::fs::rename(&file, &away).unwrap();
    (file, away)
}

/// A dead partition is a hole: every job whose inputs cover it waits (listed as blocked, with
/// the dead job it waits for) instead of computing over it, and the backfill ends without
/// them. Once the dead job is retried and succeeds, they run, and the tables equal a run that
/// never failed. (Before: `feature_store` for the following dates succeeded over the hole.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_upstream_partition_blocks_its_dependents_until_it_is_fixed() {
    let Some(data) = testdata::shared_data_dir() else {
        return;
    };
    let (from, hole, to) = ("2023-11-01", "2023-11-08", "2023-11-14");
    let graph = Arc::new(Graph::all());
    for t in testing::all().await {
        let (store, db, who) = (&t.store, &t.store.db, t.label);
        import(store, &data).await;
        let (file, away) = hide_box_scores(store, hole).await;
        let group = backfill::enqueue(db, &SystemClock, &graph, d(from), d(to), 2..=4, 2, 1)
            .await
            .unwrap();
        run_workers(store, &graph, 2, Arc::new(SystemClock)).await;

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
        assert_eq!(dead.len(), 1, "{who}: {dead:?}");
        assert_eq!(
            (dead[0].processor.as_str(), dead[0].partition_key.as_str()),
            ("nbac_player_boxscores", hole)
        );
        let blocked = jobs::blocked(db, &graph, None).await.unwrap();
        let features: BTreeSet<&str> = blocked
            .iter()
            .filter(|b| b.processor == "feature_store")
            .map(|b| b.partition_key.as_str())
            .collect();
        let after: BTreeSet<String> = d(hole)
            .add_days(1)
            .through(d(to))
            .map(|x| x.to_string())
            .collect();
        assert_eq!(
            features,
            after.iter().map(String::as_str).collect(),
            "{who}: the features of every date after the hole wait, and only those"
        );
        assert!(
            blocked.iter().all(|b| b.by_job_id == dead[0].job_id),
            "{who}"
        );
        let computed_over_hole = count(
            db,
            &format!(
                "SELECT COUNT(*) FROM runs WHERE processor = 'feature_store' AND status = 'succeeded' \
                 AND partition_key > '{hole}'"
            ),
        )
        .await;
        assert_eq!(
            computed_over_hole, 0,
            "{who}: features computed over the hole"
        );
        let before_hole = count(
            db,
            &format!(
                "SELECT COUNT(*) FROM runs WHERE processor = 'feature_store' AND status = 'succeeded' \
                 AND partition_key <= '{hole}'"
            ),
        )
        .await;
        assert!(before_hole > 0, "{who}: dates before the hole ran");
        let progress = backfill::progress(db, &graph, &group).await.unwrap();
        assert!(
            progress.finished() && progress.blocked == blocked.len() as i64 && progress.dead == 1,
            "{who}: the backfill ends with its blocked jobs counted: {progress:?}"
        );

        // Fixed and retried: the blocked work runs and ends where a clean run ends.
        std::fs::rename(&away, &file).unwrap();
        jobs::retry(db, &SystemClock, dead[0].job_id).await.unwrap();
        run_workers(store, &graph, 2, Arc::new(SystemClock)).await;
        assert!(
            jobs::blocked(db, &graph, None).await.unwrap().is_empty(),
            "{who}"
        );
        let c = jobs::counts(db, None).await.unwrap();
        assert_eq!(c.get(&JobState::Dead), None, "{who}: {c:?}");
        let reference = testing::same_backend(&t).await;
        import(&reference.store, &data).await;
        in_process(&reference.store, from, to).await;
        assert_same_tables(&graph, db, &reference.store.db, who).await;
    }
}

/// A tmpfs of `size` mounted on a fresh directory, unmounted on drop; `None`, said loudly,
/// where mounting is not permitted (it needs root).
struct SmallDisk(tempfile::TempDir);

impl SmallDisk {
    fn mount(size: &str) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!(
                "SKIPPED (disk full): cannot mount a tmpfs here (it needs root); the full-disk recovery is not tested"
            );
            return None;
        }
        Some(SmallDisk(dir))
    }

    /// Writes a file until the disk refuses more.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.0.path().join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        let chunk = vec![7u8; 64 * 1024];
        while f.write_all(&chunk).and_then(|_| f.sync_data()).is_ok() {}
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.0.path())
            .status();
    }
}

/// The disk under the database fills up mid-backfill, then space is freed: the worker fails
/// while nothing can be written and then finishes every job on its own. Before, a connection
/// whose COMMIT failed stayed counted inside a transaction SQLite had already rolled back, and
/// every later BEGIN on it failed ("non-zero transaction depth") every 5 s, forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_recovers_once_a_full_disk_has_room_again() {
    let Some(data) = testdata::shared_data_dir() else {
        return;
    };
    let Some(disk) = SmallDisk::mount("64m") else {
        return;
    };
    let raw = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", disk.0.path().join("db.sqlite").display());
    let store = nba_props_store::Store::open(&url, raw.path().to_path_buf())
        .await
        .unwrap();
    let db = &store.db;
    import(&store, &data).await;
    let graph = Arc::new(Graph::all());
    backfill::enqueue(
        db,
        &SystemClock,
        &graph,
        d("2023-11-01"),
        d("2023-11-30"),
        2..=3,
        1,
        5,
    )
    .await
    .unwrap();
    // An empty write-ahead log: every write from now on needs new room on the disk.
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)", &[])
        .await
        .unwrap();
    let filler = disk.fill();

    let w = Worker::new(
        store.clone(),
        graph.clone(),
        fast_config("full"),
        Arc::new(SystemClock),
    )
    .await
    .unwrap();
    let (stop, rx) = tokio::sync::watch::channel(Stop::Run);
    let running = tokio::spawn(w.run(rx));
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let written = count(db, "SELECT COUNT(*) FROM jobs WHERE state = 'succeeded'").await;
    assert_eq!(written, 0, "a job succeeded on a full disk");

    std::fs::remove_file(&filler).unwrap();
    let started = std::time::Instant::now();
    loop {
        let c = jobs::counts(db, None).await.unwrap();
        let pending = c.get(&JobState::Queued).copied().unwrap_or(0)
            + c.get(&JobState::Running).copied().unwrap_or(0);
        if pending == 0 {
            assert_eq!(c.get(&JobState::Dead), None, "{c:?}");
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(120),
            "the worker did not recover after the disk had room again: {c:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    stop.send(Stop::Finish).unwrap();
    running.await.unwrap().unwrap();
    assert!(
        count(db, "SELECT COUNT(*) FROM player_game_summary").await > 1000,
        "November's summaries were written"
    );
}
