//! The season schedule: CDN `scheduleLeagueV2` / stats.nba.com `scheduleleaguev2`.
//!
//! Times in this payload ending in "Z" are US Eastern wall-clock times except the `*UTC` ones, so
//! the game date is read from `gameDateEst`'s date part and only `gameDateTimeUTC` becomes an
//! instant.
//!
//! A schedule lists games whose participants are not NBA teams: knockout and post-season slots
//! not yet decided (`teamId` 0, empty tricode) and pre-season or All-Star exhibitions against
//! clubs such as Real Madrid. They cannot be [`ScheduledGame`]s, whose teams are [`Team`]s, and
//! they are not errors either: they are listed in [`SchedulePayload::unresolved`]. A regular-
//! season, play-in, playoff or Cup-final game with a team that is not an NBA team is an error.

use super::cell::Cell;
use super::json::{from_json, timestamp};
use super::{ParseError, Quarantined, Source};
use nba_props_core::{GameDate, GameId, Season, SeasonType, Team};
use serde::Deserialize;
use std::borrow::Cow;

/// A parsed schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct SchedulePayload {
    /// `leagueSchedule.seasonYear` ("2023-24").
    pub season: Option<Season>,
    /// `meta.time`: when the CDN produced this snapshot.
    pub captured_at: Option<jiff::Timestamp>,
    /// Games between two NBA teams, in payload order.
    pub games: Vec<ScheduledGame>,
    /// Games with an undecided or non-NBA participant, in payload order.
    pub unresolved: Vec<UnresolvedGame>,
    /// Games that cannot be read (a malformed id, date or team), set aside with their Eastern
    /// date when it is readable, so that one bad game does not lose the season's others.
    pub quarantined: Vec<(Option<GameDate>, Quarantined)>,
}

/// One game between two NBA teams.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledGame {
    pub game_id: GameId,
    /// The Eastern date: `gameDateEst`'s date, else the enclosing `gameDate`.
    pub game_date: GameDate,
    pub game_code: Option<String>,
    pub status: GameStatus,
    pub home: Team,
    pub away: Team,
    /// Only for final games: the pre-season capture writes 0 for games not played yet.
    pub home_score: Option<i32>,
    pub away_score: Option<i32>,
    /// `gameDateTimeUTC`.
    pub tipoff_utc: Option<jiff::Timestamp>,
    pub is_neutral: Option<bool>,
    /// `gameSubtype` ("in-season", "in-season-knockout"); `None` when absent or empty.
    pub game_subtype: Option<String>,
    pub game_label: Option<String>,
}

/// A listed game that is not between two known NBA teams.
#[derive(Debug, Clone, PartialEq)]
pub struct UnresolvedGame {
    pub game_id: GameId,
    pub game_date: GameDate,
    pub status: GameStatus,
    pub game_subtype: Option<String>,
    /// Why the game has no two NBA teams, e.g. "home team to be determined" or
    /// "away team RMD (id 12315) is not an NBA team".
    pub reason: String,
}

/// `gameStatus`: 1, 2 or 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GameStatus {
    Scheduled,
    Live,
    Final,
}

impl GameStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Live => "live",
            Self::Final => "final",
        }
    }
}

#[derive(Deserialize)]
struct RawPayload<'a> {
    #[serde(borrow)]
    meta: Option<RawMeta<'a>>,
    #[serde(rename = "leagueSchedule", borrow)]
    league_schedule: RawSchedule<'a>,
}

#[derive(Deserialize)]
struct RawMeta<'a> {
    #[serde(borrow)]
    time: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct RawSchedule<'a> {
    #[serde(rename = "seasonYear", borrow)]
    season_year: Option<Cow<'a, str>>,
    #[serde(rename = "gameDates", borrow)]
    game_dates: Vec<RawGameDate<'a>>,
}

#[derive(Deserialize)]
struct RawGameDate<'a> {
    #[serde(rename = "gameDate", borrow)]
    game_date: Option<Cow<'a, str>>,
    #[serde(borrow)]
    games: Vec<RawGame<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawGame<'a> {
    #[serde(borrow)]
    game_id: Cow<'a, str>,
    #[serde(borrow)]
    game_code: Option<Cow<'a, str>>,
    #[serde(borrow)]
    game_status: Cell<'a>,
    #[serde(borrow)]
    game_date_est: Option<Cow<'a, str>>,
    #[serde(rename = "gameDateTimeUTC", borrow)]
    game_date_time_utc: Option<Cow<'a, str>>,
    is_neutral: Option<bool>,
    #[serde(borrow)]
    game_subtype: Option<Cow<'a, str>>,
    #[serde(borrow)]
    game_label: Option<Cow<'a, str>>,
    #[serde(borrow)]
    home_team: RawTeam<'a>,
    #[serde(borrow)]
    away_team: RawTeam<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTeam<'a> {
    #[serde(borrow)]
    team_id: Option<Cell<'a>>,
    #[serde(borrow)]
    team_tricode: Option<Cow<'a, str>>,
    #[serde(borrow)]
    score: Option<Cell<'a>>,
}

/// Who a side of a game is.
enum Side {
    Nba(Team),
    Undecided,
    /// A club outside the NBA: its tricode and id, for the reason text.
    Other(String, i64),
}

/// Parses a schedule payload.
pub fn parse(bytes: &[u8], src: &Source) -> Result<SchedulePayload, ParseError> {
    let raw: RawPayload = from_json(bytes, src)?;
    let captured_at = match raw.meta.as_ref().and_then(|m| m.time.as_deref()) {
        Some(t) => Some(timestamp(t).map_err(|m| src.error("meta.time", m))?),
        None => None,
    };
    let schedule = &raw.league_schedule;
    let season = match schedule.season_year.as_deref() {
        Some(s) => Some(
            Season::parse(s).map_err(|e| src.error("leagueSchedule.seasonYear", e.to_string()))?,
        ),
        None => None,
    };
    let mut out = SchedulePayload {
        season,
        captured_at,
        games: Vec::new(),
        unresolved: Vec::new(),
        quarantined: Vec::new(),
    };
    for (d, date) in schedule.game_dates.iter().enumerate() {
        for (g, game) in date.games.iter().enumerate() {
            let at = format!("leagueSchedule.gameDates[{d}].games[{g}]");
            if let Err(error) = convert(game, date, d, &at, src, &mut out) {
                let when = game
                    .game_date_est
                    .as_deref()
                    .and_then(|est| GameDate::parse(est).ok())
                    .or_else(|| date.game_date.as_deref().and_then(|p| us_date(p).ok()));
                let row = format!("{at} (game {:.12})", game.game_id);
                out.quarantined.push((when, Quarantined { row, error }));
            }
        }
    }
    Ok(out)
}

fn convert(
    game: &RawGame<'_>,
    date: &RawGameDate<'_>,
    d: usize,
    at: &str,
    src: &Source,
    out: &mut SchedulePayload,
) -> Result<(), ParseError> {
    let err = |field: &str, message: String| src.error(format!("{at}.{field}"), message);
    let game_id = GameId::parse(&game.game_id).map_err(|e| err("gameId", e.to_string()))?;
    let game_date = match (game.game_date_est.as_deref(), date.game_date.as_deref()) {
        (Some(est), _) => GameDate::parse(est).map_err(|e| err("gameDateEst", e.to_string()))?,
        (None, Some(parent)) => us_date(parent)
            .map_err(|m| src.error(format!("leagueSchedule.gameDates[{d}].gameDate"), m))?,
        (None, None) => {
            return Err(err(
                "gameDateEst",
                "missing, and the enclosing gameDate is missing too".into(),
            ));
        }
    };
    let status = match game.game_status.to_i64() {
        Ok(1) => GameStatus::Scheduled,
        Ok(2) => GameStatus::Live,
        Ok(3) => GameStatus::Final,
        Ok(n) => {
            return Err(err(
                "gameStatus",
                format!("expected 1 (scheduled), 2 (live) or 3 (final), got {n}"),
            ));
        }
        Err(m) => return Err(err("gameStatus", m)),
    };
    let non_empty =
        |s: &Option<Cow<'_, str>>| s.as_deref().filter(|s| !s.is_empty()).map(str::to_string);
    let game_subtype = non_empty(&game.game_subtype);
    let only_nba = matches!(
        game_id.season_type(),
        SeasonType::Regular | SeasonType::PlayIn | SeasonType::Playoffs | SeasonType::CupFinal
    );
    let mut reasons = Vec::new();
    let mut resolve = |t: &RawTeam<'_>, which: &str| -> Result<Option<Team>, ParseError> {
        match side(t).map_err(|(field, m)| err(&format!("{which}Team.{field}"), m))? {
            Side::Nba(team) => return Ok(Some(team)),
            Side::Undecided => reasons.push(format!("{which} team to be determined")),
            Side::Other(code, id) if !only_nba => {
                reasons.push(format!("{which} team {code} (id {id}) is not an NBA team"))
            }
            Side::Other(code, id) => {
                let kind = game_id.season_type().as_str();
                return Err(err(
                    &format!("{which}Team.teamTricode"),
                    format!("{code} (id {id}) is not an NBA team, in a {kind} game"),
                ));
            }
        }
        Ok(None)
    };
    let (home, away) = (
        resolve(&game.home_team, "home")?,
        resolve(&game.away_team, "away")?,
    );
    let (Some(home), Some(away)) = (home, away) else {
        let reason = reasons.join(", ");
        out.unresolved.push(UnresolvedGame {
            game_id,
            game_date,
            status,
            game_subtype,
            reason,
        });
        return Ok(());
    };
    if home == away {
        return Err(err(
            "awayTeam.teamTricode",
            format!("{home} cannot play itself"),
        ));
    }
    let score = |t: &RawTeam<'_>, field: &str| -> Result<Option<i32>, ParseError> {
        match &t.score {
            Some(c) if status == GameStatus::Final && !c.is_null() => {
                c.to_i32().map(Some).map_err(|m| err(field, m))
            }
            _ => Ok(None),
        }
    };
    let tipoff_utc = match game.game_date_time_utc.as_deref().filter(|s| !s.is_empty()) {
        Some(t) => Some(timestamp(t).map_err(|m| err("gameDateTimeUTC", m))?),
        None => None,
    };
    out.games.push(ScheduledGame {
        home_score: score(&game.home_team, "homeTeam.score")?,
        away_score: score(&game.away_team, "awayTeam.score")?,
        game_id,
        game_date,
        game_code: non_empty(&game.game_code),
        status,
        home,
        away,
        tipoff_utc,
        is_neutral: game.is_neutral,
        game_subtype,
        game_label: non_empty(&game.game_label),
    });
    Ok(())
}

/// Resolves one side from its tricode and id, which must agree when both are given. Errors name
/// the offending field of the team object.
fn side(t: &RawTeam<'_>) -> Result<Side, (&'static str, String)> {
    let id = match &t.team_id {
        Some(c) if !c.is_null() => c.to_i64().map_err(|m| ("teamId", m))?,
        _ => 0,
    };
    let code = t.team_tricode.as_deref().map(str::trim).unwrap_or("");
    let by_id = Team::from_id(id).ok();
    match (code, Team::from_abbreviation(code).ok()) {
        ("", _) if id == 0 => Ok(Side::Undecided),
        ("", _) => by_id.map(Side::Nba).ok_or_else(|| {
            (
                "teamId",
                format!("no tricode, and {id} is not an NBA team id"),
            )
        }),
        (_, Some(team)) if id == 0 || by_id == Some(team) => Ok(Side::Nba(team)),
        (_, Some(team)) => Err((
            "teamId",
            format!(
                "{id} is not the id of {team} ({}), the teamTricode",
                team.id()
            ),
        )),
        (code, None) if by_id.is_some() => Err((
            "teamTricode",
            format!("unknown tricode {code:?} for NBA team id {id}"),
        )),
        (code, None) => Ok(Side::Other(code.to_string(), id)),
    }
}

/// `10/24/2023 00:00:00`, the enclosing `gameDate`.
fn us_date(s: &str) -> Result<GameDate, String> {
    let bad = || format!("expected a date like 10/24/2023 00:00:00, got {s:?}");
    let head = s.get(..10).ok_or_else(bad)?;
    let mut parts = head.split('/');
    let (Some(m), Some(d), Some(y), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let (m, d, y) = (
        m.parse().map_err(|_| bad())?,
        d.parse().map_err(|_| bad())?,
        y.parse().map_err(|_| bad())?,
    );
    jiff::civil::Date::new(y, m, d)
        .map(GameDate::new)
        .map_err(|_| bad())
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
