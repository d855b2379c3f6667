//! `nba-props eval`: the walk-forward evaluation. Models are retrained on the schedule of the
//! settings and each day is predicted with models trained only on earlier rows; every figure of
//! the report is computed on the same rows.

use super::{Settings, data};
use crate::processor::ProcessError;
use nba_props_core::{BuildInfo, GameDate, Market};
use nba_props_model::features;
use nba_props_model::report::{self, EvalRow, Report};
use nba_props_model::system::SystemKind;
use nba_props_model::walk::walk_forward;
use nba_props_store::Db;
use std::collections::BTreeMap;

/// Runs the evaluation of every system for `market` over `from..=to`.
pub async fn evaluate(
    db: &Db,
    settings: &Settings,
    market: Market,
    from: GameDate,
    to: GameDate,
    progress: &dyn Fn(GameDate),
) -> Result<Report, ProcessError> {
    let first = settings
        .schedule
        .train_from(settings.schedule.training_date(from));
    let rows = data::load(
        db,
        first,
        to,
        &[market],
        settings.tipoff_grace_minutes,
        &settings.line,
    )
    .await?;
    let examples = rows.by_market.get(&market).cloned().unwrap_or_default();
    let systems = SystemKind::ALL;
    let periods = walk_forward(
        &examples,
        market,
        from,
        to,
        &systems,
        &settings.schedule,
        &settings.params,
        progress,
    )
    .map_err(|e| ProcessError::Data(e.to_string()))?;
    let [l5, l10, season] = features::averages(market);
    let mut excluded: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::new();
    let injury_status = features::index("injury_status_ordinal");
    let mut injury_known = Vec::new();
    for period in &periods {
        for (j, &i) in period.examples.iter().enumerate() {
            let e = &examples[i];
            let reason = match (&e.actual, &e.line, e.feature(season)) {
                (None, _, _) => Some("did not play (void)"),
                (_, None, _) => Some("no pre-tip line"),
                (_, _, None) => Some("no earlier game this season"),
                _ => None,
            };
            if let Some(reason) = reason {
                *excluded.entry(reason.into()).or_default() += 1;
                continue;
            }
            let predictions: Option<Vec<_>> =
                period.predictions.iter().map(|(_, p)| p[j]).collect();
            let (Some(predictions), Some(actual), Some(line)) =
                (predictions, e.actual, e.line.as_ref())
            else {
                *excluded
                    .entry("a system could not predict".into())
                    .or_default() += 1;
                continue;
            };
            let (Some(a5), Some(a10), Some(s)) = (e.feature(l5), e.feature(l10), e.feature(season))
            else {
                *excluded
                    .entry("no earlier game this season".into())
                    .or_default() += 1;
                continue;
            };
            injury_known.push(e.feature(injury_status).is_some());
            out.push(EvalRow {
                date: e.date,
                actual,
                line: line.value,
                last_5: a5,
                last_10: a10,
                season: s,
                p_over_market: line.p_over_market,
                predictions,
                offers: line.offers.clone(),
            });
        }
    }
    let in_range: std::collections::HashSet<&str> = examples
        .iter()
        .filter(|e| e.date >= from)
        .map(|e| e.game_id.as_str())
        .collect();
    let unmatched = rows
        .lines
        .unmatched
        .iter()
        .filter(|(g, _, _)| in_range.contains(g.as_str()))
        .count();
    if unmatched > 0 {
        excluded.insert("book names not attached (game, name)".into(), unmatched);
    }
    let mut report = report::build(
        report::Inputs {
            market: market.as_str(),
            from,
            to,
            systems: &systems,
            min_ev: settings.min_ev(market),
            retrain_every_days: settings.schedule.retrain_every_days,
            build: BuildInfo::current().to_string(),
            excluded,
            retrainings: periods.len(),
            stages: periods
                .iter()
                .filter_map(|p| Some((p.trained_for, p.stages?)))
                .collect(),
        },
        &out,
    );
    report.by_injury_report = report::injury_split(&systems, &out, &injury_known);
    Ok(report)
}
