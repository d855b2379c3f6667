//! The Odds API v4, live and historical: events of a window, event odds (the archived props
//! snapshots), and game lines in the `odds` shape built from the SBR rows.
//!
//! As of when: live requests see the replay instant T; historical ones `min(date, T)`. An event
//! is listed until its game is over (tip-off + 3 h); after that its odds answer 404, as the API
//! does for an event no longer listed. Event odds are the newest snapshot captured at or before
//! the instant; before the first, the event without bookmakers.

use crate::archive::{Event, LineRow, SbrBook};
use crate::{Answer, Ask, rfc3339};
use serde::Serialize;
use serde_json::value::RawValue;

pub(crate) fn route(ask: &Ask, historical: bool, rest: &str) -> (&'static str, Answer) {
    let endpoint = match (historical, rest) {
        (false, "events") => "odds_api.events",
        (true, "events") => "odds_api.historical_events",
        (false, "odds") => "odds_api.odds",
        (true, "odds") => "odds_api.historical_odds",
        (false, r) if event_id(r).is_some() => "odds_api.event_odds",
        (true, r) if event_id(r).is_some() => "odds_api.historical_event_odds",
        _ => {
            return (
                "unknown",
                Answer::error(
                    404,
                    format!("the replay server has no Odds API endpoint at {}", ask.path),
                ),
            );
        }
    };
    if ask.param("apiKey").is_none_or(str::is_empty) {
        return (
            endpoint,
            Answer::error(
                401,
                "API key is missing: pass apiKey=… (any value in the replay)".into(),
            ),
        );
    }
    let as_of = if historical {
        match ask.param("date").map(|d| d.parse::<jiff::Timestamp>()) {
            Some(Ok(d)) => d.as_millisecond().min(ask.now_ms),
            _ => {
                return (
                    endpoint,
                    Answer::error(
                        422,
                        format!(
                            "{}: a historical request needs date=<ISO 8601 instant>, got {:?}",
                            ask.path,
                            ask.param("date")
                        ),
                    ),
                );
            }
        }
    } else {
        ask.now_ms
    };
    let q = Query {
        ask,
        historical,
        as_of,
    };
    let answer = match rest {
        "events" => q.events(),
        "odds" => q.game_lines(),
        r => q.event_odds(event_id(r).unwrap_or_default()),
    };
    (endpoint, answer)
}

/// `events/<id>/odds` → `<id>`.
fn event_id(rest: &str) -> Option<&str> {
    rest.strip_prefix("events/")?
        .strip_suffix("/odds")
        .filter(|id| !id.is_empty() && !id.contains('/'))
}

struct Query<'a> {
    ask: &'a Ask<'a>,
    historical: bool,
    as_of: i64,
}

/// An event as the API lists it; a field the archive has no source for is left out.
#[derive(Serialize)]
struct EventOut<'a, B: Serialize> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    sport_key: &'a str,
    sport_title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    commence_time: Option<String>,
    home_team: &'a str,
    away_team: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    bookmakers: Option<B>,
}

#[derive(Serialize)]
struct Envelope<T: Serialize> {
    timestamp: String,
    data: T,
}

#[derive(Serialize)]
struct Bookmaker {
    key: &'static str,
    title: &'static str,
    markets: Vec<Market>,
}

#[derive(Serialize)]
struct Market {
    key: &'static str,
    outcomes: Vec<Outcome>,
}

#[derive(Serialize)]
struct Outcome {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    price: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    point: Option<f64>,
}

fn event_out<B: Serialize>(e: &Event, bookmakers: Option<B>) -> EventOut<'_, B> {
    EventOut {
        id: Some(&e.id),
        sport_key: &e.sport_key,
        sport_title: &e.sport_title,
        commence_time: e.commence_ms.map(rfc3339),
        home_team: &e.home_team,
        away_team: &e.away_team,
        bookmakers,
    }
}

impl Query<'_> {
    /// A live answer is the data itself; a historical one wraps it with the instant it is of.
    fn reply<T: Serialize>(&self, data: T) -> Answer {
        let body = if self.historical {
            serde_json::to_vec(&Envelope {
                timestamp: rfc3339(self.as_of),
                data,
            })
        } else {
            serde_json::to_vec(&data)
        };
        match body {
            Ok(b) => Answer::json(b),
            Err(e) => Answer::error(500, format!("{}: {e}", self.ask.path)),
        }
    }

    /// `commenceTimeFrom` / `commenceTimeTo` (both inclusive, as the API reads them).
    fn window(&self) -> Result<(Option<i64>, Option<i64>), Answer> {
        let bound = |name: &str| match self.ask.param(name) {
            None => Ok(None),
            Some(v) => v
                .parse::<jiff::Timestamp>()
                .map(|t| Some(t.as_millisecond()))
                .map_err(|e| Answer::error(422, format!("{name}={v}: {e}"))),
        };
        Ok((bound("commenceTimeFrom")?, bound("commenceTimeTo")?))
    }

    fn in_window(window: (Option<i64>, Option<i64>), commence: Option<i64>) -> bool {
        match (window, commence) {
            ((None, None), _) => true,
            (_, None) => false,
            ((from, to), Some(c)) => from.is_none_or(|f| c >= f) && to.is_none_or(|t| c <= t),
        }
    }

    fn events(&self) -> Answer {
        let window = match self.window() {
            Ok(w) => w,
            Err(a) => return a,
        };
        let mut listed: Vec<&Event> = self
            .ask
            .archive
            .events
            .values()
            .filter(|e| self.as_of < e.over_ms() && Self::in_window(window, e.commence_ms))
            .collect();
        listed.sort_by_key(|e| (e.commence_ms, e.id.as_str()));
        let out: Vec<_> = listed
            .into_iter()
            .map(|e| event_out::<()>(e, None))
            .collect();
        self.reply(out)
    }

    fn event_odds(&self, id: &str) -> Answer {
        let Some(event) = self.ask.archive.events.get(id) else {
            return Answer::error(
                404,
                format!("Event not found: the replay archive has no event {id}"),
            );
        };
        if self.as_of >= event.over_ms() {
            return Answer::error(
                404,
                format!(
                    "Event not found: event {id} is no longer listed at {} (its game was over at {})",
                    rfc3339(self.as_of),
                    rfc3339(event.over_ms())
                ),
            );
        }
        let Some(snapshot) = event.snapshot_at(self.as_of) else {
            return self.reply(event_out(event, Some([(); 0])));
        };
        let bytes = match std::fs::read(&snapshot.path) {
            Ok(b) => b,
            Err(e) => {
                return Answer::error(
                    500,
                    format!(
                        "event {id}: archive file {} unreadable: {e}",
                        snapshot.path.display()
                    ),
                );
            }
        };
        let markets: Option<Vec<&str>> = self.ask.param("markets").map(|m| m.split(',').collect());
        match serve_snapshot(&bytes, markets.as_deref(), self.historical) {
            Ok(body) => Answer::json(body),
            Err(e) => Answer::error(
                500,
                format!("event {id}: archive file {}: {e}", snapshot.path.display()),
            ),
        }
    }

    fn game_lines(&self) -> Answer {
        let window = match self.window() {
            Ok(w) => w,
            Err(a) => return a,
        };
        let markets: Vec<&str> = self
            .ask
            .param("markets")
            .unwrap_or("h2h")
            .split(',')
            .collect();
        let archive = self.ask.archive;
        let mut rows: Vec<&LineRow> = archive
            .lines
            .iter()
            .filter(|r| {
                // A game without a scheduled tip-off cannot be placed in the day: it is never
                // listed (see docs/replay.md).
                r.tip_ms.is_some_and(|tip| {
                    self.as_of < tip + crate::archive::GAME_LENGTH_MS
                        && Self::in_window(window, Some(tip))
                })
            })
            .collect();
        rows.sort_by_key(|r| (r.tip_ms, r.home.as_str()));
        let out: Vec<_> = rows
            .into_iter()
            .map(|r| {
                let event = archive.events.values().find(|e| {
                    e.commence_ms == r.tip_ms && e.home_team == r.home && e.away_team == r.away
                });
                // SBR lines are closing lines: they exist from the tip-off on.
                let offered = r.tip_ms.is_some_and(|tip| self.as_of >= tip);
                let bookmakers: Vec<Bookmaker> = offered
                    .then(|| sbr_bookmaker(r, &markets))
                    .into_iter()
                    .flatten()
                    .collect();
                EventOut {
                    id: event.map(|e| e.id.as_str()),
                    sport_key: "basketball_nba",
                    sport_title: "NBA",
                    commence_time: r.tip_ms.map(rfc3339),
                    home_team: &r.home,
                    away_team: &r.away,
                    bookmakers: Some(bookmakers),
                }
            })
            .collect();
        self.reply(out)
    }
}

/// The snapshot as archived: the whole historical envelope, or (live) its `data` byte for byte.
/// Markets not asked for are dropped, as the API answers only those asked (re-serialised then).
fn serve_snapshot(
    bytes: &[u8],
    markets: Option<&[&str]>,
    historical: bool,
) -> Result<Vec<u8>, String> {
    let mut v: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let asked =
        |k: &serde_json::Value| markets.is_none_or(|m| k.as_str().is_some_and(|k| m.contains(&k)));
    let all_asked = v["data"]["bookmakers"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|b| b["markets"].as_array().into_iter().flatten())
        .all(|m| asked(&m["key"]));
    if all_asked {
        if historical {
            return Ok(bytes.to_vec());
        }
        #[derive(serde::Deserialize)]
        struct Raw<'a> {
            #[serde(borrow)]
            data: &'a RawValue,
        }
        let raw: Raw = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        return Ok(raw.data.get().as_bytes().to_vec());
    }
    if let Some(books) = v["data"]["bookmakers"].as_array_mut() {
        for b in books.iter_mut() {
            if let Some(ms) = b["markets"].as_array_mut() {
                ms.retain(|m| asked(&m["key"]));
            }
        }
        books.retain(|b| b["markets"].as_array().is_some_and(|m| !m.is_empty()));
    }
    let out = if historical { &v } else { &v["data"] };
    serde_json::to_vec(out).map_err(|e| e.to_string())
}

/// One SBR row as one bookmaker's h2h / spreads / totals; a market whose values the row lacks is
/// left out, and prices the CSV does not have (spreads, totals) are left out of the outcomes.
fn sbr_bookmaker(r: &LineRow, markets: &[&str]) -> Option<Bookmaker> {
    let (key, title) = match r.book {
        SbrBook::FanDuel => ("fanduel", "FanDuel"),
        SbrBook::Unknown => ("sbr_unknown_book", "SBR (book not recorded)"),
    };
    let outcome = |name: &str, price: Option<i64>, point: Option<f64>| Outcome {
        name: name.to_string(),
        price,
        point,
    };
    let mut out = Vec::new();
    for &m in markets {
        let market = match m {
            "h2h" => r.ml_home.zip(r.ml_away).map(|(home, away)| Market {
                key: "h2h",
                outcomes: vec![
                    outcome(&r.away, Some(away), None),
                    outcome(&r.home, Some(home), None),
                ],
            }),
            "spreads" => away_spread(r).map(|away| Market {
                key: "spreads",
                outcomes: vec![
                    outcome(&r.away, None, Some(away)),
                    outcome(&r.home, None, Some(if away == 0.0 { 0.0 } else { -away })),
                ],
            }),
            "totals" => r.total.map(|t| Market {
                key: "totals",
                outcomes: vec![
                    outcome("Over", None, Some(t)),
                    outcome("Under", None, Some(t)),
                ],
            }),
            _ => None,
        };
        out.extend(market);
    }
    (!out.is_empty()).then_some(Bookmaker {
        key,
        title,
        markets: out,
    })
}

/// The away team's spread: the CSV value from 2022-23 on; in 2021-22 the unsigned margin given
/// to the moneyline favourite (no side when the moneylines are missing or equal).
fn away_spread(r: &LineRow) -> Option<f64> {
    let s = r.spread?;
    if !r.spread_unsigned || s == 0.0 {
        return Some(s);
    }
    let (home, away) = r.ml_home.zip(r.ml_away)?;
    match home.cmp(&away) {
        std::cmp::Ordering::Less => Some(s),
        std::cmp::Ordering::Greater => Some(-s),
        std::cmp::Ordering::Equal => None,
    }
}
