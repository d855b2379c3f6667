//! American odds: what a price implies, what it pays, and the market's probability with the
//! bookmaker's margin (the vig) taken out.

/// The probability a price implies, margin included: −115 → 115/215, +120 → 100/220.
pub fn implied(price: i64) -> f64 {
    if price < 0 {
        let p = -price as f64;
        p / (p + 100.0)
    } else {
        100.0 / (price as f64 + 100.0)
    }
}

/// Profit per unit staked when the bet wins: −115 → 100/115, +120 → 1.2.
pub fn payout(price: i64) -> f64 {
    if price < 0 {
        100.0 / -price as f64
    } else {
        price as f64 / 100.0
    }
}

/// The hit rate at which a bet at `price` breaks even: the implied probability.
pub fn break_even(price: i64) -> f64 {
    implied(price)
}

/// P(over) of the two prices of one book with the margin removed (proportionally: each
/// implied probability divided by their sum). None when a side is missing or a price is not a
/// real American price (|price| < 100).
pub fn vig_free_over(over: Option<i64>, under: Option<i64>) -> Option<f64> {
    let (o, u) = (over?, under?);
    if o.abs() < 100 || u.abs() < 100 {
        return None;
    }
    let (qo, qu) = (implied(o), implied(u));
    Some(qo / (qo + qu))
}

/// Expected profit per unit staked of a bet that wins with probability `p` at `price`
/// (pushes ignored).
pub fn expected_value(p: f64, price: i64) -> f64 {
    p * payout(price) - (1.0 - p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_imply_pay_and_lose_their_margin_as_the_textbook_says() {
        assert!((implied(-110) - 110.0 / 210.0).abs() < 1e-12);
        assert!((implied(150) - 0.4).abs() < 1e-12);
        assert!((payout(-110) - 100.0 / 110.0).abs() < 1e-12);
        assert!((payout(150) - 1.5).abs() < 1e-12);
        // −115 both sides: break-even 53.5%, vig-free 50/50.
        assert!((break_even(-115) - 0.534_883_7).abs() < 1e-6);
        assert_eq!(vig_free_over(Some(-115), Some(-115)), Some(0.5));
        let p = vig_free_over(Some(-150), Some(120)).unwrap();
        assert!((p - 0.6 / (0.6 + 100.0 / 220.0)).abs() < 1e-12);
        assert_eq!(vig_free_over(Some(-110), None), None);
        assert_eq!(
            vig_free_over(Some(-110), Some(50)),
            None,
            "not an American price"
        );
        // A fair coin at −110 loses the margin; at +100 it breaks even.
        assert!((expected_value(0.5, -110) - (0.5 * 100.0 / 110.0 - 0.5)).abs() < 1e-12);
        assert!(expected_value(0.5, 100).abs() < 1e-12);
        assert!(expected_value(break_even(-115), -115).abs() < 1e-12);
    }
}
