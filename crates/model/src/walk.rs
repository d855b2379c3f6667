//! Walk-forward: retrain on a fixed schedule and predict each day with models trained only on
//! rows dated before it. The daily phase 5 processor and `nba-props eval` use the same schedule,
//! so the evaluation measures what the pipeline publishes.

use crate::features::Example;
use crate::prob::Spread;
use crate::system::{self, BoosterParams, SystemKind, Trained};
use crate::{Error, Result};
use nba_props_core::{GameDate, Market, Season};
use serde::{Deserialize, Serialize};

/// When to retrain and on what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    /// Days between retrainings (7: weekly).
    pub retrain_every_days: u16,
    /// Seasons of rows to train on: the current one so far and the previous ones (2: this
    /// season and last).
    pub train_seasons: u16,
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            retrain_every_days: 7,
            train_seasons: 2,
        }
    }
}

impl Schedule {
    /// The training date that serves `date`: the season's 1 August plus a whole number of
    /// retraining periods, at most `date`. Every row a model for that date trains on is
    /// before it.
    pub fn training_date(&self, date: GameDate) -> GameDate {
        let start = date.season().date_range().0;
        let every = i32::from(self.retrain_every_days.max(1));
        start.add_days(start.days_until(date) / every * every)
    }

    /// The first date training rows may have for a model trained for `trained_for`.
    pub fn train_from(&self, trained_for: GameDate) -> GameDate {
        let first = trained_for.season().start_year() - (self.train_seasons.max(1) as i16 - 1);
        Season::new(first).date_range().0
    }

    /// The rows a model trained for `trained_for` learns from (date-ordered input in, the
    /// slice of rows from `train_from` to the day before out).
    pub fn training_rows<'a>(&self, rows: &'a [Example], trained_for: GameDate) -> &'a [Example] {
        let from = self.train_from(trained_for);
        let lo = rows.partition_point(|r| r.date < from);
        let hi = rows.partition_point(|r| r.date < trained_for);
        &rows[lo..hi.max(lo)]
    }
}

/// One system's prediction of one example.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Predicted {
    pub value: f64,
    /// P(over) against the example's line; None without a line.
    pub p_over: Option<f64>,
    /// The spread P(over) comes from, so that a pick can be priced at any book's line.
    pub spread: Spread,
}

impl Predicted {
    /// P(actual > line) at any line, not only the example's (line shopping needs each book's).
    pub fn p_over_at(&self, line: f64) -> f64 {
        self.spread.p_over(self.value, line)
    }
}

/// Predictions of every system for the examples of one period.
pub struct Period {
    pub trained_for: GameDate,
    /// Per system (in the order asked), per example of `examples`.
    pub predictions: Vec<(SystemKind, Vec<Option<Predicted>>)>,
    /// Indices into the examples passed to [`walk_forward`].
    pub examples: Vec<usize>,
    pub train_rows: usize,
}

/// Predictions of one trained model for `rows`, with P(over) where a row has a line.
pub fn predict_with(model: &Trained, rows: &[Example]) -> Vec<Option<Predicted>> {
    with_spread(model.predict(rows), &model.spread, rows)
}

fn with_spread(
    values: Vec<Option<f64>>,
    spread: &Spread,
    rows: &[Example],
) -> Vec<Option<Predicted>> {
    values
        .into_iter()
        .zip(rows)
        .map(|(v, r)| {
            let value = v?;
            Some(Predicted {
                value,
                p_over: r.line.as_ref().map(|l| spread.p_over(value, l.value)),
                spread: *spread,
            })
        })
        .collect()
}

/// Walks from `from` to `to`: for each training date, trains every system in `systems` on the
/// rows before it and predicts the rows of its period. `rows` must be date-ordered; the
/// ensemble is the mean of `gbm` and `two_stage` (both are trained when it is asked for).
/// `progress` sees each training date as it starts.
#[allow(clippy::too_many_arguments)] // each is one independent choice of the evaluation
pub fn walk_forward(
    rows: &[Example],
    market: Market,
    from: GameDate,
    to: GameDate,
    systems: &[SystemKind],
    schedule: &Schedule,
    params: &BoosterParams,
    progress: &dyn Fn(GameDate),
) -> Result<Vec<Period>> {
    if rows.windows(2).any(|w| w[0].date > w[1].date) {
        return Err(Error::Train {
            system: "walk_forward",
            market: market.as_str(),
            message: "rows are not in date order".into(),
        });
    }
    let mut periods = Vec::new();
    let mut t = schedule.training_date(from);
    while t <= to {
        let next =
            schedule.training_date(t.add_days(i32::from(schedule.retrain_every_days.max(1))));
        // A season boundary restarts the schedule; never step backwards or stand still.
        let next = if next <= t { t.add_days(1) } else { next };
        let lo = rows.partition_point(|r| r.date < t.max(from));
        let hi = rows.partition_point(|r| r.date < next && r.date <= to);
        let indices: Vec<usize> = (lo..hi.max(lo)).collect();
        if !indices.is_empty() {
            progress(t);
            let train = schedule.training_rows(rows, t);
            let period: Vec<Example> = indices.iter().map(|&i| rows[i].clone()).collect();
            let mut predictions = Vec::new();
            let mut trained: Vec<(SystemKind, Trained)> = Vec::new();
            let wants = |k: SystemKind| {
                systems.contains(&k)
                    || (systems.contains(&SystemKind::Ensemble)
                        && matches!(k, SystemKind::Gbm | SystemKind::TwoStage))
            };
            for kind in [SystemKind::Baseline, SystemKind::Gbm, SystemKind::TwoStage] {
                if wants(kind) {
                    trained.push((kind, system::train(kind, market, params, train, t)?));
                }
            }
            for (kind, model) in &trained {
                if systems.contains(kind) {
                    predictions.push((*kind, predict_with(model, &period)));
                }
            }
            if systems.contains(&SystemKind::Ensemble) {
                let part =
                    |k: SystemKind| trained.iter().find(|(kind, _)| *kind == k).map(|(_, m)| m);
                let (g, s) = (part(SystemKind::Gbm), part(SystemKind::TwoStage));
                if let (Some(g), Some(s)) = (g, s) {
                    let values = g
                        .predict(&period)
                        .into_iter()
                        .zip(s.predict(&period))
                        .map(|(a, b)| Some((a? + b?) / 2.0))
                        .collect();
                    let spread = Spread {
                        a: (g.spread.a + s.spread.a) / 2.0,
                        b: (g.spread.b + s.spread.b) / 2.0,
                    };
                    predictions.push((SystemKind::Ensemble, with_spread(values, &spread, &period)));
                }
            }
            periods.push(Period {
                trained_for: t,
                predictions,
                examples: indices,
                train_rows: train.len(),
            });
        }
        t = next;
    }
    Ok(periods)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn training_dates_step_weekly_from_the_season_start_and_never_pass_the_date() {
        let s = Schedule::default();
        let d = GameDate::parse("2023-12-05").unwrap();
        let t = s.training_date(d);
        assert!(t <= d && d.add_days(-7) < t, "{t}");
        assert_eq!(
            t.date().weekday(),
            GameDate::parse("2023-08-01").unwrap().date().weekday()
        );
        assert_eq!(s.training_date(t), t);
        assert_eq!(s.train_from(t).to_string(), "2022-08-01");
    }
}
