//! Phase 1 from the command line: `scrape`, `sources`, and the live half of `run`.

use crate::commands::open;
use crate::config::Config;
use nba_props_core::GameDate;
use nba_props_sources::{SourceError, Sources, datasets, resolve};
use std::process::ExitCode;

/// The datasets `run` fetches for a date before phase 2: what the processors read.
const DAILY: &[&str] = &[
    "nbacom.schedule",
    "nbacom.leaguegamelog_player",
    "oddsapi.player_props",
];

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

pub async fn sources(config: &Config) -> anyhow::Result<ExitCode> {
    let store = open(config).await?;
    let last = store
        .db
        .query(
            "SELECT source, dataset, MAX(fetched_at) FROM raw_payloads WHERE http_status IS NOT NULL GROUP BY source, dataset",
            &[],
        )
        .await?;
    println!(
        "{:<30} {:<46} {:<24} {:<24} last fetch",
        "dataset", "fetches", "when", "key"
    );
    for d in datasets() {
        let fetched = last
            .iter()
            .filter(|r| {
                r.str(0) == Some(d.source)
                    && r.str(1).is_some_and(|ds| ds.starts_with(d.raw_dataset))
            })
            .filter_map(|r| r.str(2))
            .max()
            .unwrap_or("never");
        println!(
            "{:<30} {:<46} {:<24} {:<24} {fetched}",
            d.name,
            d.fetches,
            d.when,
            d.key_env.unwrap_or("-")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Fetches the daily datasets for each date; returns the failures as plain sentences.
pub async fn fetch_daily(
    config: &Config,
    from: GameDate,
    to: GameDate,
) -> anyhow::Result<Vec<String>> {
    let store = open(config).await?;
    let sources = sources_config(config)?;
    let mut failures = Vec::new();
    for date in from.through(to) {
        for name in DAILY {
            match sources.scrape(&store, name, date).await {
                Ok(r) => println!(
                    "Phase 1: {name} {date}: {} payloads, {} new.",
                    r.stored.len(),
                    r.new_payloads()
                ),
                Err(e @ SourceError::Unreachable { .. }) => {
                    failures.push(format!("{name} {date}: {e}"))
                }
                Err(e) => failures.push(format!("{name} {date}: {e}")),
            }
        }
    }
    Ok(failures)
}
