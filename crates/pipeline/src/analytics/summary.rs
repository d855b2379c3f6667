//! Team games and player summaries from box-score lines.
//!
//! Possessions use Basketball-Reference's two-team estimate, shared by both teams of a game:
//! `0.5 × (own + opponent's)`, each `FGA + 0.4·FTA − 1.07·(ORB / (ORB + opp DRB))·(FGA − FGM) + TOV`.
//! Pace is possessions per 48 minutes (`48 × poss / (team minutes / 5)`); ratings are points per
//! 100 possessions. Usage rate is the share of team plays a player used while on the floor:
//! `100 × (FGA + 0.44·FTA + TOV) × (team minutes / 5) / (minutes × (team FGA + 0.44·team FTA + team TOV))`.

use crate::parse::leaguegamelog::BoxScoreLine;
use nba_props_core::{GameDate, GameId, Season, Team};
use std::collections::HashMap;

/// Summed counting stats of one team in one game.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    pub minutes: f64,
    pub pts: i32,
    pub fgm: i32,
    pub fga: i32,
    pub fg3m: i32,
    pub fg3a: i32,
    pub ftm: i32,
    pub fta: i32,
    pub oreb: i32,
    pub dreb: i32,
    pub reb: i32,
    pub ast: i32,
    pub stl: i32,
    pub blk: i32,
    pub tov: i32,
    pub pf: i32,
}

impl Totals {
    fn add(&mut self, l: &BoxScoreLine) {
        self.minutes += l.minutes.unwrap_or(0.0);
        self.pts += l.pts;
        self.fgm += l.fgm;
        self.fga += l.fga;
        self.fg3m += l.fg3m;
        self.fg3a += l.fg3a;
        self.ftm += l.ftm;
        self.fta += l.fta;
        self.oreb += l.oreb;
        self.dreb += l.dreb;
        self.reb += l.reb;
        self.ast += l.ast;
        self.stl += l.stl;
        self.blk += l.blk;
        self.tov += l.tov;
        self.pf += l.pf;
    }

    /// One team's possession estimate against `opp`.
    fn possessions_against(&self, opp: &Totals) -> f64 {
        let orb_share = ratio(self.oreb as f64, (self.oreb + opp.dreb) as f64).unwrap_or(0.0);
        self.fga as f64 + 0.4 * self.fta as f64 - 1.07 * orb_share * (self.fga - self.fgm) as f64
            + self.tov as f64
    }

    pub fn efg_pct(&self) -> Option<f64> {
        efg(self.fgm, self.fg3m, self.fga)
    }

    pub fn ts_pct(&self) -> Option<f64> {
        ts(self.pts, self.fga, self.fta)
    }
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b != 0.0).then(|| a / b)
}

pub fn efg(fgm: i32, fg3m: i32, fga: i32) -> Option<f64> {
    ratio(fgm as f64 + 0.5 * fg3m as f64, fga as f64)
}

pub fn ts(pts: i32, fga: i32, fta: i32) -> Option<f64> {
    ratio(pts as f64, 2.0 * (fga as f64 + 0.44 * fta as f64))
}

/// One team's side of a game, with its opponent's totals.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamGame {
    pub game_id: GameId,
    pub game_date: GameDate,
    pub season: Season,
    pub team: Team,
    pub opponent: Team,
    pub is_home: bool,
    pub own: Totals,
    pub opp: Totals,
    pub possessions: f64,
    pub pace: f64,
    pub off_rating: f64,
    pub def_rating: f64,
}

/// Both sides of every game with box scores for two teams; a game with one side only (a
/// truncated capture) is returned in the second list instead of producing wrong ratings.
pub fn team_games(lines: &[BoxScoreLine]) -> (Vec<TeamGame>, Vec<GameId>) {
    let mut by_side: HashMap<(&GameId, Team), (Totals, &BoxScoreLine)> = HashMap::new();
    for l in lines {
        by_side
            .entry((&l.game_id, l.team))
            .or_insert((Totals::default(), l))
            .0
            .add(l);
    }
    let mut out = Vec::with_capacity(by_side.len());
    let mut incomplete = Vec::new();
    for ((game_id, team), (own, first)) in &by_side {
        let Some((opp, _)) = by_side.get(&(*game_id, first.opponent)) else {
            incomplete.push((*game_id).clone());
            continue;
        };
        let possessions = 0.5 * (own.possessions_against(opp) + opp.possessions_against(own));
        let pace = ratio(48.0 * possessions, own.minutes / 5.0).unwrap_or(0.0);
        out.push(TeamGame {
            game_id: (*game_id).clone(),
            game_date: first.game_date,
            season: first.season,
            team: *team,
            opponent: first.opponent,
            is_home: first.is_home,
            own: *own,
            opp: *opp,
            possessions,
            pace,
            off_rating: ratio(100.0 * own.pts as f64, possessions).unwrap_or(0.0),
            def_rating: ratio(100.0 * opp.pts as f64, possessions).unwrap_or(0.0),
        });
    }
    out.sort_by(|a, b| (&a.game_id, a.team).cmp(&(&b.game_id, b.team)));
    incomplete.sort();
    incomplete.dedup();
    (out, incomplete)
}

/// A player's game with the rates that need his team's totals.
#[derive(Debug, Clone, PartialEq)]
pub struct PlayerSummary<'a> {
    pub line: &'a BoxScoreLine,
    pub ts_pct: Option<f64>,
    pub efg_pct: Option<f64>,
    /// Percent of team plays used while on the floor; None without minutes or team totals.
    pub usage_rate: Option<f64>,
}

pub fn player_summaries<'a>(
    lines: &'a [BoxScoreLine],
    teams: &[TeamGame],
) -> Vec<PlayerSummary<'a>> {
    let team_of: HashMap<(&GameId, Team), &Totals> = teams
        .iter()
        .map(|t| ((&t.game_id, t.team), &t.own))
        .collect();
    lines
        .iter()
        .map(|l| {
            let usage = match (l.minutes, team_of.get(&(&l.game_id, l.team))) {
                (Some(min), Some(tm)) if min > 0.0 => ratio(
                    100.0
                        * (l.fga as f64 + 0.44 * l.fta as f64 + l.tov as f64)
                        * (tm.minutes / 5.0),
                    min * (tm.fga as f64 + 0.44 * tm.fta as f64 + tm.tov as f64),
                ),
                _ => None,
            };
            PlayerSummary {
                line: l,
                ts_pct: ts(l.pts, l.fga, l.fta),
                efg_pct: efg(l.fgm, l.fg3m, l.fga),
                usage_rate: usage,
            }
        })
        .collect()
}
