//! Reads shared by the phase 3 and 4 processors: typed rows out of the phase 2 and 3 tables.

use crate::analytics::names::{Resolver, RosterPlayer};
use crate::analytics::rolling::{PastBox, PastGame};
use crate::parse::leaguegamelog::BoxScoreLine;
use crate::processor::{Ctx, ProcessError};
use nba_props_core::{GameDate, GameId, Season, Team};
use nba_props_store::Value;
use std::collections::HashMap;

/// The `columns` of `table` (whose `game_date` is the partition) on `date`. In a batch the whole
/// season is read once and served by date from memory: a season's phase 3 and 4 otherwise spend
/// most of their time in small per-date queries.
pub async fn rows_on(
    ctx: &Ctx,
    table: &str,
    columns: &str,
    date: GameDate,
) -> Result<Vec<nba_props_store::Row>, ProcessError> {
    if !ctx.is_batch() {
        let sql = format!("SELECT {columns} FROM {table} WHERE game_date = $1");
        return Ok(ctx.store.db.query(&sql, &[date.to_string().into()]).await?);
    }
    // A runtime batch reads its own dates; an in-process backfill the whole season at once.
    let (mut start, mut end) = date.season().date_range();
    if let Some((lo, hi)) = ctx.batch_dates() {
        start = start.max(lo);
        end = end.min(hi);
    }
    let by_date = ctx
        .memo_of(table, &format!("rows_on:{table}:{columns}:{start}:{end}"), || async move {
            let sql = format!(
                "SELECT {columns}, game_date FROM {table} WHERE game_date >= $1 AND game_date <= $2"
            );
            let rows = ctx
                .store
                .db
                .query(&sql, &[start.to_string().into(), end.to_string().into()])
                .await?;
            let mut map: HashMap<String, Vec<nba_props_store::Row>> = HashMap::new();
            for mut r in rows {
                let d = r.0.pop().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
                map.entry(d).or_default().push(r);
            }
            Ok(map)
        })
        .await?;
    Ok(by_date.get(&date.to_string()).cloned().unwrap_or_default())
}

/// The box-score lines of a date, as phase 2 stored them.
pub async fn box_lines(ctx: &Ctx, date: GameDate) -> Result<Vec<BoxScoreLine>, ProcessError> {
    let mut rows = rows_on(ctx, "nbac_player_boxscores", "game_id, player_id, season, player_name, team, opponent, is_home, win, minutes, \
                points, fgm, fga, fg3m, fg3a, ftm, fta, oreb, dreb, reb, ast, stl, blk, tov, pf, plus_minus \
        ", date)
    .await?;
    rows.sort_by(|a, b| (a.str(0), a.i64(1)).cmp(&(b.str(0), b.i64(1))));
    let bad = |what: &str, r: &nba_props_store::Row| {
        ProcessError::Data(format!(
            "nbac_player_boxscores {date}: bad {what} in {:?}",
            r.0
        ))
    };
    rows.iter()
        .map(|r| {
            let int = |i: usize| r.i64(i).unwrap_or(0) as i32;
            Ok(BoxScoreLine {
                game_id: GameId::parse(&r.text(0)).map_err(|_| bad("game_id", r))?,
                player_id: r.i64(1).ok_or_else(|| bad("player_id", r))?,
                season: Season::parse(&r.text(2)).map_err(|_| bad("season", r))?,
                game_date: date,
                player_name: r.text(3),
                team: Team::from_abbreviation(&r.text(4)).map_err(|_| bad("team", r))?,
                opponent: Team::from_abbreviation(&r.text(5)).map_err(|_| bad("opponent", r))?,
                is_home: r.bool(6).unwrap_or(false),
                win: r.bool(7),
                minutes: r.f64(8),
                pts: int(9),
                fgm: int(10),
                fga: int(11),
                fg3m: int(12),
                fg3a: int(13),
                ftm: int(14),
                fta: int(15),
                oreb: int(16),
                dreb: int(17),
                reb: int(18),
                ast: int(19),
                stl: int(20),
                blk: int(21),
                tov: int(22),
                pf: int(23),
                plus_minus: r.i64(24).map(|v| v as i32),
            })
        })
        .collect()
}

/// Whether `table` holds rows for the date: a processor whose input vanished must still clear
/// them, one that never wrote anything has no input.
pub async fn has_rows(ctx: &Ctx, table: &str, date: GameDate) -> Result<bool, ProcessError> {
    let sql = format!("SELECT 1 FROM {table} WHERE game_date = $1 LIMIT 1");
    Ok(!ctx
        .store
        .db
        .query(&sql, &[date.to_string().into()])
        .await?
        .is_empty())
}

/// A game of the day as the schedule has it.
#[derive(Debug, Clone)]
pub struct DayGame {
    pub game_id: GameId,
    pub season: Season,
    pub home: Team,
    pub away: Team,
    /// Scheduled tip-off; None when no schedule capture had it.
    pub tipoff_utc: Option<String>,
}

/// The day's games, pre-season excluded (no box scores or lines exist for it).
pub async fn day_games(ctx: &Ctx, date: GameDate) -> Result<Vec<DayGame>, ProcessError> {
    let mut rows = rows_on(
        ctx,
        "nbac_schedule",
        "game_id, season, home_team, away_team, tipoff_utc, season_type",
        date,
    )
    .await?;
    rows.sort_by(|a, b| a.str(0).cmp(&b.str(0)));
    Ok(rows
        .iter()
        .filter(|r| r.str(5) != Some("preseason"))
        .filter_map(|r| {
            Some(DayGame {
                game_id: GameId::parse(&r.text(0)).ok()?,
                season: Season::parse(&r.text(1)).ok()?,
                home: Team::from_abbreviation(&r.text(2)).ok()?,
                away: Team::from_abbreviation(&r.text(3)).ok()?,
                tipoff_utc: r.str(4).map(str::to_string),
            })
        })
        .collect())
}

/// (game, player, market).
type LineKey = (GameId, i64, String);
/// A book's (opening line, latest snapshot, latest line, balance |over − under| of that line).
/// One book's line of one player, market and game, as its snapshots before tip-off show it.
#[derive(Debug, Clone, PartialEq)]
pub struct BookLine {
    /// The first snapshot's line (of a ladder, its most balanced pair).
    pub opening: f64,
    pub opening_snapshot: String,
    /// The latest snapshot's line and prices.
    pub line: f64,
    pub over_price: Option<i64>,
    pub under_price: Option<i64>,
    pub snapshot: String,
    pub snapshots: i64,
    /// |over − under| of the latest pair: the smaller, the closer to the book's main line.
    balance: i64,
}

/// Pre-tip lines of a day: per (game, player, market) the consensus over books, and per
/// (game, player, market, book) each book's own line.
#[derive(Debug, Default)]
pub struct DayLines {
    pub consensus: HashMap<LineKey, Consensus>,
    pub books: HashMap<(LineKey, String), BookLine>,
    /// (game, book spelling) of every name that matched no expected player.
    pub unresolved: Vec<(String, String)>,
}

/// A player's consensus line in one market for one game.
#[derive(Debug, Clone, PartialEq)]
pub struct Consensus {
    /// Median over books of each book's latest pre-tip line.
    pub line: f64,
    /// Median over books of each book's first line.
    pub opening: f64,
    pub books: i64,
}

/// Prop lines of the day's games captured before tip-off, resolved to players within each game's
/// rosters. Lines of a game without a known tip-off are not used: "before tip-off" cannot be
/// shown for them.
pub async fn pre_tip_lines(
    ctx: &Ctx,
    date: GameDate,
    games: &[DayGame],
    rosters: &HashMap<GameId, Vec<RosterPlayer>>,
) -> Result<DayLines, ProcessError> {
    let mut rows = rows_on(
        ctx,
        "odds_player_props",
        "game_id, bookmaker, market, player_name, line, snapshot_at, over_price, under_price",
        date,
    )
    .await?;
    // Oldest snapshot first: a book's first line seen is its opening line.
    rows.sort_by(|a, b| {
        (a.str(5), a.str(0), a.str(1), a.str(3)).cmp(&(b.str(5), b.str(0), b.str(1), b.str(3)))
    });
    let tipoff: HashMap<&str, &str> = games
        .iter()
        .filter_map(|g| Some((g.game_id.as_str(), g.tipoff_utc.as_deref()?)))
        .collect();
    let mut resolvers: HashMap<String, Resolver> = HashMap::new();
    let mut per_book: HashMap<(LineKey, String), BookLine> = HashMap::new();
    let mut unresolved = std::collections::HashSet::new();
    for r in &rows {
        let game = r.text(0);
        let Some(tip) = tipoff.get(game.as_str()) else {
            continue;
        };
        let snapshot = r.text(5);
        if snapshot.as_str() >= *tip {
            continue;
        }
        let game_id = GameId::parse(&game).map_err(|e| ProcessError::Data(e.to_string()))?;
        let Some(roster) = rosters.get(&game_id) else {
            continue;
        };
        let resolver = resolvers
            .entry(game.clone())
            .or_insert_with(|| Resolver::new(roster));
        let name = r.text(3);
        let Some(player) = resolver.resolve(&name) else {
            unresolved.insert((game.clone(), name));
            continue;
        };
        let line = r.f64(4).unwrap_or(0.0);
        // Of a ladder, the most balanced pair is the book's main line.
        let balance = match (r.i64(6), r.i64(7)) {
            (Some(o), Some(u)) => (o - u).abs(),
            _ => i64::MAX,
        };
        let key = ((game_id, player, r.text(2)), r.text(1));
        let (over_price, under_price) = (r.i64(6), r.i64(7));
        per_book
            .entry(key)
            .and_modify(|b| {
                // Rows come oldest snapshot first: while the latest is the first snapshot, its
                // most balanced pair is also the opening line.
                if snapshot == b.opening_snapshot && balance < b.balance {
                    b.opening = line;
                }
                if snapshot != b.snapshot {
                    b.snapshots += 1;
                }
                if snapshot > b.snapshot || (snapshot == b.snapshot && balance < b.balance) {
                    (b.snapshot, b.line, b.balance) = (snapshot.clone(), line, balance);
                    (b.over_price, b.under_price) = (over_price, under_price);
                }
            })
            .or_insert(BookLine {
                opening: line,
                opening_snapshot: snapshot.clone(),
                line,
                over_price,
                under_price,
                snapshot: snapshot.clone(),
                snapshots: 1,
                balance,
            });
    }
    let mut grouped: HashMap<LineKey, (Vec<f64>, Vec<f64>)> = HashMap::new();
    for ((key, _book), b) in &per_book {
        let e = grouped.entry(key.clone()).or_default();
        e.0.push(b.line);
        e.1.push(b.opening);
    }
    let consensus = grouped
        .into_iter()
        .map(|(k, (mut latest, mut opening))| {
            let books = latest.len() as i64;
            (
                k,
                Consensus {
                    line: median(&mut latest),
                    opening: median(&mut opening),
                    books,
                },
            )
        })
        .collect();
    let mut unresolved: Vec<(String, String)> = unresolved.into_iter().collect();
    unresolved.sort();
    Ok(DayLines {
        consensus,
        books: per_book,
        unresolved,
    })
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Player games of the previous and current season, by player (oldest first), with the latest
/// name of each player and the box-score lines feature version 2 needs. Callers keep only games
/// before their date.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct History {
    pub by_player: HashMap<i64, Vec<PastGame>>,
    pub names: HashMap<i64, String>,
    /// Rebounds, assists, PRA and threes of the same games.
    pub boxes: HashMap<i64, Vec<PastBox>>,
    /// The date each name in `names` was seen on (the latest game wins).
    name_dates: HashMap<i64, GameDate>,
}

const HISTORY_COLUMNS: &str = "player_id, game_date, team, opponent, minutes, points, usage_rate, player_name, \
     reb, ast, pra, fg3m, fg3a";

/// Dates of history a worker patches in place; beyond this many changed dates it reads it all.
const HISTORY_PATCH_DATES: usize = 31;

impl History {
    /// Adds `player_game_summary` rows (of [`HISTORY_COLUMNS`]); returns the players touched.
    fn add(&mut self, rows: Vec<nba_props_store::Row>) -> Vec<i64> {
        let mut touched = Vec::new();
        for r in rows {
            let parsed = (
                r.i64(0),
                GameDate::parse(r.str(1).unwrap_or_default()),
                Team::from_abbreviation(r.str(2).unwrap_or_default()),
                Team::from_abbreviation(r.str(3).unwrap_or_default()),
            );
            let (Some(id), Ok(d), Ok(team), Ok(opponent)) = parsed else {
                continue;
            };
            // The season column is the date's season (1 August to 31 July) by construction.
            let s = d.season();
            let minutes = r.f64(4).unwrap_or(0.0);
            self.by_player.entry(id).or_default().push(PastGame {
                date: d,
                season: s,
                team,
                opponent,
                minutes,
                points: r.i64(5).unwrap_or(0) as f64,
                usage: r.f64(6),
            });
            let n = |i: usize| r.i64(i).unwrap_or(0) as f64;
            self.boxes.entry(id).or_default().push(PastBox {
                date: d,
                season: s,
                minutes,
                reb: n(8),
                ast: n(9),
                pra: n(10),
                fg3m: n(11),
                fg3a: n(12),
            });
            if self.name_dates.get(&id).is_none_or(|seen| *seen <= d) {
                self.name_dates.insert(id, d);
                self.names.insert(id, r.text(7));
            }
            touched.push(id);
        }
        touched.sort_unstable();
        touched.dedup();
        for id in &touched {
            if let Some(games) = self.by_player.get_mut(id) {
                games.sort_by_key(|g| g.date);
            }
            if let Some(games) = self.boxes.get_mut(id) {
                games.sort_by_key(|g| g.date);
            }
        }
        touched
    }

    /// Drops every game on `dates` (their partitions are about to be read again).
    fn remove_dates(&mut self, dates: &[GameDate]) {
        let mut emptied = Vec::new();
        for (id, games) in self.by_player.iter_mut() {
            games.retain(|g| !dates.contains(&g.date));
            if games.is_empty() {
                emptied.push(*id);
            }
        }
        for games in self.boxes.values_mut() {
            games.retain(|g| !dates.contains(&g.date));
        }
        for id in emptied {
            self.by_player.remove(&id);
            self.boxes.remove(&id);
            self.names.remove(&id);
            self.name_dates.remove(&id);
        }
        // A name seen on a removed date comes back from the partition's new rows, or from the
        // player's latest remaining game.
        let stale: Vec<i64> = self
            .name_dates
            .iter()
            .filter(|(_, d)| dates.contains(d))
            .map(|(id, _)| *id)
            .collect();
        for id in stale {
            self.name_dates.remove(&id);
        }
    }
}

/// The history for `date`'s season: in a batch (a backfill) both seasons are read once and shared
/// by every date; otherwise only what precedes the date. One read serves every processor that
/// looks back (they share it through [`Ctx::memo_of`]); a runtime worker that read it before
/// re-reads only the dates `player_game_summary` rewrote since.
pub async fn history(ctx: &Ctx, date: GameDate) -> Result<std::sync::Arc<History>, ProcessError> {
    let season = date.season();
    let from = Season::new(season.start_year() - 1).date_range().0;
    let (_, season_end) = season.date_range();
    let until = if ctx.is_batch() {
        season_end.add_days(1)
    } else {
        date
    };
    let key = format!("history:{from}:{until}");
    let load = || async move {
        // No ORDER BY: sorting each player's few hundred games here is cheaper than SQLite
        // sorting the whole read.
        let rows = ctx
            .store
            .db
            .query(
                &format!("SELECT {HISTORY_COLUMNS} FROM player_game_summary WHERE game_date >= $1 AND game_date < $2"),
                &[from.to_string().into(), until.to_string().into()],
            )
            .await?;
        let mut h = History::default();
        h.add(rows);
        Ok(h)
    };
    let update = |stale: std::sync::Arc<History>, old: String, new: String| async move {
        let Some(dates) = rewritten_since(ctx, &old, &new).await? else {
            return Ok(None);
        };
        let dates: Vec<GameDate> = dates
            .into_iter()
            .filter(|d| *d >= from && *d < until)
            .collect();
        let mut h = (*stale).clone();
        if dates.is_empty() {
            return Ok(Some(h));
        }
        let ph: Vec<String> = (1..=dates.len()).map(|i| format!("${i}")).collect();
        let params: Vec<Value> = dates.iter().map(|d| d.to_string().into()).collect();
        let rows = ctx
            .store
            .db
            .query(
                &format!(
                    "SELECT {HISTORY_COLUMNS} FROM player_game_summary WHERE game_date IN ({})",
                    ph.join(", ")
                ),
                &params,
            )
            .await?;
        h.remove_dates(&dates);
        h.add(rows);
        // Players whose name was seen on a removed date and who did not play on it again.
        let unnamed: Vec<i64> = h
            .by_player
            .keys()
            .filter(|id| !h.name_dates.contains_key(id))
            .copied()
            .collect();
        if !unnamed.is_empty() {
            return Ok(None);
        }
        Ok(Some(h))
    };
    ctx.memo_updated("player_game_summary", &key, load, update)
        .await
}

/// The partitions the writer of a `writer@run` version rewrote between `old` and `new`, or
/// `None` when the versions are not comparable or too many dates changed to patch.
async fn rewritten_since(
    ctx: &Ctx,
    old: &str,
    new: &str,
) -> Result<Option<Vec<GameDate>>, ProcessError> {
    let parse = |v: &str| {
        v.rsplit_once('@')
            .and_then(|(w, n)| Some((w.to_string(), n.parse::<i64>().ok()?)))
    };
    let (Some((writer, from)), Some((same, to))) = (parse(old), parse(new)) else {
        return Ok(None);
    };
    if writer != same || to < from {
        return Ok(None);
    }
    let rows = ctx
        .store
        .db
        .query(
            "SELECT DISTINCT partition_key FROM runs WHERE processor = $1 AND run_id > $2 AND run_id <= $3 LIMIT $4",
            &[writer.into(), from.into(), to.into(), (HISTORY_PATCH_DATES as i64 + 1).into()],
        )
        .await?;
    if rows.len() > HISTORY_PATCH_DATES {
        return Ok(None);
    }
    Ok(Some(
        rows.iter()
            .filter_map(|r| GameDate::parse(&r.text(0)).ok())
            .collect(),
    ))
}

/// `Value`s for an optional float rounded to 6 decimals, so re-computations agree to the byte.
pub fn f(v: Option<f64>) -> Value {
    v.map(|x| (x * 1e6).round() / 1e6).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use nba_props_store::Row;

    fn row(player: i64, date: &str, name: &str, points: i64) -> Row {
        Row(vec![
            Value::Int(player),
            date.into(),
            "BOS".into(),
            "NYK".into(),
            Value::Float(30.5),
            Value::Int(points),
            Value::Null,
            name.into(),
            Value::Int(5),
            Value::Int(4),
            Value::Int(points + 9),
            Value::Int(2),
            Value::Int(6),
        ])
    }

    /// A worker patches the dates rewritten since its read; the result must be exactly what a
    /// fresh read of the new rows gives, names and order included.
    #[test]
    fn a_patched_history_equals_a_fresh_read() {
        let before = vec![
            row(1, "2023-11-01", "Old Name", 10),
            row(1, "2023-11-03", "Old Name", 12),
            row(2, "2023-11-03", "Only Here", 7),
            row(3, "2023-11-01", "Third", 20),
        ];
        // 2023-11-03 is rewritten: player 1 scored differently and changed name, player 2's
        // only game is gone, player 4 appears; 2023-11-02 is a new date.
        let rewritten = vec![
            row(1, "2023-11-03", "New Name", 15),
            row(4, "2023-11-03", "Newcomer", 3),
            row(3, "2023-11-02", "Third", 22),
        ];
        let after: Vec<Row> = before
            .iter()
            .filter(|r| r.str(1) != Some("2023-11-03"))
            .cloned()
            .chain(rewritten.clone())
            .collect();
        let mut patched = History::default();
        patched.add(before);
        let dates = [
            GameDate::parse("2023-11-03").unwrap(),
            GameDate::parse("2023-11-02").unwrap(),
        ];
        patched.remove_dates(&dates);
        patched.add(rewritten);
        let mut fresh = History::default();
        fresh.add(after);
        assert_eq!(patched, fresh);
        assert_eq!(fresh.names[&1], "New Name");
        assert!(!fresh.by_player.contains_key(&2));
        assert_eq!(
            fresh.by_player[&3]
                .iter()
                .map(|g| g.points)
                .collect::<Vec<_>>(),
            [20.0, 22.0]
        );
    }
}
