//! The prediction systems. Each has an id and a version (recorded on every prediction); each is
//! trained on rows strictly before the date it predicts for, and each carries the spread of its
//! held-out errors so that it can say how likely OVER is.

use crate::features::{self, Example};
use crate::prob::Spread;
use crate::{Error, Result};
use forust_ml::{GradientBooster, Matrix};
use nba_props_core::{GameDate, Market};
use serde::{Deserialize, Serialize};

/// Which system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SystemKind {
    /// 0.5·L5 + 0.3·L10 + 0.2·season average of the market's stat.
    Baseline,
    /// Gradient-boosted trees (forust-ml, squared loss) on the feature vector and the line.
    Gbm,
    /// Minutes × per-minute rate, each a gradient-boosted model.
    TwoStage,
    /// The mean of `gbm` and `two_stage`.
    Ensemble,
}

impl SystemKind {
    pub const ALL: [SystemKind; 4] = [
        SystemKind::Baseline,
        SystemKind::Gbm,
        SystemKind::TwoStage,
        SystemKind::Ensemble,
    ];

    pub fn id(self) -> &'static str {
        match self {
            SystemKind::Baseline => "baseline",
            SystemKind::Gbm => "gbm",
            SystemKind::TwoStage => "two_stage",
            SystemKind::Ensemble => "ensemble",
        }
    }

    /// Bumped whenever what the system computes changes.
    pub fn version(self) -> &'static str {
        match self {
            SystemKind::Baseline => "baseline-1",
            SystemKind::Gbm => "gbm-1",
            SystemKind::TwoStage => "two_stage-1",
            SystemKind::Ensemble => "ensemble-1",
        }
    }

    pub fn parse(s: &str) -> Option<SystemKind> {
        SystemKind::ALL.into_iter().find(|k| k.id() == s)
    }
}

/// Booster settings (the same for every booster of every system).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BoosterParams {
    pub iterations: usize,
    pub learning_rate: f32,
    pub max_depth: usize,
    pub min_leaf_weight: f32,
    pub l2: f32,
    pub nbins: u16,
}

impl Default for BoosterParams {
    fn default() -> Self {
        Self {
            iterations: 150,
            learning_rate: 0.05,
            max_depth: 4,
            min_leaf_weight: 30.0,
            l2: 1.0,
            nbins: 64,
        }
    }
}

/// Fewer rows than this and a booster is not trained.
pub const MIN_TRAIN_ROWS: usize = 500;
/// The share of the (date-ordered) training rows held out to measure the error spread.
const HOLDOUT_SHARE: f64 = 0.15;
/// Per-minute rates are learnt from games of at least this many minutes.
const RATE_MIN_MINUTES: f64 = 6.0;

#[derive(Serialize, Deserialize)]
enum Fitted {
    Baseline,
    Gbm(Box<GradientBooster>),
    TwoStage {
        minutes: Box<GradientBooster>,
        rate: Box<GradientBooster>,
    },
    Ensemble(Box<Fitted>, Box<Fitted>),
}

/// What training measured on the held-out rows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Validation {
    pub rows: usize,
    pub mae: Option<f64>,
    pub baseline_mae: Option<f64>,
}

/// A trained system: serialised as one JSON file, addressed by its sha256 in the registry.
#[derive(Serialize, Deserialize)]
pub struct Trained {
    pub kind: SystemKind,
    pub market: String,
    /// The first date this model predicts; every training row is before it.
    pub trained_for: String,
    pub train_from: Option<String>,
    pub train_to: Option<String>,
    pub train_rows: usize,
    pub spread: Spread,
    pub validation: Validation,
    pub params: BoosterParams,
    fitted: Fitted,
}

impl Trained {
    pub fn market(&self) -> Market {
        Market::parse(&self.market).expect("a trained model names a known market")
    }

    /// Predicted values, one per example (None: the system cannot predict that row, e.g. the
    /// baseline for a player without a past game).
    pub fn predict(&self, rows: &[Example]) -> Vec<Option<f64>> {
        predict(&self.fitted, self.market(), rows)
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a trained model serialises")
    }

    pub fn from_json(bytes: &[u8], path: &str) -> Result<Trained> {
        serde_json::from_slice(bytes).map_err(|e| Error::File {
            path: path.to_string(),
            message: format!("not a trained model: {e}"),
        })
    }
}

/// The baseline's value for one row: 0.5·L5 + 0.3·L10 + 0.2·season, the weights of the missing
/// averages spread over the present ones (a player's first games of a season have no season
/// average yet).
pub fn baseline(market: Market, row: &Example) -> Option<f64> {
    let [l5, l10, season] = features::averages(market);
    let parts = [
        (0.5, row.feature(l5)),
        (0.3, row.feature(l10)),
        (0.2, row.feature(season)),
    ];
    let weight: f64 = parts
        .iter()
        .filter(|(_, v)| v.is_some())
        .map(|(w, _)| w)
        .sum();
    (weight > 0.0).then(|| {
        parts
            .iter()
            .filter_map(|(w, v)| v.map(|v| w * v))
            .sum::<f64>()
            / weight
    })
}

fn matrix_data(rows: &[&Example]) -> Vec<f64> {
    // Column-major, as forust wants it.
    let n = features::input_count();
    let inputs: Vec<Vec<f64>> = rows.iter().map(|r| r.inputs().collect()).collect();
    let mut data = Vec::with_capacity(n * rows.len());
    for c in 0..n {
        data.extend(inputs.iter().map(|r| r[c]));
    }
    data
}

fn booster(params: &BoosterParams) -> GradientBooster {
    GradientBooster::default()
        .set_objective_type(forust_ml::objective::ObjectiveType::SquaredLoss)
        .set_iterations(params.iterations)
        .set_learning_rate(params.learning_rate)
        .set_max_depth(params.max_depth)
        .set_min_leaf_weight(params.min_leaf_weight)
        .set_l2(params.l2)
        .set_nbins(params.nbins)
        .set_seed(0)
}

fn fit_booster(
    kind: SystemKind,
    market: Market,
    params: &BoosterParams,
    rows: &[&Example],
    target: &[f64],
    weight: &[f64],
) -> Result<Box<GradientBooster>> {
    let data = matrix_data(rows);
    let x = Matrix::new(&data, rows.len(), features::input_count());
    let mut b = booster(params);
    b.fit(&x, target, weight, None).map_err(|e| Error::Train {
        system: kind.id(),
        market: market.as_str(),
        message: e.to_string(),
    })?;
    Ok(Box::new(b))
}

fn fit(
    kind: SystemKind,
    market: Market,
    params: &BoosterParams,
    rows: &[&Example],
) -> Result<Fitted> {
    let actual = |r: &&Example| r.actual.unwrap_or(0.0);
    Ok(match kind {
        SystemKind::Baseline => Fitted::Baseline,
        SystemKind::Gbm => {
            let y: Vec<f64> = rows.iter().map(actual).collect();
            Fitted::Gbm(fit_booster(
                kind,
                market,
                params,
                rows,
                &y,
                &vec![1.0; rows.len()],
            )?)
        }
        SystemKind::TwoStage => {
            let y: Vec<f64> = rows.iter().map(|r| r.minutes.unwrap_or(0.0)).collect();
            let minutes = fit_booster(kind, market, params, rows, &y, &vec![1.0; rows.len()])?;
            let long: Vec<&Example> = rows
                .iter()
                .copied()
                .filter(|r| r.minutes.is_some_and(|m| m >= RATE_MIN_MINUTES))
                .collect();
            let rate_y: Vec<f64> = long
                .iter()
                .map(|r| r.actual.unwrap_or(0.0) / r.minutes.unwrap_or(1.0))
                .collect();
            let w: Vec<f64> = long.iter().map(|r| r.minutes.unwrap_or(0.0)).collect();
            let rate = fit_booster(kind, market, params, &long, &rate_y, &w)?;
            Fitted::TwoStage { minutes, rate }
        }
        SystemKind::Ensemble => Fitted::Ensemble(
            Box::new(fit(SystemKind::Gbm, market, params, rows)?),
            Box::new(fit(SystemKind::TwoStage, market, params, rows)?),
        ),
    })
}

fn predict(fitted: &Fitted, market: Market, rows: &[Example]) -> Vec<Option<f64>> {
    if rows.is_empty() {
        return Vec::new();
    }
    let refs: Vec<&Example> = rows.iter().collect();
    let boost = |b: &GradientBooster| {
        let data = matrix_data(&refs);
        b.predict(
            &Matrix::new(&data, rows.len(), features::input_count()),
            false,
        )
    };
    match fitted {
        Fitted::Baseline => rows.iter().map(|r| baseline(market, r)).collect(),
        Fitted::Gbm(b) => boost(b).into_iter().map(|v| Some(v.max(0.0))).collect(),
        Fitted::TwoStage { minutes, rate } => boost(minutes)
            .into_iter()
            .zip(boost(rate))
            .map(|(m, r)| Some(m.max(0.0) * r.max(0.0)))
            .collect(),
        Fitted::Ensemble(a, b) => predict(a, market, rows)
            .into_iter()
            .zip(predict(b, market, rows))
            .map(|(a, b)| Some((a? + b?) / 2.0))
            .collect(),
    }
}

/// Trains `kind` for `market` on `rows` (every row before `trained_for`, with an actual; the
/// caller guarantees both and this function checks them): first on the earlier 85% to measure
/// the held-out error spread, then on all rows.
pub fn train(
    kind: SystemKind,
    market: Market,
    params: &BoosterParams,
    rows: &[Example],
    trained_for: GameDate,
) -> Result<Trained> {
    let mut usable: Vec<&Example> = rows
        .iter()
        .filter(|r| r.date < trained_for && r.actual.is_some())
        .collect();
    usable.sort_by_key(|r| r.date);
    let needed = if kind == SystemKind::Baseline {
        50
    } else {
        MIN_TRAIN_ROWS
    };
    if usable.len() < needed {
        return Err(Error::TooFewRows {
            system: kind.id(),
            market: market.as_str(),
            rows: usable.len(),
            needed,
            before: trained_for.to_string(),
        });
    }
    // Hold out whole dates at the end, so no date is on both sides.
    let mut cut = ((usable.len() as f64) * (1.0 - HOLDOUT_SHARE)) as usize;
    while cut > 0 && cut < usable.len() && usable[cut].date == usable[cut - 1].date {
        cut += 1;
    }
    let (early, late) = usable.split_at(cut.min(usable.len()));
    let probe = fit(kind, market, params, early)?;
    let late_rows: Vec<Example> = late.iter().map(|r| (*r).clone()).collect();
    let held_out = predict(&probe, market, &late_rows);
    let pairs: Vec<(f64, f64)> = held_out
        .iter()
        .zip(&late_rows)
        .filter_map(|(p, r)| Some(((*p)?, r.actual?)))
        .collect();
    let base: Vec<(f64, f64)> = late_rows
        .iter()
        .filter_map(|r| Some((baseline(market, r)?, r.actual?)))
        .collect();
    let validation = Validation {
        rows: pairs.len(),
        mae: crate::metrics::mae(&pairs),
        baseline_mae: crate::metrics::mae(&base),
    };
    let spread = Spread::fit(&pairs);
    let fitted = if kind == SystemKind::Baseline {
        Fitted::Baseline
    } else {
        fit(kind, market, params, &usable)?
    };
    Ok(Trained {
        kind,
        market: market.as_str().to_string(),
        trained_for: trained_for.to_string(),
        train_from: usable.first().map(|r| r.date.to_string()),
        train_to: usable.last().map(|r| r.date.to_string()),
        train_rows: usable.len(),
        spread,
        validation,
        params: params.clone(),
        fitted,
    })
}
