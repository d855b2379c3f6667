//! Phase 4: `player_daily_cache` (rolling windows of each expected player as of the date) and
//! `feature_store` (one versioned feature vector per expected player and game, with quality
//! fields). Every value comes from games strictly before the date and from lines captured before
//! tip-off; a missing value is NULL and named in `missing`, never a plausible-looking default.
//!
//! Composite factors (documented here because they are formulas, not data):
//! - `fatigue_factor = 1 + 0.05·back_to_back + 0.02·max(0, games_last_7d − 3) + 0.001·max(0, minutes_last_7d − 120)`
//! - `pace_factor = mean(team pace L10, opponent pace L10) / mean pace L10 of all teams playing that day`
//! - `usage_spike = usage L3 − usage L10`
//! - `matchup_factor = opponent defensive rating L10 / mean defensive rating L10 of that day's teams`

pub mod check;

use crate::analytics::rolling::{BoxWindows, Windows, box_windows, mean, windows};
use crate::phase3::load::{self, f};
use crate::processor::{
    BoxFuture, Ctx, Declaration, Input, Output, ProcessError, Processor, Window,
};
use nba_props_core::{GameDate, Season, Team};
use nba_props_store::schema::{FEATURE_STORE, PLAYER_DAILY_CACHE};
use nba_props_store::{Row, Value};
use std::collections::HashMap;

/// The feature set written by this build; a change of features is a new version. `v2` added
/// the rebounds, assists, PRA and threes windows the other prop markets need; `v3` who plays
/// (the player's injury-report status and his teammates ruled out).
pub const FEATURE_VERSION: &str = "v3";

/// Minutes of a regulation game: a player's share of his team's plays is his usage rate times
/// his share of the game's minutes (usage × minutes / 48 sums to 100 over a team's players).
const GAME_MINUTES: f64 = 48.0;

/// Who plays (version 3), from the statuses phase 3 took from the latest injury report before
/// tip-off. All NULL when no report covered the player's team's game.
fn v3_features(
    own_status: Option<&str>,
    teammates_out: &[&Row],
) -> [(&'static str, Option<f64>); 4] {
    let Some(own) = own_status else {
        return [
            ("injury_status_ordinal", None),
            ("teammates_out", None),
            ("teammates_out_min_l10", None),
            ("teammates_out_usage_share", None),
        ];
    };
    let ordinal = crate::phase3::injury::STATUSES
        .iter()
        .position(|s| *s == own)
        .map(|i| i as f64);
    // A teammate without recent minutes or usage (no game in his windows) adds nothing.
    let minutes: f64 = teammates_out.iter().filter_map(|c| c.f64(10)).sum();
    let usage: f64 = teammates_out
        .iter()
        .filter_map(|c| Some(c.f64(14)? * c.f64(10)? / GAME_MINUTES))
        .sum();
    [
        ("injury_status_ordinal", ordinal),
        ("teammates_out", Some(teammates_out.len() as f64)),
        ("teammates_out_min_l10", Some(minutes)),
        ("teammates_out_usage_share", Some(usage)),
    ]
}

/// The version 2 features, in the order of their `feature_store` columns.
fn v2_features(b: &BoxWindows) -> [(&'static str, Option<f64>); 19] {
    [
        ("reb_l5", b.reb.l5),
        ("reb_l10", b.reb.l10),
        ("reb_season", b.reb.season),
        ("reb_std_l10", b.reb.std_l10),
        ("ast_l5", b.ast.l5),
        ("ast_l10", b.ast.l10),
        ("ast_season", b.ast.season),
        ("ast_std_l10", b.ast.std_l10),
        ("pra_l3", b.pra_l3),
        ("pra_l5", b.pra.l5),
        ("pra_l10", b.pra.l10),
        ("pra_season", b.pra.season),
        ("pra_std_l10", b.pra.std_l10),
        ("pra_per_min_l10", b.pra_per_min_l10),
        ("fg3m_l5", b.fg3m.l5),
        ("fg3m_l10", b.fg3m.l10),
        ("fg3m_season", b.fg3m.season),
        ("fg3m_std_l10", b.fg3m.std_l10),
        ("fg3a_l10", b.fg3a_l10),
    ]
}

pub fn processors() -> Vec<Box<dyn Processor>> {
    vec![Box::new(DailyCache), Box::new(FeatureStore)]
}

/// Expected (game, player, team) of the date, from `upcoming_player_game_context`.
async fn expected(ctx: &Ctx, date: GameDate) -> Result<Vec<Row>, ProcessError> {
    let mut rows = load::rows_on(ctx, "upcoming_player_game_context", "game_id, player_id, team, opponent, is_home, days_rest, back_to_back, games_last_7d, minutes_last_7d, \
                team_games_last_10, played_last_10, points_line, pra_line, pra_opening, line_books, injury_status \
        ", date)
    .await?;
    rows.sort_by(|a, b| (a.str(0), a.i64(1)).cmp(&(b.str(0), b.i64(1))));
    Ok(rows)
}

pub struct DailyCache;

static CACHE: Declaration = Declaration {
    name: "player_daily_cache",
    phase: 4,
    inputs: &[
        Input::Table {
            name: "player_game_summary",
            critical: true,
            window: Window::History,
        },
        Input::Table {
            name: "upcoming_player_game_context",
            critical: true,
            window: Window::Date,
        },
    ],
    outputs: &[&PLAYER_DAILY_CACHE],
};

fn window_values(w: &Windows) -> [Value; 18] {
    [
        f(w.pts_l3),
        f(w.pts_l5),
        f(w.pts_l10),
        f(w.pts_season),
        f(w.pts_std_l5),
        f(w.pts_std_l10),
        f(w.pts_slope_l10),
        f(w.min_l3),
        f(w.min_l5),
        f(w.min_l10),
        f(w.min_season),
        f(w.min_std_l10),
        f(w.ppm_l10),
        f(w.ppm_season),
        f(w.usage_l3),
        f(w.usage_l10),
        f(w.usage_season),
        f(w.usage_std_l10),
    ]
}

impl Processor for DailyCache {
    fn declaration(&self) -> &'static Declaration {
        &CACHE
    }

    fn run<'a>(
        &'a self,
        ctx: &'a Ctx,
        date: GameDate,
    ) -> BoxFuture<'a, Result<Output, ProcessError>> {
        Box::pin(async move {
            let players = expected(ctx, date).await?;
            if players.is_empty() && !load::has_rows(ctx, PLAYER_DAILY_CACHE.name, date).await? {
                return Err(ProcessError::NoInput);
            }
            let history = load::history(ctx, date).await?;
            let season = date.season();
            let mut ids: Vec<i64> = players.iter().filter_map(|r| r.i64(1)).collect();
            ids.sort_unstable();
            ids.dedup();
            let rows = ids
                .iter()
                .map(|id| {
                    let past = history
                        .by_player
                        .get(id)
                        .map(Vec::as_slice)
                        .unwrap_or_default();
                    let w = windows(past, date, season);
                    let mut row: Vec<Value> = vec![
                        (*id).into(),
                        date.to_string().into(),
                        season.to_string().into(),
                        w.games_season.into(),
                        w.games_previous_season_used.into(),
                    ];
                    row.extend(window_values(&w));
                    row
                })
                .collect();
            Ok(Output {
                tables: vec![(&PLAYER_DAILY_CACHE, rows)],
                inputs: vec![
                    "player_game_summary".into(),
                    "upcoming_player_game_context".into(),
                ],
                ..Output::default()
            })
        })
    }
}

pub struct FeatureStore;

static FEATURES: Declaration = Declaration {
    name: "feature_store",
    phase: 4,
    inputs: &[
        Input::Table {
            name: "player_daily_cache",
            critical: true,
            window: Window::Date,
        },
        Input::Table {
            name: "upcoming_player_game_context",
            critical: true,
            window: Window::Date,
        },
        Input::Table {
            name: "upcoming_team_game_context",
            critical: true,
            window: Window::Date,
        },
        Input::Table {
            name: "player_game_summary",
            critical: true,
            window: Window::History,
        },
    ],
    outputs: &[&FEATURE_STORE],
};

/// A team's side of a game of the day.
struct TeamCtx {
    spread: Option<f64>,
    total: Option<f64>,
    implied: Option<f64>,
    off: Option<f64>,
    def: Option<f64>,
    pace: Option<f64>,
}

impl Processor for FeatureStore {
    fn declaration(&self) -> &'static Declaration {
        &FEATURES
    }

    fn run<'a>(
        &'a self,
        ctx: &'a Ctx,
        date: GameDate,
    ) -> BoxFuture<'a, Result<Output, ProcessError>> {
        Box::pin(async move {
            let players = expected(ctx, date).await?;
            if players.is_empty() && !load::has_rows(ctx, FEATURE_STORE.name, date).await? {
                return Err(ProcessError::NoInput);
            }
            let teams: HashMap<(String, String), TeamCtx> = load::rows_on(ctx, "upcoming_team_game_context", "game_id, team, spread, total, implied_team_total, off_rating_last_10, def_rating_last_10, pace_last_10 \
                ", date)
            .await?
                .iter()
                .map(|r| {
                    let t = TeamCtx { spread: r.f64(2), total: r.f64(3), implied: r.f64(4), off: r.f64(5), def: r.f64(6), pace: r.f64(7) };
                    ((r.text(0), r.text(1)), t)
                })
                .collect();
            let league_pace = mean(teams.values().filter_map(|t| t.pace));
            let league_def = mean(teams.values().filter_map(|t| t.def));
            let cache: HashMap<i64, Row> = load::rows_on(ctx, "player_daily_cache", "player_id, games_season, games_previous_season_used, pts_l3, pts_l5, pts_l10, pts_season, \
                        pts_std_l10, pts_slope_l10, min_l5, min_l10, min_season, ppm_l10, usage_l3, usage_l10, usage_season \
                ", date)
            .await?
                .into_iter()
                .filter_map(|r| Some((r.i64(0)?, r)))
                .collect();
            let history = load::history(ctx, date).await?;
            let season = date.season();
            // (game, team) → the expected players the injury report rules OUT.
            let mut out_players: HashMap<(String, String), Vec<i64>> = HashMap::new();
            for p in players.iter().filter(|p| p.str(15) == Some("OUT")) {
                out_players
                    .entry((p.text(0), p.text(2)))
                    .or_default()
                    .extend(p.i64(1));
            }
            let mut rows = Vec::with_capacity(players.len());
            for p in &players {
                let (game_id, player_id, team, opponent) =
                    (p.text(0), p.i64(1).unwrap_or(0), p.text(2), p.text(3));
                let Some(c) = cache.get(&player_id) else {
                    return Err(ProcessError::Data(format!(
                        "player_daily_cache {date} has no row for player {player_id}"
                    )));
                };
                let own = teams.get(&(game_id.clone(), team.clone()));
                let opp = teams.get(&(game_id.clone(), opponent.clone()));
                let vs = vs_opponent(&history, player_id, &opponent, date, season);
                let dnp = match (p.i64(9), p.i64(10)) {
                    (Some(t), Some(played)) if t > 0 => Some(1.0 - played as f64 / t as f64),
                    _ => None,
                };
                let features: Vec<(&str, Option<f64>)> = vec![
                    ("pts_l3", c.f64(3)),
                    ("pts_l5", c.f64(4)),
                    ("pts_l10", c.f64(5)),
                    ("pts_season", c.f64(6)),
                    ("pts_std_l10", c.f64(7)),
                    ("pts_slope_l10", c.f64(8)),
                    (
                        "pts_trajectory",
                        c.f64(4).zip(c.f64(6)).map(|(l5, s)| l5 - s),
                    ),
                    ("min_l5", c.f64(9)),
                    ("min_l10", c.f64(10)),
                    ("min_season", c.f64(11)),
                    ("ppm_l10", c.f64(12)),
                    ("usage_l10", c.f64(14)),
                    ("usage_season", c.f64(15)),
                ];
                let context: Vec<(&str, Option<f64>)> = vec![
                    ("dnp_rate_last_10", dnp),
                    ("opp_def_rating_last_10", opp.and_then(|t| t.def)),
                    ("opp_pace_last_10", opp.and_then(|t| t.pace)),
                    ("team_pace_last_10", own.and_then(|t| t.pace)),
                    ("team_off_rating_last_10", own.and_then(|t| t.off)),
                    ("spread", own.and_then(|t| t.spread)),
                    ("total", own.and_then(|t| t.total)),
                    ("implied_team_total", own.and_then(|t| t.implied)),
                    ("points_line", p.f64(11)),
                    ("pra_line", p.f64(12)),
                    ("pra_movement", p.f64(12).zip(p.f64(13)).map(|(l, o)| l - o)),
                    ("pts_vs_opponent", vs.0),
                ];
                let past_boxes = history
                    .boxes
                    .get(&player_id)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                let v2 = v2_features(&box_windows(past_boxes, date, season));
                let teammates_out: Vec<&Row> = out_players
                    .get(&(game_id.clone(), team.clone()))
                    .into_iter()
                    .flatten()
                    .filter(|id| **id != player_id)
                    .filter_map(|id| cache.get(id))
                    .collect();
                let v3 = v3_features(p.str(15), &teammates_out);
                let missing: Vec<&str> = features
                    .iter()
                    .chain(&context)
                    .chain(&v2)
                    .chain(&v3)
                    .filter(|(_, v)| v.is_none())
                    .map(|(n, _)| *n)
                    .collect();
                let total_features = features.len() + context.len() + v2.len() + v3.len();
                let back_to_back = p.bool(6).unwrap_or(false);
                let (games_7, minutes_7) = (p.i64(7).unwrap_or(0), p.f64(8).unwrap_or(0.0));
                let fatigue = 1.0
                    + 0.05 * back_to_back as i64 as f64
                    + 0.02 * (games_7 - 3).max(0) as f64
                    + 0.001 * (minutes_7 - 120.0).max(0.0);
                let pace = match (
                    own.and_then(|t| t.pace),
                    opp.and_then(|t| t.pace),
                    league_pace,
                ) {
                    (Some(a), Some(b), Some(l)) if l > 0.0 => Some((a + b) / 2.0 / l),
                    _ => None,
                };
                let matchup = match (opp.and_then(|t| t.def), league_def) {
                    (Some(o), Some(l)) if l > 0.0 => Some(o / l),
                    _ => None,
                };
                let mut sources = vec!["boxscores"];
                if own.is_some_and(|t| t.total.is_some()) {
                    sources.push("game_lines");
                }
                if p.f64(11).is_some() || p.f64(12).is_some() {
                    sources.push("player_props");
                }
                let bootstrap = c.i64(2).unwrap_or(0) > 0 || c.i64(1).unwrap_or(0) < 5;
                let mut row: Vec<Value> = vec![
                    game_id.as_str().into(),
                    player_id.into(),
                    FEATURE_VERSION.into(),
                    date.to_string().into(),
                    team.into(),
                    opponent.into(),
                    p.bool(4).unwrap_or(false).into(),
                ];
                row.extend(features.iter().map(|(_, v)| f(*v)));
                row.extend([
                    p.i64(5).into(),
                    back_to_back.into(),
                    games_7.into(),
                    f(Some(minutes_7)),
                ]);
                row.extend(context[..11].iter().map(|(_, v)| f(*v)));
                row.extend([
                    p.i64(14).into(),
                    f(vs.0),
                    vs.1.into(),
                    f(Some(fatigue)),
                    f(pace),
                    f(c.f64(13).zip(c.f64(14)).map(|(l3, l10)| l3 - l10)),
                    f(matchup),
                    f(Some(1.0 - missing.len() as f64 / total_features as f64)),
                    (missing.len() as i64).into(),
                    missing.join(",").into(),
                    sources.join(",").into(),
                    bootstrap.into(),
                ]);
                row.extend(v2.iter().map(|(_, v)| f(*v)));
                let [status, count, minutes, usage] = v3;
                row.extend([
                    status.1.map(|v| v as i64).into(),
                    count.1.map(|v| v as i64).into(),
                    f(minutes.1),
                    f(usage.1),
                ]);
                rows.push(row);
            }
            Ok(Output {
                tables: vec![(&FEATURE_STORE, rows)],
                inputs: FEATURES
                    .inputs
                    .iter()
                    .filter_map(|i| match i {
                        Input::Table { name, .. } => Some(name.to_string()),
                        Input::Raw { .. } => None,
                    })
                    .collect(),
                ..Output::default()
            })
        })
    }
}

/// The player's mean points and games against `opponent` this and last season, before `date`.
fn vs_opponent(
    history: &load::History,
    player: i64,
    opponent: &str,
    date: GameDate,
    season: Season,
) -> (Option<f64>, i64) {
    let Ok(opponent) = Team::from_abbreviation(opponent) else {
        return (None, 0);
    };
    let games: Vec<f64> = history
        .by_player
        .get(&player)
        .into_iter()
        .flatten()
        .filter(|g| {
            g.date < date
                && g.opponent == opponent
                && g.season.start_year() >= season.start_year() - 1
        })
        .map(|g| g.points)
        .collect();
    (mean(games.iter().copied()), games.len() as i64)
}
