//! The second stage of the anchored system: how far to move from the line toward the box-score
//! model, and P(over) against the market's own probability.
//!
//! Both are fitted walk-forward on earlier rows with a line only, each predicted out of sample
//! by the box-score model (see [`crate::system::anchor`]):
//! - the value is `w·line + (1−w)·box`, `w` in [0, 1] minimising the absolute error (MAE is
//!   what is scored);
//! - P(over) is a logistic regression of over/under on logit(market P(over)) and the model's
//!   standardised edge, shrunk toward the market (intercept 0, market coefficient 1, edge 0):
//!   it can move off the market's probability only as far as the earlier rows show the edge
//!   carries information the price lacks. Pushes are not outcomes.

use crate::features::Line;
use crate::prob::Spread;
use crate::system::HeldOut;
use serde::{Deserialize, Serialize};

/// Fewer earlier lined rows than this and `w` is not fitted: the value is the line itself
/// (`w` = 1). The line is the better predictor of the two on the evidence (a box-score model
/// alone has an MAE a few percent above the line's), so without enough rows to measure how
/// much the box model adds, the stage adds nothing.
pub const MIN_STAGE_ROWS: usize = 200;
/// Fewer earlier lined rows with a market probability and an outcome than this and P(over) is
/// the market's own (where it exists).
pub const MIN_MARKET_ROWS: usize = 200;
/// Shrinkage toward the market, in pseudo-rows of evidence at the prior (see [`MarketFit`]).
const PRIOR_ROWS: f64 = 500.0;

/// The fitted second stage.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    /// Weight of the line.
    pub w: f64,
    /// Earlier lined rows `w` was fitted on (0: the fallback `w` = 1).
    pub rows: usize,
    /// Spread of the anchored value's errors on those rows (the box model's when too few).
    pub spread: Spread,
    /// None: too few rows; P(over) is the market's where it exists.
    pub market_fit: Option<MarketFit>,
}

/// P(over) = σ(intercept + market·logit(p_market) + edge·z), z = (value − line) / σ(value).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MarketFit {
    pub intercept: f64,
    pub market: f64,
    pub edge: f64,
    /// Rows (with a market probability, not a push) it was fitted on.
    pub rows: usize,
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln()
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl Stage {
    pub fn value(&self, box_value: f64, line: Option<f64>) -> f64 {
        line.map_or(box_value, |l| self.w * l + (1.0 - self.w) * box_value)
    }

    pub fn p_over(&self, value: f64, line: &Line) -> f64 {
        match (self.market_fit, line.p_over_market) {
            (Some(f), Some(p)) => {
                let z = (value - line.value) / self.spread.sigma(value);
                sigmoid(f.intercept + f.market * logit(p) + f.edge * z)
            }
            (None, Some(p)) => p,
            (_, None) => self.spread.p_over(value, line.value),
        }
    }

    /// Fits `w`, the spread and the market fit on `rows` (earlier lined rows, each with an
    /// out-of-sample box prediction); `fallback_spread` serves when there are too few.
    pub fn fit(rows: &[HeldOut], fallback_spread: Spread) -> Stage {
        if rows.len() < MIN_STAGE_ROWS {
            return Stage {
                w: 1.0,
                rows: 0,
                spread: fallback_spread,
                market_fit: None,
            };
        }
        let w = line_weight(rows);
        let mut stage = Stage {
            w,
            rows: rows.len(),
            spread: Spread::fit(
                &rows
                    .iter()
                    .map(|h| (w * h.line + (1.0 - w) * h.predicted, h.actual))
                    .collect::<Vec<_>>(),
            ),
            market_fit: None,
        };
        let outcomes: Vec<(f64, f64, bool)> = rows
            .iter()
            .filter(|h| h.actual != h.line)
            .filter_map(|h| {
                let value = stage.value(h.predicted, Some(h.line));
                let z = (value - h.line) / stage.spread.sigma(value);
                Some((logit(h.p_over_market?), z, h.actual > h.line))
            })
            .collect();
        if outcomes.len() >= MIN_MARKET_ROWS {
            stage.market_fit = Some(fit_market(&outcomes));
        }
        stage
    }
}

/// The `w` in [0, 1] minimising Σ|actual − (w·line + (1−w)·box)| = Σ|r − w·d| with r = actual
/// − box and d = line − box: the median of r/d weighted by |d| (exact; the objective is convex,
/// so clamping the unconstrained minimum to [0, 1] gives the constrained one).
pub fn line_weight(rows: &[HeldOut]) -> f64 {
    let mut ratios: Vec<(f64, f64)> = rows
        .iter()
        .filter_map(|h| {
            let d = h.line - h.predicted;
            (d != 0.0).then(|| ((h.actual - h.predicted) / d, d.abs()))
        })
        .collect();
    if ratios.is_empty() {
        return 1.0;
    }
    ratios.sort_by(|a, b| a.0.total_cmp(&b.0));
    let half = ratios.iter().map(|(_, w)| w).sum::<f64>() / 2.0;
    let mut seen = 0.0;
    for (ratio, weight) in &ratios {
        seen += weight;
        if seen >= half {
            return ratio.clamp(0.0, 1.0);
        }
    }
    1.0
}

/// Penalised logistic regression (Newton's method) of `over` on (1, logit p, z), the penalty
/// PRIOR_ROWS/2 · Σ (sd_j·(β_j − prior_j))² · ¼: as if PRIOR_ROWS rows at probability ½ had
/// shown exactly the market's probability (β = (0, 1, 0)), on each input's own scale.
#[allow(clippy::needless_range_loop)] // the textbook's indices read clearer than iterators
fn fit_market(rows: &[(f64, f64, bool)]) -> MarketFit {
    let n = rows.len() as f64;
    let sd = |f: &dyn Fn(&(f64, f64, bool)) -> f64| {
        let mean = rows.iter().map(f).sum::<f64>() / n;
        (rows.iter().map(|r| (f(r) - mean).powi(2)).sum::<f64>() / n)
            .sqrt()
            .max(1e-3)
    };
    let scale = [1.0, sd(&|r| r.0), sd(&|r| r.1)];
    let prior = [0.0, 1.0, 0.0];
    let penalty: Vec<f64> = scale.iter().map(|s| PRIOR_ROWS * 0.25 * s * s).collect();
    let mut beta = prior;
    for _ in 0..25 {
        let mut grad = [0.0; 3];
        let mut hess = [[0.0; 3]; 3];
        for (x1, z, over) in rows {
            let x = [1.0, *x1, *z];
            let p = sigmoid(x[0] * beta[0] + x[1] * beta[1] + x[2] * beta[2]);
            let y = f64::from(u8::from(*over));
            for i in 0..3 {
                grad[i] += (p - y) * x[i];
                for j in 0..3 {
                    hess[i][j] += p * (1.0 - p) * x[i] * x[j];
                }
            }
        }
        for i in 0..3 {
            grad[i] += penalty[i] * (beta[i] - prior[i]);
            hess[i][i] += penalty[i];
        }
        let step = solve3(hess, grad);
        for i in 0..3 {
            beta[i] -= step[i];
        }
        if step.iter().all(|s| s.abs() < 1e-10) {
            break;
        }
    }
    MarketFit {
        intercept: beta[0],
        market: beta[1],
        edge: beta[2],
        rows: rows.len(),
    }
}

/// Solves a·x = b for a symmetric positive definite 3×3 `a` (Gaussian elimination).
#[allow(clippy::needless_range_loop)] // the textbook's indices read clearer than iterators
fn solve3(mut a: [[f64; 3]; 3], mut b: [f64; 3]) -> [f64; 3] {
    for k in 0..3 {
        for i in k + 1..3 {
            let f = a[i][k] / a[k][k];
            for j in k..3 {
                a[i][j] -= f * a[k][j];
            }
            b[i] -= f * b[k];
        }
    }
    let mut x = [0.0; 3];
    for k in (0..3).rev() {
        let s: f64 = (k + 1..3).map(|j| a[k][j] * x[j]).sum();
        x[k] = (b[k] - s) / a[k][k];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held_out(line: f64, predicted: f64, actual: f64, p: Option<f64>) -> HeldOut {
        HeldOut {
            date: "2023-11-01".into(),
            line,
            p_over_market: p,
            predicted,
            actual,
        }
    }

    #[test]
    fn the_line_weight_minimises_the_absolute_error() {
        // Actual = 0.8·line + 0.2·box + noise symmetric about 0 (uniform on ±3, a deterministic
        // low-discrepancy draw): the least absolute error is near w = 0.8.
        let rows: Vec<HeldOut> = (0..2000)
            .map(|i| {
                let line = 20.0 + (i % 13) as f64;
                let predicted = line + ((i % 7) as f64 - 3.0) * 2.0;
                let noise = ((i as f64 * 0.618_033_988_75).fract() - 0.5) * 6.0;
                held_out(line, predicted, 0.8 * line + 0.2 * predicted + noise, None)
            })
            .collect();
        let w = line_weight(&rows);
        let cost = |w: f64| -> f64 {
            rows.iter()
                .map(|h| (h.actual - (w * h.line + (1.0 - w) * h.predicted)).abs())
                .sum()
        };
        for other in [0.0, 0.5, 0.7, 0.75, 0.85, 0.9, 1.0] {
            assert!(cost(w) <= cost(other) + 1e-9, "w {w} vs {other}");
        }
        assert!((w - 0.8).abs() < 0.1, "{w}");
    }

    #[test]
    fn too_few_rows_fall_back_to_the_line_and_the_market() {
        let rows: Vec<HeldOut> = (0..MIN_STAGE_ROWS - 1)
            .map(|i| held_out(20.5, 25.0, 30.0 + i as f64, Some(0.5)))
            .collect();
        let spread = Spread { a: 50.0, b: 0.0 };
        let stage = Stage::fit(&rows, spread);
        assert_eq!((stage.w, stage.rows, stage.market_fit), (1.0, 0, None));
        assert_eq!(stage.value(25.0, Some(20.5)), 20.5);
        assert_eq!(stage.value(25.0, None), 25.0, "no line: the box model");
        let line = |p| Line {
            value: 20.5,
            source: "consensus".into(),
            books: 2,
            snapshot_at: "2023-11-01T23:00:00Z".into(),
            p_over_market: p,
            offers: Vec::new(),
        };
        assert_eq!(stage.p_over(20.5, &line(Some(0.47))), 0.47);
        assert_eq!(stage.p_over(20.5, &line(None)), spread.p_over(20.5, 20.5));
    }

    #[test]
    fn the_market_fit_stays_on_the_market_without_an_edge_and_learns_a_real_one() {
        // Outcomes drawn at the market's probability (a deterministic low-discrepancy draw):
        // the fit stays near (0, 1, 0).
        let draw = |i: usize| ((i as f64) * 0.618_033_988_75).fract();
        let market_only: Vec<(f64, f64, bool)> = (0..4000)
            .map(|i| {
                let p = 0.35 + 0.3 * ((i % 11) as f64 / 10.0);
                let z = ((i % 7) as f64 - 3.0) / 3.0;
                (logit(p), z, draw(i) < p)
            })
            .collect();
        let f = fit_market(&market_only);
        assert!(
            f.intercept.abs() < 0.05 && (f.market - 1.0).abs() < 0.1 && f.edge.abs() < 0.05,
            "{f:?}"
        );
        // Outcomes that follow the edge beyond the market: the edge coefficient is positive,
        // though shrunk below the true 1.0.
        let informative: Vec<(f64, f64, bool)> = market_only
            .iter()
            .enumerate()
            .map(|(i, (x, z, _))| (*x, *z, draw(i) < sigmoid(x + z)))
            .collect();
        let f = fit_market(&informative);
        assert!(f.edge > 0.5 && f.edge < 1.0, "{f:?}");
    }
}
