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
    /// The box-score model is retrained every this many retrainings (4: every 4 weeks); the
    /// anchored system's second stage at every one. A few weeks more of rows barely move a
    /// model trained on two seasons, and it is most of the training time.
    #[serde(default = "default_box_every")]
    pub box_every_retrains: u16,
}

fn default_box_every() -> u16 {
    4
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            retrain_every_days: 7,
            train_seasons: 2,
            box_every_retrains: default_box_every(),
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

    /// The training date of the box-score model that the models of training date `t` build
    /// on: the season's 1 August plus a whole number of box retraining periods, at most `t`.
    pub fn box_training_date(&self, t: GameDate) -> GameDate {
        let start = t.season().date_range().0;
        let every =
            i32::from(self.retrain_every_days.max(1)) * i32::from(self.box_every_retrains.max(1));
        start.add_days(start.days_until(t) / every * every)
    }

    /// The date the box-score model serving training date `t` is trained for: the schedule's
    /// box date ([`Schedule::box_training_date`]) or, when fewer than
    /// [`system::MIN_TRAIN_ROWS`] played rows of `rows` (date-ordered) are before it (the first
    /// weeks of data), the first retraining date after it that has enough. None: not even `t`.
    pub fn box_date(&self, rows: &[Example], t: GameDate) -> Option<GameDate> {
        let every = i32::from(self.retrain_every_days.max(1));
        let mut candidate = self.box_training_date(t);
        while candidate <= t {
            let played = self
                .training_rows(rows, candidate)
                .iter()
                .filter(|r| r.actual.is_some())
                .count();
            if played >= system::MIN_TRAIN_ROWS {
                return Some(candidate);
            }
            candidate = candidate.add_days(every);
        }
        None
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
    /// The example's line, where `p_over` is the system's own (calibrated) probability.
    pub line: Option<f64>,
    /// The error spread around `value`, which moves P(over) from the example's line to a
    /// book's, so that a pick can be priced at any book's line.
    pub spread: Spread,
}

/// P(over) is kept inside this band when moved to another line: no offer is worth a certainty.
const P_BAND: (f64, f64) = (0.001, 0.999);

impl Predicted {
    /// P(actual > line) at any line, not only the example's (line shopping needs each book's):
    /// the system's own P(over) at the example's line, moved by the spread's difference between
    /// the two lines (the anchored system's P(over) is fitted against the market at the line,
    /// the spread only says how fast it changes off it).
    pub fn p_over_at(&self, line: f64) -> f64 {
        match (self.p_over, self.line) {
            (Some(p), Some(at)) => (p + self.spread.p_over(self.value, line)
                - self.spread.p_over(self.value, at))
            .clamp(P_BAND.0, P_BAND.1),
            _ => self.spread.p_over(self.value, line),
        }
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
    /// The anchored system's second stage of this training date, when it was trained.
    pub stages: Option<crate::anchor::Stage>,
}

/// Predictions of one trained model for `rows`, with P(over) where a row has a line.
pub fn predict_with(model: &Trained, rows: &[Example]) -> Vec<Option<Predicted>> {
    model
        .predict(rows)
        .into_iter()
        .zip(rows)
        .map(|(v, r)| {
            let value = v?;
            Some(Predicted {
                value,
                p_over: model.p_over(value, r),
                line: r.line.as_ref().map(|l| l.value),
                spread: model.spread,
            })
        })
        .collect()
}

/// Trains `kind` in a thread of its own (so that independent models train side by side) when
/// `wanted`.
fn train_beside<'s>(
    scope: &'s std::thread::Scope<'s, '_>,
    wanted: bool,
    train: impl FnOnce() -> Result<Trained> + Send + 's,
) -> Option<std::thread::ScopedJoinHandle<'s, Result<Trained>>> {
    wanted.then(|| scope.spawn(train))
}

fn joined(
    h: Option<std::thread::ScopedJoinHandle<'_, Result<Trained>>>,
) -> Result<Option<Trained>> {
    h.map(|h| h.join().expect("a training thread does not panic"))
        .transpose()
}

/// Walks from `from` to `to`: for each training date, trains every system in `systems` on the
/// rows before it and predicts the rows of its period. `rows` must be date-ordered. The
/// box-score model is retrained on the schedule's box dates (the anchored system builds on it,
/// so it is trained when either is asked for); independent models train in parallel.
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
    let wants = |k: SystemKind| systems.contains(&k);
    let wants_box = wants(SystemKind::Box) || wants(SystemKind::Anchored);
    let mut box_model: Option<(GameDate, Trained)> = None;
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
            let box_for = schedule.box_date(rows, t).unwrap_or(t);
            let retrain_box = wants_box && box_model.as_ref().is_none_or(|(d, _)| *d != box_for);
            let (baseline, new_box) = std::thread::scope(|s| {
                let baseline = train_beside(s, wants(SystemKind::Baseline), || {
                    system::train(SystemKind::Baseline, market, params, train, t)
                });
                let box_train = schedule.training_rows(rows, box_for);
                let new_box = train_beside(s, retrain_box, || {
                    system::train(SystemKind::Box, market, params, box_train, box_for)
                });
                Ok::<_, Error>((joined(baseline)?, joined(new_box)?))
            })?;
            if let Some(m) = new_box {
                box_model = Some((box_for, m));
            }
            let anchored = match (&box_model, wants(SystemKind::Anchored)) {
                (Some((_, b)), true) => Some(system::anchor(b, train, t)?),
                _ => None,
            };
            let period: Vec<Example> = indices.iter().map(|&i| rows[i].clone()).collect();
            let mut predictions = Vec::new();
            for kind in systems {
                let model = match kind {
                    SystemKind::Baseline => baseline.as_ref(),
                    SystemKind::Box => box_model.as_ref().map(|(_, m)| m),
                    SystemKind::Anchored => anchored.as_ref(),
                };
                if let Some(model) = model {
                    predictions.push((*kind, predict_with(model, &period)));
                }
            }
            periods.push(Period {
                trained_for: t,
                predictions,
                examples: indices,
                train_rows: train.len(),
                stages: anchored.as_ref().and_then(|m| m.stage().copied()),
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
