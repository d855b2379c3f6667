//! stats.nba.com `leaguegamelog` (PlayerOrTeam=P): one row per player per game.
//!
//! Cells are read by header name, never by position: the same endpoint comes with and without
//! `FANTASY_PTS` and `VIDEO_AVAILABLE` (the real capture has them, the archive files do not).
//! Headers are mapped to indices once per result set; rows are converted while they are read
//! (see `leaguegamelog_de.rs`).
//!
//! A row that cannot be used (a cell of the wrong type, a stat out of range, a `MATCHUP` that does
//! not name the row's team) is quarantined ([`GameLog::quarantined`]) and the other rows are
//! kept; only a payload whose structure is unusable (not JSON, no result set, missing headers)
//! is refused whole.
//!
//! Teams come from `TEAM_ABBREVIATION` / `TEAM_ID`, never from the position in `MATCHUP`:
//! neutral-site games (NBA Mexico City and Paris games, Cup knockout games in Las Vegas) write
//! "AWAY @ HOME" on both teams' rows, so the home team's rows do not start with their own team.
//! `MATCHUP` is read as a statement about the game ("DEN vs. LAL": DEN hosts LAL; "LAL @ DEN":
//! the same), the opponent is the game's other team, and who is home is the game's one answer
//! across its rows (see [`resolve_games`]). Neutral-site home teams are a convention that
//! sources disagree on: the schedule's orientation wins downstream.
//!
//! `SEASON_ID` is not cross-checked against `GAME_DATE`: the 2019-20 bubble games were played in
//! August to October 2020 yet belong to season 2019-20.

use super::cell::Cell;
use super::{ParseError, Quarantined, Source, Stat, Stats, check_stats};
use nba_props_core::{GameDate, GameId, Season, Team};
use std::sync::LazyLock;

#[path = "leaguegamelog_de.rs"]
mod de;

/// One player's line in one game.
#[derive(Debug, Clone, PartialEq)]
pub struct BoxScoreLine {
    /// From `SEASON_ID` ("22023").
    pub season: Season,
    pub game_id: GameId,
    pub game_date: GameDate,
    pub player_id: i64,
    pub player_name: String,
    /// `TEAM_ABBREVIATION`, cross-checked with `TEAM_ID` when that column is present.
    pub team: Team,
    pub opponent: Team,
    /// From `MATCHUP`: "DEN vs. LAL" is DEN at home, "LAL @ DEN" is LAL away; one answer per
    /// game (see the module doc for neutral sites).
    pub is_home: bool,
    /// `WL`; `None` while a game is not final.
    pub win: Option<bool>,
    /// `MIN`: whole minutes, fractional minutes or "MM:SS".
    pub minutes: Option<f64>,
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
    pub pts: i32,
    pub plus_minus: Option<i32>,
}

const COUNTING: [&str; 16] = [
    "FGM",
    "FGA",
    "FG3M",
    "FG3A",
    "FTM",
    "FTA",
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

/// Column indices of one result set.
struct Columns {
    season: usize,
    player_id: usize,
    player_name: usize,
    team_id: Option<usize>,
    team: usize,
    game_id: usize,
    game_date: usize,
    matchup: usize,
    wl: usize,
    min: usize,
    counting: [usize; 16],
}

impl Columns {
    fn find(headers: &[String], at: &str, src: &Source) -> Result<Self, ParseError> {
        let position = |name: &str| headers.iter().position(|h| h == name);
        let required = |name: &str| {
            position(name).ok_or_else(|| {
                let listed: Vec<&str> = headers.iter().map(String::as_str).collect();
                src.error(
                    format!("{at}.headers.{name}"),
                    format!(
                        "required header {name} is missing (headers: {})",
                        listed.join(", ")
                    ),
                )
            })
        };
        let mut cols = Self {
            season: required("SEASON_ID")?,
            player_id: required("PLAYER_ID")?,
            player_name: required("PLAYER_NAME")?,
            team_id: position("TEAM_ID"),
            team: required("TEAM_ABBREVIATION")?,
            game_id: required("GAME_ID")?,
            game_date: required("GAME_DATE")?,
            matchup: required("MATCHUP")?,
            wl: required("WL")?,
            min: required("MIN")?,
            counting: [0; 16],
        };
        for (slot, name) in cols.counting.iter_mut().zip(COUNTING) {
            *slot = required(name)?;
        }
        Ok(cols)
    }

    /// Which header positions are read; the other cells are skipped unparsed.
    fn needed(&self, width: usize) -> Vec<bool> {
        let mut needed = vec![false; width];
        let single = [
            self.season,
            self.player_id,
            self.player_name,
            self.team,
            self.game_id,
            self.game_date,
            self.matchup,
            self.wl,
            self.min,
        ];
        for i in single.into_iter().chain(self.team_id).chain(self.counting) {
            if let Some(n) = needed.get_mut(i) {
                *n = true;
            }
        }
        needed
    }
}

/// A parsed leaguegamelog payload: the rows that can be used and the rows set aside.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GameLog {
    /// One per usable row, in payload order.
    pub lines: Vec<BoxScoreLine>,
    /// The `rowSet` index of each line.
    pub rows: Vec<usize>,
    /// The path of the result set read (`resultSets[0]`).
    pub set: String,
    pub quarantined: Vec<Quarantined>,
}

impl GameLog {
    /// The path of a row of the set read: `resultSets[0].rowSet[12]`.
    pub fn row_path(&self, index: usize) -> String {
        format!("{}.rowSet[{index}]", self.set)
    }
}

/// Parses a leaguegamelog player payload into one [`BoxScoreLine`] per usable row.
pub fn parse(bytes: &[u8], src: &Source) -> Result<GameLog, ParseError> {
    de::parse(bytes, src)
}

/// Resolves each game over its rows: the game's teams are the rows' own teams, each row's
/// opponent is the other one, and who is home is one answer for the whole game. Rows that
/// contradict their game are quarantined:
///
/// - a game with rows of more than two teams: all its rows (which belong where is unknowable);
/// - a row whose `MATCHUP` names an opponent that is not the game's other team.
///
/// When the rows disagree about the host (both teams' rows claim home, or away), a row written
/// "X @ Y" decides, since it names the host explicitly; failing that, the first row's claim
/// stands for the whole game. Either way both teams' rows agree, and the schedule (which
/// matches games in either orientation) keeps its own host.
pub(crate) fn resolve_games(
    converted: Vec<(usize, BoxScoreLine, Claim)>,
    mut quarantined: Vec<Quarantined>,
    set: String,
    src: &Source,
) -> GameLog {
    struct Game {
        id: GameId,
        teams: Vec<Team>,
        /// (claimed home, claimed by an "X @ Y" row), in row order.
        claims: Vec<(Team, bool)>,
        host: Option<Team>,
    }
    // A payload holds a few games and lists each game's rows together: a linear search that
    // starts from the last hit allocates nothing per row (this runs for every row of a season).
    let mut games: Vec<Game> = Vec::new();
    let mut slots = Vec::with_capacity(converted.len());
    let mut last = 0;
    for (_, l, claim) in &converted {
        let slot = match games.get(last).filter(|g| g.id == l.game_id) {
            Some(_) => last,
            None => match games.iter().position(|g| g.id == l.game_id) {
                Some(i) => i,
                None => {
                    games.push(Game {
                        id: l.game_id.clone(),
                        teams: Vec::with_capacity(2),
                        claims: Vec::new(),
                        host: None,
                    });
                    games.len() - 1
                }
            },
        };
        last = slot;
        let g = &mut games[slot];
        if !g.teams.contains(&l.team) {
            g.teams.push(l.team);
        }
        g.claims.push((claim.home, claim.at_form));
        slots.push(slot);
    }
    for g in &mut games {
        let first = g.claims[0].0;
        g.host = Some(if g.claims.iter().all(|(h, _)| *h == first) {
            first
        } else {
            g.claims
                .iter()
                .find(|(_, at)| *at)
                .map_or(first, |(h, _)| *h)
        });
    }
    let mut out = GameLog {
        lines: Vec::with_capacity(converted.len()),
        rows: Vec::with_capacity(converted.len()),
        set,
        quarantined: Vec::new(),
    };
    for ((index, mut line, _), slot) in converted.into_iter().zip(slots) {
        let g = &games[slot];
        let other = g.teams.iter().copied().find(|t| *t != line.team);
        let problem = if g.teams.len() > 2 {
            let listed: Vec<&str> = g.teams.iter().map(|t| t.tricode()).collect();
            Some(format!(
                "game {} has rows of {} teams ({}): which rows belong to it is unknowable",
                line.game_id,
                g.teams.len(),
                listed.join(", ")
            ))
        } else {
            other.filter(|o| *o != line.opponent).map(|other| {
                format!(
                    "names {} as {}'s opponent, but the game's other team is {other}",
                    line.opponent, line.team
                )
            })
        };
        if let Some(message) = problem {
            let path = out.row_path(index);
            let row = format!("{path} (game {}, player {})", line.game_id, line.player_id);
            let error = src.error(format!("{path}.MATCHUP"), message);
            quarantined.push(Quarantined { row, error });
            continue;
        }
        line.is_home = g.host == Some(line.team);
        out.lines.push(line);
        out.rows.push(index);
    }
    out.quarantined = quarantined;
    out
}

/// What a row's `MATCHUP` says about its game, kept until the game is resolved.
pub(crate) struct Claim {
    /// The team the matchup names as host.
    home: Team,
    /// Written "X @ Y", which names the host explicitly.
    at_form: bool,
}

/// One row being converted, with what an error message needs.
struct Row<'r, 'a> {
    cells: &'r [Cell<'a>],
    headers: &'r [String],
    at: &'r str,
    index: usize,
    src: &'r Source<'r>,
}

impl<'a> Row<'_, 'a> {
    fn err(&self, col: usize, message: impl Into<String>) -> ParseError {
        let header = self.headers.get(col).map_or("?", String::as_str);
        self.src.error(
            format!("{}.rowSet[{}].{header}", self.at, self.index),
            message,
        )
    }

    fn cell(&self, col: usize) -> &Cell<'a> {
        self.cells.get(col).unwrap_or(&Cell::Null)
    }

    fn get<T>(
        &self,
        col: usize,
        convert: impl FnOnce(&Cell<'a>) -> Result<T, String>,
    ) -> Result<T, ParseError> {
        convert(self.cell(col)).map_err(|m| self.err(col, m))
    }

    fn opt<T>(
        &self,
        col: usize,
        convert: impl FnOnce(&Cell<'a>) -> Result<T, String>,
    ) -> Result<Option<T>, ParseError> {
        let cell = self.cell(col);
        if cell.is_null() {
            Ok(None)
        } else {
            convert(cell).map(Some).map_err(|m| self.err(col, m))
        }
    }

    /// The row's path and, when its cells allow, its game and player, for the quarantine.
    pub(crate) fn quarantine(&self, c: &Columns, error: ParseError, ids: bool) -> Quarantined {
        let mut row = format!("{}.rowSet[{}]", self.at, self.index);
        let game = self.cell(c.game_id).to_str().ok().filter(|_| ids);
        let player = self.cell(c.player_id).to_i64().ok().filter(|_| ids);
        match (game, player) {
            (Some(g), Some(p)) => row.push_str(&format!(" (game {g:.12}, player {p})")),
            (Some(g), None) => row.push_str(&format!(" (game {g:.12})")),
            (None, Some(p)) => row.push_str(&format!(" (player {p})")),
            (None, None) => {}
        }
        Quarantined { row, error }
    }

    fn line(&self, c: &Columns) -> Result<(BoxScoreLine, Claim), ParseError> {
        let core = |e: nba_props_core::ParseError| e.to_string();
        let season = self.get(c.season, |v| match v {
            Cell::Int(i) => Season::parse(&i.to_string()).map_err(core),
            v => Season::parse(v.to_str()?).map_err(core),
        })?;
        let game_id = self.get(c.game_id, |v| GameId::parse(v.to_str()?).map_err(core))?;
        let game_date = self.get(c.game_date, |v| game_date(v.to_str()?))?;
        let player_id = self.get(c.player_id, Cell::to_i64)?;
        let player_name = self.get(c.player_name, |v| v.to_str().map(str::to_string))?;
        let team = self.get(c.team, |v| tricode(v.to_str()?))?;
        if let Some(col) = c.team_id {
            let by_id = self.opt(col, |v| Team::from_id(v.to_i64()?).map_err(core))?;
            if let Some(by_id) = by_id.filter(|t| *t != team) {
                return Err(self.err(
                    col,
                    format!("team id is {by_id} but TEAM_ABBREVIATION says {team}"),
                ));
            }
        }
        let (home, away, at_form) = self.get(c.matchup, |v| matchup(v.to_str()?, team))?;
        let opponent = if home == team { away } else { home };
        let win = self.opt(c.wl, |v| match v.to_str()? {
            "W" => Ok(true),
            "L" => Ok(false),
            other => Err(format!("expected \"W\", \"L\" or null, got {other:?}")),
        })?;
        let minutes = self.opt(c.min, minutes)?;
        let mut n = [0i32; 15];
        for (slot, &col) in n.iter_mut().zip(&c.counting) {
            *slot = self.get(col, Cell::to_i32)?;
        }
        let plus_minus = self.opt(c.counting[15], Cell::to_i32)?;
        let stats = Stats {
            points: n[14],
            fgm: n[0],
            fga: n[1],
            fg3m: n[2],
            fg3a: n[3],
            ftm: n[4],
            fta: n[5],
            oreb: n[6],
            dreb: n[7],
            reb: n[8],
            ast: n[9],
            stl: n[10],
            blk: n[11],
            tov: n[12],
            pf: n[13],
            plus_minus,
        };
        if let Err((stat, message)) = check_stats(&stats, minutes) {
            let col = match stat {
                Stat::Minutes => c.min,
                Stat::PlusMinus => c.counting[15],
                Stat::Fgm => c.counting[0],
                Stat::Fga => c.counting[1],
                Stat::Fg3m => c.counting[2],
                Stat::Fg3a => c.counting[3],
                Stat::Ftm => c.counting[4],
                Stat::Fta => c.counting[5],
                Stat::Oreb => c.counting[6],
                Stat::Dreb => c.counting[7],
                Stat::Reb => c.counting[8],
                Stat::Ast => c.counting[9],
                Stat::Stl => c.counting[10],
                Stat::Blk => c.counting[11],
                Stat::Tov => c.counting[12],
                Stat::Pf => c.counting[13],
                Stat::Points => c.counting[14],
            };
            return Err(self.err(col, message));
        }
        let [
            fgm,
            fga,
            fg3m,
            fg3a,
            ftm,
            fta,
            oreb,
            dreb,
            reb,
            ast,
            stl,
            blk,
            tov,
            pf,
            pts,
        ] = n;
        let line = BoxScoreLine {
            season,
            game_id,
            game_date,
            player_id,
            player_name,
            team,
            opponent,
            is_home: home == team,
            win,
            minutes,
            fgm,
            fga,
            fg3m,
            fg3a,
            ftm,
            fta,
            oreb,
            dreb,
            reb,
            ast,
            stl,
            blk,
            tov,
            pf,
            pts,
            plus_minus,
        };
        let claim = Claim { home, at_form };
        Ok((line, claim))
    }
}

/// `2021-10-19` (leaguegamelog), or `OCT 19, 2021` as the per-player and per-team game logs
/// write it.
fn game_date(s: &str) -> Result<GameDate, String> {
    // Plain `YYYY-MM-DD` digits skip the general parser: this runs once per row.
    if let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *s.as_bytes()
        && [y0, y1, y2, y3, m0, m1, d0, d1]
            .iter()
            .all(u8::is_ascii_digit)
    {
        let n = |digits: &[u8]| {
            digits
                .iter()
                .fold(0i16, |v, &c| v * 10 + i16::from(c - b'0'))
        };
        let (year, month, day) = (n(&[y0, y1, y2, y3]), n(&[m0, m1]) as i8, n(&[d0, d1]) as i8);
        if let Ok(date) = jiff::civil::Date::new(year, month, day) {
            return Ok(GameDate::new(date));
        }
    }
    if let Ok(d) = GameDate::parse(s) {
        return Ok(d);
    }
    let bad = || format!("expected a date like 2021-10-19 or OCT 19, 2021, got {s:?}");
    let mut parts = s.split_whitespace();
    let (Some(mon), Some(day), Some(year), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    const MONTHS: [&str; 12] = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    let month = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(mon))
        .ok_or_else(bad)? as i8
        + 1;
    let day: i8 = day
        .strip_suffix(',')
        .ok_or_else(bad)?
        .parse()
        .map_err(|_| bad())?;
    let year: i16 = year.parse().map_err(|_| bad())?;
    jiff::civil::Date::new(year, month, day)
        .map(GameDate::new)
        .map_err(|_| bad())
}

/// A stats.nba.com tricode. Exact uppercase codes are found by comparing them packed into an
/// integer, other spellings by the core lookup: this runs up to three times per row, and the
/// core lookup (case-insensitive, over 60 spellings) was a visible share of a season's parse.
fn tricode(s: &str) -> Result<Team, String> {
    fn pack(b: &[u8]) -> u32 {
        b.iter().fold(0, |k, &c| k << 8 | u32::from(c))
    }
    static PACKED: LazyLock<Vec<(u32, Team)>> = LazyLock::new(|| {
        Team::all()
            .map(|t| (pack(t.tricode().as_bytes()), t))
            .collect()
    });
    if s.len() == 3 {
        let key = pack(s.as_bytes());
        if let Some(&(_, team)) = PACKED.iter().find(|(k, _)| *k == key) {
            return Ok(team);
        }
    }
    Team::from_abbreviation(s).map_err(|e| e.to_string())
}

/// `"DEN vs. LAL"` or `"LAL @ DEN"`: (home, away, written with "@"). The row's team must be one
/// of the two; it need not come first (neutral-site rows read "AWAY @ HOME" for both teams).
fn matchup(s: &str, team: Team) -> Result<(Team, Team, bool), String> {
    let bad = || format!("expected \"{team} vs. OPP\" or \"{team} @ OPP\", got {s:?}");
    let mut parts = s.split(' ').filter(|p| !p.is_empty());
    let (Some(first), Some(sep), Some(opp), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let at_form = match sep {
        "vs." | "vs" => false,
        "@" => true,
        _ => return Err(bad()),
    };
    let first = tricode(first).map_err(|_| bad())?;
    let second = tricode(opp).map_err(|_| bad())?;
    if first == second {
        return Err(format!("matchup {s:?} has {first} playing itself"));
    }
    if team != first && team != second {
        return Err(format!("matchup {s:?} does not name the row's team {team}"));
    }
    let (home, away) = if at_form {
        (second, first)
    } else {
        (first, second)
    };
    Ok((home, away, at_form))
}

/// Whole minutes (leaguegamelog), fractional minutes, or "MM:SS" (box score endpoints; older
/// ones write "34.000000:27").
fn minutes(v: &Cell<'_>) -> Result<f64, String> {
    let value = match v {
        Cell::Int(_) | Cell::Float(_) => v.to_f64()?,
        Cell::Str(s) => {
            let bad = || format!("expected minutes as a number or \"MM:SS\", got {s:?}");
            let (m, sec) = s.trim().split_once(':').ok_or_else(bad)?;
            let m: f64 = m.parse().map_err(|_| bad())?;
            let sec: u8 = sec.parse().map_err(|_| bad())?;
            if m.fract() != 0.0 || sec >= 60 {
                return Err(bad());
            }
            m + f64::from(sec) / 60.0
        }
        _ => {
            return Err(format!(
                "expected minutes as a number or \"MM:SS\", got {}",
                v.describe()
            ));
        }
    };
    if value.is_finite() && (0.0..=1000.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("minutes {value} out of range"))
    }
}

#[cfg(test)]
#[path = "leaguegamelog_tests.rs"]
mod tests;
