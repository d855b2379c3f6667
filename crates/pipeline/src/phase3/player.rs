//! Player processors: `player_game_summary` (each played player-game with shooting and usage
//! rates and its prop lines) and `upcoming_player_game_context` (each likely player of a game on
//! the date, from data before it).

use super::injury;
use super::load::{self, Consensus, DayGame, History, f};
use super::roster;
use crate::analytics::names::RosterPlayer;
use crate::analytics::summary::{player_summaries, team_games};
use crate::processor::{
    BoxFuture, Ctx, Declaration, Input, Output, ProcessError, Processor, Unmatched, Window,
};
use nba_props_core::{GameDate, GameId, Team};
use nba_props_store::Value;
use nba_props_store::schema::{
    PLAYER_GAME_SUMMARY, UPCOMING_PLAYER_GAME_CONTEXT, UPCOMING_PLAYER_PROP_LINES,
};
use std::collections::{BTreeMap, HashMap};

pub const POINTS: &str = "player_points";
pub const PRA: &str = "player_points_rebounds_assists";

pub struct PlayerGameSummary;

static PLAYER_SUMMARY: Declaration = Declaration {
    name: "player_game_summary",
    phase: 3,
    // Usage needs team totals: they are computed here from the same lines, so they can never be
    // missing or stale (the old system once read team totals that were not there yet).
    inputs: &[
        Input::Table {
            name: "nbac_player_boxscores",
            critical: true,
            window: Window::Date,
        },
        Input::Table {
            name: "nbac_schedule",
            critical: false,
            window: Window::Date,
        },
        Input::Table {
            name: "odds_player_props",
            critical: false,
            window: Window::Date,
        },
    ],
    outputs: &[&PLAYER_GAME_SUMMARY],
};

fn result(actual: i32, line: Option<f64>) -> Value {
    match line {
        Some(l) if (actual as f64) > l => "over".into(),
        Some(l) if (actual as f64) < l => "under".into(),
        Some(_) => "push".into(),
        None => Value::Null,
    }
}

fn unresolved_rows(unresolved: Vec<(String, String)>) -> Vec<Unmatched> {
    unresolved
        .into_iter()
        .map(|(game, name)| Unmatched {
            payload_sha256: "odds_player_props".into(),
            item: format!("player {name:?} in game {game}"),
            reason: "no unique player of that name on the game's two rosters".into(),
        })
        .collect()
}

impl Processor for PlayerGameSummary {
    fn declaration(&self) -> &'static Declaration {
        &PLAYER_SUMMARY
    }

    fn run<'a>(
        &'a self,
        ctx: &'a Ctx,
        date: GameDate,
    ) -> BoxFuture<'a, Result<Output, ProcessError>> {
        Box::pin(async move {
            let lines = load::box_lines(ctx, date).await?;
            if lines.is_empty() && !load::has_rows(ctx, PLAYER_GAME_SUMMARY.name, date).await? {
                return Err(ProcessError::NoInput);
            }
            let (teams, _) = team_games(&lines);
            let summaries = player_summaries(&lines, &teams);
            let games = load::day_games(ctx, date).await?;
            let mut rosters: HashMap<GameId, Vec<RosterPlayer>> = HashMap::new();
            for l in &lines {
                rosters
                    .entry(l.game_id.clone())
                    .or_default()
                    .push(RosterPlayer {
                        player_id: l.player_id,
                        name: l.player_name.clone(),
                    });
            }
            let lines = load::pre_tip_lines(ctx, date, &games, &rosters).await?;
            let (props, unresolved) = (lines.consensus, lines.unresolved);
            let mut out = Output {
                inputs: vec![
                    "nbac_player_boxscores".into(),
                    "nbac_schedule".into(),
                    "odds_player_props".into(),
                ],
                unmatched: unresolved_rows(unresolved),
                ..Output::default()
            };
            let rows = summaries
                .iter()
                .map(|s| {
                    let l = s.line;
                    let line = |market: &str| {
                        props.get(&(l.game_id.clone(), l.player_id, market.to_string()))
                    };
                    let (points, pra) = (line(POINTS), line(PRA));
                    let books = points.or(pra).map(|c| c.books);
                    let pra_actual = l.pts + l.reb + l.ast;
                    vec![
                        l.game_id.as_str().into(),
                        l.player_id.into(),
                        date.to_string().into(),
                        l.season.to_string().into(),
                        l.game_id.season_type().as_str().into(),
                        l.player_name.as_str().into(),
                        l.team.tricode().into(),
                        l.opponent.tricode().into(),
                        l.is_home.into(),
                        l.minutes.into(),
                        l.pts.into(),
                        l.reb.into(),
                        l.ast.into(),
                        pra_actual.into(),
                        l.fgm.into(),
                        l.fga.into(),
                        l.fg3m.into(),
                        l.fg3a.into(),
                        l.ftm.into(),
                        l.fta.into(),
                        l.oreb.into(),
                        l.dreb.into(),
                        l.stl.into(),
                        l.blk.into(),
                        l.tov.into(),
                        l.pf.into(),
                        l.plus_minus.into(),
                        f(s.ts_pct),
                        f(s.efg_pct),
                        f(s.usage_rate),
                        f(points.map(|c| c.line)),
                        result(l.pts, points.map(|c| c.line)),
                        f(pra.map(|c| c.line)),
                        result(pra_actual, pra.map(|c| c.line)),
                        books.into(),
                    ]
                })
                .collect();
            out.tables.push((&PLAYER_GAME_SUMMARY, rows));
            Ok(out)
        })
    }
}

pub struct UpcomingPlayerContext;

static UPCOMING_PLAYER: Declaration = Declaration {
    name: "upcoming_player_game_context",
    phase: 3,
    inputs: &[
        Input::Table {
            name: "nbac_schedule",
            critical: true,
            window: Window::Date,
        },
        Input::Table {
            name: "player_game_summary",
            critical: true,
            window: Window::History,
        },
        Input::Table {
            name: "odds_player_props",
            critical: false,
            window: Window::Date,
        },
        Input::Table {
            name: "nbac_injury_report",
            critical: false,
            window: Window::Date,
        },
        Input::Table {
            name: "nbac_player_movement",
            critical: false,
            window: Window::History,
        },
        // Captured on the date itself may still precede a tip-off; later ones are filtered out.
        Input::Table {
            name: "nbac_player_list",
            critical: false,
            window: Window::Season,
        },
    ],
    outputs: &[&UPCOMING_PLAYER_GAME_CONTEXT, &UPCOMING_PLAYER_PROP_LINES],
};

/// Days of a team's games a player must have appeared in to count as on its roster.
pub const ROSTER_DAYS: i32 = 30;

/// The players each team of the day is expected to field: those whose latest game before the
/// date was for that team within [`ROSTER_DAYS`]; for a team without a game yet this season,
/// the last [`ROSTER_DAYS`] of its previous season (the bootstrap rule). Over that, from nba.com
/// (`rosters`, all known before the date's games):
/// - a player whose latest transaction (dated before the date, within [`ROSTER_DAYS`]) is not
///   older than his latest game goes where it leaves him: to the team that signed, received or
///   claimed him, or nowhere when waived;
/// - a player on the latest list captured before his team's tip-off who has no game this season
///   (a rookie, a player new to the league) and no such transaction is expected for that team.
pub fn candidates(
    history: &History,
    date: GameDate,
    games: &[DayGame],
    team_dates: &HashMap<Team, Vec<GameDate>>,
    rosters: &roster::Rosters,
) -> BTreeMap<Team, Vec<i64>> {
    let season = date.season();
    let teams: Vec<Team> = games.iter().flat_map(|g| [g.home, g.away]).collect();
    let mut latest: HashMap<i64, &crate::analytics::rolling::PastGame> = HashMap::new();
    for (id, past) in &history.by_player {
        if let Some(g) = past.iter().rev().find(|g| g.date < date) {
            latest.insert(*id, g);
        }
    }
    let mut out: BTreeMap<Team, Vec<i64>> = BTreeMap::new();
    for team in teams {
        let this_season: Vec<i64> = latest
            .iter()
            .filter(|(_, g)| {
                g.team == team && g.season == season && g.date >= date.add_days(-ROSTER_DAYS)
            })
            .map(|(id, _)| *id)
            .collect();
        let played = team_dates.get(&team).is_some_and(|d| !d.is_empty());
        let ids = if !this_season.is_empty() || played {
            this_season
        } else {
            let last = latest
                .values()
                .filter(|g| g.team == team && g.season < season)
                .map(|g| g.date)
                .max();
            latest
                .iter()
                .filter(|(_, g)| {
                    g.team == team
                        && g.season < season
                        && last.is_some_and(|l| g.date >= l.add_days(-ROSTER_DAYS))
                })
                .map(|(id, _)| *id)
                .collect()
        };
        out.insert(team, ids);
    }
    // Transactions newer than the player's latest game decide his team.
    let decided: HashMap<i64, Option<Team>> = rosters
        .moved
        .iter()
        .filter(|(id, m)| latest.get(*id).is_none_or(|g| m.date >= g.date))
        .map(|(id, m)| (*id, m.team))
        .collect();
    for (team, ids) in out.iter_mut() {
        ids.retain(|id| decided.get(id).is_none_or(|t| *t == Some(*team)));
        let moved_in: Vec<i64> = decided
            .iter()
            .filter(|(id, t)| **t == Some(*team) && !ids.contains(id))
            .map(|(id, _)| *id)
            .collect();
        ids.extend(moved_in);
        let played_this_season = |id: &i64| latest.get(id).is_some_and(|g| g.season == season);
        for p in rosters.listed.get(team).into_iter().flatten() {
            let id = p.player_id;
            if !played_this_season(&id) && !decided.contains_key(&id) && !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids.sort_unstable();
    }
    out
}

impl Processor for UpcomingPlayerContext {
    fn declaration(&self) -> &'static Declaration {
        &UPCOMING_PLAYER
    }

    fn run<'a>(
        &'a self,
        ctx: &'a Ctx,
        date: GameDate,
    ) -> BoxFuture<'a, Result<Output, ProcessError>> {
        Box::pin(async move {
            let games = load::day_games(ctx, date).await?;
            if games.is_empty()
                && !load::has_rows(ctx, UPCOMING_PLAYER_GAME_CONTEXT.name, date).await?
            {
                return Err(ProcessError::NoInput);
            }
            let history = load::history(ctx, date).await?;
            let team_dates = team_game_dates(&history, date);
            let rosters = roster::load(ctx, date, &games).await?;
            let roster = candidates(&history, date, &games, &team_dates, &rosters);
            let listed_names: HashMap<i64, &str> = rosters
                .listed
                .values()
                .flatten()
                .map(|p| (p.player_id, p.name.as_str()))
                .collect();
            // A player without a game yet is known by the list's name.
            let name_of = |id: &i64| -> String {
                history
                    .names
                    .get(id)
                    .cloned()
                    .or_else(|| listed_names.get(id).map(|n| n.to_string()))
                    .unwrap_or_default()
            };
            let mut rosters: HashMap<GameId, Vec<RosterPlayer>> = HashMap::new();
            for g in &games {
                let players = roster
                    .get(&g.home)
                    .into_iter()
                    .chain(roster.get(&g.away))
                    .flatten();
                rosters.insert(
                    g.game_id.clone(),
                    players
                        .map(|id| RosterPlayer {
                            player_id: *id,
                            name: name_of(id),
                        })
                        .collect(),
                );
            }
            let lines = load::pre_tip_lines(ctx, date, &games, &rosters).await?;
            let book_rows = book_line_rows(&lines.books, date);
            let (props, unresolved) = (lines.consensus, lines.unresolved);
            let injuries = injury::statuses(ctx, date, &games, &roster, &history).await?;
            let mut unmatched = unresolved_rows(unresolved);
            unmatched.extend(injuries.unmatched);
            let mut out = Output {
                inputs: vec![
                    "nbac_schedule".into(),
                    "player_game_summary".into(),
                    "odds_player_props".into(),
                    "nbac_injury_report".into(),
                    "nbac_player_movement".into(),
                    "nbac_player_list".into(),
                ],
                unmatched,
                ..Output::default()
            };
            let (week, fortnight) = (date.add_days(-7), date.add_days(-14));
            let mut rows = Vec::new();
            for g in &games {
                for (team, opponent, is_home) in [(g.home, g.away, true), (g.away, g.home, false)] {
                    let dates = team_dates.get(&team).map(Vec::as_slice).unwrap_or_default();
                    let last10: Vec<GameDate> = dates.iter().rev().take(10).copied().collect();
                    for id in roster.get(&team).into_iter().flatten() {
                        let past: Vec<&crate::analytics::rolling::PastGame> = history
                            .by_player
                            .get(id)
                            .into_iter()
                            .flatten()
                            .filter(|p| p.date < date)
                            .collect();
                        let this_season = past.iter().rev().find(|p| p.season == g.season);
                        let days_rest = this_season.map(|p| p.date.days_until(date) as i64);
                        let recent =
                            |cutoff: GameDate| past.iter().filter(move |p| p.date >= cutoff);
                        let line =
                            |market: &str| props.get(&(g.game_id.clone(), *id, market.to_string()));
                        let (points, pra): (Option<&Consensus>, Option<&Consensus>) =
                            (line(POINTS), line(PRA));
                        let status = injuries.by_player.get(&(g.game_id.clone(), *id));
                        rows.push(vec![
                            g.game_id.as_str().into(),
                            (*id).into(),
                            date.to_string().into(),
                            name_of(id).into(),
                            team.tricode().into(),
                            opponent.tricode().into(),
                            is_home.into(),
                            days_rest.into(),
                            (days_rest == Some(1)).into(),
                            (recent(week).count() as i64).into(),
                            f(Some(recent(week).map(|p| p.minutes).sum())),
                            (recent(fortnight).count() as i64).into(),
                            f(Some(recent(fortnight).map(|p| p.minutes).sum())),
                            (last10.len() as i64).into(),
                            (past
                                .iter()
                                .filter(|p| p.team == team && last10.contains(&p.date))
                                .count() as i64)
                                .into(),
                            f(points.map(|c| c.line)),
                            f(points.map(|c| c.opening)),
                            f(pra.map(|c| c.line)),
                            f(pra.map(|c| c.opening)),
                            points.or(pra).map(|c| c.books).into(),
                            status.map(|s| s.status).into(),
                            status.and_then(|s| s.reason.clone()).into(),
                            status.map(|s| s.report_at.clone()).into(),
                        ]);
                    }
                }
            }
            out.tables.push((&UPCOMING_PLAYER_GAME_CONTEXT, rows));
            out.tables.push((&UPCOMING_PLAYER_PROP_LINES, book_rows));
            Ok(out)
        })
    }
}

/// The rows of `upcoming_player_prop_lines`: each book's line behind the consensus.
fn book_line_rows(
    books: &HashMap<((GameId, i64, String), String), load::BookLine>,
    date: GameDate,
) -> Vec<Vec<Value>> {
    let mut rows: Vec<Vec<Value>> = books
        .iter()
        .map(|(((game, player, market), book), b)| {
            vec![
                game.as_str().into(),
                (*player).into(),
                market.as_str().into(),
                book.as_str().into(),
                date.to_string().into(),
                f(Some(b.line)),
                b.over_price.into(),
                b.under_price.into(),
                b.snapshot.as_str().into(),
                f(Some(b.opening)),
                b.opening_snapshot.as_str().into(),
                f(Some(b.line - b.opening)),
                b.snapshots.into(),
            ]
        })
        .collect();
    rows.sort_by(|a, b| format!("{:?}", &a[..4]).cmp(&format!("{:?}", &b[..4])));
    rows
}

/// Each team's game dates this season before `date`, oldest first (one pass over the history).
pub fn team_game_dates(history: &History, date: GameDate) -> HashMap<Team, Vec<GameDate>> {
    let season = date.season();
    let mut out: HashMap<Team, Vec<GameDate>> = HashMap::new();
    for p in history.by_player.values().flatten() {
        if p.season == season && p.date < date {
            out.entry(p.team).or_default().push(p.date);
        }
    }
    for dates in out.values_mut() {
        dates.sort_unstable();
        dates.dedup();
    }
    out
}
