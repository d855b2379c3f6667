//! BettingPros API v3: the events of a date (`events[]`: id, UTC `scheduled`, `home`,
//! `visitor`, `results`) and pages of prop offers (`offers[]`, `_pagination`).
//!
//! An offer is one player in one market of one event; its `selections` are the Over and Under
//! sides, each with `books[].lines[]` (line, American `cost`, `updated`). The two sides of a
//! (book, line) are paired into one [`BpLine`]. Times are UTC written `YYYY-MM-DD HH:MM:SS`
//! (the events payload states `ts` and `utc` for the same instant). Book 0 is BettingPros'
//! consensus.

use super::cell::Cell;
use super::fields::{At, Fields};
use super::json::from_json;
use super::{ParseError, Quarantined, Source};
use nba_props_core::Team;
use serde::Deserialize;
use std::borrow::Cow;

/// One event of a date.
#[derive(Debug, Clone, PartialEq)]
pub struct BpEvent {
    pub event_id: String,
    pub scheduled: Option<jiff::Timestamp>,
    pub home: Team,
    pub visitor: Team,
    /// `status` as written (`scheduled`, `closed`, …).
    pub status: Option<String>,
    /// From `results.outcomes[label=event].scores`, when the event has results.
    pub home_score: Option<i32>,
    pub visitor_score: Option<i32>,
}

/// One page of offers.
#[derive(Debug, Clone, PartialEq)]
pub struct BpOffersPage {
    pub page: Option<u32>,
    pub total_pages: Option<u32>,
    pub offers: Vec<BpOffer>,
    /// Offers that cannot be used, set aside so the page's others are kept.
    pub quarantined: Vec<Quarantined>,
}

/// An events payload: the events that can be used and those set aside.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BpEvents {
    pub events: Vec<BpEvent>,
    pub quarantined: Vec<Quarantined>,
}

/// One player's offer in one market of one event.
#[derive(Debug, Clone, PartialEq)]
pub struct BpOffer {
    pub offer_id: Option<String>,
    pub event_id: String,
    pub market_id: i64,
    /// BettingPros' participant id.
    pub player_id: String,
    pub player_name: String,
    /// The player's team as BettingPros states it today (it is not the team of the event's date
    /// when the player moved since).
    pub player_team: Option<String>,
    /// The first opening line stated on a side.
    pub opening_line: Option<f64>,
    /// One per (book, line), in payload order.
    pub lines: Vec<BpLine>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BpLine {
    pub book_id: i64,
    pub line: f64,
    pub over_price: Option<i32>,
    pub under_price: Option<i32>,
    /// The later `updated` of the two sides.
    pub updated: Option<jiff::Timestamp>,
}

/// The market names of the ids the scraper asks for.
pub fn market_name(id: i64) -> Option<&'static str> {
    Some(match id {
        156 => "points",
        157 => "rebounds",
        151 => "assists",
        162 => "threes",
        160 => "steals",
        152 => "blocks",
        _ => return None,
    })
}

/// Book ids named alike by every public source that lists them, as The Odds API keys (so books
/// compare across tables); other ids stay numbers only.
pub fn book_key(id: i64) -> Option<&'static str> {
    Some(match id {
        0 => "consensus",
        10 => "fanduel",
        12 => "draftkings",
        13 => "williamhill_us",
        18 => "betrivers",
        19 => "betmgm",
        24 => "bet365",
        _ => return None,
    })
}

#[derive(Deserialize)]
struct RawEvents<'a> {
    #[serde(borrow)]
    events: Vec<RawEvent<'a>>,
}

#[derive(Deserialize)]
struct RawEvent<'a> {
    #[serde(borrow)]
    id: Cell<'a>,
    #[serde(borrow)]
    scheduled: Option<Cow<'a, str>>,
    #[serde(borrow)]
    home: Cow<'a, str>,
    #[serde(borrow)]
    visitor: Cow<'a, str>,
    #[serde(borrow)]
    status: Option<Cow<'a, str>>,
    #[serde(borrow)]
    results: Option<RawResults<'a>>,
}

#[derive(Deserialize)]
struct RawResults<'a> {
    #[serde(borrow, default)]
    outcomes: Vec<RawOutcome<'a>>,
}

#[derive(Deserialize)]
struct RawOutcome<'a> {
    #[serde(borrow)]
    label: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    scores: Vec<RawScore<'a>>,
}

#[derive(Deserialize)]
struct RawScore<'a> {
    #[serde(borrow)]
    participant: Cow<'a, str>,
    #[serde(borrow)]
    score: Cell<'a>,
}

#[derive(Deserialize)]
struct RawOffers<'a> {
    #[serde(borrow)]
    offers: Vec<RawOffer<'a>>,
    #[serde(rename = "_pagination", borrow)]
    pagination: Option<Fields<'a>>,
}

#[derive(Deserialize)]
struct RawOffer<'a> {
    #[serde(borrow)]
    offer_id: Option<Cell<'a>>,
    #[serde(borrow)]
    id: Option<Cell<'a>>,
    #[serde(borrow)]
    event_id: Cell<'a>,
    #[serde(borrow)]
    market_id: Cell<'a>,
    #[serde(borrow)]
    participants: Vec<RawParticipant<'a>>,
    #[serde(borrow)]
    selections: Vec<RawSelection<'a>>,
}

#[derive(Deserialize)]
struct RawParticipant<'a> {
    #[serde(borrow)]
    id: Cell<'a>,
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow)]
    player: Option<RawPlayer<'a>>,
}

#[derive(Deserialize)]
struct RawPlayer<'a> {
    #[serde(borrow)]
    team: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct RawSelection<'a> {
    #[serde(borrow)]
    selection: Option<Cow<'a, str>>,
    #[serde(borrow)]
    label: Option<Cow<'a, str>>,
    #[serde(borrow)]
    opening_line: Option<Fields<'a>>,
    #[serde(borrow)]
    books: Vec<RawBook<'a>>,
}

#[derive(Deserialize)]
struct RawBook<'a> {
    #[serde(borrow)]
    id: Cell<'a>,
    #[serde(borrow)]
    lines: Vec<Fields<'a>>,
}

/// An id written as a number or a string.
fn id_text(c: &Cell<'_>) -> Result<String, String> {
    match c {
        Cell::Int(i) => Ok(i.to_string()),
        Cell::Str(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        other => Err(format!("expected an id, got {}", other.describe())),
    }
}

/// `2021-10-21 23:30:00`, UTC.
fn utc(s: &str) -> Result<jiff::Timestamp, String> {
    s.trim()
        .parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|dt| dt.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp())
        .ok_or_else(|| format!("expected a UTC time like 2021-10-21 23:30:00, got {s:?}"))
}

/// Parses an events payload; an event that cannot be read is quarantined, the others kept.
pub fn parse_events(bytes: &[u8], src: &Source) -> Result<BpEvents, ParseError> {
    let raw: RawEvents = from_json(bytes, src)?;
    let mut out = BpEvents::default();
    let parsed = raw.events.iter().enumerate().map(|(i, e)| {
        let read = (|| {
            let at = |f: &str| format!("events[{i}].{f}");
            let event_id = id_text(&e.id).map_err(|m| src.error(at("id"), m))?;
            let team = |code: &str, f: &str| {
                Team::from_abbreviation(code).map_err(|err| src.error(at(f), err.to_string()))
            };
            let (home, visitor) = (team(&e.home, "home")?, team(&e.visitor, "visitor")?);
            if home == visitor {
                return Err(src.error(at("visitor"), format!("{home} cannot play itself")));
            }
            let scheduled = e
                .scheduled
                .as_deref()
                .map(|s| utc(s).map_err(|m| src.error(at("scheduled"), m)))
                .transpose()?;
            let outcome = e.results.as_ref().and_then(|r| {
                r.outcomes
                    .iter()
                    .position(|o| o.label.as_deref() == Some("event"))
                    .map(|k| (k, &r.outcomes[k]))
            });
            let mut scores = (None, None);
            if let Some((k, o)) = outcome {
                for (s, score) in o.scores.iter().enumerate() {
                    let f = format!("results.outcomes[{k}].scores[{s}]");
                    let points = score
                        .score
                        .to_i32()
                        .map_err(|m| src.error(at(&format!("{f}.score")), m))?;
                    let who = team(&score.participant, &format!("{f}.participant"))?;
                    match who {
                        t if t == home => scores.0 = Some(points),
                        t if t == visitor => scores.1 = Some(points),
                        t => {
                            return Err(src.error(
                                at(&format!("{f}.participant")),
                                format!("{t} is neither team of the event"),
                            ));
                        }
                    }
                }
            }
            Ok(BpEvent {
                event_id,
                scheduled,
                home,
                visitor,
                status: e.status.as_deref().map(str::to_string),
                home_score: scores.0,
                visitor_score: scores.1,
            })
        })();
        (i, read)
    });
    for (i, read) in parsed {
        match read {
            Ok(event) => out.events.push(event),
            Err(error) => out.quarantined.push(Quarantined {
                row: format!("events[{i}]"),
                error,
            }),
        }
    }
    Ok(out)
}

#[derive(Clone, Copy, PartialEq)]
enum Side {
    Over,
    Under,
}

/// Parses one page of offers.
pub fn parse_offers(bytes: &[u8], src: &Source) -> Result<BpOffersPage, ParseError> {
    let raw: RawOffers = from_json(bytes, src)?;
    let (page, total_pages) = match &raw.pagination {
        Some(p) => {
            let at = At {
                src,
                path: "_pagination".into(),
            };
            let count = |name: &str| -> Result<Option<u32>, ParseError> {
                at.opt_int(p, name)?
                    .map(|v| {
                        u32::try_from(v).map_err(|_| at.error(name, format!("{v} is negative")))
                    })
                    .transpose()
            };
            (count("page")?, count("total_pages")?)
        }
        None => (None, None),
    };
    let (mut offers, mut quarantined) = (Vec::new(), Vec::new());
    for (i, o) in raw.offers.iter().enumerate() {
        let row = format!("offers[{i}]");
        match offer(o, &row, src) {
            Ok(o) => offers.push(o),
            // One offer that cannot be used is set aside; the page's others are kept.
            Err(error) => quarantined.push(Quarantined { row, error }),
        }
    }
    Ok(BpOffersPage {
        page,
        total_pages,
        offers,
        quarantined,
    })
}

fn offer(o: &RawOffer<'_>, path: &str, src: &Source) -> Result<BpOffer, ParseError> {
    let at = |f: &str| format!("{path}.{f}");
    let offer_id = match (&o.offer_id, &o.id) {
        (Some(c), _) => Some(id_text(c).map_err(|m| src.error(at("offer_id"), m))?),
        (None, Some(c)) => Some(id_text(c).map_err(|m| src.error(at("id"), m))?),
        (None, None) => None,
    };
    let event_id = id_text(&o.event_id).map_err(|m| src.error(at("event_id"), m))?;
    let market_id = o
        .market_id
        .to_i64()
        .map_err(|m| src.error(at("market_id"), m))?;
    let participant = match o.participants.as_slice() {
        [p] => p,
        other => {
            return Err(src.error(
                at("participants"),
                format!(
                    "expected one participant (a player prop), got {}",
                    other.len()
                ),
            ));
        }
    };
    let player_id = id_text(&participant.id).map_err(|m| src.error(at("participants[0].id"), m))?;
    let player_name = participant.name.trim().to_string();
    if player_name.is_empty() {
        return Err(src.error(at("participants[0].name"), "empty player name"));
    }
    let mut lines: Vec<BpLine> = Vec::new();
    let mut opening_line = None;
    for (s, sel) in o.selections.iter().enumerate() {
        let sp = format!("{path}.selections[{s}]");
        let which = sel
            .selection
            .as_deref()
            .or(sel.label.as_deref())
            .unwrap_or("");
        let side = match which.trim().to_ascii_lowercase().as_str() {
            "over" => Side::Over,
            "under" => Side::Under,
            other => {
                return Err(src.error(
                    format!("{sp}.selection"),
                    format!("expected over or under, got {other:?}"),
                ));
            }
        };
        if let Some(open) = &sel.opening_line {
            let at = At {
                src,
                path: format!("{sp}.opening_line"),
            };
            opening_line = opening_line.or(at.opt_f64(open, "line")?);
        }
        for (b, book) in sel.books.iter().enumerate() {
            let bp = format!("{sp}.books[{b}]");
            let book_id = book
                .id
                .to_i64()
                .map_err(|m| src.error(format!("{bp}.id"), m))?;
            for (l, entry) in book.lines.iter().enumerate() {
                let at = At {
                    src,
                    path: format!("{bp}.lines[{l}]"),
                };
                let line = at
                    .opt_f64(entry, "line")?
                    .ok_or_else(|| at.error("line", "missing"))?
                    + 0.0;
                let cost = at.int(entry, "cost")?;
                if cost.unsigned_abs() < 100 {
                    return Err(at.error(
                        "cost",
                        format!("{cost} is not an American price (|price| >= 100)"),
                    ));
                }
                let updated = at
                    .opt_str(entry, "updated")?
                    .map(|u| utc(u).map_err(|m| at.error("updated", m)))
                    .transpose()?;
                let i = match lines
                    .iter()
                    .position(|x| x.book_id == book_id && x.line == line)
                {
                    Some(i) => i,
                    None => {
                        lines.push(BpLine {
                            book_id,
                            line,
                            over_price: None,
                            under_price: None,
                            updated: None,
                        });
                        lines.len() - 1
                    }
                };
                let slot = &mut lines[i];
                let price = match side {
                    Side::Over => &mut slot.over_price,
                    Side::Under => &mut slot.under_price,
                };
                if price.is_some_and(|p| p != cost) {
                    return Err(at.error(
                        "cost",
                        format!("book {book_id} lists line {line} twice on one side with different prices"),
                    ));
                }
                *price = Some(cost);
                slot.updated = slot.updated.max(updated);
            }
        }
    }
    Ok(BpOffer {
        offer_id,
        event_id,
        market_id,
        player_id,
        player_name,
        player_team: participant
            .player
            .as_ref()
            .and_then(|p| p.team.as_deref())
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string),
        opening_line,
        lines,
    })
}

#[cfg(test)]
#[path = "bettingpros_tests.rs"]
mod tests;
