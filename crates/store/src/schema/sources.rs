//! Phase 2 tables of the newer phase 1 datasets (per-game box scores from stats.nba.com and the
//! CDN, ESPN scoreboards and summaries, the official injury report, BettingPros props), and the
//! bounded phase 1 state table. Created by migration 0005; documented in `docs/tables.md`.

use super::{ColType, TableDef, c, n};
use ColType::{Bool, Float, Int, Text};

/// Per-game box scores (stats boxscoretraditionalv3, else the CDN live box score): one row per player on either roster, played or not.
pub static NBAC_GAME_BOXSCORES: TableDef = TableDef {
    name: "nbac_game_boxscores",
    columns: &[
        c("game_id", Text),
        c("player_id", Int),
        c("game_date", Text),
        c("season", Text),
        c("season_type", Text),
        c("source", Text),
        n("game_status", Text),
        c("player_name", Text),
        c("team_id", Int),
        c("team", Text),
        c("opponent", Text),
        c("is_home", Bool),
        n("starter", Bool),
        c("played", Bool),
        n("dnp_reason", Text),
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
        c("team_points", Int),
        n("captured_at", Text),
        c("payload_sha256", Text),
    ],
    key: &["game_id", "player_id"],
    partition: &["game_date"],
    moves_by: None,
};

/// ESPN scoreboard events attached to NBA games.
pub static ESPN_SCOREBOARD: TableDef = TableDef {
    name: "espn_scoreboard",
    columns: &[
        c("event_id", Text),
        c("game_id", Text),
        c("game_date", Text),
        n("start_utc", Text),
        c("status", Text),
        c("home_team", Text),
        c("away_team", Text),
        n("home_score", Int),
        n("away_score", Int),
        c("teams_swapped", Bool),
        c("payload_sha256", Text),
    ],
    key: &["event_id"],
    partition: &["game_date"],
    moves_by: None,
};

/// ESPN summary box scores: one row per athlete listed for either team.
pub static ESPN_PLAYER_BOXSCORES: TableDef = TableDef {
    name: "espn_player_boxscores",
    columns: &[
        c("game_id", Text),
        c("espn_player_id", Text),
        c("event_id", Text),
        c("game_date", Text),
        c("player_name", Text),
        c("team", Text),
        c("opponent", Text),
        c("is_home", Bool),
        n("starter", Bool),
        c("played", Bool),
        n("dnp_reason", Text),
        n("minutes", Float),
        n("points", Int),
        n("fgm", Int),
        n("fga", Int),
        n("fg3m", Int),
        n("fg3a", Int),
        n("ftm", Int),
        n("fta", Int),
        n("oreb", Int),
        n("dreb", Int),
        n("reb", Int),
        n("ast", Int),
        n("stl", Int),
        n("blk", Int),
        n("tov", Int),
        n("pf", Int),
        n("plus_minus", Int),
        c("payload_sha256", Text),
    ],
    key: &["game_id", "espn_player_id"],
    partition: &["game_date"],
    moves_by: None,
};

/// ESPN summary pickcenter lines, one row per game and provider (the newest summary capture).
pub static ESPN_GAME_LINES: TableDef = TableDef {
    name: "espn_game_lines",
    columns: &[
        c("game_id", Text),
        c("provider", Text),
        c("event_id", Text),
        c("game_date", Text),
        c("home_team", Text),
        c("away_team", Text),
        n("provider_id", Text),
        n("details", Text),
        n("total", Float),
        n("home_spread", Float),
        n("spread_raw", Float),
        n("home_moneyline", Int),
        n("away_moneyline", Int),
        n("home_spread_price", Int),
        n("away_spread_price", Int),
        n("over_price", Int),
        n("under_price", Int),
        c("teams_swapped", Bool),
        n("captured_at", Text),
        c("payload_sha256", Text),
    ],
    key: &["game_id", "provider"],
    partition: &["game_date"],
    moves_by: None,
};

/// The official injury report: one row per report, game, team and entry (a player, or a team marked NOT YET SUBMITTED / ALL PLAYERS AVAILABLE).
pub static NBAC_INJURY_REPORT: TableDef = TableDef {
    name: "nbac_injury_report",
    columns: &[
        c("report_at", Text),
        c("game_id", Text),
        c("team", Text),
        c("entry", Text),
        c("game_date", Text),
        c("entry_type", Text),
        n("player_name", Text),
        n("status", Text),
        n("reason", Text),
        n("category", Text),
        n("previous_status", Text),
        n("previous_reason", Text),
        n("game_time", Text),
        c("matchup", Text),
        c("layout", Text),
        c("page", Int),
        c("payload_sha256", Text),
    ],
    key: &["report_at", "game_id", "team", "entry"],
    partition: &["game_date"],
    moves_by: None,
};

/// nba.com player movement: one row per player transaction (signing, trade, waiver), partitioned
/// by its date.
pub static NBAC_PLAYER_MOVEMENT: TableDef = TableDef {
    name: "nbac_player_movement",
    columns: &[
        c("transaction_date", Text),
        c("player_id", Int),
        c("team", Text),
        c("transaction_type", Text),
        c("description", Text),
        c("direction", Text),
        c("payload_sha256", Text),
    ],
    key: &[
        "transaction_date",
        "player_id",
        "team",
        "transaction_type",
        "description",
    ],
    partition: &["transaction_date"],
    moves_by: None,
};

/// nba.com player list (stats `playerindex`): one row per capture and rostered player,
/// partitioned by the capture's Eastern date.
pub static NBAC_PLAYER_LIST: TableDef = TableDef {
    name: "nbac_player_list",
    columns: &[
        c("captured_on", Text),
        c("captured_at", Text),
        c("season", Text),
        c("player_id", Int),
        c("player_name", Text),
        c("team", Text),
        c("payload_sha256", Text),
    ],
    key: &["captured_at", "player_id"],
    partition: &["captured_on"],
    moves_by: None,
};

/// BettingPros prop offers: one row per (event, market, book, player, line, snapshot).
pub static BETTINGPROS_PLAYER_PROPS: TableDef = TableDef {
    name: "bettingpros_player_props",
    columns: &[
        c("event_id", Text),
        c("market_id", Int),
        c("book_id", Int),
        c("bp_player_id", Text),
        c("line", Float),
        c("snapshot_at", Text),
        c("game_id", Text),
        c("game_date", Text),
        n("market", Text),
        n("bookmaker", Text),
        c("player_name", Text),
        n("player_team", Text),
        n("over_price", Int),
        n("under_price", Int),
        n("last_update", Text),
        n("opening_line", Float),
        n("offer_id", Text),
        c("teams_swapped", Bool),
        c("payload_sha256", Text),
    ],
    key: &[
        "event_id",
        "market_id",
        "book_id",
        "bp_player_id",
        "line",
        "snapshot_at",
    ],
    partition: &["game_date"],
    moves_by: None,
};

/// Phase 1 state, bounded: one row per scraped (source, dataset), updated in place by every scrape.
pub static SOURCE_STATUS: TableDef = TableDef {
    name: "source_status",
    columns: &[
        c("source", Text),
        c("dataset", Text),
        c("last_attempt_at", Text),
        n("last_date", Text),
        n("last_success_at", Text),
        n("last_payloads", Int),
        n("last_error_at", Text),
        n("last_error", Text),
        n("odds_requests_remaining", Int),
        n("odds_requests_used", Int),
        c("build", Text),
    ],
    key: &["source", "dataset"],
    partition: &[],
    moves_by: None,
};
