//! ESPN's site API for NBA games: the scoreboard of a date (`events[]`) and the summary of one
//! game (`header`, `boxscore.players`, `pickcenter`).
//!
//! Teams are ESPN abbreviations (`GS`, `NO`, `NY`, `SA`, `UTAH`, `WSH`), which [`Team`] knows.
//! Box-score columns are found by their `keys` (`points`, `fieldGoalsMade-fieldGoalsAttempted`),
//! so a reordered or extended stat list is read the same way. Pickcenter lines say who is
//! favoured in `details` ("PHI -8.5"); `home_spread` is derived from that (negative = home
//! favoured, the convention of every `*_game_lines` table), and `spread` is kept as written.

use super::cell::Cell;
use super::json::{from_json, timestamp};
use super::schedule::GameStatus;
use super::{ParseError, Quarantined, Source, Stat, Stats, check_stats};
use nba_props_core::Team;
use serde::Deserialize;
use std::borrow::Cow;

/// One game on a scoreboard, or the header of a summary.
#[derive(Debug, Clone, PartialEq)]
pub struct EspnGame {
    pub event_id: String,
    /// The scheduled start (`date`, UTC).
    pub start: Option<jiff::Timestamp>,
    pub status: GameStatus,
    pub home: Team,
    pub away: Team,
    /// `None` before the game starts (ESPN writes 0 then).
    pub home_score: Option<i32>,
    pub away_score: Option<i32>,
}

/// A game summary.
#[derive(Debug, Clone, PartialEq)]
pub struct EspnSummary {
    pub game: EspnGame,
    /// Every athlete listed for either team, in payload order.
    pub players: Vec<EspnPlayerLine>,
    pub lines: Vec<EspnLine>,
    /// Athletes whose line cannot be used (a malformed cell, a stat out of range: see
    /// [`super::check_stats`]), set aside so the others are kept.
    pub quarantined: Vec<Quarantined>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EspnPlayerLine {
    pub team: Team,
    pub espn_player_id: String,
    pub name: String,
    pub starter: Option<bool>,
    pub played: bool,
    /// `reason` of an athlete who did not play ("COACH'S DECISION").
    pub dnp_reason: Option<String>,
    /// Whole minutes as ESPN writes them.
    pub minutes: Option<f64>,
    /// `None` for athletes who did not play (ESPN lists no stats for them).
    pub stats: Option<Stats>,
}

/// One provider's line in `pickcenter`.
#[derive(Debug, Clone, PartialEq)]
pub struct EspnLine {
    pub provider: String,
    pub provider_id: Option<String>,
    pub details: Option<String>,
    /// `overUnder`.
    pub total: Option<f64>,
    /// The home team's spread from `details`: negative when the home team is favoured.
    pub home_spread: Option<f64>,
    /// `spread` as written.
    pub spread_raw: Option<f64>,
    pub home_moneyline: Option<i32>,
    pub away_moneyline: Option<i32>,
    pub home_spread_price: Option<i32>,
    pub away_spread_price: Option<i32>,
    pub over_price: Option<i32>,
    pub under_price: Option<i32>,
}

#[derive(Deserialize)]
struct RawBoard<'a> {
    #[serde(borrow)]
    events: Vec<RawEvent<'a>>,
}

#[derive(Deserialize)]
struct RawEvent<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    date: Option<Cow<'a, str>>,
    #[serde(borrow)]
    competitions: Vec<RawCompetition<'a>>,
    #[serde(borrow)]
    status: Option<RawStatus<'a>>,
}

#[derive(Deserialize)]
struct RawCompetition<'a> {
    #[serde(borrow)]
    date: Option<Cow<'a, str>>,
    #[serde(borrow)]
    competitors: Vec<RawCompetitor<'a>>,
    #[serde(borrow)]
    status: Option<RawStatus<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCompetitor<'a> {
    #[serde(borrow)]
    home_away: Cow<'a, str>,
    #[serde(borrow)]
    team: RawTeamRef<'a>,
    #[serde(borrow)]
    score: Option<Cell<'a>>,
}

#[derive(Deserialize)]
struct RawTeamRef<'a> {
    #[serde(borrow)]
    abbreviation: Cow<'a, str>,
}

#[derive(Deserialize)]
struct RawStatus<'a> {
    #[serde(rename = "type", borrow)]
    kind: RawStatusType<'a>,
}

#[derive(Deserialize)]
struct RawStatusType<'a> {
    #[serde(borrow)]
    state: Cow<'a, str>,
}

#[derive(Deserialize)]
struct RawSummary<'a> {
    #[serde(borrow)]
    header: RawHeader<'a>,
    #[serde(borrow)]
    boxscore: Option<RawBox<'a>>,
    #[serde(borrow)]
    pickcenter: Option<Vec<RawPick<'a>>>,
}

#[derive(Deserialize)]
struct RawHeader<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    competitions: Vec<RawCompetition<'a>>,
}

#[derive(Deserialize)]
struct RawBox<'a> {
    #[serde(borrow)]
    players: Option<Vec<RawTeamPlayers<'a>>>,
}

#[derive(Deserialize)]
struct RawTeamPlayers<'a> {
    #[serde(borrow)]
    team: RawTeamRef<'a>,
    #[serde(borrow)]
    statistics: Vec<RawStatGroup<'a>>,
}

#[derive(Deserialize)]
struct RawStatGroup<'a> {
    #[serde(borrow)]
    keys: Vec<Cow<'a, str>>,
    #[serde(borrow)]
    athletes: Vec<RawAthlete<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAthlete<'a> {
    #[serde(borrow)]
    athlete: RawAthleteRef<'a>,
    starter: Option<bool>,
    did_not_play: Option<bool>,
    #[serde(borrow)]
    reason: Option<Cow<'a, str>>,
    #[serde(borrow)]
    stats: Vec<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAthleteRef<'a> {
    #[serde(borrow)]
    id: Cell<'a>,
    #[serde(borrow)]
    display_name: Cow<'a, str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPick<'a> {
    #[serde(borrow)]
    provider: RawProvider<'a>,
    #[serde(borrow)]
    details: Option<Cow<'a, str>>,
    #[serde(borrow)]
    over_under: Option<Cell<'a>>,
    #[serde(borrow)]
    spread: Option<Cell<'a>>,
    #[serde(borrow)]
    over_odds: Option<Cell<'a>>,
    #[serde(borrow)]
    under_odds: Option<Cell<'a>>,
    #[serde(borrow)]
    home_team_odds: Option<RawTeamOdds<'a>>,
    #[serde(borrow)]
    away_team_odds: Option<RawTeamOdds<'a>>,
}

#[derive(Deserialize)]
struct RawProvider<'a> {
    #[serde(borrow)]
    id: Option<Cell<'a>>,
    #[serde(borrow)]
    name: Cow<'a, str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTeamOdds<'a> {
    #[serde(borrow)]
    money_line: Option<Cell<'a>>,
    #[serde(borrow)]
    spread_odds: Option<Cell<'a>>,
}

/// A scoreboard: its events and those that cannot be read, set aside.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EspnBoard {
    /// In payload order (empty on a day without games).
    pub games: Vec<EspnGame>,
    pub quarantined: Vec<Quarantined>,
}

/// Parses a scoreboard: every event, in payload order; one that cannot be read is quarantined
/// and the others are kept.
pub fn parse_scoreboard(bytes: &[u8], src: &Source) -> Result<EspnBoard, ParseError> {
    let raw: RawBoard = from_json(bytes, src)?;
    let mut out = EspnBoard::default();
    for (i, e) in raw.events.iter().enumerate() {
        let path = format!("events[{i}]");
        let read = (|| {
            let comp = e
                .competitions
                .first()
                .ok_or_else(|| src.error(format!("{path}.competitions"), "no competition"))?;
            game(
                &e.id,
                e.date.as_deref().or(comp.date.as_deref()),
                comp.status.as_ref().or(e.status.as_ref()),
                comp,
                &path,
                &format!("{path}.competitions[0]"),
                src,
            )
        })();
        match read {
            Ok(g) => out.games.push(g),
            Err(error) => out.quarantined.push(Quarantined { row: path, error }),
        }
    }
    Ok(out)
}

/// Parses a game summary.
pub fn parse_summary(bytes: &[u8], src: &Source) -> Result<EspnSummary, ParseError> {
    let raw: RawSummary = from_json(bytes, src)?;
    let comp = raw
        .header
        .competitions
        .first()
        .ok_or_else(|| src.error("header.competitions", "no competition"))?;
    let game = game(
        &raw.header.id,
        comp.date.as_deref(),
        comp.status.as_ref(),
        comp,
        "header",
        "header.competitions[0]",
        src,
    )?;
    let mut players = Vec::new();
    let mut quarantined = Vec::new();
    let teams = raw.boxscore.as_ref().and_then(|b| b.players.as_deref());
    for (t, team_players) in teams.unwrap_or_default().iter().enumerate() {
        let path = format!("boxscore.players[{t}]");
        let team = Team::from_abbreviation(&team_players.team.abbreviation)
            .map_err(|e| src.error(format!("{path}.team.abbreviation"), e.to_string()))?;
        if team != game.home && team != game.away {
            return Err(src.error(
                format!("{path}.team.abbreviation"),
                format!(
                    "{team} is neither team of the game ({} @ {})",
                    game.away, game.home
                ),
            ));
        }
        for (g, group) in team_players.statistics.iter().enumerate() {
            let path = format!("{path}.statistics[{g}]");
            let columns = Columns::new(&group.keys, &format!("{path}.keys"), src)?;
            for (a, athlete) in group.athletes.iter().enumerate() {
                let path = format!("{path}.athletes[{a}]");
                match player_line(team, athlete, &columns, &path, src) {
                    Ok(line) => players.push(line),
                    Err(error) => quarantined.push(Quarantined { row: path, error }),
                }
            }
        }
    }
    let mut lines = Vec::new();
    for (i, p) in raw
        .pickcenter
        .as_deref()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let row = format!("pickcenter[{i}]");
        match line(p, &game, &row, src) {
            Ok(l) => lines.push(l),
            Err(error) => quarantined.push(Quarantined { row, error }),
        }
    }
    Ok(EspnSummary {
        game,
        players,
        lines,
        quarantined,
    })
}

fn game(
    id: &str,
    date: Option<&str>,
    status: Option<&RawStatus<'_>>,
    comp: &RawCompetition<'_>,
    path: &str,
    comp_path: &str,
    src: &Source,
) -> Result<EspnGame, ParseError> {
    let event_id = id.trim();
    if event_id.is_empty() {
        return Err(src.error(format!("{path}.id"), "empty event id"));
    }
    let start = date
        .map(|d| timestamp(d).map_err(|m| src.error(format!("{path}.date"), m)))
        .transpose()?;
    let state = status.map(|s| s.kind.state.as_ref());
    let status = match state {
        Some("pre") => GameStatus::Scheduled,
        Some("in") => GameStatus::Live,
        Some("post") => GameStatus::Final,
        other => {
            return Err(src.error(
                format!("{comp_path}.status.type.state"),
                format!("expected pre, in or post, got {other:?}"),
            ));
        }
    };
    let side = |which: &str| -> Result<(Team, Option<i32>), ParseError> {
        let (i, c) = comp
            .competitors
            .iter()
            .enumerate()
            .find(|(_, c)| c.home_away.trim() == which)
            .ok_or_else(|| {
                src.error(
                    format!("{comp_path}.competitors"),
                    format!("no {which} competitor"),
                )
            })?;
        let at = |f: &str| format!("{comp_path}.competitors[{i}].{f}");
        let team = Team::from_abbreviation(&c.team.abbreviation)
            .map_err(|e| src.error(at("team.abbreviation"), e.to_string()))?;
        let score = match (&c.score, status) {
            (_, GameStatus::Scheduled) | (None, _) => None,
            (Some(s), _) => Some(int_text(s).map_err(|m| src.error(at("score"), m))?),
        };
        Ok((team, score))
    };
    let (home, home_score) = side("home")?;
    let (away, away_score) = side("away")?;
    if home == away {
        return Err(src.error(
            format!("{comp_path}.competitors"),
            format!("{home} cannot play itself"),
        ));
    }
    Ok(EspnGame {
        event_id: event_id.to_string(),
        start,
        status,
        home,
        away,
        home_score,
        away_score,
    })
}

/// The box-score columns this parser reads, by key, with their index in `stats`.
struct Columns {
    index: [usize; 14],
}

const KEYS: [&str; 14] = [
    "minutes",
    "fieldGoalsMade-fieldGoalsAttempted",
    "threePointFieldGoalsMade-threePointFieldGoalsAttempted",
    "freeThrowsMade-freeThrowsAttempted",
    "offensiveRebounds",
    "defensiveRebounds",
    "rebounds",
    "assists",
    "steals",
    "blocks",
    "turnovers",
    "fouls",
    "plusMinus",
    "points",
];

impl Columns {
    fn new(keys: &[Cow<'_, str>], path: &str, src: &Source) -> Result<Self, ParseError> {
        let mut index = [0; 14];
        for (slot, want) in index.iter_mut().zip(KEYS) {
            *slot = keys
                .iter()
                .position(|k| k.trim() == want)
                .ok_or_else(|| src.error(path, format!("no column {want}")))?;
        }
        Ok(Self { index })
    }
}

fn player_line(
    team: Team,
    a: &RawAthlete<'_>,
    cols: &Columns,
    path: &str,
    src: &Source,
) -> Result<EspnPlayerLine, ParseError> {
    let espn_player_id = match &a.athlete.id {
        Cell::Str(s) if !s.trim().is_empty() => s.trim().to_string(),
        Cell::Int(i) => i.to_string(),
        other => {
            return Err(src.error(
                format!("{path}.athlete.id"),
                format!("expected an id, got {}", other.describe()),
            ));
        }
    };
    let name = a.athlete.display_name.trim().to_string();
    if name.is_empty() {
        return Err(src.error(format!("{path}.athlete.displayName"), "empty name"));
    }
    let reason = a
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    let did_not_play = a.did_not_play.unwrap_or(false) || a.stats.is_empty();
    let (minutes, stats) = if did_not_play {
        (None, None)
    } else {
        let cell = |k: usize| -> (&str, String) {
            let i = cols.index[k];
            (
                a.stats.get(i).map(|s| s.trim()).unwrap_or(""),
                format!("{path}.stats[{i}]"),
            )
        };
        let num = |k: usize| -> Result<i32, ParseError> {
            let (s, at) = cell(k);
            s.trim_start_matches('+').parse::<i32>().map_err(|_| {
                src.error(
                    at,
                    format!("{}: expected a whole number, got {s:?}", KEYS[k]),
                )
            })
        };
        let pair = |k: usize| -> Result<(i32, i32), ParseError> {
            let (s, at) = cell(k);
            s.split_once('-')
                .and_then(|(m, a)| Some((m.parse().ok()?, a.parse().ok()?)))
                .filter(|(m, a)| m <= a)
                .ok_or_else(|| {
                    src.error(
                        at,
                        format!("{}: expected made-attempted like 5-9, got {s:?}", KEYS[k]),
                    )
                })
        };
        let plus_minus = match cell(12).0 {
            "" | "--" => None,
            _ => Some(num(12)?),
        };
        let (fgm, fga) = pair(1)?;
        let (fg3m, fg3a) = pair(2)?;
        let (ftm, fta) = pair(3)?;
        let stats = Stats {
            points: num(13)?,
            fgm,
            fga,
            fg3m,
            fg3a,
            ftm,
            fta,
            oreb: num(4)?,
            dreb: num(5)?,
            reb: num(6)?,
            ast: num(7)?,
            stl: num(8)?,
            blk: num(9)?,
            tov: num(10)?,
            pf: num(11)?,
            plus_minus,
        };
        let minutes = f64::from(num(0)?);
        if let Err((stat, message)) = check_stats(&stats, Some(minutes)) {
            let k = match stat {
                Stat::Minutes => 0,
                Stat::Fgm | Stat::Fga => 1,
                Stat::Fg3m | Stat::Fg3a => 2,
                Stat::Ftm | Stat::Fta => 3,
                Stat::Oreb => 4,
                Stat::Dreb => 5,
                Stat::Reb => 6,
                Stat::Ast => 7,
                Stat::Stl => 8,
                Stat::Blk => 9,
                Stat::Tov => 10,
                Stat::Pf => 11,
                Stat::PlusMinus => 12,
                Stat::Points => 13,
            };
            let (_, at) = cell(k);
            return Err(src.error(at, format!("{}: {message}", KEYS[k])));
        }
        (Some(minutes), Some(stats))
    };
    Ok(EspnPlayerLine {
        team,
        espn_player_id,
        name,
        starter: a.starter,
        played: !did_not_play,
        dnp_reason: reason,
        minutes,
        stats,
    })
}

fn line(
    p: &RawPick<'_>,
    game: &EspnGame,
    path: &str,
    src: &Source,
) -> Result<EspnLine, ParseError> {
    let provider = p.provider.name.trim().to_string();
    if provider.is_empty() {
        return Err(src.error(format!("{path}.provider.name"), "empty provider name"));
    }
    let num = |c: &Option<Cell<'_>>, f: &str| -> Result<Option<f64>, ParseError> {
        match c {
            None | Some(Cell::Null) => Ok(None),
            Some(c) => c
                .to_f64()
                .map(Some)
                .map_err(|m| src.error(format!("{path}.{f}"), m)),
        }
    };
    let price = |c: Option<&Cell<'_>>, f: &str| -> Result<Option<i32>, ParseError> {
        match c {
            None | Some(Cell::Null) => Ok(None),
            Some(c) => american(c)
                .map(Some)
                .map_err(|m| src.error(format!("{path}.{f}"), m)),
        }
    };
    let home = p.home_team_odds.as_ref();
    let away = p.away_team_odds.as_ref();
    let details = p
        .details
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_string);
    Ok(EspnLine {
        provider,
        provider_id: match &p.provider.id {
            Some(Cell::Str(s)) => Some(s.to_string()),
            Some(Cell::Int(i)) => Some(i.to_string()),
            _ => None,
        },
        home_spread: details.as_deref().and_then(|d| home_spread(d, game)),
        details,
        total: num(&p.over_under, "overUnder")?,
        spread_raw: num(&p.spread, "spread")?,
        home_moneyline: price(
            home.and_then(|o| o.money_line.as_ref()),
            "homeTeamOdds.moneyLine",
        )?,
        away_moneyline: price(
            away.and_then(|o| o.money_line.as_ref()),
            "awayTeamOdds.moneyLine",
        )?,
        home_spread_price: price(
            home.and_then(|o| o.spread_odds.as_ref()),
            "homeTeamOdds.spreadOdds",
        )?,
        away_spread_price: price(
            away.and_then(|o| o.spread_odds.as_ref()),
            "awayTeamOdds.spreadOdds",
        )?,
        over_price: price(p.over_odds.as_ref(), "overOdds")?,
        under_price: price(p.under_odds.as_ref(), "underOdds")?,
    })
}

/// `"PHI -8.5"` on a game with PHI at home → -8.5; with PHI away → 8.5; `"EVEN"`/`"PK"` → 0.
/// Anything else (a moneyline such as "PHI -350", an unknown team) says nothing about the spread.
fn home_spread(details: &str, game: &EspnGame) -> Option<f64> {
    if matches!(
        details.to_ascii_uppercase().as_str(),
        "EVEN" | "PK" | "PICK"
    ) {
        return Some(0.0);
    }
    let (abbr, line) = details.split_once(' ')?;
    let line: f64 = line.trim().parse().ok()?;
    let team = Team::from_abbreviation(abbr).ok()?;
    // A spread is at most a few dozen points; beyond that `details` is a moneyline.
    if line.abs() >= 100.0 {
        return None;
    }
    match team {
        t if t == game.home => Some(line + 0.0),
        t if t == game.away => Some(-line + 0.0),
        _ => None,
    }
}

/// A number written as text or as a number (`"124"`, `124`).
fn int_text(c: &Cell<'_>) -> Result<i32, String> {
    match c {
        Cell::Str(s) => s
            .trim()
            .parse()
            .map_err(|_| format!("expected a whole number, got {}", c.describe())),
        other => other.to_i32(),
    }
}

/// An American price (|price| >= 100); ESPN writes some as floats (`-110.0`).
fn american(c: &Cell<'_>) -> Result<i32, String> {
    let v = match c {
        Cell::Str(s) => s
            .trim()
            .trim_start_matches('+')
            .parse::<f64>()
            .map_err(|_| format!("expected American odds, got {}", c.describe()))?,
        other => other.to_f64()?,
    };
    if v.fract() != 0.0 || v.abs() < 100.0 || v.abs() > 100_000.0 {
        return Err(format!("{v} is not an American price (|price| >= 100)"));
    }
    Ok(v as i32)
}

#[cfg(test)]
#[path = "espn_tests.rs"]
mod tests;
