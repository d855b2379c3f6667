//! The runtime's commands: `worker`, `serve`, `jobs`, and `backfill`/`run` through the job
//! table (enqueue a group, run workers in this process, wait with a progress bar).

use crate::commands::{bar, open};
use crate::config::Config;
use nba_props_core::GameDate;
use nba_props_runtime::clock::format_ms;
use nba_props_runtime::jobs::{self, JobState, ListFilter};
use nba_props_runtime::worker::{Stop, Worker};
use nba_props_runtime::{Graph, SystemClock, backfill, heartbeat};
use nba_props_store::Store;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// Sends `Finish` on the first SIGTERM or ctrl-c and `Now` on the second.
fn stop_on_signals() -> watch::Receiver<Stop> {
    let (tx, rx) = watch::channel(Stop::Run);
    tokio::spawn(async move {
        let mut term = match tokio::signal::unix::signal(
            tokio::signal::unix::SignalKind::terminate(),
        ) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "Cannot listen for SIGTERM; only ctrl-c stops this process.");
                return;
            }
        };
        for level in [Stop::Finish, Stop::Now] {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            match level {
                Stop::Finish => eprintln!(
                    "Stopping: finishing the current batch (signal again to stop at once)."
                ),
                _ => eprintln!("Stopping now: the current batch goes back to the queue."),
            }
            let _ = tx.send(level);
        }
    });
    rx
}

/// Starts one worker per name.
async fn start_workers(
    config: &Config,
    store: &Store,
    graph: &Arc<Graph>,
    names: Vec<String>,
    stop: &watch::Receiver<Stop>,
) -> anyhow::Result<JoinSet<(String, nba_props_runtime::Result<()>)>> {
    let mut set = JoinSet::new();
    let wake = Arc::new(tokio::sync::Notify::new());
    for name in names {
        let cfg = config.runtime.worker(name.clone());
        let w = Worker::new(store.clone(), graph.clone(), cfg, Arc::new(SystemClock))
            .await?
            .with_wake(wake.clone());
        let rx = stop.clone();
        set.spawn(async move { (name, w.run(rx).await) });
    }
    Ok(set)
}

async fn join_workers(mut set: JoinSet<(String, nba_props_runtime::Result<()>)>) -> bool {
    let mut ok = true;
    while let Some(done) = set.join_next().await {
        match done {
            Ok((_, Ok(()))) => {}
            Ok((name, Err(e))) => {
                ok = false;
                eprintln!("worker {name}: {e}");
            }
            Err(e) => {
                ok = false;
                eprintln!("a worker task failed: {e}");
            }
        }
    }
    ok
}

/// `nba-props worker`: claims and runs jobs until stopped.
pub async fn worker(
    config: &Config,
    name: Option<String>,
    exit_when_idle: bool,
) -> anyhow::Result<ExitCode> {
    // Listen first: a SIGTERM during start-up then stops the worker cleanly too.
    let stop = stop_on_signals();
    let store = open(config).await?;
    let graph = Arc::new(crate::phase1::graph(config)?);
    let name = name.unwrap_or_else(|| config.runtime.base_name());
    let mut cfg = config.runtime.worker(name.clone());
    cfg.exit_when_idle = exit_when_idle;
    let w = Worker::new(store, graph, cfg, Arc::new(SystemClock)).await?;
    eprintln!(
        "Worker {name} started (pid {}, build {}).",
        std::process::id(),
        nba_props_core::BuildInfo::current()
    );
    w.run(stop).await?;
    eprintln!("Worker {name} stopped.");
    Ok(ExitCode::SUCCESS)
}

/// `nba-props serve`: the workers of this process, the scheduler and alert loop, and the web
/// server, until stopped.
pub async fn serve(config: &Config, workers: Option<usize>) -> anyhow::Result<ExitCode> {
    let stop = stop_on_signals();
    let store = open(config).await?;
    let graph = Arc::new(crate::phase1::graph(config)?);
    let n = workers.unwrap_or(config.runtime.workers).max(1);
    let base = config.runtime.base_name();
    let names = (1..=n).map(|i| format!("{base}/{i}")).collect();
    let set = start_workers(config, &store, &graph, names, &stop).await?;
    let mut ops = nba_props_ops::serve::spawn(
        store.clone(),
        Arc::new(SystemClock),
        graph.clone(),
        &config.ops,
        config.runtime.max_attempts,
        stop.clone(),
    )?;
    let web = crate::web::start(config, &store, &graph, &stop).await?;
    eprintln!("Serving with {n} workers as {base}/1..{n}; SIGTERM or ctrl-c stops.");
    let ok = join_workers(set).await & crate::web::join(web).await;
    while ops.join_next().await.is_some() {}
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Enqueues phases over a date range and, unless `no_wait`, runs `jobs` workers in this process
/// until the group is done. Returns whether every job succeeded.
pub async fn backfill(
    config: &Config,
    from: GameDate,
    to: GameDate,
    phases: std::ops::RangeInclusive<u8>,
    workers: usize,
    no_wait: bool,
) -> anyhow::Result<bool> {
    let store = open(config).await?;
    let graph = Arc::new(crate::phase1::graph(config)?);
    let started = jiff::Timestamp::now();
    let group = backfill::enqueue(
        &store.db,
        &SystemClock,
        &graph,
        from,
        to,
        phases.clone(),
        workers,
        config.runtime.max_attempts,
    )
    .await?;
    println!(
        "Backfill {} ({from}..{to}, phases {}-{}): {} jobs queued{}.",
        group.group_id,
        phases.start(),
        phases.end(),
        group.enqueued.created,
        if group.enqueued.coalesced > 0 {
            format!(
                ", {} partitions already queued (waited for too)",
                group.enqueued.coalesced
            )
        } else {
            String::new()
        }
    );
    if no_wait {
        println!("Not waiting: workers (`nba-props worker` or `serve`) will run it.");
        return Ok(true);
    }
    let base = config.runtime.base_name();
    let names = (1..=workers.max(1))
        .map(|i| format!("{base}/backfill-{i}"))
        .collect();
    let (stop_tx, stop_rx) = watch::channel(Stop::Run);
    let signals = stop_on_signals();
    let set = start_workers(config, &store, &graph, names, &stop_rx).await?;
    let pb = bar(0, "backfill");
    let mut on_progress = |p: backfill::Progress| {
        pb.set_length(p.total() as u64);
        pb.set_position((p.succeeded + p.dead) as u64);
        pb.set_message(if p.blocked > 0 {
            format!(
                "{} running, {} dead, {} blocked by dead partitions",
                p.running, p.dead, p.blocked
            )
        } else {
            format!("{} running, {} dead", p.running, p.dead)
        });
    };
    let waited = tokio::select! {
        p = backfill::wait(&store.db, &graph, &group, Duration::from_millis(100), &mut on_progress) => Some(p?),
        _ = wait_signal(signals) => None,
    };
    pb.finish_and_clear();
    let _ = stop_tx.send(Stop::Finish);
    let workers_ok = join_workers(set).await;
    let Some(progress) = waited else {
        eprintln!(
            "Interrupted; the backfill's remaining jobs stay queued (run `nba-props worker` to finish them)."
        );
        return Ok(false);
    };
    let (per, dead) = backfill::summary(&store.db, &group).await?;
    println!(
        "{:<30} {:>8} {:>10} {:>9} {:>5} {:>10}",
        "processor", "changed", "unchanged", "no input", "dead", "rows"
    );
    let order = |p: &str| graph.rank(p).unwrap_or(usize::MAX);
    let mut per = per;
    per.sort_by_key(|s| order(&s.processor));
    for s in &per {
        println!(
            "{:<30} {:>8} {:>10} {:>9} {:>5} {:>10}",
            s.processor, s.changed, s.unchanged, s.no_input, s.dead, s.rows
        );
    }
    let bad = parse_failures_since(&store, &started).await?;
    if !bad.is_empty() {
        eprintln!(
            "\n{} payloads failed to parse (kept in the raw store, marked failed):",
            bad.len()
        );
        for b in &bad {
            eprintln!("  {b}");
        }
    }
    if !dead.is_empty() {
        eprintln!(
            "\n{} jobs are dead (`nba-props jobs --dead`; `--retry ID` queues one again):",
            dead.len()
        );
        for d in dead.iter().take(50) {
            eprintln!("  {d}");
        }
    }
    if progress.blocked > 0 {
        let blocked = backfill::blocked(&store.db, &graph, &group).await?;
        eprintln!(
            "\n{} jobs wait for a dead upstream partition and were not run (they run once it is retried and succeeds):",
            blocked.len()
        );
        for b in blocked.iter().take(20) {
            eprintln!("  {b}");
        }
    }
    Ok(progress.dead == 0 && progress.blocked == 0 && bad.is_empty() && workers_ok)
}

async fn wait_signal(mut rx: watch::Receiver<Stop>) {
    if rx.wait_for(|s| *s >= Stop::Finish).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Payloads marked as failing to parse since `since`, each with its message.
async fn parse_failures_since(
    store: &Store,
    since: &jiff::Timestamp,
) -> anyhow::Result<Vec<String>> {
    let since = since.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    let rows = store
        .db
        .query(
            "SELECT DISTINCT error FROM raw_parse_failures WHERE failed_at >= $1 ORDER BY error",
            &[since.into()],
        )
        .await?;
    Ok(rows.iter().map(|r| r.text(0)).collect())
}

/// `nba-props jobs`: the job table, dead jobs, or a retry.
pub async fn jobs_command(
    config: &Config,
    dead: bool,
    state: Option<String>,
    processor: Option<String>,
    retry: Option<i64>,
    limit: usize,
) -> anyhow::Result<ExitCode> {
    let store = open(config).await?;
    if let Some(id) = retry {
        let job = jobs::retry(&store.db, &SystemClock, id).await?;
        println!(
            "Job {} ({} {} generation {}) is queued again.",
            job.job_id, job.processor, job.partition_key, job.generation
        );
        return Ok(ExitCode::SUCCESS);
    }
    let state = match (dead, state) {
        (true, _) => Some(JobState::Dead),
        (false, Some(s)) => Some(JobState::parse(&s).ok_or_else(|| {
            anyhow::anyhow!("--state {s:?}: expected queued, running, succeeded or dead")
        })?),
        (false, None) => None,
    };
    let counts = jobs::counts(&store.db, None).await?;
    let c = |s| counts.get(&s).copied().unwrap_or(0);
    let graph = crate::phase1::graph(config)?;
    let blocked: std::collections::HashMap<i64, jobs::Blocked> =
        jobs::blocked(&store.db, &graph, None)
            .await?
            .into_iter()
            .map(|b| (b.job_id, b))
            .collect();
    println!(
        "Jobs: {} queued{}, {} running, {} succeeded, {} dead.\n",
        c(JobState::Queued),
        if blocked.is_empty() {
            String::new()
        } else {
            format!(" ({} blocked by dead partitions)", blocked.len())
        },
        c(JobState::Running),
        c(JobState::Succeeded),
        c(JobState::Dead)
    );
    let filter = ListFilter {
        state,
        processor,
        group_id: None,
        limit,
    };
    let list = jobs::list(&store.db, &filter).await?;
    println!(
        "{:>7} {:<30} {:<10} {:>3} {:<9} {:>8} {:<20} {:<20} {:<9} detail",
        "job", "processor", "date", "gen", "state", "attempts", "worker", "finished", "outcome"
    );
    for j in &list {
        println!(
            "{:>7} {:<30} {:<10} {:>3} {:<9} {:>8} {:<20} {:<20} {:<9} {}",
            j.job_id,
            j.processor,
            j.partition_key,
            j.generation,
            j.state.as_str(),
            format!("{}/{}", j.attempts, j.max_attempts),
            j.worker.as_deref().unwrap_or("-"),
            format_ms(j.finished_at),
            j.outcome.as_deref().unwrap_or("-"),
            match blocked.get(&j.job_id) {
                Some(b) => format!(
                    "blocked: waits for dead job {} ({} {})",
                    b.by_job_id, b.by_processor, b.by_partition_key
                ),
                None => match (&j.failure, &j.last_error) {
                    (Some(class), Some(e)) => format!("{class}: {e}"),
                    (None, Some(e)) => e.clone(),
                    _ => j.reason.clone(),
                },
            }
        );
    }
    let workers = heartbeat::workers(&store.db).await?;
    if !workers.is_empty() {
        println!("\nWorkers:");
        for w in &workers {
            println!(
                "  {:<24} {:<8} pid {:<7} last beat {} build {} done {} failed {} lost beats {}{}",
                w.worker,
                w.state,
                w.pid,
                format_ms(Some(w.last_beat_at)),
                w.build,
                w.jobs_done,
                w.jobs_failed,
                w.heartbeat_errors,
                w.current_job
                    .as_deref()
                    .map(|j| format!(" on {j}"))
                    .unwrap_or_default()
            );
        }
    }
    Ok(if dead && !list.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
