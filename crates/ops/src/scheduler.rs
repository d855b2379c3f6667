//! The scheduler that `serve` runs: cron schedules in America/New_York wall time enqueue jobs of
//! their target processors for the date their date word names at the tick.
//!
//! - **Once per tick.** Each tick is a row of `schedule_ticks` keyed by (schedule, tick instant),
//!   inserted in the same transaction as the jobs it creates. A second scheduler (another
//!   `serve`, or this one after a crash) finds the row and does nothing.
//! - **Catch-up policy.** A pass looks at every tick since the schedule's last recorded tick (on
//!   the first pass ever: since `catch_up_ms` ago). Of the ticks due, only the latest fires, and
//!   only if it is at most `catch_up_ms` old; every older missed tick is recorded as `skipped`.
//!   So a scheduler back from downtime runs each schedule once, not once per missed tick, and
//!   never runs work that is too stale to matter; what the skipped ticks would have done shows
//!   up as late work in `health` and is closed by `reconcile --fix`.
//! - **Game-aware.** A game-aware schedule records `no_games` on a date without games and
//!   `off_season` when no game is within `off_season_days` either side, and enqueues nothing.
//! - **Time.** Cron fields are matched against Eastern wall time; on the autumn night that
//!   repeats 01:00–02:00 a tick there fires once (the first), and a tick inside the spring gap
//!   (02:00–03:00) fires at the first instant after it.

use crate::config::{OpsConfig, RECONCILE, Schedule};
use crate::days::{DayKind, day_kind, timestamp};
use crate::{Error, Result};
use nba_props_core::{BuildInfo, GameDate};
use nba_props_runtime::jobs::{self, JobOptions};
use nba_props_runtime::worker::Stop;
use nba_props_runtime::{Clock, Graph};
use nba_props_store::Store;
use std::str::FromStr;
use std::time::Duration;

pub fn parse_cron(pattern: &str) -> std::result::Result<croner::Cron, String> {
    if pattern.split_whitespace().count() != 5 {
        return Err(format!(
            "cron {pattern:?}: expected five fields (minute hour day-of-month month day-of-week)"
        ));
    }
    croner::Cron::from_str(pattern).map_err(|e| format!("cron {pattern:?}: {e}"))
}

/// Eastern wall time of an instant, as a chrono value croner can search from.
fn wall(ms: i64) -> Result<chrono::DateTime<chrono::Utc>> {
    let dt = timestamp(ms)
        .to_zoned(nba_props_core::date::eastern().clone())
        .datetime();
    chrono::NaiveDate::from_ymd_opt(dt.year().into(), dt.month() as u32, dt.day() as u32)
        .and_then(|d| d.and_hms_opt(dt.hour() as u32, dt.minute() as u32, dt.second() as u32))
        .map(|n| n.and_utc())
        .ok_or_else(|| Error::Invalid(format!("no wall time for {ms}")))
}

/// The instant of an Eastern wall time (a time in the spring gap moves forward; a repeated
/// autumn time takes its first occurrence).
fn instant(wall: chrono::DateTime<chrono::Utc>) -> Result<i64> {
    use chrono::{Datelike, Timelike};
    let civil = jiff::civil::DateTime::new(
        wall.year() as i16,
        wall.month() as i8,
        wall.day() as i8,
        wall.hour() as i8,
        wall.minute() as i8,
        0,
        0,
    )
    .map_err(|e| Error::Invalid(e.to_string()))?;
    let z = civil
        .to_zoned(nba_props_core::date::eastern().clone())
        .map_err(|e| Error::Invalid(e.to_string()))?;
    Ok(z.timestamp().as_millisecond())
}

/// The ticks of `cron` in `(after, until]`, in order (instants in ms).
pub fn ticks_between(cron: &croner::Cron, after: i64, until: i64) -> Result<Vec<i64>> {
    let mut out = Vec::new();
    let mut cursor = wall(after)?;
    loop {
        let next = cron
            .find_next_occurrence(&cursor, false)
            .map_err(|e| Error::Invalid(format!("cron: {e}")))?;
        let at = instant(next)?;
        if at > until {
            return Ok(out);
        }
        // The repeated autumn hour maps two wall times to one instant: keep it once.
        if at > after && out.last().is_none_or(|l| *l < at) {
            out.push(at);
        }
        cursor = next;
    }
}

/// One schedule's first tick that works on a given date.
#[derive(Debug, Clone, PartialEq)]
pub struct DayTick {
    pub schedule: Schedule,
    /// The tick's instant (ms).
    pub tick_at: i64,
}

/// What `serve` fires for `date`, as one pass: each schedule whose ticks work on `date` (its
/// date word resolved at the tick), at its first such tick, in the order the ticks come. A
/// schedule for `yesterday` works on `date` the next morning, so it comes after the day's own.
pub fn day_ticks(schedules: &[Schedule], date: GameDate) -> Result<Vec<DayTick>> {
    let midnight = |d: GameDate| -> Result<i64> {
        let z = d
            .date()
            .to_zoned(nba_props_core::date::eastern().clone())
            .map_err(|e| Error::Invalid(format!("midnight of {d}: {e}")))?;
        Ok(z.timestamp().as_millisecond())
    };
    // `tomorrow` reaches back a day, `yesterday` forward a day.
    let (from, to) = (midnight(date.add_days(-1))?, midnight(date.add_days(2))?);
    let mut out = Vec::new();
    for s in schedules {
        let cron =
            parse_cron(&s.cron).map_err(|e| Error::Invalid(format!("schedule {}: {e}", s.name)))?;
        for tick_at in ticks_between(&cron, from - 1, to - 1)? {
            if s.date_for(timestamp(tick_at))? == date {
                out.push(DayTick {
                    schedule: s.clone(),
                    tick_at,
                });
                break;
            }
        }
    }
    out.sort_by_key(|t| t.tick_at);
    Ok(out)
}

/// What a pass decided for one tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub schedule: String,
    pub tick_at: i64,
    pub for_date: String,
    /// `fired`, `no_games`, `off_season` or `skipped`.
    pub state: &'static str,
    pub jobs_created: usize,
}

/// Schedules checked against a graph: every target is a processor it has.
pub struct Scheduler {
    schedules: Vec<(Schedule, croner::Cron)>,
    /// What a `reconcile` target reads (deadlines, expected tables, its window).
    config: OpsConfig,
    catch_up_ms: i64,
    off_season_days: i64,
    max_attempts: i64,
    who: String,
}

impl Scheduler {
    pub fn new(config: &OpsConfig, graph: &Graph, max_attempts: i64) -> Result<Scheduler> {
        config.validate()?;
        let mut schedules = Vec::new();
        for s in &config.schedules {
            for t in &s.targets {
                if t != RECONCILE && graph.node(t).is_none() {
                    return Err(Error::Invalid(format!(
                        "schedule {}: no processor named {t}",
                        s.name
                    )));
                }
            }
            let cron = parse_cron(&s.cron).map_err(Error::Invalid)?;
            schedules.push((s.clone(), cron));
        }
        Ok(Scheduler {
            schedules,
            config: config.clone(),
            catch_up_ms: config.catch_up_ms,
            off_season_days: config.off_season_days,
            max_attempts,
            who: format!(
                "{}/{} {}",
                nba_props_runtime::heartbeat::host_name(),
                std::process::id(),
                BuildInfo::current()
            ),
        })
    }

    /// One pass over every schedule at the clock's instant.
    pub async fn tick(
        &self,
        store: &Store,
        clock: &dyn Clock,
        graph: &Graph,
    ) -> Result<Vec<Decision>> {
        let mut out = Vec::new();
        for (s, cron) in &self.schedules {
            out.extend(self.tick_one(store, clock, graph, s, cron).await?);
        }
        Ok(out)
    }

    async fn tick_one(
        &self,
        store: &Store,
        clock: &dyn Clock,
        graph: &Graph,
        s: &Schedule,
        cron: &croner::Cron,
    ) -> Result<Vec<Decision>> {
        let now = clock.now_ms();
        let last = store
            .db
            .query(
                "SELECT MAX(tick_at) FROM schedule_ticks WHERE schedule = $1",
                &[s.name.as_str().into()],
            )
            .await?
            .first()
            .and_then(|r| r.i64(0));
        let after = last
            .unwrap_or(now - self.catch_up_ms)
            .max(now - 30 * 86_400_000);
        let due = ticks_between(cron, after, now)?;
        let mut out = Vec::new();
        let Some((&latest, older)) = due.split_last() else {
            return Ok(out);
        };
        for &t in older {
            out.extend(self.decide(store, clock, graph, s, t, false).await?);
        }
        let fresh = now - latest <= self.catch_up_ms;
        out.extend(self.decide(store, clock, graph, s, latest, fresh).await?);
        Ok(out)
    }

    /// Records one tick (unless another scheduler did) and, when it fires, its jobs, in one
    /// transaction.
    async fn decide(
        &self,
        store: &Store,
        clock: &dyn Clock,
        graph: &Graph,
        s: &Schedule,
        tick_at: i64,
        fire: bool,
    ) -> Result<Option<Decision>> {
        let date = s.date_for(timestamp(tick_at))?;
        let state = if !fire {
            "skipped"
        } else if !s.game_aware {
            "fired"
        } else {
            match day_kind(&store.db, date, self.off_season_days).await? {
                DayKind::GameDay => "fired",
                DayKind::NoGames => "no_games",
                DayKind::OffSeason => "off_season",
            }
        };
        let now = clock.now_ms();
        let mut tx = store.db.begin().await?;
        let inserted = tx
            .execute(
                "INSERT INTO schedule_ticks (schedule, tick_at, for_date, state, jobs_created, decided_at, decided_by) \
                 VALUES ($1, $2, $3, $4, 0, $5, $6) ON CONFLICT DO NOTHING",
                &[
                    s.name.as_str().into(),
                    tick_at.into(),
                    date.to_string().into(),
                    state.into(),
                    now.into(),
                    self.who.as_str().into(),
                ],
            )
            .await?;
        if inserted == 0 {
            // Another scheduler decided this tick.
            return Ok(None);
        }
        let mut created = 0;
        if state == "fired" {
            let work: Vec<(&str, nba_props_core::GameDate)> = s
                .targets
                .iter()
                .filter(|t| *t != RECONCILE)
                .map(|t| (t.as_str(), date))
                .collect();
            let opts = JobOptions {
                correlation_id: format!("schedule:{}:{tick_at}", s.name),
                group_id: None,
                max_attempts: self.max_attempts,
                reason: format!(
                    "schedule {} at {} for {date}",
                    s.name,
                    nba_props_runtime::clock::format_ms(Some(tick_at))
                ),
                max_phase: None,
            };
            created = jobs::enqueue_in(&mut tx, clock, graph, &work, &opts)
                .await?
                .created;
            tx.execute(
                "UPDATE schedule_ticks SET jobs_created = $1 WHERE schedule = $2 AND tick_at = $3",
                &[
                    (created as i64).into(),
                    s.name.as_str().into(),
                    tick_at.into(),
                ],
            )
            .await?;
        }
        tx.commit().await?;
        if state == "fired" && s.targets.iter().any(|t| t == RECONCILE) {
            // Reconcile enqueues in transactions of its own, after the tick is recorded: a
            // crash in between loses this morning's repair, which the next morning's (its
            // window overlapping) makes up.
            let r = crate::reconcile::reconcile(
                store,
                clock,
                graph,
                &self.config,
                self.config.reconcile_days,
                true,
                self.max_attempts,
            )
            .await?;
            created += r.created + r.retried.len();
            for u in &r.unfixable {
                tracing::warn!(schedule = %s.name, gap = %u, "Reconcile cannot close this gap.");
            }
            store
                .db
                .execute(
                    "UPDATE schedule_ticks SET jobs_created = $1 WHERE schedule = $2 AND tick_at = $3",
                    &[
                        (created as i64).into(),
                        s.name.as_str().into(),
                        tick_at.into(),
                    ],
                )
                .await?;
        }
        match state {
            "fired" => tracing::info!(schedule = %s.name, %date, jobs = created, "Schedule fired."),
            "skipped" => {
                tracing::warn!(schedule = %s.name, %date, tick = %nba_props_runtime::clock::format_ms(Some(tick_at)), "Missed tick skipped (older than the catch-up window, or not the latest).")
            }
            other => {
                tracing::info!(schedule = %s.name, %date, state = other, "Schedule tick without work.")
            }
        }
        Ok(Some(Decision {
            schedule: s.name.clone(),
            tick_at,
            for_date: date.to_string(),
            state,
            jobs_created: created,
        }))
    }

    /// `serve`'s loop: a pass every `every`, until `stop` asks to finish. A pass that fails
    /// (the database restarting) is logged and the next one tries again.
    pub async fn run(
        self,
        store: Store,
        clock: std::sync::Arc<dyn Clock>,
        graph: std::sync::Arc<Graph>,
        every: Duration,
        mut stop: tokio::sync::watch::Receiver<Stop>,
    ) {
        loop {
            if let Err(e) = self.tick(&store, clock.as_ref(), &graph).await {
                tracing::error!(error = %e, "Scheduler pass failed; retrying at the next pass.");
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                r = stop.wait_for(|s| *s >= Stop::Finish) => {
                    let _ = r;
                    return;
                }
            }
        }
    }
}

/// The ticks recorded for `schedule` (tick instant, date, state, jobs created), oldest first.
pub async fn recorded(store: &Store, schedule: &str) -> Result<Vec<(i64, String, String, i64)>> {
    Ok(store
        .db
        .query(
            "SELECT tick_at, for_date, state, jobs_created FROM schedule_ticks WHERE schedule = $1 ORDER BY tick_at",
            &[schedule.into()],
        )
        .await?
        .iter()
        .map(|r| (r.i64(0).unwrap_or(0), r.text(1), r.text(2), r.i64(3).unwrap_or(0)))
        .collect())
}
