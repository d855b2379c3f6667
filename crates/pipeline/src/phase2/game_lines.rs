//! `game_lines`: spread, total and moneylines per game, attached to NBA game ids and oriented to
//! the schedule's home team, from three sources (`source`):
//!
//! - `oddsapi`: The Odds API game lines of the date. Per bookmaker, each market's latest snapshot
//!   captured before the event's tip-off (`commence_time`): a snapshot at or after tip-off is an
//!   in-game line and never used. Plus one `consensus` row: the median across those books of
//!   the home spread, of the total and of each side's American moneyline (rounded to a whole
//!   price), each over the books that quote it.
//! - `espn`: ESPN's pickcenter lines (`espn_game_lines`, the newest summary capture), one row per
//!   provider and a `consensus` row built the same way: the fallback when The Odds API has none.
//! - `sbr`: the SBR season CSVs of the archive (closing lines, bookmaker `unknown`).
//!
//! Phase 3 picks one row per game by a fixed preference (see `phase3::team`).
//!
//! Sign convention: `home_spread` is the home team's line, negative when the home team is
//! favoured (home -5.5 means the home team gives 5.5 points). The SBR parser derives it from the
//! source's `Spread` (see `parse::game_lines`); `spread_raw` keeps the value as written.

use super::games::{GameMatch, GameResolver, KnownGame};
use super::parse_each;
use crate::parse::game_lines::{self, GameLineRow};
use crate::parse::odds_game_lines::{self, BookLine, GameLinesSnapshot};
use crate::processor::{
    BoxFuture, Ctx, Declaration, Input, Output, ProcessError, Processor, Unmatched, Window,
};
use nba_props_core::GameDate;
use nba_props_store::Value;
use nba_props_store::schema::GAME_LINES;
use std::collections::{BTreeMap, HashSet};

pub struct GameLines;

static DECLARATION: Declaration = Declaration {
    name: "game_lines",
    phase: 2,
    inputs: &[
        // Each source alone makes lines; none is needed by the others.
        Input::Raw {
            source: "sbr",
            dataset: "game_lines",
            critical: false,
            window: Window::Season,
        },
        Input::Raw {
            source: "oddsapi",
            dataset: "game_lines",
            critical: false,
            window: Window::Date,
        },
        Input::Table {
            name: "espn_game_lines",
            critical: false,
            window: Window::Date,
        },
        Input::Table {
            name: "nbac_schedule",
            critical: true,
            window: Window::Date,
        },
    ],
    outputs: &[&GAME_LINES],
};

/// SBR's CSVs do not say which sportsbook a line came from.
pub const SBR_BOOKMAKER: &str = "unknown";

/// The bookmaker of the row that summarises every book of a source.
pub const CONSENSUS: &str = "consensus";

impl Processor for GameLines {
    fn declaration(&self) -> &'static Declaration {
        &DECLARATION
    }

    fn run<'a>(
        &'a self,
        ctx: &'a Ctx,
        date: GameDate,
    ) -> BoxFuture<'a, Result<Output, ProcessError>> {
        Box::pin(async move {
            let mut out = Output::default();
            let games = GameResolver::load(&ctx.store.db, date, date).await?;
            let mut rows = sbr_rows(ctx, date, &games, &mut out).await?;
            rows.extend(oddsapi_rows(ctx, date, &games, &mut out).await?);
            rows.extend(espn_rows(ctx, date, &mut out).await?);
            out.inputs.push("nbac_schedule".into());
            if rows.is_empty() && out.unmatched.is_empty() {
                if !out.bad_payloads.is_empty() {
                    return Err(ProcessError::BadInput(std::mem::take(
                        &mut out.bad_payloads,
                    )));
                }
                // Most dates of a season have no games: only clear lines an earlier capture left.
                let existing = ctx
                    .store
                    .db
                    .query(
                        "SELECT 1 FROM game_lines WHERE game_date = $1 LIMIT 1",
                        &[date.to_string().into()],
                    )
                    .await?;
                if existing.is_empty() {
                    return Err(ProcessError::NoInput);
                }
            }
            out.tables.push((&GAME_LINES, rows));
            Ok(out)
        })
    }
}

/// The SBR archive's closing line of each game of `date`.
async fn sbr_rows(
    ctx: &Ctx,
    date: GameDate,
    games: &GameResolver,
    out: &mut Output,
) -> Result<Vec<Vec<Value>>, ProcessError> {
    let metas = ctx
        .payloads("sbr", "game_lines", &[date.season().to_string()])
        .await?;
    let (parsed, bad) = parse_each(ctx, metas, game_lines::parse)?;
    out.bad_payloads.extend(bad);
    let Some((meta, lines)) = parsed.last() else {
        return Ok(Vec::new());
    };
    out.inputs.push(meta.sha256.clone());
    // Rows set aside by the parser: reported by their own date, or by the file's first
    // date when theirs is unreadable.
    let first = lines.rows.iter().map(|l| l.date).min();
    for (owner, q) in &lines.quarantined {
        if owner.or(first) == Some(date) {
            out.unmatched.push(Unmatched {
                payload_sha256: meta.sha256.clone(),
                item: q.row.clone(),
                reason: q.error.to_string(),
            });
        }
    }
    let mut taken = HashSet::new();
    let mut rows = Vec::new();
    for l in lines.rows.iter().filter(|l| l.date == date) {
        let l: &GameLineRow = l;
        let item = format!("line {}: {} @ {} on {date}", l.line, l.away, l.home);
        let unmatched = |reason: String| Unmatched {
            payload_sha256: meta.sha256.clone(),
            item: item.clone(),
            reason,
        };
        let (game, swapped) = match games.find(date, l.home, l.away) {
            GameMatch::Exact(g) => (g, false),
            GameMatch::Swapped(g) => (g, true),
            GameMatch::NotFound => {
                out.unmatched.push(unmatched(format!(
                    "no game between {} and {} on {date}",
                    l.away, l.home
                )));
                continue;
            }
        };
        if !taken.insert(game.game_id.clone()) {
            out.unmatched.push(unmatched(format!(
                "a second line for game {}",
                game.game_id
            )));
            continue;
        }
        let flip = |v: Option<f64>| if swapped { v.map(|x| -x) } else { v };
        let (home_ml, away_ml) = if swapped {
            (l.away_moneyline, l.home_moneyline)
        } else {
            (l.home_moneyline, l.away_moneyline)
        };
        rows.push(vec![
            game.game_id.as_str().into(),
            "sbr".into(),
            SBR_BOOKMAKER.into(),
            date.to_string().into(),
            game.home.tricode().into(),
            game.away.tricode().into(),
            l.total.into(),
            flip(l.home_spread).into(),
            l.spread_raw.into(),
            home_ml.into(),
            away_ml.into(),
            l.final_total.into(),
            (if swapped {
                l.final_home_margin.map(|m| -m)
            } else {
                l.final_home_margin
            })
            .into(),
            swapped.into(),
            Value::from(meta.sha256.as_str()),
        ]);
    }
    Ok(rows)
}

/// A value of one market of one book, with the snapshot it was read from.
struct Seen<T> {
    at: jiff::Timestamp,
    sha256: String,
    value: T,
}

/// Keeps the value of the latest snapshot (ties broken by payload hash, so the choice does not
/// depend on the order payloads were listed in).
fn keep_latest<T>(slot: &mut Option<Seen<T>>, at: jiff::Timestamp, sha256: &str, value: Option<T>) {
    let Some(value) = value else { return };
    let newer = slot
        .as_ref()
        .is_none_or(|s| (at, sha256) > (s.at, s.sha256.as_str()));
    if newer {
        *slot = Some(Seen {
            at,
            sha256: sha256.to_string(),
            value,
        });
    }
}

/// One book's lines of one game, each market as of its latest snapshot before tip-off.
#[derive(Default)]
struct BookLatest {
    /// Oriented to the payload's home team, as the book wrote it.
    spread: Option<Seen<f64>>,
    total: Option<Seen<f64>>,
    moneylines: Option<Seen<(Option<i64>, Option<i64>)>>,
}

/// One game's lines as `game_lines` stores them, oriented to the schedule's home team.
struct GameLine {
    bookmaker: String,
    total: Option<f64>,
    home_spread: Option<f64>,
    spread_raw: Option<f64>,
    home_moneyline: Option<i64>,
    away_moneyline: Option<i64>,
    teams_swapped: bool,
    payload_sha256: String,
}

impl GameLine {
    fn row(&self, source: &str, date: GameDate, game: &KnownGame) -> Vec<Value> {
        vec![
            game.game_id.as_str().into(),
            source.into(),
            self.bookmaker.as_str().into(),
            date.to_string().into(),
            game.home.tricode().into(),
            game.away.tricode().into(),
            self.total.into(),
            self.home_spread.into(),
            self.spread_raw.into(),
            self.home_moneyline.into(),
            self.away_moneyline.into(),
            Value::Null,
            Value::Null,
            self.teams_swapped.into(),
            self.payload_sha256.as_str().into(),
        ]
    }
}

/// The median of the values present; `None` when there is none.
fn median(values: impl Iterator<Item = f64>) -> Option<f64> {
    let mut v: Vec<f64> = values.collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    })
}

/// American odds as decimal odds (the payout per unit staked, stake included).
fn decimal(american: i64) -> f64 {
    if american > 0 {
        1.0 + american as f64 / 100.0
    } else {
        1.0 + 100.0 / american.unsigned_abs() as f64
    }
}

/// The median moneyline, taken on decimal odds (which, unlike American odds, run continuously
/// through even money: the middle of -105 and +105 is even money, not 0) and written back as a
/// whole American price.
fn median_moneyline(prices: impl Iterator<Item = i64>) -> Option<i64> {
    median(prices.map(decimal)).map(odds_game_lines::american_of_decimal)
}

/// The `consensus` line over a game's books; the payload hash is the newest input's.
fn consensus(books: &[GameLine]) -> GameLine {
    GameLine {
        bookmaker: CONSENSUS.into(),
        total: median(books.iter().filter_map(|b| b.total)),
        home_spread: median(books.iter().filter_map(|b| b.home_spread)),
        spread_raw: None,
        home_moneyline: median_moneyline(books.iter().filter_map(|b| b.home_moneyline)),
        away_moneyline: median_moneyline(books.iter().filter_map(|b| b.away_moneyline)),
        teams_swapped: books.iter().any(|b| b.teams_swapped),
        payload_sha256: books
            .iter()
            .map(|b| b.payload_sha256.clone())
            .max()
            .unwrap_or_default(),
    }
}

/// When a payload was captured: the snapshot time it states, else the time the fetch recorded.
fn captured(meta: &nba_props_store::RawMeta, snap: &GameLinesSnapshot) -> Option<jiff::Timestamp> {
    snap.snapshot.or_else(|| {
        meta.captured_at
            .as_deref()
            .unwrap_or(&meta.fetched_at)
            .parse()
            .ok()
    })
}

/// The Odds API lines of the games of `date`: each book as of its latest snapshot before
/// tip-off, and their consensus.
async fn oddsapi_rows(
    ctx: &Ctx,
    date: GameDate,
    games: &GameResolver,
    out: &mut Output,
) -> Result<Vec<Vec<Value>>, ProcessError> {
    let metas = ctx
        .payloads("oddsapi", "game_lines", &[date.to_string()])
        .await?;
    let (parsed, bad) = parse_each(ctx, metas, odds_game_lines::parse)?;
    out.bad_payloads.extend(bad);
    // (game id, bookmaker) -> the book's latest lines; game id -> (game, teams swapped).
    let mut books: BTreeMap<(String, String), BookLatest> = BTreeMap::new();
    let mut attached: BTreeMap<String, (KnownGame, bool)> = BTreeMap::new();
    let mut in_game = 0;
    for (meta, snap) in &parsed {
        out.inputs.push(meta.sha256.clone());
        for q in &snap.quarantined {
            out.unmatched.push(Unmatched {
                payload_sha256: meta.sha256.clone(),
                item: q.row.clone(),
                reason: q.error.to_string(),
            });
        }
        let Some(at) = captured(meta, snap) else {
            out.unmatched.push(Unmatched {
                payload_sha256: meta.sha256.clone(),
                item: meta.origin_path.clone(),
                reason: format!(
                    "no readable capture time (captured_at {:?}, fetched_at {:?})",
                    meta.captured_at, meta.fetched_at
                ),
            });
            continue;
        };
        for e in &snap.events {
            // The slate window can reach into the next Eastern date: those games are its own.
            if GameDate::of_timestamp(e.commence_time) != date {
                continue;
            }
            let (game, swapped) = match games.find(date, e.home, e.away) {
                GameMatch::Exact(g) => (g, false),
                GameMatch::Swapped(g) => (g, true),
                GameMatch::NotFound => {
                    out.unmatched.push(Unmatched {
                        payload_sha256: meta.sha256.clone(),
                        item: format!("event {} {} @ {}", e.event_id, e.away, e.home),
                        reason: format!("no game between {} and {} on {date}", e.away, e.home),
                    });
                    continue;
                }
            };
            if at >= e.commence_time {
                in_game += e.books.len();
                continue;
            }
            attached.insert(game.game_id.as_str().to_string(), (game.clone(), swapped));
            for b in &e.books {
                let BookLine {
                    bookmaker,
                    home_spread,
                    total,
                    home_moneyline,
                    away_moneyline,
                } = b;
                let latest = books
                    .entry((game.game_id.as_str().to_string(), bookmaker.clone()))
                    .or_default();
                keep_latest(&mut latest.spread, at, &meta.sha256, *home_spread);
                keep_latest(&mut latest.total, at, &meta.sha256, *total);
                let moneylines = (home_moneyline.is_some() || away_moneyline.is_some())
                    .then_some((*home_moneyline, *away_moneyline));
                keep_latest(&mut latest.moneylines, at, &meta.sha256, moneylines);
            }
        }
    }
    if in_game > 0 {
        out.notes.push(format!(
            "{in_game} book lines captured at or after tip-off left out (in-game lines)"
        ));
    }
    let mut rows = Vec::new();
    for (game_id, (game, swapped)) in &attached {
        let lines: Vec<GameLine> = books
            .range((game_id.clone(), String::new())..)
            .take_while(|((g, _), _)| g == game_id)
            .map(|((_, bookmaker), l)| {
                let newest = [
                    l.spread.as_ref().map(|s| (s.at, &s.sha256)),
                    l.total.as_ref().map(|s| (s.at, &s.sha256)),
                    l.moneylines.as_ref().map(|s| (s.at, &s.sha256)),
                ]
                .into_iter()
                .flatten()
                .max();
                let raw = l.spread.as_ref().map(|s| s.value);
                let (home_ml, away_ml) = l.moneylines.as_ref().map_or((None, None), |m| m.value);
                GameLine {
                    bookmaker: bookmaker.clone(),
                    total: l.total.as_ref().map(|s| s.value),
                    home_spread: if *swapped { raw.map(|x| -x) } else { raw },
                    spread_raw: raw,
                    home_moneyline: if *swapped { away_ml } else { home_ml },
                    away_moneyline: if *swapped { home_ml } else { away_ml },
                    teams_swapped: *swapped,
                    payload_sha256: newest.map(|(_, sha)| sha.clone()).unwrap_or_default(),
                }
            })
            .collect();
        if lines.is_empty() {
            continue;
        }
        rows.push(consensus(&lines).row("oddsapi", date, game));
        rows.extend(lines.iter().map(|l| l.row("oddsapi", date, game)));
    }
    Ok(rows)
}

/// ESPN's pickcenter lines of the games of `date` (already attached and oriented by
/// `espn_summaries`): each provider, and their consensus.
async fn espn_rows(
    ctx: &Ctx,
    date: GameDate,
    out: &mut Output,
) -> Result<Vec<Vec<Value>>, ProcessError> {
    out.inputs.push("espn_game_lines".into());
    let found = ctx
        .store
        .db
        .query(
            "SELECT game_id, provider, home_team, away_team, total, home_spread, spread_raw, \
             home_moneyline, away_moneyline, teams_swapped, payload_sha256 \
             FROM espn_game_lines WHERE game_date = $1 ORDER BY game_id, provider",
            &[date.to_string().into()],
        )
        .await?;
    let mut by_game: BTreeMap<String, (KnownGame, Vec<GameLine>)> = BTreeMap::new();
    for r in &found {
        let parsed = (
            nba_props_core::GameId::parse(&r.text(0)),
            nba_props_core::Team::from_abbreviation(&r.text(2)),
            nba_props_core::Team::from_abbreviation(&r.text(3)),
        );
        // The table only holds values its writer validated.
        let (Ok(game_id), Ok(home), Ok(away)) = parsed else {
            continue;
        };
        let line = GameLine {
            bookmaker: r.text(1),
            total: r.f64(4),
            home_spread: r.f64(5),
            spread_raw: r.f64(6),
            home_moneyline: r.i64(7),
            away_moneyline: r.i64(8),
            teams_swapped: r.bool(9).unwrap_or(false),
            payload_sha256: r.text(10),
        };
        let game = KnownGame {
            game_id,
            date,
            home,
            away,
        };
        by_game
            .entry(r.text(0))
            .or_insert_with(|| (game, Vec::new()))
            .1
            .push(line);
    }
    let mut rows = Vec::new();
    for (game, lines) in by_game.values() {
        rows.push(consensus(lines).row("espn", date, game));
        rows.extend(lines.iter().map(|l| l.row("espn", date, game)));
    }
    Ok(rows)
}
