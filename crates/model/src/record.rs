//! The pick record: graded picks at their own prices summed up — won, lost, pushed, units, the
//! return on the picks staked with its standard error, the hit rate with its standard error
//! beside the mean break-even of the prices taken, and the closing line value where a later
//! snapshot existed. Callers group the picks (per market and system, per EV bucket).

use crate::price;
use serde::Serialize;

/// One graded pick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradedPick {
    /// Some(true) won, Some(false) lost, None pushed.
    pub correct: Option<bool>,
    /// Profit at the pick's own price (0 for a push).
    pub units: f64,
    pub price: i64,
    pub ev: f64,
    pub clv_line: Option<f64>,
    pub clv_prob: Option<f64>,
}

/// A set of picks summed up. `n` counts every pick staked (pushes included: the stake is
/// refunded, the pick was still made).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    pub n: usize,
    pub wins: usize,
    pub losses: usize,
    pub pushes: usize,
    pub units: f64,
    /// Units per pick staked.
    pub roi: Option<f64>,
    /// Standard error of `roi`: of the mean of the per-pick units.
    pub roi_se: Option<f64>,
    /// Wins of the picks decided (pushes left out).
    pub hit_rate: Option<f64>,
    pub hit_rate_se: Option<f64>,
    /// Mean hit rate the prices taken needed to break even.
    pub break_even: Option<f64>,
    /// Mean EV the picks were made at.
    pub mean_ev: Option<f64>,
    /// Picks with a closing line value (a later pre-tip snapshot existed).
    pub clv_n: usize,
    /// Mean closing line value in line points and in probability.
    pub clv_line: Option<f64>,
    pub clv: Option<f64>,
}

fn mean(v: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| sum / n as f64)
}

impl Record {
    pub fn of(picks: &[GradedPick]) -> Record {
        let n = picks.len();
        let wins = picks.iter().filter(|p| p.correct == Some(true)).count();
        let losses = picks.iter().filter(|p| p.correct == Some(false)).count();
        let units: f64 = picks.iter().map(|p| p.units).sum();
        let roi = (n > 0).then(|| units / n as f64);
        let roi_se = roi.filter(|_| n > 1).map(|m| {
            let var = picks.iter().map(|p| (p.units - m).powi(2)).sum::<f64>() / (n - 1) as f64;
            (var / n as f64).sqrt()
        });
        let decided = wins + losses;
        let hit_rate = (decided > 0).then(|| wins as f64 / decided as f64);
        let clv: Vec<&GradedPick> = picks.iter().filter(|p| p.clv_line.is_some()).collect();
        Record {
            n,
            wins,
            losses,
            pushes: n - decided,
            units,
            roi,
            roi_se,
            hit_rate,
            hit_rate_se: hit_rate.map(|h| (h * (1.0 - h) / decided as f64).sqrt()),
            break_even: mean(picks.iter().map(|p| price::break_even(p.price))),
            mean_ev: mean(picks.iter().map(|p| p.ev)),
            clv_n: clv.len(),
            clv_line: mean(clv.iter().filter_map(|p| p.clv_line)),
            clv: mean(clv.iter().filter_map(|p| p.clv_prob)),
        }
    }
}

/// EV buckets: (from, to, name), EV per unit staked.
pub const EV_BUCKETS: [(f64, f64, &str); 5] = [
    (f64::NEG_INFINITY, 0.0, "<0"),
    (0.0, 0.02, "0-2%"),
    (0.02, 0.05, "2-5%"),
    (0.05, 0.10, "5-10%"),
    (0.10, f64::INFINITY, "10%+"),
];

/// The record of one EV bucket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvBucket {
    pub ev: String,
    #[serde(flatten)]
    pub record: Record,
}

/// The record of each EV bucket (every bucket listed, empty ones with n = 0).
pub fn by_ev(picks: &[GradedPick]) -> Vec<EvBucket> {
    EV_BUCKETS
        .iter()
        .map(|(lo, hi, name)| {
            let inside: Vec<GradedPick> = picks
                .iter()
                .filter(|p| (*lo..*hi).contains(&p.ev))
                .copied()
                .collect();
            EvBucket {
                ev: name.to_string(),
                record: Record::of(&inside),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(correct: Option<bool>, price: i64, ev: f64) -> GradedPick {
        let units = match correct {
            Some(true) => price::payout(price),
            Some(false) => -1.0,
            None => 0.0,
        };
        GradedPick {
            correct,
            units,
            price,
            ev,
            clv_line: None,
            clv_prob: None,
        }
    }

    #[test]
    fn the_record_sums_units_at_the_prices_taken_with_standard_errors() {
        let picks = [
            pick(Some(true), 120, 0.03),
            pick(Some(false), -110, 0.06),
            pick(None, -130, 0.12),
            GradedPick {
                clv_line: Some(1.0),
                clv_prob: Some(0.02),
                ..pick(Some(true), -130, 0.04)
            },
        ];
        let r = Record::of(&picks);
        assert_eq!((r.n, r.wins, r.losses, r.pushes), (4, 2, 1, 1));
        let units = [1.2, -1.0, 0.0, 100.0 / 130.0];
        let sum: f64 = units.iter().sum();
        assert!((r.units - sum).abs() < 1e-12);
        let m = sum / 4.0;
        assert!((r.roi.unwrap() - m).abs() < 1e-12);
        let var = units.iter().map(|u| (u - m).powi(2)).sum::<f64>() / 3.0;
        assert!((r.roi_se.unwrap() - (var / 4.0).sqrt()).abs() < 1e-12);
        assert!((r.hit_rate.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        let be = (100.0 / 220.0 + 110.0 / 210.0 + 2.0 * 130.0 / 230.0) / 4.0;
        assert!((r.break_even.unwrap() - be).abs() < 1e-12);
        assert_eq!((r.clv_n, r.clv_line, r.clv), (1, Some(1.0), Some(0.02)));
        let buckets = by_ev(&picks);
        let ns: Vec<usize> = buckets.iter().map(|b| b.record.n).collect();
        assert_eq!(ns, [0, 0, 2, 1, 1]);
        assert_eq!(Record::of(&[]).roi, None);
    }
}
