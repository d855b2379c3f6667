//! SBR closing game lines as exported from kyleskom's `OddsData.sqlite` (one CSV per season).
//!
//! Columns are found by header name; only `Date`, `Home`, `Away`, `OU`, `Spread`, `ML_Home`,
//! `ML_Away`, `Points` and `Win_Margin` are read. Extra columns (`index`, `Unnamed: 0`,
//! `game_date`, `home_tricode`, ...) are ignored: everything is derived from the source columns.
//!
//! `Date` is ISO (`2023-10-24`) or `YYYY-YY-MMDD` (`2021-22-1019`; a month from 08 on belongs to
//! the first year). Numbers may carry whitespace including U+00A0 (`"+155\u{a0}"`) and a `+`.
//!
//! # Spread sign convention
//!
//! [`GameLineRow::home_spread`] is the home team's line, negative when the home team is
//! favoured (home -5.5). How to get it from `Spread` depends on the season of the row's date:
//!
//! - seasons starting 2022 or later: `Spread` is the away team's spread, so
//!   `home_spread = -Spread`;
//! - seasons starting 2021 or earlier: `Spread` is unsigned, the favourite's margin. The
//!   favourite is the side with the lower moneyline: `home_spread = -|Spread|` when that is the
//!   home team, `+|Spread|` when it is the away team; `Spread` 0 gives 0; a non-zero spread with
//!   a moneyline missing or both moneylines equal has no side and gives `None`.
//!
//! Checked on the real files: `home_spread` correlates with `Win_Margin` at about -0.4 to -0.5
//! in each of 2021-22, 2022-23 and 2023-24 (read as signed, the 2021-22 `Spread` barely does).

use super::json::{check_body, team_from_name};
use super::{ParseError, Quarantined, Source};
use nba_props_core::{GameDate, Season, Team};

/// One game's closing lines.
#[derive(Debug, Clone, PartialEq)]
pub struct GameLineRow {
    /// Data line of the CSV, counting from 1 after the header row.
    pub line: usize,
    pub date: GameDate,
    pub home: Team,
    pub away: Team,
    /// `OU`.
    pub total: Option<f64>,
    /// `Spread` as written.
    pub spread_raw: Option<f64>,
    /// The home team's line, negative = home favoured (see the module doc).
    pub home_spread: Option<f64>,
    pub home_moneyline: Option<i32>,
    pub away_moneyline: Option<i32>,
    /// `Points`: the final total.
    pub final_total: Option<i32>,
    /// `Win_Margin`: home minus away final score.
    pub final_home_margin: Option<i32>,
}

const COLUMNS: [&str; 9] = [
    "Date",
    "Home",
    "Away",
    "OU",
    "Spread",
    "ML_Home",
    "ML_Away",
    "Points",
    "Win_Margin",
];

/// A season's lines: the rows that can be used, and the rows set aside with their date when it
/// is readable (the partition that reports them).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GameLines {
    pub rows: Vec<GameLineRow>,
    pub quarantined: Vec<(Option<GameDate>, Quarantined)>,
}

/// Parses one season's game-lines CSV. A row that cannot be used is quarantined and the others
/// are kept; only a body that is not CSV or lacks a required column is refused whole.
pub fn parse(bytes: &[u8], src: &Source) -> Result<GameLines, ParseError> {
    let bytes = check_body(bytes, src, "CSV")?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    let headers = reader
        .byte_headers()
        .map_err(|e| src.error("header row", e.to_string()))?
        .clone();
    let mut cols = [0usize; 9];
    for (slot, name) in cols.iter_mut().zip(COLUMNS) {
        *slot = headers
            .iter()
            .position(|h| h == name.as_bytes())
            .ok_or_else(|| {
                let found: Vec<_> = headers.iter().map(String::from_utf8_lossy).collect();
                src.error(
                    format!("header row, column {name}"),
                    format!(
                        "required column {name} is missing (columns: {})",
                        found.join(", ")
                    ),
                )
            })?;
    }
    let mut out = GameLines::default();
    let mut record = csv::ByteRecord::new();
    for line in 1.. {
        let quarantine = |date, error| {
            let row = Quarantined {
                row: format!("line {line}"),
                error,
            };
            (date, row)
        };
        match reader.read_byte_record(&mut record) {
            Ok(true) => {
                let row = Row {
                    record: &record,
                    cols: &cols,
                    line,
                    src,
                };
                match row.parse() {
                    Ok(r) => out.rows.push(r),
                    Err(e) => {
                        let date = row.required(0).ok().and_then(|d| sbr_date(d).ok());
                        out.quarantined.push(quarantine(date, e));
                    }
                }
            }
            Ok(false) => break,
            // A record of the wrong width; the reader goes on with the next one.
            Err(e) if matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. }) => {
                let error = src.error(format!("line {line}"), e.to_string());
                out.quarantined.push(quarantine(None, error));
            }
            Err(e) => return Err(src.error(format!("line {line}"), e.to_string())),
        }
    }
    Ok(out)
}

struct Row<'r> {
    record: &'r csv::ByteRecord,
    cols: &'r [usize; 9],
    line: usize,
    src: &'r Source<'r>,
}

impl Row<'_> {
    /// The trimmed text of column `c` (an index into [`COLUMNS`]); `None` when empty.
    fn text(&self, c: usize) -> Result<Option<&str>, ParseError> {
        let raw = self
            .cols
            .get(c)
            .and_then(|&i| self.record.get(i))
            .unwrap_or_default();
        let s = std::str::from_utf8(raw).map_err(|e| self.err(c, format!("not UTF-8: {e}")))?;
        // `char::is_whitespace` covers U+00A0, which the 2021-22 export left after two moneylines.
        let s = s.trim_matches(char::is_whitespace);
        Ok(Some(s).filter(|s| !s.is_empty()))
    }

    fn err(&self, c: usize, message: impl Into<String>) -> ParseError {
        let name = COLUMNS.get(c).copied().unwrap_or("?");
        self.src
            .error(format!("line {}, column {name}", self.line), message)
    }

    fn required(&self, c: usize) -> Result<&str, ParseError> {
        self.text(c)?.ok_or_else(|| self.err(c, "empty"))
    }

    fn float(&self, c: usize) -> Result<Option<f64>, ParseError> {
        let Some(s) = self.text(c)? else {
            return Ok(None);
        };
        // Rust's float syntax already takes one leading `+` ("+155") and rejects "+-5".
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(self.err(c, format!("expected a number, got {s:?}"))),
        }
    }

    fn int(&self, c: usize) -> Result<Option<i32>, ParseError> {
        match self.float(c)? {
            None => Ok(None),
            Some(v) if v.fract() == 0.0 && v.abs() <= f64::from(i32::MAX) => Ok(Some(v as i32)),
            Some(v) => Err(self.err(c, format!("expected a whole number, got {v}"))),
        }
    }

    fn team(&self, c: usize) -> Result<Team, ParseError> {
        team_from_name(self.required(c)?).map_err(|m| self.err(c, m))
    }

    fn parse(&self) -> Result<GameLineRow, ParseError> {
        let date = sbr_date(self.required(0)?).map_err(|m| self.err(0, m))?;
        let (home, away) = (self.team(1)?, self.team(2)?);
        if home == away {
            return Err(self.err(2, format!("{away} cannot play itself")));
        }
        let total = self.float(3)?;
        let spread_raw = self.float(4)?;
        let (home_moneyline, away_moneyline) = (self.int(5)?, self.int(6)?);
        let home_spread =
            spread_raw.and_then(|s| home_spread(date.season(), s, home_moneyline, away_moneyline));
        Ok(GameLineRow {
            line: self.line,
            date,
            home,
            away,
            total,
            spread_raw,
            home_spread,
            home_moneyline,
            away_moneyline,
            final_total: self.int(7)?,
            final_home_margin: self.int(8)?,
        })
    }
}

/// The home team's line from `Spread` (see the module doc for the convention).
fn home_spread(
    season: Season,
    spread: f64,
    ml_home: Option<i32>,
    ml_away: Option<i32>,
) -> Option<f64> {
    // `+ 0.0` turns a negated zero into 0.0.
    if season.start_year() >= 2022 {
        return Some(-spread + 0.0);
    }
    if spread == 0.0 {
        return Some(0.0);
    }
    match (ml_home?, ml_away?) {
        (h, a) if h < a => Some(-spread.abs()),
        (h, a) if h > a => Some(spread.abs()),
        _ => None,
    }
}

/// `2023-10-24`, or `2021-22-1019` where a month from 08 on belongs to the first year.
fn sbr_date(s: &str) -> Result<GameDate, String> {
    let bad = || format!("expected a date like 2023-10-24 or 2021-22-1019, got {s:?}");
    if s.len() == 10 {
        return GameDate::parse(s).map_err(|_| bad());
    }
    let b = s.as_bytes();
    if b.len() != 12 || !s.is_ascii() || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return Err(bad());
    }
    let num =
        |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<i16>().ok()).ok_or_else(bad);
    let (start, end, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?, num(10..12)?);
    if (start + 1) % 100 != end {
        return Err(bad());
    }
    let year = if month >= 8 { start } else { start + 1 };
    let (month, day) = (
        i8::try_from(month).map_err(|_| bad())?,
        i8::try_from(day).map_err(|_| bad())?,
    );
    jiff::civil::Date::new(year, month, day)
        .map(GameDate::new)
        .map_err(|_| bad())
}

#[cfg(test)]
#[path = "game_lines_tests.rs"]
mod tests;
