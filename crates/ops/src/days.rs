//! Game days: which Eastern dates have games, according to `nbac_schedule`. A day without
//! games expects no work; a stretch without any is the off-season, a state and not a failure.

use crate::Result;
use nba_props_core::GameDate;
use nba_props_store::Db;
use std::collections::BTreeSet;

/// The window of the checks: `days` dates ending today (US Eastern) at `now_ms`.
pub fn window(now_ms: i64, days: u32) -> (GameDate, GameDate) {
    let today = GameDate::today_at(timestamp(now_ms));
    (today.add_days(-(days.max(1) as i32 - 1)), today)
}

pub fn timestamp(ms: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// Dates of `from..=to` on which the schedule has at least one game.
pub async fn game_dates(db: &Db, from: GameDate, to: GameDate) -> Result<BTreeSet<GameDate>> {
    let rows = db
        .query(
            "SELECT DISTINCT game_date FROM nbac_schedule WHERE game_date >= $1 AND game_date <= $2",
            &[from.to_string().into(), to.to_string().into()],
        )
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| GameDate::parse(r.str(0)?).ok())
        .collect())
}

/// What a date is for the scheduler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    GameDay,
    /// No game that day, but games within the off-season horizon.
    NoGames,
    /// No game within `horizon` days either side.
    OffSeason,
}

pub async fn day_kind(db: &Db, date: GameDate, horizon: i64) -> Result<DayKind> {
    let h = horizon.clamp(0, 366) as i32;
    let near = game_dates(db, date.add_days(-h), date.add_days(h)).await?;
    Ok(if near.contains(&date) {
        DayKind::GameDay
    } else if near.is_empty() {
        DayKind::OffSeason
    } else {
        DayKind::NoGames
    })
}
