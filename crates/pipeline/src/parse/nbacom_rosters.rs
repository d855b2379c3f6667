//! Who is on which team, from nba.com: the player movement file (`NBA_Player_Movement.json`,
//! every signing, trade and waiver since 2015) and the season's player list (stats `playerindex`,
//! `Historical=0`: every rostered player and his current team).
//!
//! A row that cannot be used (an unknown team id, an unreadable date, an unknown transaction type)
//! is quarantined and the other rows are kept; only a payload without the expected structure is
//! refused whole. Movement rows with `PLAYER_ID` 0 are draft picks and cash moving in a trade:
//! they are no player's movement and are counted in [`Movements::not_players`].

use super::json::check_json;
use super::{ParseError, Quarantined, Source};
use nba_props_core::{GameDate, Season, Team};
use serde_json::Value;

/// What a transaction does to the player's membership of `team`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Signing, trade (the receiving team), award on waivers, two-way contract converted.
    Joins,
    /// Waived by `team`.
    Leaves,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Joins => "joins",
            Direction::Leaves => "leaves",
        }
    }
}

/// One player's transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Movement {
    pub transaction_date: GameDate,
    pub transaction_type: String,
    pub direction: Direction,
    pub player_id: i64,
    pub team: Team,
    pub description: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Movements {
    pub moves: Vec<Movement>,
    /// Rows moving no player (draft picks, cash considerations).
    pub not_players: usize,
    pub quarantined: Vec<Quarantined>,
}

/// Parses `NBA_Player_Movement.json`.
pub fn player_movement(bytes: &[u8], src: &Source) -> Result<Movements, ParseError> {
    let v: Value = serde_json::from_slice(check_json(bytes, src)?)
        .map_err(|e| src.error(super::DOCUMENT, format!("not JSON: {e}")))?;
    let rows = v["NBA_Player_Movement"]["rows"]
        .as_array()
        .ok_or_else(|| src.error("NBA_Player_Movement.rows", "missing or not an array"))?;
    let mut out = Movements::default();
    for (i, row) in rows.iter().enumerate() {
        let at = format!("NBA_Player_Movement.rows[{i}]");
        match movement(row, &at, src) {
            Ok(Some(m)) => out.moves.push(m),
            Ok(None) => out.not_players += 1,
            Err(error) => out.quarantined.push(Quarantined {
                row: format!(
                    "{at} ({})",
                    text(row, "TRANSACTION_DESCRIPTION").unwrap_or("")
                ),
                error,
            }),
        }
    }
    Ok(out)
}

fn text<'a>(row: &'a Value, key: &str) -> Option<&'a str> {
    row[key].as_str()
}

/// An id the source writes as a float (`1630175.0`): a whole number, or an error.
fn id(row: &Value, key: &str, at: &str, src: &Source) -> Result<i64, ParseError> {
    let value = &row[key];
    value
        .as_i64()
        .or_else(|| {
            value
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                .map(|f| f as i64)
        })
        .ok_or_else(|| src.error(format!("{at}.{key}"), format!("{value} is not a whole id")))
}

fn movement(row: &Value, at: &str, src: &Source) -> Result<Option<Movement>, ParseError> {
    let player_id = id(row, "PLAYER_ID", at, src)?;
    if player_id == 0 {
        return Ok(None);
    }
    let field = |key: &str| {
        text(row, key).ok_or_else(|| src.error(format!("{at}.{key}"), "missing or not a string"))
    };
    let transaction_type = field("Transaction_Type")?;
    let direction = match transaction_type {
        "Signing" | "Trade" | "AwardOnWaivers" | "ContractConverted" => Direction::Joins,
        "Waive" => Direction::Leaves,
        other => {
            return Err(src.error(
                format!("{at}.Transaction_Type"),
                format!(
                    "unknown transaction type {other:?}: which way it moves the player is unknown"
                ),
            ));
        }
    };
    let date = field("TRANSACTION_DATE")?;
    let transaction_date = GameDate::parse(date)
        .map_err(|e| src.error(format!("{at}.TRANSACTION_DATE"), e.to_string()))?;
    let team_id = id(row, "TEAM_ID", at, src)?;
    let team =
        Team::from_id(team_id).map_err(|e| src.error(format!("{at}.TEAM_ID"), e.to_string()))?;
    Ok(Some(Movement {
        transaction_date,
        transaction_type: transaction_type.to_string(),
        direction,
        player_id,
        team,
        description: field("TRANSACTION_DESCRIPTION")?.to_string(),
    }))
}

/// One rostered player of the list.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedPlayer {
    pub player_id: i64,
    /// `First Last`, as box scores write it.
    pub name: String,
    pub team: Team,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlayerList {
    /// `parameters.Season`.
    pub season: Season,
    pub players: Vec<ListedPlayer>,
    pub quarantined: Vec<Quarantined>,
}

/// Parses a stats `playerindex` payload.
pub fn player_list(bytes: &[u8], src: &Source) -> Result<PlayerList, ParseError> {
    let v: Value = serde_json::from_slice(check_json(bytes, src)?)
        .map_err(|e| src.error(super::DOCUMENT, format!("not JSON: {e}")))?;
    let season_text = v["parameters"]["Season"]
        .as_str()
        .ok_or_else(|| src.error("parameters.Season", "missing or not a string"))?;
    let season =
        Season::parse(season_text).map_err(|e| src.error("parameters.Season", e.to_string()))?;
    let sets = v["resultSets"]
        .as_array()
        .ok_or_else(|| src.error("resultSets", "missing or not an array"))?;
    let (n, set) = sets
        .iter()
        .enumerate()
        .find(|(_, s)| s["name"] == "PlayerIndex")
        .ok_or_else(|| src.error("resultSets", "no result set named PlayerIndex"))?;
    let at = format!("resultSets[{n}]");
    let headers: Vec<&str> = set["headers"]
        .as_array()
        .map(|h| h.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let column = |name: &str| {
        headers.iter().position(|h| *h == name).ok_or_else(|| {
            src.error(
                format!("{at}.headers.{name}"),
                format!("required header {name} is missing"),
            )
        })
    };
    let (person, last, first, team_id) = (
        column("PERSON_ID")?,
        column("PLAYER_LAST_NAME")?,
        column("PLAYER_FIRST_NAME")?,
        column("TEAM_ID")?,
    );
    let rows = set["rowSet"]
        .as_array()
        .ok_or_else(|| src.error(format!("{at}.rowSet"), "missing or not an array"))?;
    let mut players = Vec::with_capacity(rows.len());
    let mut quarantined = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let row_at = format!("{at}.rowSet[{i}]");
        let read = || -> Result<ListedPlayer, ParseError> {
            let whole = |c: usize, name: &str| {
                row[c].as_i64().ok_or_else(|| {
                    src.error(
                        format!("{row_at}.{name}"),
                        format!("{} is not an id", row[c]),
                    )
                })
            };
            let player_id = whole(person, "PERSON_ID")?;
            let team = Team::from_id(whole(team_id, "TEAM_ID")?)
                .map_err(|e| src.error(format!("{row_at}.TEAM_ID"), e.to_string()))?;
            let first = row[first].as_str().unwrap_or("").trim();
            let last = row[last].as_str().unwrap_or("").trim();
            if last.is_empty() {
                return Err(src.error(format!("{row_at}.PLAYER_LAST_NAME"), "empty name"));
            }
            let name = if first.is_empty() {
                last.to_string()
            } else {
                format!("{first} {last}")
            };
            Ok(ListedPlayer {
                player_id,
                name,
                team,
            })
        };
        match read() {
            Ok(p) => players.push(p),
            Err(error) => quarantined.push(Quarantined {
                row: format!("{row_at} (player {})", row[person]),
                error,
            }),
        }
    }
    Ok(PlayerList {
        season,
        players,
        quarantined,
    })
}

#[cfg(test)]
#[path = "nbacom_rosters_tests.rs"]
mod tests;
