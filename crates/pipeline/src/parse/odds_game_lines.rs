//! The Odds API game lines (`h2h`, `spreads`, `totals`): the slate endpoint's array of events,
//! a single event (the event-odds endpoint), or either inside the historical envelope
//! `{"timestamp", "data": …}`.
//!
//! Each bookmaker's markets become one [`BookLine`] oriented to the payload's home team:
//! `home_spread` is the home outcome's `point` (negative when the home team is favoured),
//! `total` the `Over` outcome's point. Prices are kept as American odds; a payload requested in
//! decimal odds (the historical captures in the fixtures are) is converted, rounded to the
//! nearest integer (2.5 → +150, 1.5 → -200), because `game_lines` stores American moneylines.
//! An event that cannot be read (an unknown team, no start time) is set aside with its reason;
//! the payload's other events are kept.

use super::json::{check_body, team_from_name, timestamp};
use super::{ParseError, Quarantined, Source};
use nba_props_core::Team;

/// One capture of game lines.
#[derive(Debug, Clone, PartialEq)]
pub struct GameLinesSnapshot {
    /// The envelope's `timestamp` (historical responses); live responses have none.
    pub snapshot: Option<jiff::Timestamp>,
    pub events: Vec<GameLinesEvent>,
    pub quarantined: Vec<Quarantined>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GameLinesEvent {
    pub event_id: String,
    pub commence_time: jiff::Timestamp,
    pub home: Team,
    pub away: Team,
    /// In payload order.
    pub books: Vec<BookLine>,
}

/// One bookmaker's game lines in one capture.
#[derive(Debug, Clone, PartialEq)]
pub struct BookLine {
    pub bookmaker: String,
    pub home_spread: Option<f64>,
    pub total: Option<f64>,
    pub home_moneyline: Option<i64>,
    pub away_moneyline: Option<i64>,
}

pub fn parse(bytes: &[u8], src: &Source) -> Result<GameLinesSnapshot, ParseError> {
    // Not `from_json`: the live slate endpoint answers with a top-level array.
    let bytes = check_body(bytes, src, "JSON")?;
    let top: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| src.error("", format!("malformed JSON: {e}")))?;
    let (snapshot, body, prefix) = match top.get("data") {
        Some(data) if top.get("timestamp").is_some() => {
            let ts = top["timestamp"]
                .as_str()
                .ok_or_else(|| src.error("timestamp", "expected a string"))?;
            let ts = timestamp(ts).map_err(|m| src.error("timestamp", m))?;
            (Some(ts), data, "data")
        }
        _ => (None, &top, ""),
    };
    let events: Vec<(String, &serde_json::Value)> = match body {
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, e)| (format!("{prefix}[{i}]"), e))
            .collect(),
        serde_json::Value::Object(_) => vec![(prefix.to_string(), body)],
        _ => {
            return Err(src.error(
                prefix,
                "expected an event or an array of events (The Odds API odds response)",
            ));
        }
    };
    let mut out = GameLinesSnapshot {
        snapshot,
        events: Vec::new(),
        quarantined: Vec::new(),
    };
    for (path, e) in events {
        match event(e, &path, src) {
            Ok(ev) => out.events.push(ev),
            Err(error) => out.quarantined.push(Quarantined {
                row: format!("{path} (event {})", e["id"].as_str().unwrap_or("?")),
                error,
            }),
        }
    }
    if out.events.is_empty()
        && let Some(q) = out.quarantined.first()
    {
        return Err(q.error.clone());
    }
    Ok(out)
}

fn field(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn text<'v>(
    v: &'v serde_json::Value,
    path: &str,
    name: &str,
    src: &Source,
) -> Result<&'v str, ParseError> {
    v[name]
        .as_str()
        .ok_or_else(|| src.error(field(path, name), "missing or not a string"))
}

fn event(e: &serde_json::Value, path: &str, src: &Source) -> Result<GameLinesEvent, ParseError> {
    let event_id = text(e, path, "id", src)?.to_string();
    let commence_time = timestamp(text(e, path, "commence_time", src)?)
        .map_err(|m| src.error(field(path, "commence_time"), m))?;
    let team = |name: &str| -> Result<(Team, &str), ParseError> {
        let full = text(e, path, name, src)?;
        let team = team_from_name(full).map_err(|m| src.error(field(path, name), m))?;
        Ok((team, full))
    };
    let (home, home_name) = team("home_team")?;
    let (away, away_name) = team("away_team")?;
    if home == away {
        return Err(src.error(
            field(path, "away_team"),
            format!("{away} cannot play itself"),
        ));
    }
    let mut books = Vec::new();
    let empty = Vec::new();
    let bookmakers = e["bookmakers"].as_array().unwrap_or(&empty);
    for (b, book) in bookmakers.iter().enumerate() {
        let at = field(path, &format!("bookmakers[{b}]"));
        let mut line = BookLine {
            bookmaker: text(book, &at, "key", src)?.to_string(),
            home_spread: None,
            total: None,
            home_moneyline: None,
            away_moneyline: None,
        };
        let markets = book["markets"].as_array().unwrap_or(&empty);
        for (m, market) in markets.iter().enumerate() {
            let at = format!("{at}.markets[{m}]");
            let outcomes = market["outcomes"].as_array().unwrap_or(&empty);
            let outcome = |name: &str| {
                outcomes
                    .iter()
                    .enumerate()
                    .find(|(_, o)| o["name"].as_str() == Some(name))
            };
            let number = |o: Option<(usize, &serde_json::Value)>, key: &str| match o {
                None => Ok(None),
                Some((i, o)) => match &o[key] {
                    serde_json::Value::Null => Ok(None),
                    v => v.as_f64().map(Some).ok_or_else(|| {
                        src.error(format!("{at}.outcomes[{i}].{key}"), "not a number")
                    }),
                },
            };
            let price = |o: Option<(usize, &serde_json::Value)>| -> Result<_, ParseError> {
                let i = o.map(|(i, _)| i).unwrap_or_default();
                number(o, "price")?
                    .map(|p| {
                        american(p).ok_or_else(|| {
                            src.error(
                                format!("{at}.outcomes[{i}].price"),
                                format!("{p} is neither American nor decimal odds"),
                            )
                        })
                    })
                    .transpose()
            };
            match market["key"].as_str() {
                Some("spreads") => line.home_spread = number(outcome(home_name), "point")?,
                Some("totals") => line.total = number(outcome("Over"), "point")?,
                Some("h2h") => {
                    line.home_moneyline = price(outcome(home_name))?;
                    line.away_moneyline = price(outcome(away_name))?;
                }
                // Other game markets (alternate lines, halves) are not game lines.
                _ => {}
            }
        }
        books.push(line);
    }
    Ok(GameLinesEvent {
        event_id,
        commence_time,
        home,
        away,
        books,
    })
}

/// A price as American odds: American prices are whole numbers of at least 100 in size;
/// decimal prices lie strictly between 1 and 100.
pub(crate) fn american(price: f64) -> Option<i64> {
    if price.abs() >= 100.0 && price.fract() == 0.0 {
        Some(price as i64)
    } else if price > 1.0 && price < 100.0 {
        // Decimal odds are quoted in cents: taken as such, 1.32 is exactly -312.5 (rounded away
        // from zero), not a float a hair either side of it.
        let profit = (price * 100.0).round() - 100.0;
        (profit > 0.0).then(|| american_of_profit(profit))
    } else {
        None
    }
}

/// Decimal odds (above 1) as a whole American price.
pub(crate) fn american_of_decimal(decimal: f64) -> i64 {
    american_of_profit((decimal - 1.0) * 100.0)
}

/// The whole American price of a bet that wins `profit` per 100 staked.
fn american_of_profit(profit: f64) -> i64 {
    let a = if profit >= 100.0 {
        profit
    } else {
        -10_000.0 / profit
    };
    a.round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_american_whatever_the_format_requested() {
        assert_eq!(american(-110.0), Some(-110));
        assert_eq!(american(150.0), Some(150));
        assert_eq!(american(2.5), Some(150));
        assert_eq!(american(1.5), Some(-200));
        assert_eq!(american(1.32), Some(-313));
        assert_eq!(american(0.5), None);
        assert_eq!(american(1.001), None);
        assert_eq!(american(-99.0), None);
    }
}
