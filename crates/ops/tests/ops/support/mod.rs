//! What the operations tests share beyond `nba_props_runtime::testing` (real data in, workers
//! on an injected clock): Eastern instants and deadlines for what the dev archive holds.
#![allow(dead_code)]

use nba_props_ops::config::{Deadline, OpsConfig};
pub use nba_props_runtime::testing::d;

/// An instant given as Eastern wall time, `YYYY-MM-DD HH:MM`.
pub fn et(s: &str) -> i64 {
    let dt: jiff::civil::DateTime = s.replace(' ', "T").parse().unwrap();
    dt.to_zoned(nba_props_core::date::eastern().clone())
        .unwrap()
        .timestamp()
        .as_millisecond()
}

/// Deadlines for what the dev archive holds (the box-score source) and phases 2-4.
pub fn test_config() -> OpsConfig {
    let dl = |item: &str, day_offset: i32, at: &str| Deadline {
        item: item.into(),
        day_offset,
        at: at.into(),
    };
    OpsConfig {
        deadlines: vec![
            dl("nbacom.leaguegamelog_player", 1, "07:00"),
            dl("nbac_player_boxscores", 1, "07:30"),
            dl("player_game_summary", 1, "08:00"),
            dl("team_game_summary", 1, "08:00"),
            dl("player_daily_cache", 0, "10:00"),
            dl("feature_store", 0, "10:30"),
        ],
        ..OpsConfig::default()
    }
}
