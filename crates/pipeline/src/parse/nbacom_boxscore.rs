//! Per-game box scores from nba.com, two servings of the same box score:
//!
//! - stats.nba.com `boxscoretraditionalv3`: `{"meta", "boxScoreTraditional": {"gameId",
//!   "homeTeam", "awayTeam"}}`, minutes as `"MM:SS"` (empty for players who did not play, whose
//!   `comment` says why), starters marked by a non-empty `position`;
//! - the CDN live box score (`liveData/boxscore/boxscore_<id>.json`): `{"meta", "game":
//!   {"gameId", "gameEt", "gameStatus", "homeTeam", "awayTeam"}}`, minutes as ISO-8601 durations
//!   (`PT20M46.00S`), `starter`/`played` flags, `notPlayingReason` for inactive players.
//!
//! Both list every player on either roster, played or not; statistics are read by field name.
//! A team's points must equal the sum of its players' points in the same payload: a box score
//! that disagrees with itself is refused rather than half believed. A player whose line cannot
//! be used (a field of the wrong type, a stat out of range: see [`super::check_stats`]) is
//! quarantined and the others are kept; the team's points are then the payload's own, not
//! checkable against the players' sum.

use super::cell::Cell;
use super::fields::{At, Fields, flag};
use super::json::{from_json, timestamp};
use super::schedule::GameStatus;
use super::{ParseError, Quarantined, Source, Stat, Stats, check_stats};
use nba_props_core::{GameDate, GameId, Team, date::eastern};
use serde::Deserialize;
use std::borrow::Cow;

/// One game's box score.
#[derive(Debug, Clone, PartialEq)]
pub struct GameBoxScore {
    pub game_id: GameId,
    /// CDN `gameStatus`; the v3 payload does not say.
    pub status: Option<GameStatus>,
    /// The Eastern date of the CDN's `gameEt`; the v3 payload does not say.
    pub game_date: Option<GameDate>,
    /// `meta.time`: when nba.com produced the payload.
    pub captured_at: Option<jiff::Timestamp>,
    pub home: TeamBox,
    pub away: TeamBox,
    /// Player lines set aside, with why.
    pub quarantined: Vec<Quarantined>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TeamBox {
    pub team: Team,
    /// The team's points as the payload states them (v3 `statistics.points`, CDN `score`).
    pub points: i32,
    /// In payload order.
    pub players: Vec<PlayerLine>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlayerLine {
    pub player_id: i64,
    /// `firstName familyName` (the CDN's `name` when those are absent).
    pub name: String,
    pub starter: Option<bool>,
    pub played: bool,
    /// Why a player did not play: v3 `comment` ("DNP - Coach's Decision"), CDN
    /// `notPlayingReason` with its description ("INACTIVE_INJURY: Right Knee Soreness").
    pub dnp_reason: Option<String>,
    /// Minutes played as a number (19:09 → 19.15); `None` when the payload has none.
    pub minutes: Option<f64>,
    pub stats: Stats,
}

#[derive(Deserialize)]
struct RawV3<'a> {
    #[serde(borrow)]
    meta: Option<RawMeta<'a>>,
    #[serde(rename = "boxScoreTraditional", borrow)]
    box_score: RawGame<'a>,
}

#[derive(Deserialize)]
struct RawCdn<'a> {
    #[serde(borrow)]
    meta: Option<RawMeta<'a>>,
    #[serde(borrow)]
    game: RawGame<'a>,
}

#[derive(Deserialize)]
struct RawMeta<'a> {
    #[serde(borrow)]
    time: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawGame<'a> {
    #[serde(borrow)]
    game_id: Cow<'a, str>,
    #[serde(borrow)]
    game_et: Option<Cow<'a, str>>,
    #[serde(borrow)]
    game_status: Option<Cell<'a>>,
    #[serde(borrow)]
    home_team: RawTeam<'a>,
    #[serde(borrow)]
    away_team: RawTeam<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTeam<'a> {
    #[serde(borrow)]
    team_id: Cell<'a>,
    #[serde(borrow)]
    team_tricode: Cow<'a, str>,
    #[serde(borrow)]
    score: Option<Cell<'a>>,
    #[serde(borrow)]
    players: Vec<RawPlayer<'a>>,
    #[serde(borrow)]
    statistics: Option<Fields<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPlayer<'a> {
    #[serde(borrow)]
    person_id: Cell<'a>,
    #[serde(borrow)]
    first_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    family_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    // v3
    #[serde(borrow)]
    position: Option<Cow<'a, str>>,
    #[serde(borrow)]
    comment: Option<Cow<'a, str>>,
    // CDN
    #[serde(borrow)]
    starter: Option<Cell<'a>>,
    #[serde(borrow)]
    played: Option<Cell<'a>>,
    #[serde(borrow)]
    not_playing_reason: Option<Cow<'a, str>>,
    #[serde(borrow)]
    not_playing_description: Option<Cow<'a, str>>,
    #[serde(borrow)]
    statistics: Fields<'a>,
}

#[derive(Clone, Copy, PartialEq)]
enum Shape {
    V3,
    Cdn,
}

/// Parses a stats.nba.com `boxscoretraditionalv3` payload.
pub fn parse_v3(bytes: &[u8], src: &Source) -> Result<GameBoxScore, ParseError> {
    let raw: RawV3 = from_json(bytes, src)?;
    convert(
        &raw.box_score,
        raw.meta.as_ref(),
        "boxScoreTraditional",
        Shape::V3,
        src,
    )
}

/// Parses a CDN live box score payload.
pub fn parse_cdn(bytes: &[u8], src: &Source) -> Result<GameBoxScore, ParseError> {
    let raw: RawCdn = from_json(bytes, src)?;
    convert(&raw.game, raw.meta.as_ref(), "game", Shape::Cdn, src)
}

fn convert(
    g: &RawGame<'_>,
    meta: Option<&RawMeta<'_>>,
    root: &str,
    shape: Shape,
    src: &Source,
) -> Result<GameBoxScore, ParseError> {
    let game_id = GameId::parse(&g.game_id)
        .map_err(|e| src.error(format!("{root}.gameId"), e.to_string()))?;
    let captured_at = meta
        .and_then(|m| m.time.as_deref())
        .map(|t| meta_time(t).map_err(|m| src.error("meta.time", m)))
        .transpose()?;
    let status = match (&g.game_status, shape) {
        (Some(c), Shape::Cdn) => Some(match c.to_i64() {
            Ok(1) => GameStatus::Scheduled,
            Ok(2) => GameStatus::Live,
            Ok(3) => GameStatus::Final,
            _ => {
                return Err(src.error(
                    format!("{root}.gameStatus"),
                    format!("expected 1, 2 or 3, got {}", c.describe()),
                ));
            }
        }),
        (None, Shape::Cdn) => return Err(src.error(format!("{root}.gameStatus"), "missing")),
        (_, Shape::V3) => None,
    };
    let game_date = match g.game_et.as_deref() {
        Some(et) => Some(
            GameDate::parse(et).map_err(|e| src.error(format!("{root}.gameEt"), e.to_string()))?,
        ),
        None if shape == Shape::Cdn => return Err(src.error(format!("{root}.gameEt"), "missing")),
        None => None,
    };
    let mut quarantined = Vec::new();
    let home = team_box(
        &g.home_team,
        &format!("{root}.homeTeam"),
        shape,
        src,
        &mut quarantined,
    )?;
    let away = team_box(
        &g.away_team,
        &format!("{root}.awayTeam"),
        shape,
        src,
        &mut quarantined,
    )?;
    if home.team == away.team {
        return Err(src.error(
            format!("{root}.awayTeam.teamTricode"),
            format!("{} cannot play itself", away.team),
        ));
    }
    Ok(GameBoxScore {
        game_id,
        status,
        game_date,
        captured_at,
        home,
        away,
        quarantined,
    })
}

fn team_box(
    t: &RawTeam<'_>,
    path: &str,
    shape: Shape,
    src: &Source,
    quarantined: &mut Vec<Quarantined>,
) -> Result<TeamBox, ParseError> {
    let at = At {
        src,
        path: path.to_string(),
    };
    let id = t.team_id.to_i64().map_err(|m| at.error("teamId", m))?;
    let team = Team::from_id(id).map_err(|e| at.error("teamId", e.to_string()))?;
    let by_code = Team::from_abbreviation(&t.team_tricode)
        .map_err(|e| at.error("teamTricode", e.to_string()))?;
    if by_code != team {
        return Err(at.error(
            "teamTricode",
            format!("{by_code} does not match teamId {id} ({team})"),
        ));
    }
    let points = match (shape, &t.score, &t.statistics) {
        (Shape::Cdn, Some(score), _) => score.to_i32().map_err(|m| at.error("score", m))?,
        (Shape::Cdn, None, _) => return Err(at.error("score", "missing")),
        (Shape::V3, _, Some(stats)) => At {
            src,
            path: at.field("statistics"),
        }
        .int(stats, "points")?,
        (Shape::V3, _, None) => return Err(at.error("statistics", "missing")),
    };
    let mut players = Vec::with_capacity(t.players.len());
    let before = quarantined.len();
    for (i, p) in t.players.iter().enumerate() {
        let path = at.field(&format!("players[{i}]"));
        match player(p, &path, shape, src) {
            Ok(line) => players.push(line),
            Err(error) => {
                let id = p.person_id.to_i64().ok();
                let row = match id {
                    Some(id) => format!("{path} (player {id})"),
                    None => path,
                };
                quarantined.push(Quarantined { row, error });
            }
        }
    }
    let sum: i32 = players.iter().map(|p| p.stats.points).sum();
    // With players set aside the sum cannot confirm the team's points.
    if sum != points && quarantined.len() == before {
        let field = if shape == Shape::Cdn {
            "score"
        } else {
            "statistics.points"
        };
        return Err(at.error(
            field,
            format!("the team has {points} points but its players' points add up to {sum}"),
        ));
    }
    Ok(TeamBox {
        team,
        points,
        players,
    })
}

fn player(
    p: &RawPlayer<'_>,
    path: &str,
    shape: Shape,
    src: &Source,
) -> Result<PlayerLine, ParseError> {
    let at = At {
        src,
        path: path.to_string(),
    };
    let player_id = p.person_id.to_i64().map_err(|m| at.error("personId", m))?;
    let full = match (p.first_name.as_deref(), p.family_name.as_deref()) {
        (Some(f), Some(l)) => format!("{} {}", f.trim(), l.trim()).trim().to_string(),
        _ => p.name.as_deref().unwrap_or("").trim().to_string(),
    };
    if full.is_empty() {
        return Err(at.error(
            "familyName",
            "no player name (firstName/familyName or name)",
        ));
    }
    let s = At {
        src,
        path: at.field("statistics"),
    };
    let f = &p.statistics;
    let minutes_text = s.opt_str(f, "minutes")?;
    let minutes = minutes_text
        .map(|m| match shape {
            Shape::V3 => clock_minutes(m),
            Shape::Cdn => iso_minutes(m),
        })
        .transpose()
        .map_err(|m| s.error("minutes", m))?;
    let (starter, played, dnp_reason) = match shape {
        Shape::V3 => {
            let reason = p
                .comment
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty());
            let starter = p.position.as_deref().map(|pos| !pos.trim().is_empty());
            (starter, minutes.is_some(), reason.map(str::to_string))
        }
        Shape::Cdn => {
            let flag_of = |c: &Option<Cell<'_>>, name: &str| -> Result<bool, ParseError> {
                let c = c.as_ref().ok_or_else(|| at.error(name, "missing"))?;
                flag(c).map_err(|m| at.error(name, m))
            };
            let reason = p
                .not_playing_reason
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(
                    |r| match p.not_playing_description.as_deref().map(str::trim) {
                        Some(d) if !d.is_empty() => format!("{r}: {d}"),
                        _ => r.to_string(),
                    },
                );
            (
                Some(flag_of(&p.starter, "starter")?),
                flag_of(&p.played, "played")?,
                reason,
            )
        }
    };
    let stats = Stats {
        points: s.int(f, "points")?,
        fgm: s.int(f, "fieldGoalsMade")?,
        fga: s.int(f, "fieldGoalsAttempted")?,
        fg3m: s.int(f, "threePointersMade")?,
        fg3a: s.int(f, "threePointersAttempted")?,
        ftm: s.int(f, "freeThrowsMade")?,
        fta: s.int(f, "freeThrowsAttempted")?,
        oreb: s.int(f, "reboundsOffensive")?,
        dreb: s.int(f, "reboundsDefensive")?,
        reb: s.int(f, "reboundsTotal")?,
        ast: s.int(f, "assists")?,
        stl: s.int(f, "steals")?,
        blk: s.int(f, "blocks")?,
        tov: s.int(f, "turnovers")?,
        pf: s.int(f, "foulsPersonal")?,
        plus_minus: s.opt_int(f, "plusMinusPoints")?,
    };
    // Players who did not play have zeros; the checks hold for them too.
    if let Err((stat, message)) = check_stats(&stats, minutes) {
        let name = match stat {
            Stat::Minutes => "minutes",
            Stat::Points => "points",
            Stat::Fgm => "fieldGoalsMade",
            Stat::Fga => "fieldGoalsAttempted",
            Stat::Fg3m => "threePointersMade",
            Stat::Fg3a => "threePointersAttempted",
            Stat::Ftm => "freeThrowsMade",
            Stat::Fta => "freeThrowsAttempted",
            Stat::Oreb => "reboundsOffensive",
            Stat::Dreb => "reboundsDefensive",
            Stat::Reb => "reboundsTotal",
            Stat::Ast => "assists",
            Stat::Stl => "steals",
            Stat::Blk => "blocks",
            Stat::Tov => "turnovers",
            Stat::Pf => "foulsPersonal",
            Stat::PlusMinus => "plusMinusPoints",
        };
        return Err(s.error(name, message));
    }
    Ok(PlayerLine {
        player_id,
        name: full,
        starter,
        played,
        dnp_reason,
        minutes,
        stats,
    })
}

/// `"19:09"` → 19.15 minutes.
fn clock_minutes(s: &str) -> Result<f64, String> {
    let bad = || format!("expected minutes as MM:SS, got {s:?}");
    let (m, sec) = s.split_once(':').ok_or_else(bad)?;
    let m: u32 = m.trim().parse().map_err(|_| bad())?;
    let sec: f64 = sec.trim().parse().map_err(|_| bad())?;
    if !(0.0..60.0).contains(&sec) {
        return Err(bad());
    }
    Ok(f64::from(m) + sec / 60.0)
}

/// `"PT20M46.00S"` → 20.77 minutes.
fn iso_minutes(s: &str) -> Result<f64, String> {
    let bad = || format!("expected an ISO-8601 duration like PT20M46.00S, got {s:?}");
    let rest = s.strip_prefix("PT").ok_or_else(bad)?;
    let (m, rest) = rest.split_once('M').ok_or_else(bad)?;
    let sec = rest.strip_suffix('S').ok_or_else(bad)?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    let sec: f64 = if sec.is_empty() {
        0.0
    } else {
        sec.parse().map_err(|_| bad())?
    };
    if !(0.0..60.0).contains(&sec) {
        return Err(bad());
    }
    Ok(f64::from(m) + sec / 60.0)
}

/// `meta.time`: RFC 3339 in the stats payloads (`2025-02-17T16:51:47.5147Z`); the CDN writes
/// `2020-12-22 23:24:13.537508` without a zone, which is US Eastern wall-clock time (that
/// capture shows the game of 7 pm ET final with a 134-minute duration, so 23:24 cannot be UTC).
fn meta_time(s: &str) -> Result<jiff::Timestamp, String> {
    if s.contains('T') {
        return timestamp(s);
    }
    s.trim()
        .parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|dt| dt.to_zoned(eastern().clone()).ok())
        .map(|z| z.timestamp())
        .ok_or_else(|| format!("expected a timestamp like 2020-12-22 23:24:13.537508, got {s:?}"))
}

#[cfg(test)]
#[path = "nbacom_boxscore_tests.rs"]
mod tests;
