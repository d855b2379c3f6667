//! Declarations of the tables processors write: columns in order, natural key, partition.
//!
//! The migrations create these tables; a conformance test checks on both backends that the
//! declared columns, order, nullability and keys are what the database really has, so the two
//! cannot drift. `docs/tables.md` documents them for analysts.

/// The value type of a column, mapped to `BIGINT`/`INTEGER`, `DOUBLE PRECISION`/`REAL`, `TEXT`,
/// `BOOLEAN`/`INTEGER` on PostgreSQL/SQLite. Dates and instants are ISO-8601 `TEXT` on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Int,
    Float,
    Text,
    Bool,
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColType,
    pub nullable: bool,
}

/// A table written one partition at a time.
#[derive(Debug)]
pub struct TableDef {
    pub name: &'static str,
    pub columns: &'static [Column],
    /// The natural primary key: a duplicate is a constraint error.
    pub key: &'static [&'static str],
    /// The columns whose values name one partition (usually `game_date`).
    pub partition: &'static [&'static str],
    /// For tables keyed by an id that can change partition (a postponed game moves to another
    /// date): writing a row deletes the row with the same value of this column elsewhere.
    pub moves_by: Option<&'static str>,
}

impl Column {
    pub const fn required(name: &'static str, ty: ColType) -> Column {
        Column {
            name,
            ty,
            nullable: false,
        }
    }
    pub const fn nullable(name: &'static str, ty: ColType) -> Column {
        Column {
            name,
            ty,
            nullable: true,
        }
    }
}

impl TableDef {
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

const fn c(name: &'static str, ty: ColType) -> Column {
    Column {
        name,
        ty,
        nullable: false,
    }
}
const fn n(name: &'static str, ty: ColType) -> Column {
    Column {
        name,
        ty,
        nullable: true,
    }
}
use ColType::{Bool, Float, Int, Text};

mod sources;
pub use sources::*;

/// Every game the sources know of, one row per NBA game id, on its Eastern game date.
pub static NBAC_SCHEDULE: TableDef = TableDef {
    name: "nbac_schedule",
    columns: &[
        c("game_id", Text),
        c("game_date", Text),
        c("season", Text),
        c("season_type", Text),
        n("game_code", Text),
        c("status", Text),
        c("home_team", Text),
        c("away_team", Text),
        c("home_team_id", Int),
        c("away_team_id", Int),
        n("home_score", Int),
        n("away_score", Int),
        n("score_source", Text),
        n("tipoff_utc", Text),
        n("is_neutral", Bool),
        n("is_cup", Bool),
        n("game_subtype", Text),
        c("source", Text),
        n("schedule_captured_at", Text),
        n("payload_sha256", Text),
    ],
    key: &["game_id"],
    partition: &["game_date"],
    moves_by: Some("game_id"),
};

/// One row per player per game played, from stats.nba.com `leaguegamelog`.
pub static NBAC_PLAYER_BOXSCORES: TableDef = TableDef {
    name: "nbac_player_boxscores",
    columns: &[
        c("game_id", Text),
        c("player_id", Int),
        c("game_date", Text),
        c("season", Text),
        c("season_type", Text),
        c("player_name", Text),
        c("team_id", Int),
        c("team", Text),
        c("opponent", Text),
        c("is_home", Bool),
        n("win", Bool),
        n("minutes", Float),
        c("points", Int),
        c("fgm", Int),
        c("fga", Int),
        c("fg3m", Int),
        c("fg3a", Int),
        c("ftm", Int),
        c("fta", Int),
        c("oreb", Int),
        c("dreb", Int),
        c("reb", Int),
        c("ast", Int),
        c("stl", Int),
        c("blk", Int),
        c("tov", Int),
        c("pf", Int),
        n("plus_minus", Int),
        c("payload_sha256", Text),
    ],
    key: &["game_id", "player_id"],
    partition: &["game_date"],
    moves_by: None,
};

/// Closing game lines (spread, total, moneylines), oriented to the schedule's home team.
pub static GAME_LINES: TableDef = TableDef {
    name: "game_lines",
    columns: &[
        c("game_id", Text),
        c("source", Text),
        c("bookmaker", Text),
        c("game_date", Text),
        c("home_team", Text),
        c("away_team", Text),
        n("total", Float),
        n("home_spread", Float),
        n("spread_raw", Float),
        n("home_moneyline", Int),
        n("away_moneyline", Int),
        n("final_total", Int),
        n("final_home_margin", Int),
        c("teams_swapped", Bool),
        c("payload_sha256", Text),
    ],
    key: &["game_id", "source", "bookmaker"],
    partition: &["game_date"],
    moves_by: None,
};

/// Player prop lines: one row per (event, bookmaker, market, player, line, snapshot).
pub static ODDS_PLAYER_PROPS: TableDef = TableDef {
    name: "odds_player_props",
    columns: &[
        c("event_id", Text),
        c("bookmaker", Text),
        c("market", Text),
        c("player_name", Text),
        c("line", Float),
        c("snapshot_at", Text),
        c("game_id", Text),
        c("game_date", Text),
        n("over_price", Int),
        n("under_price", Int),
        n("last_update", Text),
        n("commence_time", Text),
        c("teams_swapped", Bool),
        c("payload_sha256", Text),
    ],
    key: &[
        "event_id",
        "bookmaker",
        "market",
        "player_name",
        "line",
        "snapshot_at",
    ],
    partition: &["game_date"],
    moves_by: None,
};

/// Source rows a processor could not attach to a game or team: counted and kept, never dropped.
pub static UNMATCHED_ROWS: TableDef = TableDef {
    name: "unmatched_rows",
    columns: &[
        c("processor", Text),
        c("partition_key", Text),
        c("payload_sha256", Text),
        c("item", Text),
        c("reason", Text),
    ],
    key: &["processor", "partition_key", "payload_sha256", "item"],
    partition: &["processor", "partition_key"],
    moves_by: None,
};

// Phases 3 and 4 (documented in docs/tables.md).

pub static TEAM_OFFENSE_GAME_SUMMARY: TableDef = TableDef {
    name: "team_offense_game_summary",
    columns: &[
        c("game_id", Text),
        c("team", Text),
        c("game_date", Text),
        c("season", Text),
        c("opponent", Text),
        c("is_home", Bool),
        c("minutes", Float),
        c("points", Int),
        c("fgm", Int),
        c("fga", Int),
        c("fg3m", Int),
        c("fg3a", Int),
        c("ftm", Int),
        c("fta", Int),
        c("oreb", Int),
        c("dreb", Int),
        c("reb", Int),
        c("ast", Int),
        c("stl", Int),
        c("blk", Int),
        c("tov", Int),
        c("pf", Int),
        c("possessions", Float),
        c("pace", Float),
        c("off_rating", Float),
        n("efg_pct", Float),
        n("ts_pct", Float),
    ],
    key: &["game_id", "team"],
    partition: &["game_date"],
    moves_by: None,
};

pub static TEAM_DEFENSE_GAME_SUMMARY: TableDef = TableDef {
    name: "team_defense_game_summary",
    columns: &[
        c("game_id", Text),
        c("team", Text),
        c("game_date", Text),
        c("season", Text),
        c("opponent", Text),
        c("is_home", Bool),
        c("points_allowed", Int),
        c("opp_fgm", Int),
        c("opp_fga", Int),
        c("opp_fg3m", Int),
        c("opp_fg3a", Int),
        c("opp_ftm", Int),
        c("opp_fta", Int),
        c("opp_oreb", Int),
        c("opp_tov", Int),
        c("dreb", Int),
        c("stl", Int),
        c("blk", Int),
        c("possessions", Float),
        c("pace", Float),
        c("def_rating", Float),
        n("opp_efg_pct", Float),
    ],
    key: &["game_id", "team"],
    partition: &["game_date"],
    moves_by: None,
};

pub static PLAYER_GAME_SUMMARY: TableDef = TableDef {
    name: "player_game_summary",
    columns: &[
        c("game_id", Text),
        c("player_id", Int),
        c("game_date", Text),
        c("season", Text),
        c("season_type", Text),
        c("player_name", Text),
        c("team", Text),
        c("opponent", Text),
        c("is_home", Bool),
        n("minutes", Float),
        c("points", Int),
        c("reb", Int),
        c("ast", Int),
        c("pra", Int),
        c("fgm", Int),
        c("fga", Int),
        c("fg3m", Int),
        c("fg3a", Int),
        c("ftm", Int),
        c("fta", Int),
        c("oreb", Int),
        c("dreb", Int),
        c("stl", Int),
        c("blk", Int),
        c("tov", Int),
        c("pf", Int),
        n("plus_minus", Int),
        n("ts_pct", Float),
        n("efg_pct", Float),
        n("usage_rate", Float),
        n("points_line", Float),
        n("points_result", Text),
        n("pra_line", Float),
        n("pra_result", Text),
        n("line_books", Int),
    ],
    key: &["game_id", "player_id"],
    partition: &["game_date"],
    moves_by: None,
};

pub static UPCOMING_TEAM_GAME_CONTEXT: TableDef = TableDef {
    name: "upcoming_team_game_context",
    columns: &[
        c("game_id", Text),
        c("team", Text),
        c("game_date", Text),
        c("season", Text),
        c("opponent", Text),
        c("is_home", Bool),
        n("days_rest", Int),
        c("back_to_back", Bool),
        c("games_last_7d", Int),
        c("games_last_14d", Int),
        n("spread", Float),
        n("total", Float),
        n("implied_team_total", Float),
        c("games_last_10", Int),
        c("wins_last_10", Int),
        n("off_rating_last_10", Float),
        n("def_rating_last_10", Float),
        n("pace_last_10", Float),
        n("line_source", Text),
    ],
    key: &["game_id", "team"],
    partition: &["game_date"],
    moves_by: None,
};

pub static UPCOMING_PLAYER_GAME_CONTEXT: TableDef = TableDef {
    name: "upcoming_player_game_context",
    columns: &[
        c("game_id", Text),
        c("player_id", Int),
        c("game_date", Text),
        c("player_name", Text),
        c("team", Text),
        c("opponent", Text),
        c("is_home", Bool),
        n("days_rest", Int),
        c("back_to_back", Bool),
        c("games_last_7d", Int),
        c("minutes_last_7d", Float),
        c("games_last_14d", Int),
        c("minutes_last_14d", Float),
        c("team_games_last_10", Int),
        c("played_last_10", Int),
        n("points_line", Float),
        n("points_opening", Float),
        n("pra_line", Float),
        n("pra_opening", Float),
        n("line_books", Int),
        // Who plays (migration 0011): the latest injury report before tip-off.
        n("injury_status", Text),
        n("injury_reason", Text),
        n("injury_report_at", Text),
    ],
    key: &["game_id", "player_id"],
    partition: &["game_date"],
    moves_by: None,
};

/// Each book's pre-tip prop line per expected player, market and game of the date, with its
/// opening line: the per-book detail behind the context's consensus lines.
pub static UPCOMING_PLAYER_PROP_LINES: TableDef = TableDef {
    name: "upcoming_player_prop_lines",
    columns: &[
        c("game_id", Text),
        c("player_id", Int),
        c("market", Text),
        c("bookmaker", Text),
        c("game_date", Text),
        c("line", Float),
        n("over_price", Int),
        n("under_price", Int),
        c("snapshot_at", Text),
        c("opening_line", Float),
        c("opening_snapshot_at", Text),
        c("movement", Float),
        c("snapshots", Int),
    ],
    key: &["game_id", "player_id", "market", "bookmaker"],
    partition: &["game_date"],
    moves_by: None,
};

pub static PLAYER_DAILY_CACHE: TableDef = TableDef {
    name: "player_daily_cache",
    columns: &[
        c("player_id", Int),
        c("game_date", Text),
        c("season", Text),
        c("games_season", Int),
        c("games_previous_season_used", Int),
        n("pts_l3", Float),
        n("pts_l5", Float),
        n("pts_l10", Float),
        n("pts_season", Float),
        n("pts_std_l5", Float),
        n("pts_std_l10", Float),
        n("pts_slope_l10", Float),
        n("min_l3", Float),
        n("min_l5", Float),
        n("min_l10", Float),
        n("min_season", Float),
        n("min_std_l10", Float),
        n("ppm_l10", Float),
        n("ppm_season", Float),
        n("usage_l3", Float),
        n("usage_l10", Float),
        n("usage_season", Float),
        n("usage_std_l10", Float),
    ],
    key: &["player_id", "game_date"],
    partition: &["game_date"],
    moves_by: None,
};

pub static FEATURE_STORE: TableDef = TableDef {
    name: "feature_store",
    columns: &[
        c("game_id", Text),
        c("player_id", Int),
        c("feature_version", Text),
        c("game_date", Text),
        c("team", Text),
        c("opponent", Text),
        c("is_home", Bool),
        n("pts_l3", Float),
        n("pts_l5", Float),
        n("pts_l10", Float),
        n("pts_season", Float),
        n("pts_std_l10", Float),
        n("pts_slope_l10", Float),
        n("pts_trajectory", Float),
        n("min_l5", Float),
        n("min_l10", Float),
        n("min_season", Float),
        n("ppm_l10", Float),
        n("usage_l10", Float),
        n("usage_season", Float),
        n("days_rest", Int),
        c("back_to_back", Bool),
        c("games_last_7d", Int),
        c("minutes_last_7d", Float),
        n("dnp_rate_last_10", Float),
        n("opp_def_rating_last_10", Float),
        n("opp_pace_last_10", Float),
        n("team_pace_last_10", Float),
        n("team_off_rating_last_10", Float),
        n("spread", Float),
        n("total", Float),
        n("implied_team_total", Float),
        n("points_line", Float),
        n("pra_line", Float),
        n("pra_movement", Float),
        n("line_books", Int),
        n("pts_vs_opponent", Float),
        c("games_vs_opponent", Int),
        c("fatigue_factor", Float),
        n("pace_factor", Float),
        n("usage_spike", Float),
        n("matchup_factor", Float),
        c("quality_score", Float),
        c("defaults_used", Int),
        c("missing", Text),
        c("sources", Text),
        c("bootstrap", Bool),
        // Feature version 2 (migration 0004): the windows of the other prop markets.
        n("reb_l5", Float),
        n("reb_l10", Float),
        n("reb_season", Float),
        n("reb_std_l10", Float),
        n("ast_l5", Float),
        n("ast_l10", Float),
        n("ast_season", Float),
        n("ast_std_l10", Float),
        n("pra_l3", Float),
        n("pra_l5", Float),
        n("pra_l10", Float),
        n("pra_season", Float),
        n("pra_std_l10", Float),
        n("pra_per_min_l10", Float),
        n("fg3m_l5", Float),
        n("fg3m_l10", Float),
        n("fg3m_season", Float),
        n("fg3m_std_l10", Float),
        n("fg3a_l10", Float),
        // Feature version 3 (migration 0011): who plays, from the injury report.
        n("injury_status_ordinal", Int),
        n("teammates_out", Int),
        n("teammates_out_min_l10", Float),
        n("teammates_out_usage_share", Float),
    ],
    key: &["game_id", "player_id", "feature_version"],
    partition: &["game_date"],
    moves_by: None,
};

// Phase 5 (documented in docs/tables.md).

/// One prediction per (player, game, system, market), with the line it was made against.
pub static PREDICTIONS: TableDef = TableDef {
    name: "predictions",
    columns: &[
        c("game_id", Text),
        c("player_id", Int),
        c("system_id", Text),
        c("market", Text),
        c("game_date", Text),
        c("player_name", Text),
        c("team", Text),
        c("opponent", Text),
        c("system_version", Text),
        c("model_version", Text),
        c("feature_version", Text),
        c("predicted", Float),
        n("line", Float),
        n("line_source", Text),
        n("line_books", Int),
        n("line_snapshot_at", Text),
        n("edge", Float),
        n("p_over", Float),
        n("recommendation", Text),
        n("p_over_market", Float),
        n("pick_book", Text),
        n("pick_line", Float),
        n("pick_price", Int),
        n("pick_ev", Float),
        n("pick_snapshot_at", Text),
        // Migration 0011: the player's injury-report status when one was known (never OUT).
        n("injury_status", Text),
    ],
    key: &["game_id", "player_id", "system_id", "market"],
    partition: &["game_date"],
    moves_by: None,
};

/// Expected players `predict` did not predict, and why (an OUT on the injury report).
pub static PREDICTION_EXCLUSIONS: TableDef = TableDef {
    name: "prediction_exclusions",
    columns: &[
        c("game_id", Text),
        c("player_id", Int),
        c("market", Text),
        c("game_date", Text),
        c("player_name", Text),
        c("team", Text),
        c("reason", Text),
        n("injury_status", Text),
        n("injury_reason", Text),
        n("injury_report_at", Text),
    ],
    key: &["game_id", "player_id", "market"],
    partition: &["game_date"],
    moves_by: None,
};

/// Each prediction graded after its game (5b): the actual, the errors, the pick's outcome.
pub static PREDICTION_GRADES: TableDef = TableDef {
    name: "prediction_grades",
    columns: &[
        c("game_id", Text),
        c("player_id", Int),
        c("system_id", Text),
        c("market", Text),
        c("game_date", Text),
        c("system_version", Text),
        c("model_version", Text),
        c("predicted", Float),
        n("line", Float),
        n("line_source", Text),
        n("recommendation", Text),
        c("status", Text),
        n("actual", Int),
        n("abs_error", Float),
        n("signed_error", Float),
        n("result", Text),
        n("correct", Bool),
        n("units", Float),
        n("pick_book", Text),
        n("pick_line", Float),
        n("pick_price", Int),
        n("pick_ev", Float),
        n("clv_line", Float),
        n("clv_prob", Float),
    ],
    key: &["game_id", "player_id", "system_id", "market"],
    partition: &["game_date"],
    moves_by: None,
};

/// Every trained model: what it was trained on, how it validated, and its file by hash.
pub static MODEL_REGISTRY: TableDef = TableDef {
    name: "model_registry",
    columns: &[
        c("model_id", Text),
        c("version", Text),
        c("first_used", Text),
        c("trained_for", Text),
        c("system_id", Text),
        c("system_version", Text),
        c("market", Text),
        c("feature_version", Text),
        n("train_from", Text),
        n("train_to", Text),
        c("train_rows", Int),
        c("metrics", Text),
        c("file_sha256", Text),
        c("file_path", Text),
        c("enabled", Bool),
    ],
    key: &["model_id", "version"],
    partition: &["first_used"],
    moves_by: None,
};

/// Every table a processor writes, for conformance tests and checks.
pub static OUTPUT_TABLES: &[&TableDef] = &[
    &NBAC_SCHEDULE,
    &NBAC_PLAYER_BOXSCORES,
    &GAME_LINES,
    &ODDS_PLAYER_PROPS,
    &NBAC_GAME_BOXSCORES,
    &ESPN_SCOREBOARD,
    &ESPN_PLAYER_BOXSCORES,
    &ESPN_GAME_LINES,
    &NBAC_INJURY_REPORT,
    &NBAC_PLAYER_MOVEMENT,
    &NBAC_PLAYER_LIST,
    &BETTINGPROS_PLAYER_PROPS,
    &UNMATCHED_ROWS,
    &TEAM_OFFENSE_GAME_SUMMARY,
    &TEAM_DEFENSE_GAME_SUMMARY,
    &PLAYER_GAME_SUMMARY,
    &UPCOMING_TEAM_GAME_CONTEXT,
    &UPCOMING_PLAYER_GAME_CONTEXT,
    &UPCOMING_PLAYER_PROP_LINES,
    &PLAYER_DAILY_CACHE,
    &FEATURE_STORE,
    &PREDICTIONS,
    &PREDICTION_EXCLUSIONS,
    &PREDICTION_GRADES,
    &MODEL_REGISTRY,
];

/// Bounded state tables that are not processor outputs (one row per thing they track), checked
/// against the migrated schema like the output tables.
pub static STATE_TABLES: &[&TableDef] = &[&SOURCE_STATUS];
