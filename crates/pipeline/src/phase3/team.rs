//! Team processors: `team_game_summary` (both sides of every game: offense and defense tables)
//! and `upcoming_team_game_context` (rest, schedule density, lines and recent form before a game).

use super::load::{self, f};
use crate::analytics::summary::{TeamGame, team_games};
use crate::phase2::game_lines::{CONSENSUS, SBR_BOOKMAKER};
use crate::processor::{
    BoxFuture, Ctx, Declaration, Input, Output, ProcessError, Processor, Window,
};
use nba_props_core::{GameDate, Team};
use nba_props_store::Value;
use nba_props_store::schema::{
    TEAM_DEFENSE_GAME_SUMMARY, TEAM_OFFENSE_GAME_SUMMARY, UPCOMING_TEAM_GAME_CONTEXT,
};
use std::collections::HashMap;

pub struct TeamGameSummary;

static TEAM_SUMMARY: Declaration = Declaration {
    name: "team_game_summary",
    phase: 3,
    inputs: &[Input::Table {
        name: "nbac_player_boxscores",
        critical: true,
        window: Window::Date,
    }],
    outputs: &[&TEAM_OFFENSE_GAME_SUMMARY, &TEAM_DEFENSE_GAME_SUMMARY],
};

impl Processor for TeamGameSummary {
    fn declaration(&self) -> &'static Declaration {
        &TEAM_SUMMARY
    }

    fn run<'a>(
        &'a self,
        ctx: &'a Ctx,
        date: GameDate,
    ) -> BoxFuture<'a, Result<Output, ProcessError>> {
        Box::pin(async move {
            let lines = load::box_lines(ctx, date).await?;
            if lines.is_empty()
                && !load::has_rows(ctx, TEAM_OFFENSE_GAME_SUMMARY.name, date).await?
            {
                return Err(ProcessError::NoInput);
            }
            let (games, incomplete) = team_games(&lines);
            let mut out = Output {
                inputs: vec!["nbac_player_boxscores".into()],
                ..Output::default()
            };
            for id in incomplete {
                out.notes.push(format!("{id}: box scores of one team only"));
            }
            out.tables.push((
                &TEAM_OFFENSE_GAME_SUMMARY,
                games.iter().map(offense_row).collect(),
            ));
            out.tables.push((
                &TEAM_DEFENSE_GAME_SUMMARY,
                games.iter().map(defense_row).collect(),
            ));
            Ok(out)
        })
    }
}

fn offense_row(t: &TeamGame) -> Vec<Value> {
    let o = &t.own;
    vec![
        t.game_id.as_str().into(),
        t.team.tricode().into(),
        t.game_date.to_string().into(),
        t.season.to_string().into(),
        t.opponent.tricode().into(),
        t.is_home.into(),
        o.minutes.into(),
        o.pts.into(),
        o.fgm.into(),
        o.fga.into(),
        o.fg3m.into(),
        o.fg3a.into(),
        o.ftm.into(),
        o.fta.into(),
        o.oreb.into(),
        o.dreb.into(),
        o.reb.into(),
        o.ast.into(),
        o.stl.into(),
        o.blk.into(),
        o.tov.into(),
        o.pf.into(),
        f(Some(t.possessions)),
        f(Some(t.pace)),
        f(Some(t.off_rating)),
        f(o.efg_pct()),
        f(o.ts_pct()),
    ]
}

fn defense_row(t: &TeamGame) -> Vec<Value> {
    let (o, d) = (&t.opp, &t.own);
    vec![
        t.game_id.as_str().into(),
        t.team.tricode().into(),
        t.game_date.to_string().into(),
        t.season.to_string().into(),
        t.opponent.tricode().into(),
        t.is_home.into(),
        o.pts.into(),
        o.fgm.into(),
        o.fga.into(),
        o.fg3m.into(),
        o.fg3a.into(),
        o.ftm.into(),
        o.fta.into(),
        o.oreb.into(),
        o.tov.into(),
        d.dreb.into(),
        d.stl.into(),
        d.blk.into(),
        f(Some(t.possessions)),
        f(Some(t.pace)),
        f(Some(t.def_rating)),
        f(o.efg_pct()),
    ]
}

pub struct UpcomingTeamContext;

static UPCOMING_TEAM: Declaration = Declaration {
    name: "upcoming_team_game_context",
    phase: 3,
    inputs: &[
        Input::Table {
            name: "nbac_schedule",
            critical: true,
            window: Window::Date,
        },
        Input::Table {
            name: "team_offense_game_summary",
            critical: true,
            window: Window::History,
        },
        Input::Table {
            name: "game_lines",
            critical: false,
            window: Window::Date,
        },
    ],
    outputs: &[&UPCOMING_TEAM_GAME_CONTEXT],
};

/// A team's past game, for rest and form.
struct Past {
    date: GameDate,
    won: bool,
    off: f64,
    def: f64,
    pace: f64,
}

impl Processor for UpcomingTeamContext {
    fn declaration(&self) -> &'static Declaration {
        &UPCOMING_TEAM
    }

    fn run<'a>(
        &'a self,
        ctx: &'a Ctx,
        date: GameDate,
    ) -> BoxFuture<'a, Result<Output, ProcessError>> {
        Box::pin(async move {
            let games = load::day_games(ctx, date).await?;
            if games.is_empty()
                && !load::has_rows(ctx, UPCOMING_TEAM_GAME_CONTEXT.name, date).await?
            {
                return Err(ProcessError::NoInput);
            }
            let mut out = Output {
                inputs: vec![
                    "nbac_schedule".into(),
                    "team_offense_game_summary".into(),
                    "game_lines".into(),
                ],
                ..Output::default()
            };
            let history = team_history(ctx, date).await?;
            let lines = load::rows_on(
                ctx,
                "game_lines",
                "game_id, source, bookmaker, home_spread, total",
                date,
            )
            .await?;
            let lines = preferred_lines(&lines);
            let mut rows = Vec::new();
            for g in &games {
                for (team, opponent, is_home) in [(g.home, g.away, true), (g.away, g.home, false)] {
                    let past: &[Past] = history.get(&team).map(Vec::as_slice).unwrap_or_default();
                    let past: Vec<&Past> = past.iter().filter(|p| p.date < date).collect();
                    let last_date = past.last().map(|p| p.date);
                    let days_rest = last_date.map(|d| d.days_until(date) as i64);
                    let within = |days: i32| {
                        past.iter()
                            .filter(|p| p.date >= date.add_days(-days))
                            .count() as i64
                    };
                    let last10: Vec<&&Past> = past.iter().rev().take(10).collect();
                    let avg = |f: fn(&Past) -> f64| {
                        (!last10.is_empty())
                            .then(|| last10.iter().map(|p| f(p)).sum::<f64>() / last10.len() as f64)
                    };
                    let (line_source, home_spread, total) = match lines.get(g.game_id.as_str()) {
                        Some(l) => (Some(l.source), l.home_spread, l.total),
                        None => (None, None, None),
                    };
                    let spread = home_spread.map(|s| if is_home { s } else { -s });
                    let implied = match (total, spread) {
                        (Some(t), Some(s)) => Some(t / 2.0 - s / 2.0),
                        _ => None,
                    };
                    rows.push(vec![
                        g.game_id.as_str().into(),
                        team.tricode().into(),
                        date.to_string().into(),
                        g.season.to_string().into(),
                        opponent.tricode().into(),
                        is_home.into(),
                        days_rest.into(),
                        (days_rest == Some(1)).into(),
                        within(7).into(),
                        within(14).into(),
                        f(spread),
                        f(total),
                        f(implied),
                        (last10.len() as i64).into(),
                        (last10.iter().filter(|p| p.won).count() as i64).into(),
                        f(avg(|p| p.off)),
                        f(avg(|p| p.def)),
                        f(avg(|p| p.pace)),
                        line_source.into(),
                    ]);
                }
            }
            out.tables.push((&UPCOMING_TEAM_GAME_CONTEXT, rows));
            Ok(out)
        })
    }
}

/// The game-line sources the team context takes, most preferred first: The Odds API's consensus
/// of the books before tip-off, then ESPN pickcenter's consensus (the live fallback), then SBR's
/// closing line (the archive). Per-book rows are not candidates: the consensus summarises them.
pub const LINE_PREFERENCE: &[(&str, &str)] = &[
    ("oddsapi", CONSENSUS),
    ("espn", CONSENSUS),
    ("sbr", SBR_BOOKMAKER),
];

/// The line a game's context uses and where it came from.
struct ChosenLine {
    source: &'static str,
    home_spread: Option<f64>,
    total: Option<f64>,
}

/// One line per game (rows `game_id, source, bookmaker, home_spread, total`): the first source
/// of [`LINE_PREFERENCE`] the game has a row of.
fn preferred_lines(rows: &[nba_props_store::Row]) -> HashMap<String, ChosenLine> {
    let mut chosen: HashMap<String, (usize, ChosenLine)> = HashMap::new();
    for r in rows {
        let (source, bookmaker) = (r.text(1), r.text(2));
        let Some(rank) = LINE_PREFERENCE
            .iter()
            .position(|(s, b)| *s == source && *b == bookmaker)
        else {
            continue;
        };
        let line = ChosenLine {
            source: LINE_PREFERENCE[rank].0,
            home_spread: r.f64(3),
            total: r.f64(4),
        };
        match chosen.get(&r.text(0)) {
            Some((best, _)) if *best <= rank => {}
            _ => {
                chosen.insert(r.text(0), (rank, line));
            }
        }
    }
    chosen.into_iter().map(|(g, (_, l))| (g, l)).collect()
}

/// Each team's games of the season so far (the whole season in a batch; filtered by date above).
async fn team_history(
    ctx: &Ctx,
    date: GameDate,
) -> Result<std::sync::Arc<HashMap<Team, Vec<Past>>>, ProcessError> {
    let (start, end) = date.season().date_range();
    let until = if ctx.is_batch() {
        end.add_days(1)
    } else {
        date
    };
    ctx.memo_of("team_offense_game_summary", &format!("team_history:{start}:{until}"), || async move {
        let rows = ctx
            .store
            .db
            .query(
                "SELECT o.team, o.game_date, o.points, d.points_allowed, o.off_rating, d.def_rating, o.pace \
                 FROM team_offense_game_summary o JOIN team_defense_game_summary d ON d.game_id = o.game_id AND d.team = o.team \
                 WHERE o.game_date >= $1 AND o.game_date < $2 ORDER BY o.game_date",
                &[start.to_string().into(), until.to_string().into()],
            )
            .await?;
        let mut by_team: HashMap<Team, Vec<Past>> = HashMap::new();
        for r in rows {
            let (Ok(team), Ok(d)) = (Team::from_abbreviation(&r.text(0)), GameDate::parse(&r.text(1))) else { continue };
            by_team.entry(team).or_default().push(Past {
                date: d,
                won: r.i64(2) > r.i64(3),
                off: r.f64(4).unwrap_or(0.0),
                def: r.f64(5).unwrap_or(0.0),
                pace: r.f64(6).unwrap_or(0.0),
            });
        }
        Ok(by_team)
    })
    .await
}
