//! What judges a system: errors against the actual, the hit rate and return at −110 of every
//! row on the side of its edge (a diagnostic; published picks are priced by [`crate::pick`]),
//! the Brier score and a reliability table of P(over).

use serde::{Deserialize, Serialize};

/// Mean absolute error of (predicted, actual) pairs.
pub fn mae(pairs: &[(f64, f64)]) -> Option<f64> {
    (!pairs.is_empty())
        .then(|| pairs.iter().map(|(p, a)| (p - a).abs()).sum::<f64>() / pairs.len() as f64)
}

/// Root mean squared error of (predicted, actual) pairs.
pub fn rmse(pairs: &[(f64, f64)]) -> Option<f64> {
    (!pairs.is_empty()).then(|| {
        (pairs.iter().map(|(p, a)| (p - a).powi(2)).sum::<f64>() / pairs.len() as f64).sqrt()
    })
}

/// Mean of (p − outcome)² over (P(over), went over) pairs; pushes are left out by the caller.
pub fn brier(pairs: &[(f64, bool)]) -> Option<f64> {
    (!pairs.is_empty()).then(|| {
        pairs
            .iter()
            .map(|(p, o)| (p - f64::from(u8::from(*o))).powi(2))
            .sum::<f64>()
            / pairs.len() as f64
    })
}

/// Mean negative log-likelihood of (P(over), went over) pairs, probabilities clipped to
/// [1e-6, 1 − 1e-6] so that one certain miss does not make it infinite.
pub fn log_loss(pairs: &[(f64, bool)]) -> Option<f64> {
    (!pairs.is_empty()).then(|| {
        pairs
            .iter()
            .map(|(p, o)| {
                let p = p.clamp(1e-6, 1.0 - 1e-6);
                -(if *o { p.ln() } else { (1.0 - p).ln() })
            })
            .sum::<f64>()
            / pairs.len() as f64
    })
}

/// Area under the ROC curve: the chance that a random over has a higher P(over) than a random
/// under (ties count half). None without both outcomes.
pub fn auc(pairs: &[(f64, bool)]) -> Option<f64> {
    let mut sorted: Vec<(f64, bool)> = pairs.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let overs = sorted.iter().filter(|(_, o)| *o).count() as f64;
    let unders = sorted.len() as f64 - overs;
    if overs == 0.0 || unders == 0.0 {
        return None;
    }
    // Rank-sum (Mann–Whitney), tied probabilities sharing their mean rank.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j < sorted.len() && sorted[j].0 == sorted[i].0 {
            j += 1;
        }
        let mean_rank = (i + 1 + j) as f64 / 2.0;
        rank_sum += mean_rank * sorted[i..j].iter().filter(|(_, o)| *o).count() as f64;
        i = j;
    }
    Some((rank_sum - overs * (overs + 1.0) / 2.0) / (overs * unders))
}

/// Mean and standard error of paired differences (e.g. a system's absolute error minus the
/// line's on the same rows). None with fewer than two.
pub fn paired_difference(diffs: &[f64]) -> Option<(f64, f64)> {
    let n = diffs.len();
    (n >= 2).then(|| {
        let mean = diffs.iter().sum::<f64>() / n as f64;
        let var = diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        (mean, (var / n as f64).sqrt())
    })
}

/// One bin of a reliability table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    pub from: f64,
    pub to: f64,
    pub n: usize,
    pub mean_p: Option<f64>,
    pub over_rate: Option<f64>,
}

/// Ten bins of P(over): in each, how often the actual went over.
pub fn reliability(pairs: &[(f64, bool)]) -> Vec<ReliabilityBin> {
    (0..10)
        .map(|i| {
            let (from, to) = (i as f64 / 10.0, (i + 1) as f64 / 10.0);
            let inside: Vec<&(f64, bool)> = pairs
                .iter()
                .filter(|(p, _)| *p >= from && (*p < to || (i == 9 && *p <= 1.0)))
                .collect();
            let n = inside.len();
            ReliabilityBin {
                from,
                to,
                n,
                mean_p: (n > 0).then(|| inside.iter().map(|(p, _)| p).sum::<f64>() / n as f64),
                over_rate: (n > 0)
                    .then(|| inside.iter().filter(|(_, o)| *o).count() as f64 / n as f64),
            }
        })
        .collect()
}

/// A recommendation against a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Pick {
    Over,
    Under,
    Pass,
}

impl Pick {
    pub fn as_str(self) -> &'static str {
        match self {
            Pick::Over => "OVER",
            Pick::Under => "UNDER",
            Pick::Pass => "PASS",
        }
    }

    pub fn parse(s: &str) -> Option<Pick> {
        [Pick::Over, Pick::Under, Pick::Pass]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// The actual against the line: `over`, `under` or `push`.
pub fn result(actual: f64, line: f64) -> &'static str {
    if actual > line {
        "over"
    } else if actual < line {
        "under"
    } else {
        "push"
    }
}

/// A pick's outcome: Some(true) won, Some(false) lost, None for a push or no pick.
pub fn correct(pick: Pick, actual: f64, line: f64) -> Option<bool> {
    match (pick, result(actual, line)) {
        (Pick::Pass, _) | (_, "push") => None,
        (Pick::Over, r) => Some(r == "over"),
        (Pick::Under, r) => Some(r == "under"),
    }
}

/// Profit in units staked of a pick at the standard −110: +100/110 for a win, −1 for a loss,
/// 0 for a push.
pub fn units(correct: Option<bool>) -> f64 {
    match correct {
        Some(true) => 100.0 / 110.0,
        Some(false) => -1.0,
        None => 0.0,
    }
}

/// Hit rate and return of a set of picks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PickStats {
    /// Picks that won or lost (pushes are not counted).
    pub n: usize,
    pub wins: usize,
    pub pushes: usize,
    pub hit_rate: Option<f64>,
    /// Profit per pick staked at −110 (pushes refund).
    pub roi: Option<f64>,
}

impl PickStats {
    pub fn of(outcomes: &[Option<bool>]) -> PickStats {
        let n = outcomes.iter().filter(|o| o.is_some()).count();
        let wins = outcomes.iter().filter(|o| **o == Some(true)).count();
        let staked = outcomes.len();
        PickStats {
            n,
            wins,
            pushes: staked - n,
            hit_rate: (n > 0).then(|| wins as f64 / n as f64),
            roi: (staked > 0)
                .then(|| outcomes.iter().map(|o| units(*o)).sum::<f64>() / staked as f64),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_and_scores_have_their_textbook_values() {
        let pairs = [(10.0, 12.0), (20.0, 16.0)];
        assert_eq!(mae(&pairs), Some(3.0));
        assert_eq!(rmse(&pairs), Some(10f64.sqrt()));
        assert_eq!(mae(&[]), None);
        assert_eq!(
            brier(&[(0.8, true), (0.4, false)]),
            Some((0.04 + 0.16) / 2.0)
        );
        let scored = [(0.8, true), (0.4, false)];
        let expected = -(0.8f64.ln() + 0.6f64.ln()) / 2.0;
        assert!((log_loss(&scored).unwrap() - expected).abs() < 1e-12);
        // AUC: of the 2×2 (over, under) pairs, the over ranks higher in 3, ties in none.
        let ranked = [(0.9, true), (0.3, true), (0.5, false), (0.1, false)];
        assert_eq!(auc(&ranked), Some(0.75));
        assert_eq!(
            auc(&[(0.5, true), (0.5, false)]),
            Some(0.5),
            "a tie counts half"
        );
        assert_eq!(auc(&[(0.5, true)]), None);
        let (mean, se) = paired_difference(&[1.0, 3.0]).unwrap();
        assert_eq!((mean, se), (2.0, 1.0));
        let bins = reliability(&[(0.05, false), (0.55, true), (0.58, false), (1.0, true)]);
        assert_eq!(bins.len(), 10);
        assert_eq!(bins[5].n, 2);
        assert_eq!(bins[5].over_rate, Some(0.5));
        assert_eq!(bins[9].n, 1, "P = 1 falls into the last bin");
    }

    #[test]
    fn picks_are_right_on_their_side_and_pay_at_minus_110() {
        assert_eq!(correct(Pick::Over, 25.0, 24.5), Some(true));
        assert_eq!(correct(Pick::Under, 25.0, 24.5), Some(false));
        assert_eq!(correct(Pick::Over, 24.0, 24.0), None, "a push");
        assert_eq!(correct(Pick::Pass, 30.0, 24.5), None);
        let s = PickStats::of(&[Some(true), Some(true), Some(false), None]);
        assert_eq!((s.n, s.wins, s.pushes), (3, 2, 1));
        assert!((s.roi.unwrap() - (2.0 * 100.0 / 110.0 - 1.0) / 4.0).abs() < 1e-12);
        // Break-even at −110 is 110/210 = 52.4%.
        let even: Vec<Option<bool>> = (0..210).map(|i| Some(i < 110)).collect();
        assert!(PickStats::of(&even).roi.unwrap().abs() < 1e-12);
    }
}
