//! ESPN, attached to NBA games by the two teams on the Eastern date (through [`GameResolver`]):
//!
//! - `espn_scoreboard`: each scoreboard event with its game id, status and score;
//! - `espn_player_boxscores` and `espn_game_lines`: each summary's box score and pickcenter
//!   lines.
//!
//! For each event the newest capture that parses wins. Rows are oriented to the schedule's home
//! team: when ESPN names home and away the other way round (neutral sites), scores, spreads and
//! prices are swapped and `teams_swapped` says so.

use super::games::{GameMatch, GameResolver, KnownGame};
use super::{games_on, load};
use crate::parse::espn::{self, EspnGame, EspnLine, EspnSummary};
use crate::processor::{
    BoxFuture, Ctx, Declaration, Input, Output, ProcessError, Processor, Unmatched, Window,
};
use nba_props_core::GameDate;
use nba_props_store::schema::{ESPN_GAME_LINES, ESPN_PLAYER_BOXSCORES, ESPN_SCOREBOARD};
use nba_props_store::{RawMeta, Value};
use std::collections::{BTreeMap, HashSet};

pub struct Scoreboard;
pub struct Summaries;

const SCHEDULE: Input = Input::Table {
    name: "nbac_schedule",
    critical: true,
    window: Window::Date,
};

static SCOREBOARD: Declaration = Declaration {
    name: "espn_scoreboard",
    phase: 2,
    inputs: &[
        Input::Raw {
            source: "espn",
            dataset: "scoreboard",
            critical: true,
            window: Window::Date,
        },
        SCHEDULE,
    ],
    outputs: &[&ESPN_SCOREBOARD],
};

static SUMMARIES: Declaration = Declaration {
    name: "espn_summaries",
    phase: 2,
    inputs: &[
        Input::Raw {
            source: "espn",
            dataset: "summary",
            critical: true,
            window: Window::Date,
        },
        SCHEDULE,
    ],
    outputs: &[&ESPN_PLAYER_BOXSCORES, &ESPN_GAME_LINES],
};

/// The schedule's game of an ESPN game and whether ESPN names the teams the other way round;
/// or why there is none.
fn attach(games: &GameResolver, date: GameDate, g: &EspnGame) -> Result<(KnownGame, bool), String> {
    match games.find(date, g.home, g.away) {
        GameMatch::Exact(k) => Ok((k, false)),
        GameMatch::Swapped(k) => Ok((k, true)),
        GameMatch::NotFound => Err(format!(
            "no game between {} and {} on {date} in nbac_schedule",
            g.away, g.home
        )),
    }
}

/// The newest parsed capture per event id (inputs are oldest first).
fn newest<T>(items: impl Iterator<Item = (String, T)>) -> BTreeMap<String, T> {
    items.collect()
}

impl Processor for Scoreboard {
    fn declaration(&self) -> &'static Declaration {
        &SCOREBOARD
    }

    fn run<'a>(
        &'a self,
        ctx: &'a Ctx,
        date: GameDate,
    ) -> BoxFuture<'a, Result<Output, ProcessError>> {
        Box::pin(async move {
            let mut out = Output::default();
            let day = [date.to_string()];
            let boards = load(
                ctx,
                ("espn", "scoreboard"),
                &day,
                espn::parse_scoreboard,
                &mut out,
            )
            .await?;
            let games = games_on(ctx, date, &mut out).await?;
            // Events the parser set aside: kept with their reason.
            for (meta, b) in &boards {
                for q in &b.quarantined {
                    out.unmatched.push(Unmatched {
                        payload_sha256: meta.sha256.clone(),
                        item: q.row.clone(),
                        reason: q.error.to_string(),
                    });
                }
            }
            let events = newest(
                boards
                    .iter()
                    .flat_map(|(m, b)| b.games.iter().map(move |g| (g.event_id.clone(), (m, g)))),
            );
            let mut rows = Vec::new();
            for (meta, g) in events.values() {
                let (game, swapped) = match attach(&games, date, g) {
                    Ok(found) => found,
                    Err(reason) => {
                        out.unmatched.push(Unmatched {
                            payload_sha256: meta.sha256.clone(),
                            item: format!("event {} {} @ {}", g.event_id, g.away, g.home),
                            reason,
                        });
                        continue;
                    }
                };
                let (home_score, away_score) = if swapped {
                    (g.away_score, g.home_score)
                } else {
                    (g.home_score, g.away_score)
                };
                rows.push(vec![
                    g.event_id.as_str().into(),
                    game.game_id.as_str().into(),
                    date.to_string().into(),
                    g.start.map(|t| t.to_string()).into(),
                    g.status.as_str().into(),
                    game.home.tricode().into(),
                    game.away.tricode().into(),
                    home_score.into(),
                    away_score.into(),
                    swapped.into(),
                    meta.sha256.as_str().into(),
                ]);
            }
            out.tables.push((&ESPN_SCOREBOARD, rows));
            Ok(out)
        })
    }
}

impl Processor for Summaries {
    fn declaration(&self) -> &'static Declaration {
        &SUMMARIES
    }

    fn run<'a>(
        &'a self,
        ctx: &'a Ctx,
        date: GameDate,
    ) -> BoxFuture<'a, Result<Output, ProcessError>> {
        Box::pin(async move {
            let mut out = Output::default();
            let day = [date.to_string()];
            let summaries = load(
                ctx,
                ("espn", "summary"),
                &day,
                espn::parse_summary,
                &mut out,
            )
            .await?;
            let games = games_on(ctx, date, &mut out).await?;
            let by_event = newest(
                summaries
                    .into_iter()
                    .map(|(m, s)| (s.game.event_id.clone(), (m, s))),
            );
            let (mut players, mut lines) = (Vec::new(), Vec::new());
            for (meta, s) in by_event.values() {
                let item = format!(
                    "event {} {} @ {}",
                    s.game.event_id, s.game.away, s.game.home
                );
                let unmatched = |item: String, reason: String| Unmatched {
                    payload_sha256: meta.sha256.clone(),
                    item,
                    reason,
                };
                let (game, swapped) = match attach(&games, date, &s.game) {
                    Ok(found) => found,
                    Err(reason) => {
                        out.unmatched.push(unmatched(item, reason));
                        continue;
                    }
                };
                // Athletes the parser set aside: kept with their reason, the rest written.
                for q in &s.quarantined {
                    out.unmatched
                        .push(unmatched(format!("{item} {}", q.row), q.error.to_string()));
                }
                let mut seen = HashSet::new();
                for p in &s.players {
                    if !seen.insert(p.espn_player_id.as_str()) {
                        out.unmatched.push(unmatched(
                            format!("{item} athlete {}", p.espn_player_id),
                            format!("{} is listed twice in the box score", p.name),
                        ));
                        continue;
                    }
                    players.push(player_row(date, meta, s, &game, p));
                }
                let mut providers = HashSet::new();
                for l in &s.lines {
                    if !providers.insert(l.provider.as_str()) {
                        out.unmatched.push(unmatched(
                            format!("{item} pickcenter {}", l.provider),
                            "a second line from the same provider".into(),
                        ));
                        continue;
                    }
                    lines.push(line_row(date, meta, s, &game, swapped, l));
                }
            }
            out.tables.push((&ESPN_PLAYER_BOXSCORES, players));
            out.tables.push((&ESPN_GAME_LINES, lines));
            Ok(out)
        })
    }
}

fn player_row(
    date: GameDate,
    meta: &RawMeta,
    s: &EspnSummary,
    game: &KnownGame,
    p: &espn::EspnPlayerLine,
) -> Vec<Value> {
    let is_home = p.team == game.home;
    let opponent = if is_home { game.away } else { game.home };
    let st = p.stats;
    let stat = |f: fn(&crate::parse::Stats) -> i32| Value::from(st.as_ref().map(f));
    vec![
        game.game_id.as_str().into(),
        p.espn_player_id.as_str().into(),
        s.game.event_id.as_str().into(),
        date.to_string().into(),
        p.name.as_str().into(),
        p.team.tricode().into(),
        opponent.tricode().into(),
        is_home.into(),
        p.starter.into(),
        p.played.into(),
        p.dnp_reason.clone().into(),
        p.minutes.into(),
        stat(|s| s.points),
        stat(|s| s.fgm),
        stat(|s| s.fga),
        stat(|s| s.fg3m),
        stat(|s| s.fg3a),
        stat(|s| s.ftm),
        stat(|s| s.fta),
        stat(|s| s.oreb),
        stat(|s| s.dreb),
        stat(|s| s.reb),
        stat(|s| s.ast),
        stat(|s| s.stl),
        stat(|s| s.blk),
        stat(|s| s.tov),
        stat(|s| s.pf),
        st.and_then(|s| s.plus_minus).into(),
        meta.sha256.as_str().into(),
    ]
}

fn line_row(
    date: GameDate,
    meta: &RawMeta,
    s: &EspnSummary,
    game: &KnownGame,
    swapped: bool,
    l: &EspnLine,
) -> Vec<Value> {
    // ESPN's home is the schedule's away team when swapped: flip the spread, swap the sides.
    let home_spread = l.home_spread.map(|v| if swapped { -v + 0.0 } else { v });
    let pick = |h: Option<i32>, a: Option<i32>| if swapped { (a, h) } else { (h, a) };
    let (home_ml, away_ml) = pick(l.home_moneyline, l.away_moneyline);
    let (home_sp, away_sp) = pick(l.home_spread_price, l.away_spread_price);
    vec![
        game.game_id.as_str().into(),
        l.provider.as_str().into(),
        s.game.event_id.as_str().into(),
        date.to_string().into(),
        game.home.tricode().into(),
        game.away.tricode().into(),
        l.provider_id.clone().into(),
        l.details.clone().into(),
        l.total.into(),
        home_spread.into(),
        l.spread_raw.into(),
        home_ml.into(),
        away_ml.into(),
        home_sp.into(),
        away_sp.into(),
        l.over_price.into(),
        l.under_price.into(),
        swapped.into(),
        Some(meta.as_of().to_string()).into(),
        meta.sha256.as_str().into(),
    ]
}
