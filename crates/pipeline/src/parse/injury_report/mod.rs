//! The NBA's official injury report (PDF), in two halves that can be tested apart:
//!
//! - [`pdf`]: PDF bytes → the words of each page with their positions (pdf-extract with an
//!   `OutputDev` that keeps coordinates);
//! - [`layout`]: positioned text → report rows, by rebuilding the table's columns from its header.
//!
//! [`parse_pieces`] runs the second half on positioned text from elsewhere, such as the text-layout
//! fixtures of every season's format (legacy `Category` reports of 2018-19, the status-history
//! and reason-first variants of 2019, the standard layout from 2020-21, the compact one with a
//! single header since 2025-26). Errors name the page and entry (`page 3, entry 41, Team`) as
//! their field.

mod layout;
mod pdf;

use super::json::check_body;
use super::{DOCUMENT, ParseError, Quarantined, Source};
use nba_props_core::{GameDate, Team};

/// A piece of text at a position on a page (PDF points, y up).
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    pub x: f64,
    pub y: f64,
    pub text: String,
}

/// One report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The title's time ("Injury Report: 02/08/26 03:30 PM", Eastern).
    pub report_at: jiff::Timestamp,
    /// Which columns the report has: `category` (legacy, with Category and Previous Status),
    /// `status_history` (Previous Status and Previous Reason), `reason_first` (Reason before
    /// Current Status), `current_previous` (Previous Status), `standard` (neither).
    pub layout: &'static str,
    /// In report order.
    pub entries: Vec<InjuryEntry>,
    /// Entries that cannot be read (a malformed date, matchup or team, no game above them),
    /// set aside so the report's other entries are kept.
    pub quarantined: Vec<Quarantined>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryType {
    Player,
    /// The team had not submitted its report ("NOT YET SUBMITTED").
    NotSubmitted,
    /// The team reported nobody ("ALL PLAYERS AVAILABLE", legacy reports).
    AllAvailable,
}

impl EntryType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Player => "player",
            Self::NotSubmitted => "not_submitted",
            Self::AllAvailable => "all_available",
        }
    }
}

/// One row of the report: a player, or a team-level marker.
#[derive(Debug, Clone, PartialEq)]
pub struct InjuryEntry {
    pub page: u32,
    pub game_date: GameDate,
    /// As printed ("07:30 (ET)"): the report gives no AM/PM.
    pub game_time: Option<String>,
    /// As printed ("MIA@WAS").
    pub matchup: String,
    pub away: Team,
    pub home: Team,
    pub team: Team,
    pub entry_type: EntryType,
    /// "Last, First" as printed; `None` for team markers.
    pub player_name: Option<String>,
    /// Current status: Available, Probable, Questionable, Doubtful, Out.
    pub status: Option<String>,
    /// The full reason, wrapped lines joined ("Injury/Illness - Right Hip; Impingement"); in
    /// legacy reports the Category column is put in front ("Injury/Illness - Left thumb sprain").
    pub reason: Option<String>,
    /// The legacy Category column, else the reason's part before " - ".
    pub category: Option<String>,
    pub previous_status: Option<String>,
    pub previous_reason: Option<String>,
}

/// Parses an injury-report PDF.
pub fn parse(bytes: &[u8], src: &Source) -> Result<Report, ParseError> {
    let body = check_body(bytes, src, "a PDF")?;
    if !body.trim_ascii_start().starts_with(b"%PDF-") {
        return Err(src.error(DOCUMENT, "expected a PDF (%PDF-), got other bytes"));
    }
    let pages = pdf::words(body).map_err(|m| src.error(DOCUMENT, m))?;
    parse_pieces(&pages, src)
}

/// Parses a report from each page's positioned text.
pub fn parse_pieces(pages: &[Vec<Piece>], src: &Source) -> Result<Report, ParseError> {
    if pages.is_empty() {
        return Err(src.error(DOCUMENT, "no pages"));
    }
    layout::report(pages, src)
}

#[cfg(test)]
mod tests;
