//! The subcommands: each opens the store, does its work, prints a summary a person can act on,
//! and returns a non-zero exit code when anything failed.

use crate::config::Config;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use nba_props_core::{BuildInfo, GameDate};
use nba_props_pipeline::Ctx;
use nba_props_pipeline::backfill::{BackfillSummary, backfill as run_backfill, processors_for};
use nba_props_pipeline::import::import_archive;
use nba_props_pipeline::runner::RunReport;
use nba_props_store::{Store, db::redact_url, runs};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

pub async fn open(config: &Config) -> anyhow::Result<Store> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            config.data_dir.display()
        )
    })?;
    let url = config.database_url();
    Store::open(&url, config.raw_dir())
        .await
        .with_context(|| format!("cannot open the database {}", redact_url(&url)))
}

pub fn bar(len: u64, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg:<28} [{bar:40}] {pos}/{len} {elapsed_precise} eta {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

pub async fn import(config: &Config, dir: &Path) -> anyhow::Result<ExitCode> {
    let store = open(config).await?;
    let pb = bar(0, "importing");
    let summary = import_archive(&store, dir, BuildInfo::current(), |done, total| {
        pb.set_length(total as u64);
        pb.set_position(done as u64);
    })
    .await?;
    pb.finish_and_clear();
    if summary.new_payloads == 0 && summary.errors.is_empty() {
        println!(
            "Nothing new: all {} files of {} are already in the raw store.",
            summary.files,
            dir.display()
        );
    } else {
        println!(
            "Imported {} new payloads ({:.1} MB) from {}; {} were already stored.",
            summary.new_payloads,
            summary.bytes_new as f64 / 1e6,
            dir.display(),
            summary.already_stored
        );
    }
    if summary.errors.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("{} files could not be imported:", summary.errors.len());
    for e in &summary.errors {
        eprintln!("  {e}");
    }
    Ok(ExitCode::FAILURE)
}

fn parse_phases(s: &str) -> anyhow::Result<std::ops::RangeInclusive<u8>> {
    let bad = || anyhow::anyhow!("--phases {s:?}: expected a phase like 2 or a range like 2-5");
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let (a, b): (u8, u8) = (
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    );
    if a > b || a < 2 {
        return Err(bad());
    }
    Ok(a..=b)
}

pub async fn backfill(
    config: &Config,
    from: GameDate,
    to: GameDate,
    phases: &str,
    jobs: usize,
    no_wait: bool,
    in_process: bool,
) -> anyhow::Result<ExitCode> {
    if from > to {
        anyhow::bail!("--from {from} is after --to {to}");
    }
    let phases = parse_phases(phases)?;
    if in_process {
        let store = open(config).await?;
        let summary = run_phases(store, from, to, phases, jobs).await?;
        return Ok(report(&summary));
    }
    let ok = crate::runtime::backfill(config, from, to, phases, jobs, no_wait).await?;
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn run_phases(
    store: Store,
    from: GameDate,
    to: GameDate,
    phases: std::ops::RangeInclusive<u8>,
    jobs: usize,
) -> anyhow::Result<BackfillSummary> {
    let processors = processors_for(phases.clone());
    if processors.is_empty() {
        anyhow::bail!(
            "no processors in phases {}-{} yet (phase 2 is available)",
            phases.start(),
            phases.end()
        );
    }
    let days = from.days_until(to) as u64 + 1;
    let pb = bar(days * processors.len() as u64, "backfill");
    let on_run = |r: &RunReport| {
        pb.set_message(format!("{} {}", r.processor, r.date));
        pb.inc(1);
    };
    let summary = run_backfill(
        Arc::new(Ctx::new(store).snapshot_raw_index()),
        processors,
        from,
        to,
        jobs,
        &on_run,
    )
    .await;
    pb.finish_and_clear();
    Ok(summary)
}

fn report(summary: &BackfillSummary) -> ExitCode {
    println!(
        "{:<24} {:>9} {:>8} {:>8} {:>7} {:>10} {:>9}",
        "processor", "succeeded", "changed", "no input", "failed", "rows", "unmatched"
    );
    for (name, t) in &summary.totals {
        println!(
            "{name:<24} {:>9} {:>8} {:>8} {:>7} {:>10} {:>9}",
            t.succeeded, t.changed, t.no_input, t.failed, t.rows, t.unmatched
        );
    }
    if summary.ok() {
        return ExitCode::SUCCESS;
    }
    if !summary.bad_payloads.is_empty() {
        eprintln!(
            "\n{} payloads failed to parse (kept in the raw store, marked failed):",
            summary.bad_payloads.len()
        );
        for p in &summary.bad_payloads {
            eprintln!("  {p}");
        }
    }
    if !summary.failures.is_empty() {
        eprintln!("\n{} runs failed:", summary.failures.len());
        for f in summary.failures.iter().take(50) {
            eprintln!("  {f}");
        }
        if summary.failures.len() > 50 {
            eprintln!(
                "  … and {} more (see `nba-props status --date D`)",
                summary.failures.len() - 50
            );
        }
    }
    ExitCode::FAILURE
}

pub async fn run(
    config: &Config,
    from: GameDate,
    to: GameDate,
    archive: Option<std::path::PathBuf>,
    jobs: usize,
) -> anyhow::Result<ExitCode> {
    let code = match archive {
        Some(archive) => {
            println!(
                "Phase 1: live sources are not used; importing the archive {}.",
                archive.display()
            );
            import(config, &archive).await?
        }
        None => {
            let failures = crate::live::fetch_daily(config, from, to).await?;
            if !failures.is_empty() {
                eprintln!("Phase 1 could not fetch everything:");
                for f in &failures {
                    eprintln!("  {f}");
                }
                eprintln!(
                    "Phases 2-5 run over what the raw store already holds. Without network access, run over a \
                     raw archive instead: `nba-props run --archive ../shared/data/archive --date {from}`."
                );
            }
            if failures.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
    };
    let ok = crate::runtime::backfill(config, from, to, 2..=6, jobs, false).await?;
    Ok(if code == ExitCode::SUCCESS && !ok {
        ExitCode::FAILURE
    } else {
        code
    })
}

pub use crate::live::{scrape, sources};

pub async fn check_features(
    config: &Config,
    date: GameDate,
    sample: usize,
) -> anyhow::Result<ExitCode> {
    let store = open(config).await?;
    let report = nba_props_pipeline::phase4::check::check_features(&store.db, date, sample).await?;
    if report.rows_checked == 0 {
        println!("No feature rows for {date}: nothing to check.");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "Checked {} values of {} feature rows for {date} against player_game_summary: {} mismatches.",
        report.values_checked,
        report.rows_checked,
        report.mismatches.len()
    );
    for m in &report.mismatches {
        println!(
            "  game {} player {} {}: stored {:?}, recomputed {:?}",
            m.game_id, m.player_id, m.feature, m.stored, m.recomputed
        );
    }
    Ok(if report.mismatches.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub async fn status(config: &Config, date: GameDate) -> anyhow::Result<ExitCode> {
    let store = open(config).await?;
    let db = &store.db;
    let latest = runs::latest_for_partition(db, &date.to_string()).await?;
    println!("Status for {date} (US Eastern game date)\n");
    if latest.is_empty() {
        println!("No processor has run for {date}.");
    } else {
        println!(
            "{:<24} {:<10} {:>7} {:>9} {:>8}  {:<20} {:<22} message",
            "processor", "status", "rows", "unmatched", "ms", "finished", "build"
        );
        for r in &latest {
            println!(
                "{:<24} {:<10} {:>7} {:>9} {:>8}  {:<20} {:<22} {}",
                r.processor,
                r.status.as_str(),
                r.rows_written.map_or("-".into(), |v| v.to_string()),
                r.unmatched.map_or("-".into(), |v| v.to_string()),
                r.duration_ms,
                r.finished_at.get(..19).unwrap_or(&r.finished_at),
                r.build,
                r.message.as_deref().unwrap_or("")
            );
        }
    }
    let games = db
        .query(
            "SELECT status, source, CAST(COUNT(*) AS BIGINT) FROM nbac_schedule WHERE game_date = $1 GROUP BY status, source ORDER BY status, source",
            &[date.to_string().into()],
        )
        .await?;
    if !games.is_empty() {
        let parts: Vec<String> = games
            .iter()
            .map(|r| {
                format!(
                    "{} {} (from {})",
                    r.i64(2).unwrap_or(0),
                    r.text(0),
                    r.text(1)
                )
            })
            .collect();
        println!("\nGames: {}", parts.join(", "));
    }
    let unmatched = db
        .query(
            "SELECT processor, item, reason FROM unmatched_rows WHERE partition_key = $1 ORDER BY processor, item",
            &[date.to_string().into()],
        )
        .await?;
    if !unmatched.is_empty() {
        println!("\nUnmatched source rows ({}):", unmatched.len());
        for r in unmatched.iter().take(20) {
            println!("  {:<20} {}: {}", r.text(0), r.text(1), r.text(2));
        }
    }
    let failures = db
        .query(
            "SELECT processor, origin_path, error FROM raw_parse_failures WHERE partition_key = $1 OR partition_key = $2 ORDER BY processor",
            &[date.to_string().into(), date.season().to_string().into()],
        )
        .await?;
    if !failures.is_empty() {
        println!("\nPayloads that fail to parse ({}):", failures.len());
        for r in &failures {
            println!("  {:<20} {}", r.text(0), r.text(2));
        }
    }
    // Jobs of the date that wait for a dead upstream partition (they run once it is retried).
    let graph = crate::phase1::graph(config)?;
    let blocked = nba_props_runtime::jobs::blocked(
        db,
        &graph,
        Some(("partition_key = $1", &[date.to_string().into()])),
    )
    .await?;
    if !blocked.is_empty() {
        println!(
            "\nBlocked by a dead upstream partition ({}):",
            blocked.len()
        );
        for b in &blocked {
            println!("  {b}");
        }
    }
    let failed = latest.iter().any(|r| r.status == runs::RunStatus::Failed)
        || !failures.is_empty()
        || !blocked.is_empty();
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
