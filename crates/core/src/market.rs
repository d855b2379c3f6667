//! Prop markets: what a line is about, how the books name it, and which box-score stat settles it.

use crate::ParseError;
use std::fmt;

/// A player prop market that nba-props predicts and grades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Market {
    /// Points scored.
    Points,
    /// Three-pointers made.
    Threes,
    /// Points + rebounds + assists.
    Pra,
}

impl Market {
    pub const ALL: [Market; 3] = [Market::Points, Market::Threes, Market::Pra];

    /// Our short name (`points`, `threes`, `pra`), used on the command line and in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Market::Points => "points",
            Market::Threes => "threes",
            Market::Pra => "pra",
        }
    }

    /// The Odds API market key of this market (`odds_player_props.market`).
    pub fn book_key(self) -> &'static str {
        match self {
            Market::Points => "player_points",
            Market::Threes => "player_threes",
            Market::Pra => "player_points_rebounds_assists",
        }
    }

    pub fn parse(s: &str) -> Result<Market, ParseError> {
        Market::ALL
            .into_iter()
            .find(|m| m.as_str() == s || m.book_key() == s)
            .ok_or_else(|| ParseError::new("market", s, "points, threes or pra"))
    }

    /// The settling stat from a box score's points, rebounds, assists and threes made.
    pub fn actual(self, points: i64, reb: i64, ast: i64, fg3m: i64) -> i64 {
        match self {
            Market::Points => points,
            Market::Threes => fg3m,
            Market::Pra => points + reb + ast,
        }
    }
}

impl fmt::Display for Market {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markets_parse_by_our_name_and_the_books_key() {
        for m in Market::ALL {
            assert_eq!(Market::parse(m.as_str()), Ok(m));
            assert_eq!(Market::parse(m.book_key()), Ok(m));
        }
        assert!(Market::parse("rebounds").is_err());
        assert_eq!(Market::Pra.actual(20, 7, 5, 2), 32);
        assert_eq!(Market::Threes.actual(20, 7, 5, 2), 2);
    }
}
