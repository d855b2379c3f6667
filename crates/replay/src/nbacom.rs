//! stats.nba.com `leaguegamelog` (player) per date, once the date's games are over; the season
//! schedule from the CDN path and from stats `scheduleleaguev2`.

use crate::{Answer, Ask, rfc3339};
use nba_props_core::GameDate;
use serde_json::json;

/// The header of stats.nba.com's player leaguegamelog (the real capture's, in its order).
const PLAYER_HEADERS: [&str; 30] = [
    "SEASON_ID",
    "PLAYER_ID",
    "PLAYER_NAME",
    "TEAM_ID",
    "TEAM_ABBREVIATION",
    "TEAM_NAME",
    "GAME_ID",
    "GAME_DATE",
    "MATCHUP",
    "WL",
    "MIN",
    "FGM",
    "FGA",
    "FG_PCT",
    "FG3M",
    "FG3A",
    "FG3_PCT",
    "FTM",
    "FTA",
    "FT_PCT",
    "OREB",
    "DREB",
    "REB",
    "AST",
    "STL",
    "BLK",
    "TOV",
    "PF",
    "PTS",
    "PLUS_MINUS",
];

/// The archived payload of the date once its games are over; before that (or for a date
/// without games) what stats.nba.com answers for a date without games: the same envelope with
/// an empty `rowSet`.
pub(crate) fn leaguegamelog(ask: &Ask) -> Answer {
    let (from, to) = (ask.param("DateFrom"), ask.param("DateTo"));
    let Some(date) = from
        .filter(|f| Some(*f) == to)
        .and_then(|d| GameDate::parse(d).ok())
    else {
        return Answer::error(
            400,
            format!(
                "leaguegamelog: the replay answers one date per request (DateFrom = DateTo = YYYY-MM-DD), got DateFrom={from:?} DateTo={to:?}"
            ),
        );
    };
    if ask.param("PlayerOrTeam") != Some("P") {
        return Answer::error(
            404,
            format!(
                "leaguegamelog PlayerOrTeam={:?}: the archive holds player game logs only (PlayerOrTeam=P)",
                ask.param("PlayerOrTeam")
            ),
        );
    }
    if ask.param("SeasonType") != Some("Regular Season") {
        return Answer::error(
            404,
            format!(
                "leaguegamelog SeasonType={:?}: the archive holds the regular season only",
                ask.param("SeasonType")
            ),
        );
    }
    let over = ask.archive.games_over_ms(date);
    if ask.now_ms >= over
        && let Some(path) = ask.archive.gamelogs.get(&date)
    {
        return match std::fs::read(path) {
            Ok(bytes) => Answer::json(bytes),
            Err(e) => Answer::error(
                500,
                format!(
                    "leaguegamelog {date}: archive file {} unreadable: {e}",
                    path.display()
                ),
            ),
        };
    }
    let counter = ask
        .param("Counter")
        .and_then(|c| c.parse::<i64>().ok())
        .map_or(serde_json::Value::Null, |c| json!(c));
    Answer::value(&json!({
        "resource": "leaguegamelog",
        "parameters": {
            "LeagueID": ask.param("LeagueID"),
            "Season": ask.param("Season"),
            "SeasonType": ask.param("SeasonType"),
            "PlayerOrTeam": "P",
            "Counter": counter,
            "Sorter": ask.param("Sorter"),
            "Direction": ask.param("Direction"),
            "DateFrom": date.to_string(),
            "DateTo": date.to_string(),
        },
        "resultSets": [{"name": "LeagueGameLog", "headers": PLAYER_HEADERS, "rowSet": []}],
    }))
}

fn schedule(ask: &Ask, season: &str) -> Answer {
    let Some(file) = ask.archive.schedules.get(season) else {
        return Answer::error(404, format!("schedule {season}: not in the archive"));
    };
    // A capture made after the replay instant did not exist yet.
    if let Some(captured) = file.captured_ms.filter(|c| *c > ask.now_ms) {
        return Answer::error(
            404,
            format!(
                "schedule {season}: the archived capture is of {}, after the replay instant {}",
                rfc3339(captured),
                rfc3339(ask.now_ms)
            ),
        );
    }
    Answer::json(file.bytes.clone())
}

/// The CDN file holds the current season: the season of the replay instant's Eastern date.
pub(crate) fn cdn_schedule(ask: &Ask) -> Answer {
    let today = jiff::Timestamp::from_millisecond(ask.now_ms)
        .map(GameDate::of_timestamp)
        .map(|d| d.season().to_string());
    match today {
        Ok(season) => schedule(ask, &season),
        Err(e) => Answer::error(500, format!("replay instant {}: {e}", ask.now_ms)),
    }
}

pub(crate) fn stats_schedule(ask: &Ask) -> Answer {
    match ask.param("Season") {
        Some(season) => schedule(ask, season),
        None => Answer::error(400, "scheduleleaguev2 needs Season=YYYY-YY".into()),
    }
}
