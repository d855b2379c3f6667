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
//! - [`nbacom_rosters`]: nba.com player movement and the season's player list (`playerindex`).

pub mod bettingpros;
mod cell;
pub mod espn;
mod fields;
pub mod game_lines;
pub mod injury_report;
mod json;
pub mod leaguegamelog;
pub mod nbacom_boxscore;
pub mod nbacom_rosters;
pub mod odds_game_lines;
pub mod odds_props;
pub mod schedule;

#[cfg(test)]
mod cross_tests;
#[cfg(test)]
mod mutation_tests;
#[cfg(test)]
pub(crate) mod test_support;

pub use game_lines::GameLineRow;
pub use leaguegamelog::{BoxScoreLine, GameLog};
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

/// A counting stat, for naming the field of a [`Stats`] or box-score line that fails
/// [`check_stats`] in each payload's own spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stat {
    Minutes,
    Points,
    Fgm,
    Fga,
    Fg3m,
    Fg3a,
    Ftm,
    Fta,
    Oreb,
    Dreb,
    Reb,
    Ast,
    Stl,
    Blk,
    Tov,
    Pf,
    PlusMinus,
}

/// Upper bounds of one player's line in one game, each well above the NBA record (in brackets)
/// so that no real game of any era fails them, while a shifted column or a sign flip does.
/// Minutes: the longest NBA game had six overtimes, 48 + 6·5 = 78 minutes (record 69).
const MAX_MINUTES: f64 = 78.0;
const MAX_POINTS: i32 = 150; // [100]
const MAX_FGA: i32 = 100; // [63]
const MAX_FG3A: i32 = 60; // [24]
const MAX_FTA: i32 = 60; // [39]
const MAX_REB: i32 = 80; // [55]
const MAX_AST: i32 = 50; // [30]
const MAX_STL: i32 = 25; // [11]
const MAX_BLK: i32 = 25; // [17]
const MAX_TOV: i32 = 30; // [14]
/// A player fouls out at six; a few historical box scores show seven or eight.
const MAX_PF: i32 = 10;
/// |plus-minus| cannot exceed the margin swings of one game; the record is +58.
const MAX_PLUS_MINUS: i32 = 120;

/// Range and consistency checks of one player's counting stats: nothing negative (but
/// plus-minus), each under its bound above, made ≤ attempted, threes ≤ field goals, rebounds =
/// offensive + defensive, and points = 2·FGM + 3PM + FTM (a rule of the game: a two is two
/// points, a three three, a free throw one). Returns the first failing stat and why.
pub(crate) fn check_stats(s: &Stats, minutes: Option<f64>) -> Result<(), (Stat, String)> {
    if let Some(m) = minutes
        && !(m.is_finite() && (0.0..=MAX_MINUTES).contains(&m))
    {
        return Err((
            Stat::Minutes,
            format!("{m} minutes is outside 0..={MAX_MINUTES} (a six-overtime game)"),
        ));
    }
    let bounded = [
        (Stat::Points, s.points, MAX_POINTS),
        (Stat::Fgm, s.fgm, MAX_FGA),
        (Stat::Fga, s.fga, MAX_FGA),
        (Stat::Fg3m, s.fg3m, MAX_FG3A),
        (Stat::Fg3a, s.fg3a, MAX_FG3A),
        (Stat::Ftm, s.ftm, MAX_FTA),
        (Stat::Fta, s.fta, MAX_FTA),
        (Stat::Oreb, s.oreb, MAX_REB),
        (Stat::Dreb, s.dreb, MAX_REB),
        (Stat::Reb, s.reb, MAX_REB),
        (Stat::Ast, s.ast, MAX_AST),
        (Stat::Stl, s.stl, MAX_STL),
        (Stat::Blk, s.blk, MAX_BLK),
        (Stat::Tov, s.tov, MAX_TOV),
        (Stat::Pf, s.pf, MAX_PF),
    ];
    for (stat, v, max) in bounded {
        if !(0..=max).contains(&v) {
            return Err((stat, format!("{v} is outside 0..={max}")));
        }
    }
    if let Some(pm) = s.plus_minus
        && pm.abs() > MAX_PLUS_MINUS
    {
        return Err((
            Stat::PlusMinus,
            format!("{pm} is outside -{MAX_PLUS_MINUS}..={MAX_PLUS_MINUS}"),
        ));
    }
    let pairs = [
        (Stat::Fgm, s.fgm, Stat::Fga, s.fga, "field goals"),
        (Stat::Fg3m, s.fg3m, Stat::Fg3a, s.fg3a, "threes"),
        (Stat::Ftm, s.ftm, Stat::Fta, s.fta, "free throws"),
    ];
    for (made, m, _, a, what) in pairs {
        if m > a {
            return Err((made, format!("{m} {what} made but only {a} attempted")));
        }
    }
    if s.fg3m > s.fgm {
        return Err((
            Stat::Fg3m,
            format!("{} threes made but only {} field goals", s.fg3m, s.fgm),
        ));
    }
    if s.fg3a > s.fga {
        return Err((
            Stat::Fg3a,
            format!("{} threes attempted but only {} field goals", s.fg3a, s.fga),
        ));
    }
    if s.reb != s.oreb + s.dreb {
        return Err((
            Stat::Reb,
            format!(
                "{} rebounds but {} offensive + {} defensive",
                s.reb, s.oreb, s.dreb
            ),
        ));
    }
    let scored = 2 * s.fgm + s.fg3m + s.ftm;
    if s.points != scored {
        return Err((
            Stat::Points,
            format!(
                "{} points but 2·{} field goals + {} threes + {} free throws make {scored}",
                s.points, s.fgm, s.fg3m, s.ftm
            ),
        ));
    }
    Ok(())
}

/// A row of a payload set aside because it cannot be used, so that the payload's other rows are
/// kept; phase 2 stores it in `unmatched_rows` and counts it in the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Quarantined {
    /// Which row, as a person finds it: `resultSets[0].rowSet[12] (game 0022300001, player
    /// 1629029)`; unique within its payload.
    pub row: String,
    /// Why, naming the file, the dataset and the field.
    pub error: ParseError,
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
