//! The `[ops]` configuration: schedules, deadlines, health thresholds and alerts. Every field
//! has a default, so an empty section (or none) gives a working daily cycle.

use crate::{Error, Result};
use nba_props_core::GameDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpsConfig {
    /// Run the scheduler inside `serve`.
    pub scheduler: bool,
    /// How often `serve`'s scheduler loop looks for due ticks.
    pub tick_every_ms: u64,
    /// Catch-up after downtime: of the ticks a schedule missed, only the latest one, and only if
    /// it is at most this old, fires; older missed ticks are recorded as `skipped`.
    pub catch_up_ms: i64,
    /// A date with no game within this many days either side is off-season.
    pub off_season_days: i64,
    pub schedules: Vec<Schedule>,
    /// The days back from today (US Eastern) that a schedule targeting `reconcile` repairs:
    /// its tick runs `reconcile --fix` over them, so a partition missed overnight is queued
    /// again without a person.
    pub reconcile_days: u32,
    /// When each (dataset or processor, date) is expected to be done.
    pub deadlines: Vec<Deadline>,
    /// Tables that must hold rows for every game date whose writer's deadline has passed.
    pub expected_tables: Vec<String>,
    pub health: HealthSettings,
    pub alerts: AlertSettings,
}

impl Default for OpsConfig {
    fn default() -> Self {
        Self {
            scheduler: true,
            tick_every_ms: 30_000,
            catch_up_ms: 6 * 3_600_000,
            off_season_days: 14,
            schedules: default_schedules(),
            reconcile_days: 3,
            deadlines: default_deadlines(),
            expected_tables: [
                "nbac_player_boxscores",
                "player_game_summary",
                "team_offense_game_summary",
                "team_defense_game_summary",
                "feature_store",
            ]
            .map(String::from)
            .to_vec(),
            health: HealthSettings::default(),
            alerts: AlertSettings::default(),
        }
    }
}

/// One cron schedule: at each tick, enqueue `targets` for the date `date` names at that tick.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    pub name: String,
    /// Five fields (minute hour day-of-month month day-of-week), in America/New_York wall time.
    pub cron: String,
    /// Processor names (phase 1 fetches are `source.dataset`), or [`RECONCILE`].
    pub targets: Vec<String>,
    /// `today`, `yesterday` or `tomorrow`, resolved in US Eastern time at the tick.
    #[serde(default = "today")]
    pub date: String,
    /// Skip days without games (the schedule fetch itself is not game-aware).
    #[serde(default = "yes")]
    pub game_aware: bool,
}

/// The schedule target that runs `reconcile --fix` over the last `reconcile_days` days.
pub const RECONCILE: &str = "reconcile";

fn today() -> String {
    "today".into()
}
fn yes() -> bool {
    true
}

impl Schedule {
    /// The game date this schedule's tick at `tick` works on.
    pub fn date_for(&self, tick: jiff::Timestamp) -> Result<GameDate> {
        resolve_date_word(&self.date, tick)
    }
}

/// `today` / `yesterday` / `tomorrow` / `YYYY-MM-DD`, always in US Eastern time.
pub fn resolve_date_word(word: &str, at: jiff::Timestamp) -> Result<GameDate> {
    let today = GameDate::today_at(at);
    Ok(match word {
        "today" => today,
        "yesterday" => today.add_days(-1),
        "tomorrow" => today.add_days(1),
        other => GameDate::parse(other).map_err(|e| {
            Error::Invalid(format!(
                "date {other:?}: {e} (or today / yesterday / tomorrow)"
            ))
        })?,
    })
}

/// Work on date D is expected by D + `day_offset` at `at` (US Eastern wall time).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    /// A processor name or a `source.dataset`.
    pub item: String,
    pub day_offset: i32,
    /// `HH:MM`.
    pub at: String,
}

impl Deadline {
    /// The instant (ms) by which `item` on `date` is expected.
    pub fn expected_by(&self, date: GameDate) -> Result<i64> {
        let time = jiff::civil::Time::strptime("%H:%M", &self.at).map_err(|e| {
            Error::Invalid(format!("deadline of {}: at {:?}: {e}", self.item, self.at))
        })?;
        let day = date.add_days(self.day_offset).date();
        let zoned = day
            .to_datetime(time)
            .to_zoned(nba_props_core::date::eastern().clone())
            .map_err(|e| Error::Invalid(format!("deadline of {}: {e}", self.item)))?;
        Ok(zoned.timestamp().as_millisecond())
    }
}

fn s(name: &str, cron: &str, targets: &[&str], date: &str, game_aware: bool) -> Schedule {
    Schedule {
        name: name.into(),
        cron: cron.into(),
        targets: targets.iter().map(|t| t.to_string()).collect(),
        date: date.into(),
        game_aware,
    }
}

/// The daily cycle: box scores after the night's games, the injury report through the day,
/// prop lines several times before tip-off, predictions late morning, grading the next morning,
/// then a reconcile of the last days.
pub fn default_schedules() -> Vec<Schedule> {
    vec![
        s(
            "schedule",
            "0 7 * * *",
            // Rosters with the schedule: who is expected to play follows trades and signings.
            &[
                "nbacom.schedule",
                "nbacom.player_movement",
                "nbacom.player_list",
            ],
            "today",
            false,
        ),
        s(
            "box_scores",
            "30 5 * * *",
            &[
                "nbacom.leaguegamelog_player",
                "nbacom.leaguegamelog_team",
                "nbacom.boxscoretraditionalv3",
                "espn.summary",
            ],
            "yesterday",
            true,
        ),
        s(
            "injury_report",
            "0 13-19 * * *",
            &["nbacom.injury_report"],
            "today",
            true,
        ),
        s(
            "prop_lines",
            "0 10,14,17 * * *",
            &[
                "oddsapi.events",
                "oddsapi.player_props",
                "oddsapi.game_lines",
                "bettingpros.events",
                "bettingpros.offers",
            ],
            "today",
            true,
        ),
        s("predictions", "30 11 * * *", &["predict"], "today", true),
        s("grading", "0 8 * * *", &["grade"], "yesterday", true),
        // After the morning's deadlines (box scores 07:30, grading 09:00): whatever the night
        // missed is queued again.
        s("reconcile", "30 9 * * *", &[RECONCILE], "today", false),
    ]
}

fn dl(item: &str, day_offset: i32, at: &str) -> Deadline {
    Deadline {
        item: item.into(),
        day_offset,
        at: at.into(),
    }
}

pub fn default_deadlines() -> Vec<Deadline> {
    vec![
        dl("nbacom.leaguegamelog_player", 1, "07:00"),
        dl("nbac_player_boxscores", 1, "07:30"),
        dl("player_game_summary", 1, "08:00"),
        dl("team_game_summary", 1, "08:00"),
        dl("player_daily_cache", 0, "10:00"),
        dl("feature_store", 0, "10:30"),
        dl("predict", 0, "12:00"),
        dl("grade", 1, "09:00"),
    ]
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HealthSettings {
    /// Days back from today (US Eastern) that the window-wide checks cover.
    pub days: u32,
    /// A running worker whose heartbeat is older than this is stale.
    pub stale_worker_ms: i64,
    /// A processor whose last run is this much older than the most recent processor run is
    /// stale (relative, so the off-season, when everything rests, is not a failure).
    pub stale_processor_ms: i64,
    /// Failed runs over all runs of the window above this share fail the check.
    pub max_failure_rate: f64,
    /// A feature row whose `quality_score` (0–1: the share of its features present) is below this is low quality.
    pub min_feature_quality: f64,
    /// Low-quality feature rows above this share of a date warn.
    pub max_low_quality_share: f64,
}

impl Default for HealthSettings {
    fn default() -> Self {
        Self {
            days: 30,
            stale_worker_ms: 5 * 60_000,
            stale_processor_ms: 36 * 3_600_000,
            max_failure_rate: 0.05,
            min_feature_quality: 0.7,
            max_low_quality_share: 0.5,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertSettings {
    /// `serve` checks health and delivers alerts this often (0: never).
    pub every_ms: u64,
    /// A Slack incoming-webhook URL; unset: alerts go to the log only.
    pub webhook_url: Option<String>,
    /// At most this many deliveries per rule in any hour; the rest are logged and recorded.
    pub max_per_rule_per_hour: i64,
    /// The health score below which the `health_score` rule fires.
    pub min_health_score: f64,
    /// The `model_decay` rule fires when the graded MAE of the last `decay_days` days exceeds
    /// the earlier MAE of the window by more than this share.
    pub max_mae_increase: f64,
    pub decay_days: i64,
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self {
            every_ms: 5 * 60_000,
            webhook_url: None,
            max_per_rule_per_hour: 5,
            min_health_score: 80.0,
            max_mae_increase: 0.15,
            decay_days: 7,
        }
    }
}

impl OpsConfig {
    /// Refuses schedules and deadlines that cannot work, naming them.
    pub fn validate(&self) -> Result<()> {
        for s in &self.schedules {
            crate::scheduler::parse_cron(&s.cron)
                .map_err(|e| Error::Invalid(format!("schedule {}: {e}", s.name)))?;
            resolve_date_word(&s.date, jiff::Timestamp::UNIX_EPOCH)
                .map_err(|e| Error::Invalid(format!("schedule {}: {e}", s.name)))?;
            if s.targets.is_empty() {
                return Err(Error::Invalid(format!(
                    "schedule {} has no targets",
                    s.name
                )));
            }
        }
        for d in &self.deadlines {
            d.expected_by(
                GameDate::parse("2024-01-01").map_err(|e| Error::Invalid(e.to_string()))?,
            )?;
        }
        Ok(())
    }

    pub fn deadline_of(&self, item: &str) -> Option<&Deadline> {
        self.deadlines.iter().find(|d| d.item == item)
    }
}
