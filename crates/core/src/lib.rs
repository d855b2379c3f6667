//! Domain types shared by every stage of nba-props: the NBA game id, game dates in US Eastern
//! time, seasons, teams, and the build that is running. No I/O lives here; ids from other
//! sources (team names, tricode variants) are mapped to these types in one place: [`team`].

pub mod build;
pub mod date;
pub mod game;
pub mod market;
pub mod team;

pub use build::BuildInfo;
pub use date::{GameDate, Season};
pub use game::{GameId, SeasonType};
pub use market::Market;
pub use team::Team;

/// An input value that does not fit a domain type, with the value and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} {value:?}: {expected}")]
pub struct ParseError {
    pub kind: &'static str,
    pub value: String,
    pub expected: &'static str,
}

impl ParseError {
    pub fn new(kind: &'static str, value: impl Into<String>, expected: &'static str) -> Self {
        Self {
            kind,
            value: value.into(),
            expected,
        }
    }
}
