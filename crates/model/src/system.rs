//! The prediction systems. Each has an id and a version (recorded on every prediction); each is
//! trained on rows strictly before the date it predicts for, and each carries the spread of its
//! held-out errors so that it can say how likely OVER is.

use crate::anchor::Stage;
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
    /// A box-score model: gradient-boosted trees on the feature vector only (no line), trained
    /// on every row, aimed at the median (see [`BoxModel`]).
    Box,
    /// `w·line + (1−w)·box`, `w` fitted walk-forward on earlier rows with a line; P(over) from
    /// the market's probability and the model's edge (see [`crate::anchor`]).
    Anchored,
}

impl SystemKind {
    pub const ALL: [SystemKind; 3] = [SystemKind::Baseline, SystemKind::Box, SystemKind::Anchored];

    pub fn id(self) -> &'static str {
        match self {
            SystemKind::Baseline => "baseline",
            SystemKind::Box => "box",
            SystemKind::Anchored => "anchored",
        }
    }

    /// Bumped whenever what the system computes changes.
    pub fn version(self) -> &'static str {
        match self {
            SystemKind::Baseline => "baseline-1",
            SystemKind::Box => "box-1",
            SystemKind::Anchored => "anchored-1",
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

/// The box-score model: no line among its inputs, so the rows without one (every season but
/// 2023-24's PRA) teach it the stat as well as the rest.
///
/// It is fitted with squared loss (aiming at the mean), then shifted onto the median: MAE
/// rewards the median, and PRA is right-skewed. Fitting on √stat instead (a variance-stabilising
/// transform whose back-transform sits near the median) evaluated no better (docs/models.md).
#[derive(Serialize, Deserialize)]
struct BoxModel {
    booster: Box<GradientBooster>,
    /// Added to every prediction: the median of the probe's held-out residuals (actual −
    /// predicted), which moves the prediction onto the median MAE rewards.
    shift: f64,
}

impl BoxModel {
    fn predict(&self, rows: &[Example]) -> Vec<f64> {
        let refs: Vec<&Example> = rows.iter().collect();
        let data = matrix_data(&refs);
        let raw = self.booster.predict(
            &Matrix::new(&data, rows.len(), features::FEATURE_COLUMNS.len()),
            false,
        );
        raw.into_iter().map(|v| (v + self.shift).max(0.0)).collect()
    }
}

#[derive(Serialize, Deserialize)]
enum Fitted {
    Baseline,
    Box(BoxModel),
    /// The box-score model it anchors (trained for an earlier or the same date) and the
    /// second stage fitted on lined rows before this model's date.
    Anchored(Box<Trained>, Stage),
}

/// What training measured on the held-out rows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Validation {
    pub rows: usize,
    pub mae: Option<f64>,
    pub baseline_mae: Option<f64>,
}

/// A held-out row with a line, predicted out of sample (by the probe fitted on earlier rows):
/// what the second stage of [`SystemKind::Anchored`] learns from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HeldOut {
    pub date: String,
    pub line: f64,
    pub p_over_market: Option<f64>,
    pub predicted: f64,
    pub actual: f64,
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
    /// Of a box-score model: its held-out rows with a line.
    #[serde(default)]
    pub held_out: Vec<HeldOut>,
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

    /// P(over) of a predicted `value` for `row` (None without a line): the anchored system's
    /// from the market and its edge, the others' from their error spread.
    pub fn p_over(&self, value: f64, row: &Example) -> Option<f64> {
        let line = row.line.as_ref()?;
        Some(match &self.fitted {
            Fitted::Anchored(_, stage) => stage.p_over(value, line),
            _ => self.spread.p_over(value, line.value),
        })
    }

    /// The second stage of an anchored model.
    pub fn stage(&self) -> Option<&Stage> {
        match &self.fitted {
            Fitted::Anchored(_, stage) => Some(stage),
            _ => None,
        }
    }

    /// The box-score model an anchored model is built on.
    pub fn anchored_box(&self) -> Option<&Trained> {
        match &self.fitted {
            Fitted::Anchored(b, _) => Some(b),
            _ => None,
        }
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

/// Column-major, as forust wants it: the feature columns (never the line: see [`BoxModel`]).
fn matrix_data(rows: &[&Example]) -> Vec<f64> {
    let n = features::FEATURE_COLUMNS.len();
    let mut data = Vec::with_capacity(n * rows.len());
    for c in 0..n {
        data.extend(rows.iter().map(|r| r.features[c]));
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
) -> Result<Box<GradientBooster>> {
    let data = matrix_data(rows);
    let x = Matrix::new(&data, rows.len(), features::FEATURE_COLUMNS.len());
    let mut b = booster(params);
    b.fit(&x, target, &vec![1.0; rows.len()], None)
        .map_err(|e| Error::Train {
            system: kind.id(),
            market: market.as_str(),
            message: e.to_string(),
        })?;
    Ok(Box::new(b))
}

/// Fits `kind` on `rows`; a box-score model gets `shift` added to its predictions.
fn fit(
    kind: SystemKind,
    market: Market,
    params: &BoosterParams,
    rows: &[&Example],
    shift: f64,
) -> Result<Fitted> {
    let actual = |r: &&Example| r.actual.unwrap_or(0.0);
    Ok(match kind {
        SystemKind::Baseline => Fitted::Baseline,
        SystemKind::Box => {
            let y: Vec<f64> = rows.iter().map(actual).collect();
            Fitted::Box(BoxModel {
                booster: fit_booster(kind, market, params, rows, &y)?,
                shift,
            })
        }
        SystemKind::Anchored => {
            return Err(Error::Train {
                system: kind.id(),
                market: market.as_str(),
                message: "the anchored system is built on a box-score model (system::anchor)"
                    .into(),
            });
        }
    })
}

fn predict(fitted: &Fitted, market: Market, rows: &[Example]) -> Vec<Option<f64>> {
    if rows.is_empty() {
        return Vec::new();
    }
    match fitted {
        Fitted::Baseline => rows.iter().map(|r| baseline(market, r)).collect(),
        Fitted::Box(b) => b.predict(rows).into_iter().map(Some).collect(),
        Fitted::Anchored(b, stage) => b
            .predict(rows)
            .into_iter()
            .zip(rows)
            .map(|(v, r)| Some(stage.value(v?, r.line.as_ref().map(|l| l.value))))
            .collect(),
    }
}

/// The median of the values (0 without any).
pub(crate) fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Trains `kind` (not [`SystemKind::Anchored`]: see [`anchor`]) for `market` on `rows` (every
/// row before `trained_for`, with an actual; the caller guarantees both and this function
/// checks them): first on the earlier 85% to measure the held-out error spread, then on all
/// rows.
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
    let probe = fit(kind, market, params, early, 0.0)?;
    let late_rows: Vec<Example> = late.iter().map(|r| (*r).clone()).collect();
    let mut held_out = predict(&probe, market, &late_rows);
    let shift = if kind == SystemKind::Box {
        let residuals = held_out
            .iter()
            .zip(&late_rows)
            .filter_map(|(p, r)| Some(r.actual? - (*p)?))
            .collect();
        median(residuals)
    } else {
        0.0
    };
    for p in held_out.iter_mut().flatten() {
        *p = (*p + shift).max(0.0);
    }
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
    let lined_held_out = if kind == SystemKind::Box {
        held_out
            .iter()
            .zip(&late_rows)
            .filter_map(|(p, r)| {
                let line = r.line.as_ref()?;
                Some(HeldOut {
                    date: r.date.to_string(),
                    line: line.value,
                    p_over_market: line.p_over_market,
                    predicted: (*p)?,
                    actual: r.actual?,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let fitted = if kind == SystemKind::Baseline {
        Fitted::Baseline
    } else {
        fit(kind, market, params, &usable, shift)?
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
        held_out: lined_held_out,
        fitted,
    })
}

/// The anchored system for `trained_for`, on the box-score model `box_model` (trained for that
/// date or an earlier one): its second stage is fitted on the lined rows before `trained_for`
/// that the box model did not train on — its own held-out rows (predicted by its probe) and
/// the rows from its training date to the day before `trained_for` (predicted by it).
pub fn anchor(box_model: &Trained, rows: &[Example], trained_for: GameDate) -> Result<Trained> {
    let market = box_model.market();
    let box_for = GameDate::parse(&box_model.trained_for).map_err(|e| Error::Train {
        system: SystemKind::Anchored.id(),
        market: market.as_str(),
        message: format!("box-score model date: {e}"),
    })?;
    if box_model.kind != SystemKind::Box || box_for > trained_for {
        return Err(Error::Train {
            system: SystemKind::Anchored.id(),
            market: market.as_str(),
            message: format!(
                "needs a box-score model trained for {trained_for} or earlier, got {} for {box_for}",
                box_model.kind.id()
            ),
        });
    }
    // Every played row since the box model's date is seen (predicted by the box model); the
    // ones with a line fit the second stage.
    let seen_since: Vec<&Example> = rows
        .iter()
        .filter(|r| r.date >= box_for && r.date < trained_for && r.actual.is_some())
        .collect();
    let since: Vec<Example> = seen_since
        .iter()
        .filter(|r| r.line.is_some())
        .map(|r| (*r).clone())
        .collect();
    let mut lined = box_model.held_out.clone();
    for (r, p) in since.iter().zip(box_model.predict(&since)) {
        let (Some(line), Some(predicted), Some(actual)) = (r.line.as_ref(), p, r.actual) else {
            continue;
        };
        lined.push(HeldOut {
            date: r.date.to_string(),
            line: line.value,
            p_over_market: line.p_over_market,
            predicted,
            actual,
        });
    }
    let stage = Stage::fit(&lined, box_model.spread);
    // The window and the count are those of every row the model saw, so that they describe the
    // same rows (the train/serve parity check reads them back from the registry).
    let train_to = seen_since
        .iter()
        .map(|r| r.date.to_string())
        .max()
        .max(box_model.train_to.clone());
    Ok(Trained {
        kind: SystemKind::Anchored,
        market: box_model.market.clone(),
        trained_for: trained_for.to_string(),
        train_from: box_model.train_from.clone(),
        train_to,
        train_rows: box_model.train_rows + seen_since.len(),
        spread: stage.spread,
        validation: box_model.validation.clone(),
        params: box_model.params.clone(),
        held_out: Vec::new(),
        fitted: Fitted::Anchored(Box::new(box_model.clone_model()), stage),
    })
}

impl Trained {
    /// A deep copy (through its serialised form: boosters are not `Clone`).
    pub fn clone_model(&self) -> Trained {
        Trained::from_json(&self.to_json(), "a model in memory").expect("a model round-trips")
    }
}
