//! P(over): the actual is taken as normal around the prediction, with a spread that grows with
//! the prediction (counts vary more when they are larger). The spread is fitted on held-out rows
//! of the training window (later dates than the rows the probe model saw), so the probability
//! is calibrated out of sample; the evaluation's reliability table shows how well.

use serde::{Deserialize, Serialize};

/// Variance of the actual around a prediction p: `a + b·p`, at least `FLOOR`².
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    pub a: f64,
    pub b: f64,
}

const FLOOR: f64 = 0.5;

impl Spread {
    /// Least squares of the squared held-out errors on the prediction; a constant variance when
    /// the slope comes out negative; unit variance without rows.
    pub fn fit(pairs: &[(f64, f64)]) -> Spread {
        let n = pairs.len() as f64;
        if pairs.len() < 10 {
            return Spread { a: 1.0, b: 0.0 };
        }
        let (mx, my) = pairs.iter().fold((0.0, 0.0), |(x, y), (p, a)| {
            (x + p / n, y + (a - p).powi(2) / n)
        });
        let (sxy, sxx) = pairs.iter().fold((0.0, 0.0), |(sxy, sxx), (p, a)| {
            (
                sxy + (p - mx) * ((a - p).powi(2) - my),
                sxx + (p - mx).powi(2),
            )
        });
        let b = if sxx > 0.0 { sxy / sxx } else { 0.0 };
        if b <= 0.0 {
            return Spread { a: my, b: 0.0 };
        }
        Spread { a: my - b * mx, b }
    }

    pub fn sigma(&self, predicted: f64) -> f64 {
        (self.a + self.b * predicted).max(FLOOR * FLOOR).sqrt()
    }

    /// P(actual > line). Lines are usually half-points; for a whole-number line the push
    /// (actual = line) is split off with a continuity correction of half a unit.
    pub fn p_over(&self, predicted: f64, line: f64) -> f64 {
        let threshold = if line.fract() == 0.0 {
            line + 0.5
        } else {
            line
        };
        1.0 - normal_cdf((threshold - predicted) / self.sigma(predicted))
    }
}

/// Standard normal CDF (Abramowitz & Stegun 7.1.26 for erf; absolute error below 1.5e-7).
pub fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_cdf_has_the_known_values() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.96) - 0.975_002).abs() < 1e-5);
        assert!((normal_cdf(-1.0) - 0.158_655).abs() < 1e-5);
    }

    #[test]
    fn spread_grows_with_the_prediction_and_p_over_with_the_edge() {
        // Errors with variance 2·p around predictions 5..40.
        let pairs: Vec<(f64, f64)> = (0..2000)
            .map(|i| {
                let p = 5.0 + (i % 36) as f64;
                let e = if i % 2 == 0 { 1.0 } else { -1.0 } * (2.0 * p).sqrt();
                (p, p + e)
            })
            .collect();
        let s = Spread::fit(&pairs);
        assert!((s.b - 2.0).abs() < 0.05 && s.a.abs() < 1.0, "{s:?}");
        assert!((s.p_over(20.0, 20.5) - 0.5).abs() < 0.1);
        assert!(s.p_over(25.0, 20.5) > 0.7);
        assert!(s.p_over(15.0, 20.5) < 0.3);
        // A whole-number line: P(over) excludes the push.
        assert!(s.p_over(20.0, 20.0) < 0.5);
    }
}
