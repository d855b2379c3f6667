//! The archive as the replay reads it: `manifest.jsonl` lists every file; schedules give tip-off
//! times, the Odds API snapshots are indexed by event and capture time, the SBR rows are parsed.
//! A file that cannot be read or parsed is left out and named in [`Archive::skipped`]; it never
//! stops the others.

use crate::ReplayError;
use nba_props_core::GameDate;
use nba_props_core::date::eastern;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A date's games are taken as over this long after the last scheduled tip-off.
pub const GAME_LENGTH_MS: i64 = 3 * 3_600_000;

#[derive(Deserialize)]
struct ManifestLine {
    path: String,
    source: String,
    dataset: String,
    partition: String,
    captured_at: Option<String>,
}

pub struct ScheduleFile {
    pub bytes: Vec<u8>,
    /// `captured_at` of the manifest (the CDN `meta.time`), unknown for built schedules.
    pub captured_ms: Option<i64>,
}

/// A scheduled game: its Eastern date, tip-off (when the schedule has one), teams.
pub struct Game {
    pub date: GameDate,
    pub tip_ms: Option<i64>,
    pub home: Team,
    pub away: Team,
}

pub struct Team {
    /// Nickname (`Clippers`, `Trail Blazers`); The Odds API's full names end with it.
    pub name: String,
    pub tricode: String,
}

/// An Odds API event of the props archive and its snapshots, oldest first.
pub struct Event {
    pub id: String,
    pub home_team: String,
    pub away_team: String,
    pub sport_key: String,
    pub sport_title: String,
    /// The UTC date folder it is filed under (the UTC date of its commence time).
    pub utc_date: jiff::civil::Date,
    /// Scheduled tip-off from the schedule (the archive's props files have no commence time).
    pub commence_ms: Option<i64>,
    pub snapshots: Vec<Snapshot>,
}

pub struct Snapshot {
    pub captured_ms: i64,
    pub path: PathBuf,
}

/// The bookmaker an SBR season's lines are from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SbrBook {
    /// kyleskom's `*_new` tables: sbrscrape with sportsbook = "fanduel".
    FanDuel,
    /// The older tables: the repository does not say which book.
    Unknown,
}

/// One SBR row, values as in the CSV (`None` for an empty cell).
pub struct LineRow {
    pub home: String,
    pub away: String,
    pub total: Option<f64>,
    /// The away team's spread (2022-23 on), or unsigned (2021-22: see `spread_unsigned`).
    pub spread: Option<f64>,
    pub spread_unsigned: bool,
    pub ml_home: Option<i64>,
    pub ml_away: Option<i64>,
    pub book: SbrBook,
    /// Scheduled tip-off of the matching game, when the schedule has one.
    pub tip_ms: Option<i64>,
}

pub struct Archive {
    pub dir: PathBuf,
    pub schedules: BTreeMap<String, ScheduleFile>,
    pub games: Vec<Game>,
    pub gamelogs: BTreeMap<GameDate, PathBuf>,
    pub events: BTreeMap<String, Event>,
    pub lines: Vec<LineRow>,
    /// Files left out, each with the reason.
    pub skipped: Vec<String>,
}

fn ms(ts: &str) -> Option<i64> {
    ts.parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_millisecond())
}

/// 03:00 US Eastern on the morning after `date`: when a date's games are surely over.
pub fn morning_after_ms(date: GameDate) -> i64 {
    date.add_days(1)
        .date()
        .at(3, 0, 0, 0)
        .to_zoned(eastern().clone())
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or(i64::MAX)
}

impl Archive {
    pub fn load(dir: &Path) -> Result<Self, ReplayError> {
        let manifest_path = dir.join("manifest.jsonl");
        let manifest =
            std::fs::read_to_string(&manifest_path).map_err(|e| ReplayError::Archive {
                path: manifest_path.clone(),
                detail: e.to_string(),
            })?;
        let mut a = Archive {
            dir: dir.to_path_buf(),
            schedules: BTreeMap::new(),
            games: Vec::new(),
            gamelogs: BTreeMap::new(),
            events: BTreeMap::new(),
            lines: Vec::new(),
            skipped: Vec::new(),
        };
        let mut entries = Vec::new();
        for (n, line) in manifest.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<ManifestLine>(line) {
                Ok(m) => entries.push(m),
                Err(e) => {
                    a.skipped
                        .push(format!("{} line {}: {e}", manifest_path.display(), n + 1))
                }
            }
        }
        // Schedules first: events and lines take their tip-off times from them.
        for m in entries.iter().filter(|m| m.dataset == "schedule") {
            if let Err(e) = a.add_schedule(m) {
                a.skipped.push(format!("{}: {e}", m.path));
            }
        }
        for m in &entries {
            let result = match (m.source.as_str(), m.dataset.as_str()) {
                ("nbacom", "leaguegamelog_player") => match GameDate::parse(&m.partition) {
                    Ok(d) => {
                        a.gamelogs.insert(d, dir.join(&m.path));
                        Ok(())
                    }
                    Err(e) => Err(e.to_string()),
                },
                ("oddsapi", d) if d.starts_with("player_props/") => a.add_snapshot(m),
                ("sbr", "game_lines") => a.add_lines(m),
                _ => Ok(()),
            };
            if let Err(e) = result {
                a.skipped.push(format!("{}: {e}", m.path));
            }
        }
        for e in a.events.values_mut() {
            e.snapshots.sort_by_key(|s| s.captured_ms);
        }
        Ok(a)
    }

    fn add_schedule(&mut self, m: &ManifestLine) -> Result<(), String> {
        let bytes = std::fs::read(self.dir.join(&m.path)).map_err(|e| e.to_string())?;
        let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
        let team = |t: &serde_json::Value| Team {
            name: t["teamName"].as_str().unwrap_or_default().to_string(),
            tricode: t["teamTricode"].as_str().unwrap_or_default().to_string(),
        };
        for gd in v["leagueSchedule"]["gameDates"]
            .as_array()
            .into_iter()
            .flatten()
        {
            // `MM/DD/YYYY 00:00:00`
            let Some(date) = gd["gameDate"].as_str().and_then(|s| {
                let (m, rest) = s.split_once('/')?;
                let (d, rest) = rest.split_once('/')?;
                GameDate::parse(&format!("{}-{m}-{d}", rest.get(..4)?)).ok()
            }) else {
                continue;
            };
            for g in gd["games"].as_array().into_iter().flatten() {
                self.games.push(Game {
                    date,
                    tip_ms: g["gameDateTimeUTC"].as_str().and_then(ms),
                    home: team(&g["homeTeam"]),
                    away: team(&g["awayTeam"]),
                });
            }
        }
        self.schedules.insert(
            m.partition.clone(),
            ScheduleFile {
                bytes,
                captured_ms: m.captured_at.as_deref().and_then(ms),
            },
        );
        Ok(())
    }

    fn add_snapshot(&mut self, m: &ManifestLine) -> Result<(), String> {
        let path = self.dir.join(&m.path);
        let captured_ms = m
            .captured_at
            .as_deref()
            .and_then(ms)
            .ok_or("no captured_at in the manifest: the snapshot cannot be placed in time")?;
        let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
        let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
        let data = &v["data"];
        let text = |k: &str| data[k].as_str().map(String::from);
        let id = text("id").ok_or("no data.id: the event cannot be asked for by id")?;
        let utc_date = jiff::civil::Date::strptime("%Y-%m-%d", &m.partition)
            .map_err(|e| format!("partition {}: {e}", m.partition))?;
        let snapshot = Snapshot { captured_ms, path };
        if let Some(e) = self.events.get_mut(&id) {
            e.snapshots.push(snapshot);
            return Ok(());
        }
        let (home_team, away_team) = (text("home_team"), text("away_team"));
        let (Some(home_team), Some(away_team)) = (home_team, away_team) else {
            return Err("no data.home_team / data.away_team".into());
        };
        // The archived commence time when there is one, else the scheduled tip-off of the game
        // with these teams nearest the capture (within a day: two teams never meet twice in a
        // day). Not the folder's UTC date: the archive files some evening games under the UTC
        // date of their snapshot, the day before their tip-off in UTC.
        let commence_ms = text("commence_time").as_deref().and_then(ms).or_else(|| {
            self.games
                .iter()
                .filter(|g| home_team.ends_with(&g.home.name) && away_team.ends_with(&g.away.name))
                .filter_map(|g| g.tip_ms)
                .filter(|tip| (tip - captured_ms).abs() < 24 * 3_600_000)
                .min_by_key(|tip| (tip - captured_ms).abs())
        });
        self.events.insert(
            id.clone(),
            Event {
                id,
                home_team,
                away_team,
                sport_key: text("sport_key").unwrap_or_else(|| "basketball_nba".into()),
                sport_title: text("sport_title").unwrap_or_else(|| "NBA".into()),
                utc_date,
                commence_ms,
                snapshots: vec![snapshot],
            },
        );
        Ok(())
    }

    fn add_lines(&mut self, m: &ManifestLine) -> Result<(), String> {
        let book = if m.partition == "2023-24" {
            SbrBook::FanDuel
        } else {
            SbrBook::Unknown
        };
        let mut r = csv::Reader::from_path(self.dir.join(&m.path)).map_err(|e| e.to_string())?;
        let headers = r.headers().map_err(|e| e.to_string())?.clone();
        let col = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .ok_or(format!("no column {name}"))
        };
        let cols = [
            "game_date",
            "Home",
            "Away",
            "home_tricode",
            "away_tricode",
            "OU",
            "Spread",
            "ML_Home",
            "ML_Away",
        ]
        .map(col);
        let mut idx = [0usize; 9];
        for (i, c) in cols.into_iter().enumerate() {
            idx[i] = c?;
        }
        // The old tables' Spread is never negative: the favourite's margin without a side.
        let spread_unsigned = m.partition == "2021-22";
        for (n, rec) in r.records().enumerate() {
            let row = match rec {
                Ok(r) => r,
                Err(e) => {
                    self.skipped.push(format!("{} row {}: {e}", m.path, n + 1));
                    continue;
                }
            };
            let cell = |i: usize| {
                row.get(idx[i])
                    .unwrap_or_default()
                    .trim_matches(|c: char| c.is_whitespace() || c == '\u{a0}')
            };
            let Ok(date) = GameDate::parse(cell(0)) else {
                self.skipped
                    .push(format!("{} row {}: game_date {:?}", m.path, n + 1, cell(0)));
                continue;
            };
            let (home_tricode, away_tricode) = (cell(3).to_string(), cell(4).to_string());
            let tip_ms = self
                .games
                .iter()
                .find(|g| {
                    g.date == date
                        && g.home.tricode == home_tricode
                        && g.away.tricode == away_tricode
                })
                .and_then(|g| g.tip_ms);
            let number = |i: usize| cell(i).parse::<f64>().ok();
            let price = |i: usize| cell(i).trim_start_matches('+').parse::<i64>().ok();
            self.lines.push(LineRow {
                home: cell(1).to_string(),
                away: cell(2).to_string(),
                total: number(5),
                spread: number(6),
                spread_unsigned,
                ml_home: price(7),
                ml_away: price(8),
                book,
                tip_ms,
            });
        }
        Ok(())
    }

    /// When the games of `date` are over: the last scheduled tip-off + [`GAME_LENGTH_MS`], or
    /// 03:00 ET the next morning when the schedule has no tip-off time for that date.
    pub fn games_over_ms(&self, date: GameDate) -> i64 {
        self.games
            .iter()
            .filter(|g| g.date == date)
            .map(|g| g.tip_ms)
            .collect::<Option<Vec<_>>>()
            .and_then(|tips| tips.into_iter().max())
            .map_or_else(|| morning_after_ms(date), |t| t + GAME_LENGTH_MS)
    }
}

impl Event {
    /// When the event stops being listed: its game over, or (no commence time known) 03:00 ET
    /// after its UTC date, by which any game filed under that date has ended.
    pub fn over_ms(&self) -> i64 {
        self.commence_ms.map_or_else(
            || morning_after_ms(GameDate::new(self.utc_date)),
            |c| c + GAME_LENGTH_MS,
        )
    }

    /// The newest snapshot captured at or before `as_of_ms`.
    pub fn snapshot_at(&self, as_of_ms: i64) -> Option<&Snapshot> {
        self.snapshots
            .iter()
            .rev()
            .find(|s| s.captured_ms <= as_of_ms)
    }
}
