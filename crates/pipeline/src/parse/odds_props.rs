//! The Odds API v4 event odds for player-prop markets: the historical envelope
//! `{"timestamp", "data": {event}}` or a bare event as the live endpoint returns it.
//!
//! Outcomes are `Over`/`Under` sides of a (bookmaker, market, player, point) line; the two
//! sides are paired into one [`PropLine`]. Books list ladders (several points for one player),
//! so the point is part of the key. Outcomes of other shapes (Yes/No markets, team names in
//! game markets) are counted in [`OddsEvent::skipped_outcomes`], not parsed.
//!
//! Prices must be American odds (every collector requests `oddsFormat=american`): a decimal
//! price such as 1.91 means the request or the source changed, so it is an error rather than a
//! number silently read on the wrong scale.

use super::cell::Cell;
use super::json::{from_json, team_from_name, timestamp};
use super::{ParseError, Quarantined, Source};
use nba_props_core::Team;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// One event snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct OddsEvent {
    /// The envelope's `timestamp`: the snapshot time of a historical response.
    pub snapshot: Option<jiff::Timestamp>,
    /// The Odds API event `id`; for an event without one (archives rebuilt from CSV exports),
    /// `noid-<commence>-<AWAY>-at-<HOME>` (`noid-20250105T000000Z-BOS-at-LAL`), the archive's
    /// own naming: the teams and the start identify the event as stably as an id.
    pub event_id: String,
    pub commence_time: Option<jiff::Timestamp>,
    pub home: Team,
    pub away: Team,
    /// In payload order of each line's first side.
    pub lines: Vec<PropLine>,
    /// Outcomes whose name is not Over or Under.
    pub skipped_outcomes: usize,
    /// Lines left out because a book listed two different prices for one side of them (which
    /// pair is current is unknowable), each described for the unmatched-rows report.
    pub conflicts: Vec<String>,
    /// Over/Under outcomes that cannot be used (no price, no point, no player), set aside so
    /// the event's other lines are kept.
    pub quarantined: Vec<Quarantined>,
}

/// One bookmaker's line for one player in one market.
#[derive(Debug, Clone, PartialEq)]
pub struct PropLine {
    /// The bookmaker `key` (`draftkings`).
    pub bookmaker: String,
    pub market: String,
    /// The outcome `description`, trimmed: the sportsbook's spelling, not stats.nba.com's.
    pub player_name: String,
    /// The outcome `point`.
    pub line: f64,
    pub over_price: Option<i32>,
    pub under_price: Option<i32>,
    /// The market's `last_update`, else the bookmaker's.
    pub last_update: Option<jiff::Timestamp>,
}

/// Envelope and bare event in one shape, so one pass reads either and paths stay exact.
#[derive(Deserialize)]
struct RawEvent<'a> {
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow)]
    data: Option<Box<RawEvent<'a>>>,
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    commence_time: Option<Cow<'a, str>>,
    #[serde(borrow)]
    home_team: Option<Cow<'a, str>>,
    #[serde(borrow)]
    away_team: Option<Cow<'a, str>>,
    #[serde(borrow)]
    bookmakers: Option<Vec<RawBook<'a>>>,
}

#[derive(Deserialize)]
struct RawBook<'a> {
    #[serde(borrow)]
    key: Cow<'a, str>,
    #[serde(borrow)]
    last_update: Option<Cow<'a, str>>,
    #[serde(borrow)]
    markets: Vec<RawMarket<'a>>,
}

#[derive(Deserialize)]
struct RawMarket<'a> {
    #[serde(borrow)]
    key: Cow<'a, str>,
    #[serde(borrow)]
    last_update: Option<Cow<'a, str>>,
    #[serde(borrow)]
    outcomes: Vec<RawOutcome<'a>>,
}

#[derive(Deserialize)]
struct RawOutcome<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow)]
    description: Option<Cow<'a, str>>,
    #[serde(borrow)]
    price: Option<Cell<'a>>,
    #[serde(borrow)]
    point: Option<Cell<'a>>,
}

#[derive(Clone, Copy, PartialEq)]
enum Side {
    Over,
    Under,
}

/// Parses one event-odds payload.
pub fn parse(bytes: &[u8], src: &Source) -> Result<OddsEvent, ParseError> {
    let top: RawEvent = from_json(bytes, src)?;
    let snapshot = opt_timestamp(top.timestamp.as_deref(), || "timestamp".into(), src)?;
    let (event, p) = match &top.data {
        Some(data) => (data.as_ref(), "data."),
        None => (&top, ""),
    };
    let required = |v: &Option<Cow<'_, str>>, name: &str| -> Result<String, ParseError> {
        v.as_deref()
            .map(str::to_string)
            .ok_or_else(|| src.error(format!("{p}{name}"), "missing"))
    };
    let commence_time = opt_timestamp(
        event.commence_time.as_deref(),
        || format!("{p}commence_time"),
        src,
    )?;
    let team = |value: &Option<Cow<'_, str>>, name: &str| -> Result<Team, ParseError> {
        team_from_name(&required(value, name)?).map_err(|m| src.error(format!("{p}{name}"), m))
    };
    let home = team(&event.home_team, "home_team")?;
    let away = team(&event.away_team, "away_team")?;
    if home == away {
        return Err(src.error(
            format!("{p}away_team"),
            format!("{away} cannot play itself"),
        ));
    }
    let event_id = match (event.id.as_deref().map(str::trim), commence_time) {
        (Some(id), _) if !id.is_empty() => id.to_string(),
        (_, Some(start)) => noid(start, home, away),
        (_, None) => {
            return Err(src.error(
                format!("{p}id"),
                "missing, and no commence_time to identify the event by with its teams",
            ));
        }
    };
    let books = event.bookmakers.as_deref().unwrap_or_default();
    let mut quarantined = Vec::new();
    let (lines, skipped_outcomes, conflicts) = lines(books, p, src, &mut quarantined)?;
    // Not one usable line: the payload as a whole is wrong (decimal odds, another shape).
    if lines.is_empty()
        && let Some(q) = quarantined.first()
    {
        return Err(q.error.clone());
    }
    Ok(OddsEvent {
        snapshot,
        event_id,
        commence_time,
        home,
        away,
        lines,
        skipped_outcomes,
        conflicts,
        quarantined,
    })
}

fn lines(
    books: &[RawBook<'_>],
    p: &str,
    src: &Source,
    quarantined: &mut Vec<Quarantined>,
) -> Result<(Vec<PropLine>, usize, Vec<String>), ParseError> {
    let mut lines: Vec<PropLine> = Vec::new();
    let mut skipped = 0;
    let mut conflicted: Vec<(usize, String)> = Vec::new();
    let outcomes: usize = books
        .iter()
        .flat_map(|b| &b.markets)
        .map(|m| m.outcomes.len())
        .sum();
    // (bookmaker, market, player, point bits) -> index into `lines`.
    let mut index: HashMap<(&str, &str, &str, u64), usize, BuildHasherDefault<FxHasher>> =
        HashMap::with_capacity_and_hasher(outcomes / 2 + 1, BuildHasherDefault::default());
    for (b, book) in books.iter().enumerate() {
        let at_book = || format!("{p}bookmakers[{b}]");
        let book_update = opt_timestamp(
            book.last_update.as_deref(),
            || format!("{}.last_update", at_book()),
            src,
        )?;
        for (m, market) in book.markets.iter().enumerate() {
            let at_market = || format!("{}.markets[{m}]", at_book());
            let market_update = opt_timestamp(
                market.last_update.as_deref(),
                || format!("{}.last_update", at_market()),
                src,
            )?;
            let last_update = market_update.or(book_update);
            for (o, out) in market.outcomes.iter().enumerate() {
                let side = match out.name.trim() {
                    n if n.eq_ignore_ascii_case("over") => Side::Over,
                    n if n.eq_ignore_ascii_case("under") => Side::Under,
                    _ => {
                        skipped += 1;
                        continue;
                    }
                };
                let err = |field: &str, message: String| {
                    src.error(format!("{}.outcomes[{o}].{field}", at_market()), message)
                };
                let checked = (|| {
                    let price = out
                        .price
                        .as_ref()
                        .ok_or_else(|| err("price", "missing or null".into()))?;
                    let price = american(price).map_err(|m| err("price", m))?;
                    let point = out
                        .point
                        .as_ref()
                        .ok_or_else(|| err("point", "missing on an Over/Under outcome".into()))?;
                    let point = point.to_f64().map_err(|m| err("point", m))?;
                    if !point.is_finite() {
                        return Err(err("point", format!("{point} is not a line")));
                    }
                    let player = out.description.as_deref().map(str::trim).unwrap_or("");
                    if player.is_empty() {
                        return Err(err(
                            "description",
                            "missing player name on an Over/Under outcome".into(),
                        ));
                    }
                    Ok((price, point, player))
                })();
                // One unusable outcome is set aside; the event's other lines are kept.
                let (price, point, player) = match checked {
                    Ok(v) => v,
                    Err(error) => {
                        quarantined.push(Quarantined {
                            row: format!("{}.outcomes[{o}]", at_market()),
                            error,
                        });
                        continue;
                    }
                };
                // 0.0 and -0.0 are one line.
                let key = (
                    book.key.as_ref(),
                    market.key.as_ref(),
                    player,
                    (point + 0.0).to_bits(),
                );
                let i = *index.entry(key).or_insert_with(|| {
                    lines.push(PropLine {
                        bookmaker: book.key.to_string(),
                        market: market.key.to_string(),
                        player_name: player.to_string(),
                        line: point + 0.0,
                        over_price: None,
                        under_price: None,
                        last_update,
                    });
                    lines.len() - 1
                });
                let Some(line) = lines.get_mut(i) else {
                    continue;
                };
                let slot = if side == Side::Over {
                    &mut line.over_price
                } else {
                    &mut line.under_price
                };
                match *slot {
                    // The same outcome listed twice says nothing new.
                    Some(p) if p == price => {}
                    Some(_) => {
                        let which = if side == Side::Over { "Over" } else { "Under" };
                        if !conflicted.iter().any(|(j, _)| *j == i) {
                            conflicted.push((
                                i,
                                format!(
                                    "{} {} {player} {point}: a second {which} at another price ({}.outcomes[{o}])",
                                    book.key,
                                    market.key,
                                    at_market()
                                ),
                            ));
                        }
                    }
                    None => *slot = Some(price),
                }
            }
        }
    }
    if conflicted.is_empty() {
        return Ok((lines, skipped, Vec::new()));
    }
    let drop: std::collections::HashSet<usize> = conflicted.iter().map(|(i, _)| *i).collect();
    let kept = lines
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !drop.contains(i))
        .map(|(_, l)| l)
        .collect();
    Ok((
        kept,
        skipped,
        conflicted.into_iter().map(|(_, d)| d).collect(),
    ))
}

/// The key of an event without an id: its start (UTC, `YYYYMMDDTHHMMSSZ`) and its teams.
fn noid(start: jiff::Timestamp, home: Team, away: Team) -> String {
    format!(
        "noid-{}-{}-at-{}",
        start.strftime("%Y%m%dT%H%M%SZ"),
        away.tricode(),
        home.tricode()
    )
}

/// The multiply-rotate hash of rustc's `FxHasher`: SipHash was the largest single cost in
/// profiles of this parser, and flooding resistance buys little for a map that lives for one
/// payload of a few thousand outcomes.
#[derive(Default)]
struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.add(v);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// An American price: a whole number of at least 100 in magnitude (+150, -110). Decimal odds
/// (1.91, and whole ones such as 2.0) are rejected.
fn american(price: &Cell<'_>) -> Result<i32, String> {
    let v = price
        .to_i32()
        .map_err(|m| format!("{m} (American odds expected)"))?;
    if v.unsigned_abs() < 100 {
        return Err(format!(
            "{v} is not an American price (|price| >= 100), decimal odds?"
        ));
    }
    Ok(v)
}

/// `field` is only built on failure: this runs once per market.
fn opt_timestamp(
    s: Option<&str>,
    field: impl FnOnce() -> String,
    src: &Source,
) -> Result<Option<jiff::Timestamp>, ParseError> {
    s.map(|s| timestamp(s).map_err(|m| src.error(field(), m)))
        .transpose()
}

#[cfg(test)]
#[path = "odds_props_tests.rs"]
mod tests;
