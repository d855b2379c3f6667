//! The fault-injection suite: real `nba-props worker` processes on PostgreSQL, killed, frozen,
//! and cut off from their database, finish their work exactly once.
//!
//! - SIGKILL a random one of 4 workers every 0.5–1.5 s (at least 30 kills) while they backfill
//!   a full season: every partition completes, no natural key is duplicated, every job ran once
//!   per generation, and the tables equal an undisturbed in-process backfill.
//! - Restart the PostgreSQL server (a private cluster, so other tests are not disturbed) and
//!   terminate the workers' connections mid-run: they reconnect and finish on their own.
//! - Freeze a worker (SIGSTOP) past its lease: after SIGCONT its write is rejected by the epoch
//!   check, and its log says so.
//!
//! - A `backfill` SIGKILLed mid-run and run again completes.
//!
//! `NBA_PROPS_CHAOS_LONG=1` runs the long variant (three seasons, a kill every 0.2-0.7 s).

use nba_props_core::GameDate;
use nba_props_pipeline::testdata;
use nba_props_runtime::testing::{
    assert_no_duplicate_keys, assert_one_success_per_generation, assert_same_tables, count, import,
    in_process,
};
use nba_props_runtime::{Graph, SystemClock, backfill, heartbeat, jobs};
use nba_props_store::{Db, RawStore, Store, testing};
use std::collections::HashMap;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn d(s: &str) -> GameDate {
    GameDate::parse(s).unwrap()
}

/// Worker processes of one test, restartable under their names; logs append per name.
struct Workers {
    data_dir: PathBuf,
    url: String,
    logs: PathBuf,
    env: Vec<(&'static str, String)>,
    running: HashMap<String, Child>,
}

impl Workers {
    fn new(data_dir: &Path, url: &str, test: &str, env: Vec<(&'static str, String)>) -> Workers {
        let logs = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("faults")
            .join(test);
        let _ = std::fs::remove_dir_all(&logs);
        std::fs::create_dir_all(&logs).unwrap();
        Workers {
            data_dir: data_dir.to_path_buf(),
            url: url.to_string(),
            logs,
            env,
            running: HashMap::new(),
        }
    }

    fn log_of(&self, name: &str) -> PathBuf {
        self.logs.join(format!("{name}.log"))
    }

    fn start(&mut self, name: &str) {
        self.start_with(name, &[]);
    }

    fn start_with(&mut self, name: &str, extra: &[(&str, String)]) {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_of(name))
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_nba-props"))
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args(["--database-url", &self.url, "worker", "--name", name])
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())))
            .envs(extra.iter().map(|(k, v)| (*k, v.as_str())))
            .env("NBA_PROPS_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start a worker process");
        self.running.insert(name.to_string(), child);
    }

    /// Waits until every running worker process has said it started (its signal handlers are
    /// set). A process killed before it could say so does not count: only the live ones.
    fn wait_started(&self) {
        let started = Instant::now();
        for (name, child) in &self.running {
            let line = format!("Worker {name} started (pid {},", child.id());
            while !self.log(name).contains(&line) {
                assert!(
                    started.elapsed() < Duration::from_secs(60),
                    "{name} did not start"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    fn pid(&self, name: &str) -> u32 {
        self.running[name].id()
    }

    fn kill(&mut self, name: &str) {
        if let Some(mut c) = self.running.remove(name) {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    fn signal(&self, name: &str, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.pid(name).to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill {sig} {name}");
    }

    /// SIGTERM every worker and wait for it to stop (it finishes its batch first).
    fn stop_all(&mut self) {
        self.wait_started();
        for name in self.running.keys() {
            self.signal(name, "-TERM");
        }
        for (name, mut c) in self.running.drain() {
            let started = Instant::now();
            loop {
                if let Some(status) = c.try_wait().unwrap() {
                    assert!(status.success(), "worker {name} exited with {status}");
                    break;
                }
                if started.elapsed() > Duration::from_secs(30) {
                    c.kill().unwrap();
                    panic!("worker {name} did not stop within 30 s of SIGTERM");
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.log_of(name)).unwrap_or_default()
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        for (_, mut c) in self.running.drain() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Queued plus running jobs; `None` while the database cannot be read (it may be restarting).
async fn pending(db: &Db) -> Option<i64> {
    let c = jobs::counts(db, None).await.ok()?;
    Some(
        c.get(&jobs::JobState::Queued).copied().unwrap_or(0)
            + c.get(&jobs::JobState::Running).copied().unwrap_or(0),
    )
}

async fn wait_until_done(db: &Db, limit: Duration) {
    let started = Instant::now();
    while pending(db).await != Some(0) {
        assert!(
            started.elapsed() < limit,
            "jobs still pending after {limit:?}: {:?}",
            jobs::counts(db, None).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Settings that make failures show quickly: short leases, fast polls. Attempts, crashes and
/// batches keep their production bounds: a kill is a crash, counted apart from errors, and a
/// crashed job is retried alone.
fn chaos_env() -> Vec<(&'static str, String)> {
    vec![
        ("NBA_PROPS_RUNTIME_LEASE_TTL_MS", "1500".into()),
        ("NBA_PROPS_RUNTIME_POLL_MS", "50".into()),
        ("NBA_PROPS_RUNTIME_HEARTBEAT_MS", "250".into()),
        ("NBA_PROPS_RUNTIME_RETRY_BASE_MS", "200".into()),
    ]
}

/// Everything the runtime promises after the disturbance, against an undisturbed reference.
async fn assert_exactly_once(graph: &Graph, db: &Db, from: &str, to: &str, who: &str) {
    let c = jobs::counts(db, None).await.unwrap();
    assert_eq!(
        c.get(&jobs::JobState::Dead),
        None,
        "{who}: dead jobs: {c:?}"
    );
    assert_one_success_per_generation(db, who).await;
    assert_no_duplicate_keys(graph, db, who).await;
    let reference = testing::postgres().await.unwrap().unwrap();
    import(&reference.store, &testdata::shared_data_dir().unwrap()).await;
    in_process(&reference.store, from, to).await;
    assert_same_tables(graph, db, &reference.store.db, who).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_workers_finish_a_full_season_exactly_once() {
    let Some(data) = testdata::shared_data_dir() else {
        return;
    };
    let Some(t) = testing::postgres().await.unwrap() else {
        return;
    };
    let (store, db) = (&t.store, &t.store.db);
    let long = std::env::var("NBA_PROPS_CHAOS_LONG").is_ok();
    // The long tier kills as often as the reproduction did (every 0.2-0.7 s, where
    // whole batches used to die together), over three seasons.
    // One pass over the three seasons is the tier's point (the short test recomputes under
    // fire when its season ends first); 50 kills is about 25 s of the pass.
    let (from, to, min_kills, pause) = if long {
        ("2021-10-01", "2024-06-30", 50, 200..700)
    } else {
        ("2023-10-01", "2024-04-30", 30, 500..1500)
    };
    import(store, &data).await;
    let graph = Graph::all();
    backfill::enqueue(db, &SystemClock, &graph, d(from), d(to), 2..=4, 4, 5)
        .await
        .unwrap();
    let mut w = Workers::new(t.dir.path(), &t.url, "chaos", chaos_env());
    let names: Vec<String> = (1..=4).map(|i| format!("chaos-{i}")).collect();
    for n in &names {
        w.start(n);
    }
    let mut rng = fastrand::Rng::with_seed(30);
    let (mut kills, mut rounds) = (0, 1);
    let started = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(rng.u64(pause.clone()))).await;
        let victim = &names[rng.usize(..names.len())];
        w.kill(victim);
        kills += 1;
        w.start(victim);
        if pending(db).await == Some(0) {
            if kills >= min_kills {
                break;
            }
            // The season is done before the chaos is: recompute it, still under fire.
            backfill::enqueue(db, &SystemClock, &graph, d(from), d(to), 2..=4, 4, 5)
                .await
                .unwrap();
            rounds += 1;
        }
        assert!(
            started.elapsed() < Duration::from_secs(if long { 1800 } else { 400 }),
            "chaos ran too long"
        );
    }
    wait_until_done(db, Duration::from_secs(120)).await;
    w.stop_all();
    eprintln!(
        "chaos: {kills} kills over {rounds} rounds in {:.0?}",
        started.elapsed()
    );
    assert!(kills >= min_kills);
    assert_exactly_once(&graph, db, from, to, "chaos").await;
    // One heartbeat row per worker name and per processor, after every restart.
    let beats = heartbeat::workers(db).await.unwrap();
    assert_eq!(
        beats.iter().map(|b| b.worker.as_str()).collect::<Vec<_>>(),
        names.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(beats.iter().all(|b| b.state == "stopped"), "{beats:?}");
    assert_eq!(
        heartbeat::processors(db).await.unwrap().len(),
        graph.nodes().iter().filter(|n| n.phase <= 4).count()
    );
}

/// A PostgreSQL server of this test's own, which it may restart.
struct PrivateCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

impl PrivateCluster {
    /// Starts a cluster under `runuser -u postgres` (initdb refuses to run as root); `None`,
    /// said loudly, where that is impossible.
    fn start() -> Option<PrivateCluster> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .find(|b| b.join("initdb").is_file());
        let Some(bin) = bin else {
            eprintln!(
                "SKIPPED (postgres restart): no PostgreSQL server binaries under /usr/lib/postgresql"
            );
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let c = PrivateCluster { dir, bin, port };
        let chown = Command::new("chown")
            .args(["-R", "postgres"])
            .arg(c.dir.path())
            .status();
        let init = chown.ok().filter(|s| s.success()).and_then(|_| {
            c.as_postgres("initdb")
                .args(["--auth=trust", "-U", "postgres", "-D"])
                .arg(c.dir.path().join("data"))
                .stdout(Stdio::null())
                .status()
                .ok()
        });
        if !init.is_some_and(|s| s.success()) {
            eprintln!(
                "SKIPPED (postgres restart): cannot run initdb as the postgres user (needs root)"
            );
            return None;
        }
        c.pg_ctl("start");
        Some(c)
    }

    fn as_postgres(&self, tool: &str) -> Command {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(self.bin.join(tool));
        cmd
    }

    fn pg_ctl(&self, action: &str) {
        let ok = self
            .as_postgres("pg_ctl")
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .arg("-l")
            .arg(self.dir.path().join("server.log"))
            .args(["-w", "-m", "fast", "-o"])
            .arg(format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1",
                self.port,
                self.dir.path().display()
            ))
            .arg(action)
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(ok, "pg_ctl {action}");
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let _ = self
            .as_postgres("pg_ctl")
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .status();
    }
}

async fn wait_for_progress(db: &Db, share: f64) {
    let started = Instant::now();
    loop {
        if let Ok(c) = jobs::counts(db, None).await {
            let done = c.get(&jobs::JobState::Succeeded).copied().unwrap_or(0) as f64;
            let all: i64 = c.values().sum();
            if all > 0 && done / all as f64 >= share {
                return;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(120), "no progress");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_reconnect_after_a_server_restart_and_killed_connections() {
    let Some(data) = testdata::shared_data_dir() else {
        return;
    };
    if std::env::var(testing::TEST_DATABASE_URL_VAR).is_err() {
        eprintln!("SKIPPED (postgres): the reference backfill needs the test server");
        return;
    }
    let Some(cluster) = PrivateCluster::start() else {
        return;
    };
    let (from, to) = ("2023-10-01", "2023-12-31");
    let dir = tempfile::tempdir().unwrap();
    let store = Store {
        db: Db::connect(&cluster.url()).await.unwrap(),
        raw: RawStore::new(dir.path().join("raw")),
    };
    import(&store, &data).await;
    let graph = Graph::all();
    backfill::enqueue(
        &store.db,
        &SystemClock,
        &graph,
        d(from),
        d(to),
        2..=4,
        3,
        50,
    )
    .await
    .unwrap();
    let mut w = Workers::new(dir.path(), &cluster.url(), "reconnect", chaos_env());
    for i in 1..=3 {
        w.start(&format!("reconnect-{i}"));
    }
    wait_for_progress(&store.db, 0.2).await;
    cluster.pg_ctl("restart");
    wait_for_progress(&store.db, 0.6).await;
    let killed = store
        .db
        .query(
            "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = 'nba-props' AND pid <> pg_backend_pid()) x",
            &[],
        )
        .await
        .unwrap()[0]
        .i64(0)
        .unwrap_or(0);
    assert!(killed > 0, "no worker connection was terminated");
    wait_until_done(&store.db, Duration::from_secs(180)).await;
    w.stop_all();
    assert_exactly_once(&graph, &store.db, from, to, "reconnect").await;
    let beats = heartbeat::workers(&store.db).await.unwrap();
    assert_eq!(beats.len(), 3);
    let lost: i64 = beats.iter().map(|b| b.heartbeat_errors).sum();
    eprintln!(
        "reconnect: {killed} connections terminated; {lost} heartbeats could not be written and were counted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_worker_cannot_write_after_its_lease_was_taken_over() {
    let Some(data) = testdata::shared_data_dir() else {
        return;
    };
    let Some(t) = testing::postgres().await.unwrap() else {
        return;
    };
    let (store, db) = (&t.store, &t.store.db);
    import(store, &data).await;
    let graph = Graph::all();
    let date = d("2023-11-01");
    let opts = jobs::JobOptions {
        correlation_id: "freeze".into(),
        group_id: None,
        max_attempts: 5,
        reason: "fencing test".into(),
        max_phase: Some(4),
    };
    jobs::enqueue(
        db,
        &SystemClock,
        &graph,
        &[("nbac_player_boxscores", date)],
        &opts,
    )
    .await
    .unwrap();
    let mut env = chaos_env();
    env.retain(|(k, _)| *k != "NBA_PROPS_RUNTIME_LEASE_TTL_MS");
    env.push(("NBA_PROPS_RUNTIME_LEASE_TTL_MS", "1000".into()));
    let mut w = Workers::new(t.dir.path(), &t.url, "freeze", env);
    w.start_with(
        "frozen",
        &[("NBA_PROPS_FAULT_PAUSE_BEFORE_WRITE_MS", "3000".into())],
    );
    let started = Instant::now();
    while !w
        .log("frozen")
        .contains("pausing before the output transaction")
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the worker never reached its write"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    w.signal("frozen", "-STOP");
    w.start("rescuer");
    let job_done = || async {
        count(
            db,
            "SELECT COUNT(*) FROM jobs WHERE state = 'succeeded' AND worker = 'rescuer'",
        )
        .await
    };
    while job_done().await == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the rescuer never took the job over"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    w.signal("frozen", "-CONT");
    while !w
        .log("frozen")
        .contains("Write rejected by the lease epoch check")
    {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "the resumed worker's write was not rejected: {}",
            w.log("frozen")
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    w.stop_all();
    let log = w.log("frozen");
    let line = log.lines().find(|l| l.contains("Write rejected")).unwrap();
    assert!(
        line.contains("frozen holds lease epoch 1") && line.contains("lease is now epoch 2"),
        "{line}"
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
        "only the rescuer's run is recorded: {runs:?}"
    );
    assert_eq!(
        (runs[0].text(0), runs[0].text(1), runs[0].i64(2)),
        ("succeeded".into(), "rescuer".into(), Some(2))
    );
    let rows = count(
        db,
        "SELECT COUNT(*) FROM nbac_player_boxscores WHERE game_date = '2023-11-01'",
    )
    .await;
    assert!(rows > 0);
    assert_no_duplicate_keys(&graph, db, "freeze").await;
}

/// `nba-props backfill` as a user runs it, on the embedded SQLite default of `dir`.
fn backfill_command(dir: &Path, from: &str, to: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nba-props"));
    c.args(["backfill", "--from", from, "--to", to, "--phases", "2-4"])
        .args(["--jobs", "2"])
        .env("NBA_PROPS_DATA_DIR", dir)
        .env_remove("NBA_PROPS_DATABASE_URL")
        .env_remove("NBA_PROPS_ARCHIVE_DIR")
        .env("NBA_PROPS_LOG", "warn")
        .current_dir(dir);
    c
}

/// A backfill SIGKILLed mid-run and run again completes: the second run's enqueue finds the
/// partitions still queued by the first (and adds no job for them), waits for them all the
/// same, and its workers take over the killed process's running jobs. Before, it exited 0 in
/// under a second with phases 3-4 empty, the jobs stuck `running` under the dead process's
/// worker names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_backfill_run_again_completes() {
    let Some(data) = testdata::shared_data_dir() else {
        return;
    };
    let (from, to) = ("2023-10-24", "2023-12-31");
    let dir = tempfile::tempdir().unwrap();
    let imported = Command::new(env!("CARGO_BIN_EXE_nba-props"))
        .arg("import")
        .arg(data.join("archive"))
        .env("NBA_PROPS_DATA_DIR", dir.path())
        .env_remove("NBA_PROPS_DATABASE_URL")
        .output()
        .unwrap();
    assert!(imported.status.success(), "{imported:?}");
    let db = Db::connect(&format!(
        "sqlite://{}",
        dir.path().join("nba-props.db").display()
    ))
    .await
    .unwrap();
    let mut first = backfill_command(dir.path(), from, to)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while count(&db, "SELECT COUNT(*) FROM jobs WHERE state = 'succeeded'").await < 150 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the first backfill made no progress"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.kill().unwrap();
    first.wait().unwrap();
    let left = pending(&db).await.unwrap();
    assert!(left > 0, "the kill came after the end: nothing left to do");

    let second = backfill_command(dir.path(), from, to).output().unwrap();
    let out = String::from_utf8_lossy(&second.stdout);
    assert!(
        second.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert_eq!(
        pending(&db).await,
        Some(0),
        "the second backfill ended with work left: {out}"
    );
    let graph = Graph::all();
    let c = jobs::counts(&db, None).await.unwrap();
    assert_eq!(c.get(&jobs::JobState::Dead), None, "{c:?}");
    assert_one_success_per_generation(&db, "killed backfill").await;
    assert_no_duplicate_keys(&graph, &db, "killed backfill").await;
    let reference = testing::sqlite().await.unwrap();
    import(&reference.store, &data).await;
    in_process(&reference.store, from, to).await;
    assert_same_tables(&graph, &db, &reference.store.db, "killed backfill").await;
}
