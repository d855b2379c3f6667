//! Pure parsers of raw payload bytes into typed rows: no I/O, no panics on any input.
//!
//! Every parser takes the payload bytes and a [`Source`] naming them, and returns either rows or
//! a [`ParseError`] that says which file, which dataset and which field (a JSON path such as
//! `resultSets[0].rowSet[12].PTS`, a CSV position such as `line 14, column ML_Away`, or
//! `(document)` for problems with the whole body) went wrong.
//!
//! - [`leaguegamelog`]: stats.nba.com `leaguegamelog` player box scores.
//! - [`schedule`]: the CDN / stats `scheduleLeagueV2` season schedule.
//! - [`game_lines`]: SBR closing game lines (kyleskom CSV export).
//! - [`odds_props`]: The Odds API v4 event odds for player props.
//! - [`bettingpros`]: BettingPros events and points-prop offers.
//! - [`espn`]: ESPN scoreboards and game summaries (box score, pickcenter lines).
//! - [`injury_report`]: the official injury-report PDF (positioned text → table rows).
//! - [`nbacom_boxscore`]: per-game box scores (stats `boxscoretraditionalv3`, CDN live box score).

pub mod bettingpros;
mod cell;
pub mod espn;
mod fields;
pub mod game_lines;
pub mod injury_report;
mod json;
pub mod leaguegamelog;
pub mod nbacom_boxscore;
pub mod odds_props;
pub mod schedule;

#[cfg(test)]
mod cross_tests;
#[cfg(test)]
mod mutation_tests;
#[cfg(test)]
pub(crate) mod test_support;

pub use game_lines::GameLineRow;
pub use leaguegamelog::BoxScoreLine;
pub use odds_props::{OddsEvent, PropLine};
pub use schedule::{GameStatus, SchedulePayload, ScheduledGame, UnresolvedGame};

/// One player's counting stats in one game, as a per-game box score states them (nba.com v3 and
/// CDN, ESPN summaries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    pub points: i32,
    pub fgm: i32,
    pub fga: i32,
    pub fg3m: i32,
    pub fg3a: i32,
    pub ftm: i32,
    pub fta: i32,
    pub oreb: i32,
    pub dreb: i32,
    pub reb: i32,
    pub ast: i32,
    pub stl: i32,
    pub blk: i32,
    pub tov: i32,
    pub pf: i32,
    pub plus_minus: Option<i32>,
}

/// What is being parsed, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source<'a> {
    pub file: &'a str,
    pub dataset: &'a str,
}

impl Source<'_> {
    /// An error about `field` of this payload.
    pub fn error(&self, field: impl Into<String>, message: impl Into<String>) -> ParseError {
        let field = field.into();
        ParseError {
            file: self.file.to_string(),
            dataset: self.dataset.to_string(),
            // An empty field would leave the reader guessing; the whole document is the fallback.
            field: if field.is_empty() {
                DOCUMENT.to_string()
            } else {
                field
            },
            message: message.into(),
        }
    }
}

/// A payload that does not parse, naming the file, the dataset and the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{dataset} payload {file}: field {field}: {message}")]
pub struct ParseError {
    pub file: String,
    pub dataset: String,
    pub field: String,
    pub message: String,
}

/// The `field` of errors about the body as a whole (empty, HTML, trailing bytes).
pub const DOCUMENT: &str = "(document)";
