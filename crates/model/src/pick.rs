//! A pick at a price actually offered: line shopping across the books of the snapshot, the
//! expected value of each (book, side) at its own line and price, the pick's units once graded
//! and its closing line value.
//!
//! Line against price: every priced offer of either side is valued at its own line with the
//! model's P(over) at that line (the model gives a distribution, not only a value), so a better
//! line at a worse price and a worse line at a better price compare on one scale, EV per unit
//! staked. The pick is the offer with the highest EV, if that EV reaches `min_ev`. An offer
//! without the side's price (or with a price that is not an American price) is never a pick:
//! no price, no pick.
//!
//! An offer whose prices contradict the market is not a price anyone could take: a book at a
//! line at least a point below the consensus that makes the over the underdog (or above it and
//! the over the favourite). The 2023-24 archive has them — BetRivers and Unibet offering Donovan
//! Mitchell over 40.5 PRA at +175 / under −278 while five books hang 45.5 at about −110 — and
//! valued at the model's P(over) they look like huge edges; they are feed errors, left out.

use crate::features::Offer;
use crate::metrics::{self, Pick};
use crate::price;

/// A side of one book's offer, valued.
#[derive(Debug, Clone, PartialEq)]
pub struct PricedPick {
    /// `Over` or `Under`.
    pub side: Pick,
    pub book: String,
    pub line: f64,
    pub price: i64,
    /// Expected profit per unit staked at `price`, pushes refunded.
    pub ev: f64,
    pub snapshot_at: String,
}

/// P(win) and P(lose) of `side` at `line`, from P(actual > x) at any x. On a whole-number line
/// the push is neither: P(actual ≥ L) is P(actual > L − 1) for a whole-number stat.
fn chances(p_over_at: &dyn Fn(f64) -> f64, side: Pick, line: f64) -> (f64, f64) {
    let over = p_over_at(line);
    let at_least = if line.fract() == 0.0 {
        p_over_at(line - 1.0)
    } else {
        over
    };
    match side {
        Pick::Over => (over, 1.0 - at_least),
        _ => (1.0 - at_least, over),
    }
}

/// EV per unit staked of `side` at `line` and `price`: P(win)·payout − P(lose).
pub fn expected_value(p_over_at: &dyn Fn(f64) -> f64, side: Pick, line: f64, price: i64) -> f64 {
    let (win, lose) = chances(p_over_at, side, line);
    win * price::payout(price) - lose
}

/// Lines at least this far from the consensus are checked against it.
const CHECKED_DISTANCE: f64 = 1.0;

/// The offer's prices put the over on the wrong side of even money for its line: the over the
/// underdog a point or more below the consensus line, or the favourite a point or more above.
fn contradicts_market(o: &Offer, consensus: f64) -> bool {
    let valid = |p: Option<i64>| p.filter(|p| p.abs() >= 100);
    let p_over = match (valid(o.over_price), valid(o.under_price)) {
        (Some(over), Some(under)) => price::vig_free_over(Some(over), Some(under)),
        (Some(over), None) => Some(price::implied(over)),
        (None, Some(under)) => Some(1.0 - price::implied(under)),
        (None, None) => None,
    };
    match p_over {
        Some(p) if o.line <= consensus - CHECKED_DISTANCE => p < 0.5,
        Some(p) if o.line >= consensus + CHECKED_DISTANCE => p > 0.5,
        _ => false,
    }
}

/// The (book, side) of highest EV among the snapshot's priced offers that agree with the
/// market's `consensus` line, whatever its EV; ties go to the first book in `offers` order
/// (deterministic for a given snapshot).
pub fn best_offer(
    offers: &[Offer],
    consensus: f64,
    p_over_at: &dyn Fn(f64) -> f64,
) -> Option<PricedPick> {
    let mut best: Option<PricedPick> = None;
    for o in offers
        .iter()
        .filter(|o| o.line.is_finite() && !contradicts_market(o, consensus))
    {
        for (side, price) in [(Pick::Over, o.over_price), (Pick::Under, o.under_price)] {
            let Some(price) = price.filter(|p| p.abs() >= 100) else {
                continue;
            };
            let ev = expected_value(p_over_at, side, o.line, price);
            if best.as_ref().is_none_or(|b| ev > b.ev) {
                best = Some(PricedPick {
                    side,
                    book: o.book.clone(),
                    line: o.line,
                    price,
                    ev,
                    snapshot_at: o.snapshot_at.clone(),
                });
            }
        }
    }
    best
}

/// The published pick: the best offer when its EV is at least `min_ev`.
pub fn pick(
    offers: &[Offer],
    consensus: f64,
    p_over_at: &dyn Fn(f64) -> f64,
    min_ev: f64,
) -> Option<PricedPick> {
    best_offer(offers, consensus, p_over_at).filter(|p| p.ev >= min_ev)
}

/// A graded pick: won (Some(true)), lost or pushed (None) at its own line, and its units at its
/// own price: the payout for a win, −1 for a loss, 0 for a push.
pub fn grade(side: Pick, line: f64, price: i64, actual: f64) -> (Option<bool>, f64) {
    let correct = metrics::correct(side, actual, line);
    let units = match correct {
        Some(true) => price::payout(price),
        Some(false) => -1.0,
        None => 0.0,
    };
    (correct, units)
}

/// The last pre-tip offer a pick is compared with: the same book's, or the consensus when the
/// book no longer offers the player.
#[derive(Debug, Clone, PartialEq)]
pub struct Closing {
    pub line: f64,
    /// The market's vig-free P(over) at `line`, when both prices are known.
    pub p_over: Option<f64>,
    pub snapshot_at: String,
}

/// Closing line value of a pick, in the pick's favour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clv {
    /// Points the line moved towards the pick's side after it was taken (an OVER at 24.5
    /// closing at 25.5: +1).
    pub line: f64,
    /// The closing vig-free probability of the side minus the break-even of the price taken;
    /// None when the closing offer lacks a price.
    pub prob: Option<f64>,
}

/// None when the pick was made on the closing snapshot itself (no later one existed).
pub fn closing_value(
    side: Pick,
    line: f64,
    price: i64,
    snapshot_at: &str,
    closing: &Closing,
) -> Option<Clv> {
    if closing.snapshot_at.as_str() <= snapshot_at {
        return None;
    }
    let (moved, p_side) = match side {
        Pick::Over => (closing.line - line, closing.p_over),
        _ => (line - closing.line, closing.p_over.map(|p| 1.0 - p)),
    };
    Some(Clv {
        line: moved,
        prob: p_side.map(|p| p - price::break_even(price)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(book: &str, line: f64, over: Option<i64>, under: Option<i64>) -> Offer {
        Offer {
            book: book.into(),
            line,
            over_price: over,
            under_price: under,
            snapshot_at: "2024-01-08T23:55:00Z".into(),
        }
    }

    #[test]
    fn a_pick_is_graded_at_its_own_price() {
        let (won, units) = grade(Pick::Over, 24.5, 120, 25.0);
        assert_eq!((won, units), (Some(true), 1.2));
        let (won, units) = grade(Pick::Under, 24.5, -130, 20.0);
        assert_eq!(won, Some(true));
        assert!((units - 100.0 / 130.0).abs() < 1e-12);
        assert_eq!(grade(Pick::Under, 24.5, -130, 30.0), (Some(false), -1.0));
        assert_eq!(grade(Pick::Over, 21.0, 120, 21.0), (None, 0.0), "a push");
    }

    #[test]
    fn line_shopping_weighs_line_against_price_and_never_picks_an_unpriced_side() {
        // P(actual > x) falling by 0.1 per point around 25: 0.5 at 25.
        let p = |x: f64| (0.5 - 0.1 * (x - 25.0)).clamp(0.0, 1.0);
        let offers = [
            offer("a", 24.5, Some(-150), Some(120)), // over: 0.55·(100/150) − 0.45 = −0.083
            offer("b", 24.5, Some(-110), None),      // over: 0.55·(100/110) − 0.45 = 0.05
            offer("c", 23.5, Some(-200), Some(150)), // over: 0.65·0.5 − 0.35 = −0.025
            offer("d", 26.5, None, Some(-105)),      // under: 0.65·(100/105) − 0.35 = 0.269
        ];
        let best = best_offer(&offers, 25.0, &p).unwrap();
        assert_eq!(
            (best.book.as_str(), best.side, best.price),
            ("d", Pick::Under, -105)
        );
        assert!((best.ev - (0.65 * 100.0 / 105.0 - 0.35)).abs() < 1e-12);
        assert_eq!(pick(&offers, 25.0, &p, 0.3), None, "EV below min_ev");
        // No price, no pick: the same lines without prices.
        let unpriced: Vec<Offer> = offers
            .iter()
            .map(|o| offer(&o.book, o.line, None, None))
            .collect();
        assert_eq!(best_offer(&unpriced, 25.0, &p), None);
        assert_eq!(
            best_offer(&[offer("e", 24.5, Some(50), Some(-20))], 25.0, &p),
            None,
            "not American prices"
        );
    }

    #[test]
    fn an_offer_that_contradicts_the_market_is_no_price() {
        // The archive's BetRivers offer beside the market at 45.5 (Donovan Mitchell, 2023-10-31).
        let p = |x: f64| crate::prob::Spread { a: 49.0, b: 0.0 }.p_over(45.0, x);
        let offers = [
            offer("betmgm", 45.5, Some(-110), Some(-120)),
            offer("betrivers", 40.5, Some(175), Some(-278)),
        ];
        let best = best_offer(&offers, 45.5, &p).unwrap();
        assert_eq!(best.book, "betmgm");
        // An alternative line priced the way the market says is still shopped.
        let alt = offer("fanduel", 40.5, Some(-250), Some(190));
        assert!(!contradicts_market(&alt, 45.5));
        assert!(contradicts_market(&offers[1], 45.5));
        assert!(contradicts_market(
            &offer("x", 47.5, Some(-150), None),
            45.5
        ));
    }

    #[test]
    fn a_whole_number_line_refunds_the_push_in_the_expected_value() {
        // P(actual > 24) = 0.6, P(actual > 25) = 0.5: P(push at 25) = 0.1.
        let p = |x: f64| if x < 25.0 { 0.6 } else { 0.5 };
        let ev = expected_value(&p, Pick::Under, 25.0, 100);
        assert!((ev - (0.4 - 0.5)).abs() < 1e-12, "{ev}");
    }

    #[test]
    fn closing_line_value_is_in_the_picks_favour_and_absent_on_the_last_snapshot() {
        let closing = Closing {
            line: 25.5,
            p_over: Some(0.55),
            snapshot_at: "2024-01-08T23:55:00Z".into(),
        };
        let c = closing_value(Pick::Over, 24.5, -110, "2024-01-08T15:00:00Z", &closing).unwrap();
        assert_eq!(c.line, 1.0);
        assert!((c.prob.unwrap() - (0.55 - 110.0 / 210.0)).abs() < 1e-12);
        let c = closing_value(Pick::Under, 24.5, 100, "2024-01-08T15:00:00Z", &closing).unwrap();
        assert_eq!(c.line, -1.0);
        assert!((c.prob.unwrap() - (0.45 - 0.5)).abs() < 1e-12);
        assert_eq!(
            closing_value(Pick::Over, 24.5, -110, "2024-01-08T23:55:00Z", &closing),
            None
        );
    }
}
