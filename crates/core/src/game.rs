//! The one game id: the NBA's ten-digit id (`0022300061`). Every other id (Odds API event ids,
//! `YYYYMMDD_AWAY_HOME` codes, team-name pairs) is resolved to this once, at the edge.

use crate::ParseError;
use std::fmt;

/// The NBA's ten-digit game id, kept as text because its leading zeros matter.
/// Digits 1–3 give the season type (`002` regular season), digits 4–5 the season's start year.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GameId(String);

impl GameId {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        if s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit()) && s.starts_with("00") {
            Ok(Self(s.to_string()))
        } else {
            Err(ParseError::new(
                "game id",
                s,
                "the NBA's ten-digit id starting with 00, e.g. 0022300061",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn season_type(&self) -> SeasonType {
        SeasonType::from_id_prefix(&self.0[2..3])
    }
}

impl fmt::Display for GameId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What part of the season a game belongs to, read from the game id's third digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeasonType {
    Preseason,
    Regular,
    AllStar,
    Playoffs,
    PlayIn,
    /// The NBA Cup final (`006…`). Cup group and knockout games before it carry regular-season ids.
    CupFinal,
    Other,
}

impl SeasonType {
    fn from_id_prefix(digit: &str) -> Self {
        match digit {
            "1" => Self::Preseason,
            "2" => Self::Regular,
            "3" => Self::AllStar,
            "4" => Self::Playoffs,
            "5" => Self::PlayIn,
            "6" => Self::CupFinal,
            _ => Self::Other,
        }
    }

    /// The value stored in `season_type` columns.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Preseason => "preseason",
            Self::Regular => "regular",
            Self::AllStar => "allstar",
            Self::Playoffs => "playoffs",
            Self::PlayIn => "playin",
            Self::CupFinal => "cup_final",
            Self::Other => "other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn game_id_keeps_leading_zeros_and_knows_its_season_type() {
        let id = GameId::parse("0022300061").unwrap();
        assert_eq!(id.as_str(), "0022300061");
        assert_eq!(id.season_type(), SeasonType::Regular);
        assert_eq!(
            GameId::parse("0042100402").unwrap().season_type(),
            SeasonType::Playoffs
        );
        assert_eq!(
            GameId::parse("0062300001").unwrap().season_type(),
            SeasonType::CupFinal
        );
        assert_eq!(
            GameId::parse("0052300121").unwrap().season_type(),
            SeasonType::PlayIn
        );
    }

    #[test]
    fn other_id_shapes_are_rejected() {
        for bad in [
            "22300061",
            "20240115_LAL_DEN",
            "00223000610",
            "",
            "fd55db2fa9ee5be1f108be5151e2ecb0",
        ] {
            assert!(GameId::parse(bad).is_err(), "{bad} accepted");
        }
    }
}
