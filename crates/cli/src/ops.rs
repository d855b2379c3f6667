//! The operations commands: `health`, `reconcile`, `drift`, `heartbeats`, `check parity`.

use crate::commands::open;
use crate::config::Config;
use nba_props_core::GameDate;
use nba_props_ops::health::{self, Status};
use nba_props_ops::{alerts, days, drift, heartbeats, parity, reconcile};
use nba_props_runtime::SystemClock;
use nba_props_runtime::clock::format_ms;
use std::process::ExitCode;

/// The longest window `--days` (and `[ops.health] days`) may ask for: ten years.
pub const MAX_DAYS: u32 = 3650;

/// `days` within 1..=[`MAX_DAYS`], or an error naming where it came from.
pub fn check_days(what: &str, days: u32) -> anyhow::Result<u32> {
    anyhow::ensure!(
        (1..=MAX_DAYS).contains(&days),
        "{what} {days}: expected 1 to {MAX_DAYS} days (ten years)"
    );
    Ok(days)
}

fn code(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `nba-props health`: every check, the score; exit 1 when a check fails. With `alert`, the
/// alerts the report raises are delivered (deduplicated and rate-limited).
pub async fn health(
    config: &Config,
    days: Option<u32>,
    json: bool,
    alert: bool,
) -> anyhow::Result<ExitCode> {
    let days = match days {
        Some(d) => check_days("--days", d)?,
        None => check_days("[ops.health] days", config.ops.health.days)?,
    };
    let store = open(config).await?;
    let graph = crate::phase1::graph(config)?;
    let report = health::check(&store, &SystemClock, &graph, &config.ops, days).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let score = match report.score {
            Some(s) => format!("{s} / 100"),
            None => "no score".to_string(),
        };
        println!(
            "Health {score} over {}..{} ({} game days) as of {}, build {}",
            report.from, report.to, report.game_days, report.as_of, report.build
        );
        if let Some(note) = &report.note {
            println!("  {note}");
        }
        for c in &report.checks {
            let mark = match c.status {
                Status::Pass => "pass",
                Status::Warn => "WARN",
                Status::Fail => "FAIL",
            };
            println!("  {mark} {:<22} {}", c.name, c.figure);
            for item in c.concerned.iter().take(30) {
                println!("         {item}");
            }
            if c.concerned.len() > 30 {
                println!(
                    "         … and {} more (--json lists all)",
                    c.concerned.len() - 30
                );
            }
        }
    }
    if alert {
        let raised = alerts::evaluate(&store, &SystemClock, &report, &config.ops.alerts).await?;
        let done = alerts::deliver(
            &store,
            &SystemClock,
            &config.ops.alerts,
            &alerts::client()?,
            &raised,
        )
        .await?;
        eprintln!(
            "Alerts: {} sent, {} already sent today, {} rate-limited, {} failed.",
            done.sent.len(),
            done.duplicates.len(),
            done.rate_limited.len(),
            done.failed.len()
        );
    }
    Ok(code(report.ok()))
}

/// `nba-props reconcile`: every gap of the window; with `fix`, the jobs that close them.
pub async fn reconcile(config: &Config, days: u32, fix: bool) -> anyhow::Result<ExitCode> {
    let days = check_days("--days", days)?;
    let store = open(config).await?;
    let graph = crate::phase1::graph(config)?;
    let r = reconcile::reconcile(
        &store,
        &SystemClock,
        &graph,
        &config.ops,
        days,
        fix,
        config.runtime.max_attempts,
    )
    .await?;
    println!("{} gaps over {}..{}:", r.gaps.len(), r.from, r.to);
    for g in &r.gaps {
        println!(
            "  {:<20} {:<30} {} {}",
            g.kind, g.processor, g.date, g.detail
        );
    }
    if fix {
        println!(
            "Fixed: {} jobs queued, {} partitions already queued, {} dead jobs retried; workers (`serve`, `worker`) run them.",
            r.created,
            r.coalesced,
            r.retried.len()
        );
        for u in &r.unfixable {
            println!("  cannot fix: {u}");
        }
        return Ok(code(r.unfixable.is_empty()));
    }
    if !r.gaps.is_empty() {
        println!("Run with --fix to queue the work that closes them.");
    }
    Ok(code(r.gaps.is_empty()))
}

/// `nba-props drift`: builds seen in runs and heartbeats of the last `days` days; exit 1 when
/// they are mixed.
pub async fn drift(config: &Config, days: u32, json: bool) -> anyhow::Result<ExitCode> {
    let days = check_days("--days", days)?;
    let store = open(config).await?;
    let (from, to) = days::window(jiff::Timestamp::now().as_millisecond(), days);
    let r = drift::report(&store, from, to).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        println!(
            "This binary: {}; runs of {from}..{to} and heartbeats:",
            r.this_binary
        );
        for b in &r.builds {
            println!("  {}", b.describe());
        }
        if r.mixed {
            println!(
                "Mixed builds: {} differ from this binary.",
                r.others.join(", ")
            );
        }
    }
    Ok(code(!r.mixed))
}

/// `nba-props heartbeats`: the rows, or a prune of those older than a duration.
pub async fn heartbeats(config: &Config, prune: Option<String>) -> anyhow::Result<ExitCode> {
    let store = open(config).await?;
    if let Some(age) = prune {
        let ms = heartbeats::parse_duration_ms(&age)?;
        let now = jiff::Timestamp::now().as_millisecond();
        let p = heartbeats::prune(&store.db, now, ms).await?;
        println!(
            "Pruned {} worker rows ({}) and {} processor rows ({}) older than {age}.",
            p.workers.len(),
            p.workers.join(", "),
            p.processors.len(),
            p.processors.join(", ")
        );
        return Ok(ExitCode::SUCCESS);
    }
    let (workers, processors) = heartbeats::list(&store.db).await?;
    println!("Workers:");
    for w in &workers {
        println!(
            "  {:<24} {:<8} {:<16} pid {:<7} last beat {} build {}",
            w.worker,
            w.state,
            w.host,
            w.pid,
            format_ms(Some(w.last_beat_at)),
            w.build
        );
    }
    println!("Processors:");
    for p in &processors {
        println!(
            "  {:<30} {:<9} last run {} on {} build {}",
            p.processor,
            p.last_status,
            format_ms(Some(p.last_run_at)),
            p.last_partition,
            p.build
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `nba-props check parity --date D`: per model that predicted D, the features present in its
/// training rows and absent from D's prediction rows; exit 1 when there is any (or a
/// prediction whose model cannot be checked).
pub async fn parity(config: &Config, date: GameDate, json: bool) -> anyhow::Result<ExitCode> {
    let store = open(config).await?;
    let report = parity::check(&store.db, date).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(code(report.ok()));
    }
    if report.models.is_empty() && report.unchecked.is_empty() {
        println!("No predictions for {date}: nothing to check.");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "Train/serve parity for {date}: a feature fails when NULL in at most {:.0}% of the training rows and at least {:.0}% of the prediction rows.",
        100.0 * report.max_training_null_share,
        100.0 * report.min_live_null_share
    );
    for m in &report.models {
        let missing: Vec<&str> = m.missing_live().collect();
        println!(
            "  {} {} (model {}, trained on {} rows {}..{}): {} prediction rows, {}",
            m.system_id,
            m.market,
            m.model_version,
            m.training_rows,
            m.train_from.as_deref().unwrap_or("-"),
            m.train_to.as_deref().unwrap_or("-"),
            m.live_rows,
            if missing.is_empty() {
                "every feature of training present".to_string()
            } else {
                format!("absent live: {}", missing.join(", "))
            }
        );
    }
    let failures = report.failures();
    if !failures.is_empty() {
        println!("FAIL: {} problems", failures.len());
        for f in &failures {
            println!("  {f}");
        }
    }
    Ok(code(report.ok()))
}
