//! Phase 1 from the command line: `scrape`, `sources`, and the live half of `run`.

use crate::commands::open;
use crate::config::Config;
use nba_props_core::GameDate;
use nba_props_ops::days::{DayKind, day_kind};
use nba_props_ops::scheduler::day_ticks;
use nba_props_pipeline::Ctx;
use nba_props_pipeline::backfill::{backfill, processors_for};
use nba_props_sources::{Sources, datasets, resolve};
use nba_props_store::source_status;
use std::process::ExitCode;
use std::sync::Arc;

fn sources_config(config: &Config) -> anyhow::Result<Sources> {
    nba_props_sources::install_crypto_provider();
    Ok(Sources::new(config.sources()?)?)
}

pub async fn scrape(config: &Config, name: &str, date: GameDate) -> anyhow::Result<ExitCode> {
    let store = open(config).await?;
    let sources = sources_config(config)?;
    let mut failed = 0;
    for info in resolve(name)? {
        match sources.scrape(&store, info.name, date).await {
            Ok(report) => {
                println!(
                    "{} {date}: {} payloads, {} new",
                    info.name,
                    report.stored.len(),
                    report.new_payloads()
                );
                for f in &report.fallbacks {
                    println!(
                        "  {} served by {} ({})",
                        f.item, f.served_by, f.primary_error
                    );
                }
                for n in &report.notes {
                    println!("  {n}");
                }
                if let Some(q) = report.odds_quota {
                    println!("  The Odds API: {q:?}");
                }
            }
            Err(e) => {
                failed += 1;
                eprintln!("{} {date}: {e}", info.name);
            }
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Every dataset with its schedule, key, last success and last error (from `source_status`,
/// which every scrape updates), and the Odds API credits as last stated.
pub async fn sources(config: &Config) -> anyhow::Result<ExitCode> {
    let store = open(config).await?;
    let status = source_status::list(&store.db).await?;
    println!(
        "{:<30} {:<22} {:<22} {:<36} key",
        "dataset", "last success", "last error", "when"
    );
    for d in datasets() {
        let short = d.name.split_once('.').map_or(d.name, |(_, ds)| ds);
        let s = status
            .iter()
            .find(|s| s.source == d.source && s.dataset == short);
        // To the second: the column stays readable.
        let or_never = |v: Option<&str>| match v.map(|t| t.parse::<jiff::Timestamp>()) {
            Some(Ok(t)) => t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            Some(Err(_)) => v.unwrap_or_default().to_string(),
            None => "never".to_string(),
        };
        let success = or_never(s.and_then(|s| s.last_success_at.as_deref()));
        let error = or_never(s.and_then(|s| s.last_error_at.as_deref()));
        println!(
            "{:<30} {success:<22} {error:<22} {:<36} {}",
            d.name,
            d.when,
            d.key_env.unwrap_or("-")
        );
        println!("    fetches {}", d.fetches);
        if let Some(s) = s {
            if let Some(e) = &s.last_error {
                println!("    last error: {e}");
            }
            if let Some(q) = s.quota {
                let used = q.used.map_or(String::new(), |u| format!(", {u} used"));
                println!("    The Odds API credits: {} remaining{used}", q.remaining);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Phase 1 of `run`: for each date, the schedules `serve` fires for it (`[ops] schedules`), in
/// the order they fire, each once; a schedule's source datasets are fetched, its processors
/// are left to the phases 2-6 that `run` runs next. A game-aware schedule is passed over on a
/// date without games, as `serve` passes it over. Returns the failures as plain sentences.
pub async fn fetch_daily(
    config: &Config,
    from: GameDate,
    to: GameDate,
) -> anyhow::Result<Vec<String>> {
    let store = open(config).await?;
    let sources = sources_config(config)?;
    let mut failures = Vec::new();
    for date in from.through(to) {
        for tick in day_ticks(&config.ops.schedules, date)? {
            let s = &tick.schedule;
            let at = jiff::Timestamp::from_millisecond(tick.tick_at)?
                .to_zoned(nba_props_core::date::eastern().clone())
                .strftime("%Y-%m-%d %H:%M %Z");
            if s.game_aware {
                let kind = day_kind(&store.db, date, config.ops.off_season_days).await?;
                if kind != DayKind::GameDay {
                    println!(
                        "Schedule {} ({} ET, as at {at}) for {date}: not fired, {kind:?}.",
                        s.name, s.cron
                    );
                    continue;
                }
            }
            println!(
                "Schedule {} ({} ET, as at {at}) for {date}: fired: {}.",
                s.name,
                s.cron,
                s.targets.join(", ")
            );
            let mut fetched = false;
            for name in &s.targets {
                if resolve(name).is_err() {
                    // A processor (`predict`, `grade`) or `reconcile`: the phases 2-6 below do
                    // their work for the date.
                    continue;
                }
                fetched = true;
                match sources.scrape(&store, name, date).await {
                    Ok(r) => println!(
                        "Phase 1: {name} {date}: {} payloads, {} new.",
                        r.stored.len(),
                        r.new_payloads()
                    ),
                    Err(e) => {
                        println!("Phase 1: {name} {date}: failed.");
                        failures.push(format!("{name} {date}: {e}"))
                    }
                }
            }
            if fetched {
                // As `serve`'s workers do after a fetch, before the next tick: the schedule
                // fetched at 07:00 is what tells the later, game-aware schedules a game day.
                let ctx = Arc::new(Ctx::new(store.clone()));
                backfill(ctx, processors_for(2..=2), date, date, 1, &|_| {}).await;
            }
        }
    }
    Ok(failures)
}
