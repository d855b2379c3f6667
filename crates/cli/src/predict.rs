//! `nba-props eval`, `nba-props record` and `nba-props export`, and the `[predict]` section of the configuration
//! (the EV a pick needs, retraining schedule, line choice, systems) that phase 5 runs with.

use crate::commands::open;
use crate::config::Config;
use anyhow::Context;
use figment::Figment;
use figment::providers::{Format, Toml};
use nba_props_core::{BuildInfo, GameDate, Market};
use nba_props_model::system::SystemKind;
use nba_props_pipeline::phase5::{self, Settings, lines::LineChoice};
use serde::Deserialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MarketSettings {
    /// EV per unit staked a pick needs at the offered price.
    min_ev: f64,
}

/// `[predict]`: every field optional; the defaults are those of `phase5::Settings`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PredictSection {
    retrain_every_days: Option<u16>,
    train_seasons: Option<u16>,
    box_every_retrains: Option<u16>,
    tipoff_grace_minutes: Option<i64>,
    line: Option<String>,
    systems: Option<Vec<String>>,
    markets: Option<Vec<String>>,
    points: Option<MarketSettings>,
    threes: Option<MarketSettings>,
    pra: Option<MarketSettings>,
}

/// Phase 5 settings: the defaults, then the configuration file's `[predict]` section.
pub fn settings(config: &Config) -> anyhow::Result<Settings> {
    let section = match &config.file {
        Some(f) => match Figment::new()
            .merge(Toml::file(f))
            .extract_inner::<PredictSection>("predict")
        {
            Ok(s) => s,
            Err(e) if e.missing() => PredictSection::default(),
            Err(e) => anyhow::bail!("configuration {} [predict]: {e}", f.display()),
        },
        None => PredictSection::default(),
    };
    let mut s = Settings::default();
    if let Some(v) = section.retrain_every_days {
        anyhow::ensure!(v >= 1, "[predict] retrain_every_days must be at least 1");
        s.schedule.retrain_every_days = v;
    }
    if let Some(v) = section.train_seasons {
        anyhow::ensure!(v >= 1, "[predict] train_seasons must be at least 1");
        s.schedule.train_seasons = v;
    }
    if let Some(v) = section.box_every_retrains {
        anyhow::ensure!(v >= 1, "[predict] box_every_retrains must be at least 1");
        s.schedule.box_every_retrains = v;
    }
    if let Some(v) = section.tipoff_grace_minutes {
        s.tipoff_grace_minutes = v;
    }
    if let Some(v) = section.line {
        s.line = LineChoice::parse(&v);
    }
    if let Some(v) = section.systems {
        s.systems = v
            .iter()
            .map(|id| {
                SystemKind::parse(id).with_context(|| {
                    format!("[predict] systems: unknown system {id:?} (baseline, anchored)")
                })
            })
            .collect::<anyhow::Result<_>>()?;
        anyhow::ensure!(
            !s.systems.contains(&SystemKind::Box),
            "[predict] systems: box is evaluated only (anchored serves it, built on the line)"
        );
    }
    if let Some(v) = section.markets {
        s.markets = v
            .iter()
            .map(|m| Market::parse(m).map_err(|e| anyhow::anyhow!("[predict] markets: {e}")))
            .collect::<anyhow::Result<_>>()?;
    }
    if let Some(v) = section.points {
        s.min_ev.points = v.min_ev;
    }
    if let Some(v) = section.threes {
        s.min_ev.threes = v.min_ev;
    }
    if let Some(v) = section.pra {
        s.min_ev.pra = v.min_ev;
    }
    Ok(s)
}

/// Installs the phase 5 settings for this process (before any processor runs).
pub fn install_settings(config: &Config) -> anyhow::Result<()> {
    phase5::configure(settings(config)?);
    Ok(())
}

pub async fn eval(
    config: &Config,
    from: GameDate,
    to: GameDate,
    market: &str,
    json: bool,
    out: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(from <= to, "--from {from} is after --to {to}");
    let market = Market::parse(market)?;
    let store = open(config).await?;
    let settings = phase5::settings();
    let started = std::time::Instant::now();
    let report = phase5::eval::evaluate(&store.db, settings, market, from, to, &|t| {
        eprintln!("training for {t} …");
    })
    .await?;
    let dir = out.unwrap_or_else(|| config.data_dir.join("reports"));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let stem = dir.join(format!("eval-{market}-{from}-{to}"));
    let json_text = serde_json::to_string_pretty(&report)?;
    for (ext, body) in [
        ("json", json_text.clone()),
        ("md", report.markdown()),
        ("svg", report.svg()),
    ] {
        let path = stem.with_extension(ext);
        std::fs::write(&path, body).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if json {
        println!("{json_text}");
    } else {
        println!("{}", report.markdown());
    }
    eprintln!(
        "Evaluated {} rows in {:.1} s; report in {}.{{md,svg,json}}",
        report.rows,
        started.elapsed().as_secs_f64(),
        stem.display()
    );
    Ok(if report.rows > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The pick record of `from..=to`: per market and system, W-L-P, units, ROI and hit rate with
/// their standard errors, the mean break-even of the prices taken and the closing line value.
pub async fn record(
    config: &Config,
    from: GameDate,
    to: GameDate,
    json: bool,
) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(from <= to, "--from {from} is after --to {to}");
    let store = open(config).await?;
    let records = phase5::record::between(&store.db, from, to).await?;
    if json {
        let body =
            serde_json::json!({"from": from.to_string(), "to": to.to_string(), "records": records});
        println!("{}", serde_json::to_string_pretty(&body)?);
        return Ok(ExitCode::SUCCESS);
    }
    if records.is_empty() {
        println!("No graded picks from {from} to {to}.");
        return Ok(ExitCode::SUCCESS);
    }
    let pct = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{:.1}%", 100.0 * v));
    let pm = |v: Option<f64>, se: Option<f64>| match (v, se) {
        (Some(v), Some(se)) => format!("{:.1}% ± {:.1}", 100.0 * v, 100.0 * se),
        (v, _) => pct(v),
    };
    println!("Picks graded at their own prices, {from} .. {to}:\n");
    println!(
        "| market | system | N | W-L-P | units | hit rate ± SE | break-even | ROI ± SE | CLV (N) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for r in &records {
        let x = &r.record;
        println!(
            "| {} | {} | {} | {}-{}-{} | {:+.2} | {} | {} | {} | {} ({}) |",
            r.market,
            r.system_id,
            x.n,
            x.wins,
            x.losses,
            x.pushes,
            x.units,
            pm(x.hit_rate, x.hit_rate_se),
            pct(x.break_even),
            pm(x.roi, x.roi_se),
            pct(x.clv),
            x.clv_n
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn export(config: &Config, date: GameDate, out: PathBuf) -> anyhow::Result<ExitCode> {
    let store = open(config).await?;
    let summary = nba_props_pipeline::phase6::export(
        &store.db,
        date,
        &out,
        jiff::Timestamp::now(),
        BuildInfo::current(),
    )
    .await?;
    println!(
        "Exported {date} to {}: {} predictions, {} results, {} player pages ({} files).",
        out.display(),
        summary.predictions,
        summary.results,
        summary.players,
        summary.files.len()
    );
    Ok(ExitCode::SUCCESS)
}
