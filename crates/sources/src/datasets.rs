//! The catalogue of scrapable datasets, for `nba-props sources` and `scrape SOURCE[.DATASET]`.

use crate::error::SourceError;

/// How a dataset's payloads are partitioned in the raw store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartitionKind {
    /// The game date (US Eastern), `YYYY-MM-DD`.
    GameDate,
    /// The season of the date, `2023-24`.
    Season,
    /// The UTC date of the event's commence time (Odds API props).
    UtcCommenceDate,
}

/// One scrapable dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetInfo {
    /// `source.dataset`, the name `scrape` takes.
    pub name: &'static str,
    /// Raw-store source.
    pub source: &'static str,
    /// Raw-store dataset (`player_props/<market>` for Odds API props).
    pub raw_dataset: &'static str,
    pub partition: PartitionKind,
    /// What it fetches.
    pub fetches: &'static str,
    /// When it should run.
    pub when: &'static str,
    /// The environment variable of the API key it needs, if any.
    pub key_env: Option<&'static str>,
}

const fn d(
    name: &'static str,
    source: &'static str,
    raw_dataset: &'static str,
    partition: PartitionKind,
    fetches: &'static str,
    when: &'static str,
    key_env: Option<&'static str>,
) -> DatasetInfo {
    DatasetInfo {
        name,
        source,
        raw_dataset,
        partition,
        fetches,
        when,
        key_env,
    }
}

use PartitionKind::*;
const ODDS: Option<&str> = Some(crate::config::ODDS_KEY_VAR);
const BP: Option<&str> = Some(crate::config::BETTINGPROS_KEY_VAR);

static DATASETS: &[DatasetInfo] = &[
    d(
        "nbacom.schedule",
        "nbacom",
        "schedule",
        Season,
        "CDN scheduleLeagueV2 (stats scheduleleaguev2 when the CDN fails or holds another season)",
        "daily, morning ET",
        None,
    ),
    d(
        "nbacom.leaguegamelog_player",
        "nbacom",
        "leaguegamelog_player",
        GameDate,
        "stats leaguegamelog PlayerOrTeam=P for the date",
        "the morning after the games (ET)",
        None,
    ),
    d(
        "nbacom.leaguegamelog_team",
        "nbacom",
        "leaguegamelog_team",
        GameDate,
        "stats leaguegamelog PlayerOrTeam=T for the date",
        "the morning after the games (ET)",
        None,
    ),
    d(
        "nbacom.boxscoretraditionalv3",
        "nbacom",
        "boxscoretraditionalv3",
        GameDate,
        "stats boxscoretraditionalv3 per game of the date (CDN live box score as fallback)",
        "the morning after the games (ET)",
        None,
    ),
    d(
        "nbacom.cdn_boxscore",
        "nbacom",
        "cdn_boxscore",
        GameDate,
        "CDN live box score per game of the date",
        "during and after the games",
        None,
    ),
    d(
        "nbacom.injury_report",
        "nbacom",
        "injury_report",
        GameDate,
        "the official injury-report PDF, latest of the configured times",
        "game days, from 1 pm ET until tip-off",
        None,
    ),
    d(
        "nbacom.player_movement",
        "nbacom",
        "player_movement",
        Season,
        "stats NBA_Player_Movement.json: every signing, trade, waiver since 2015 (cumulative)",
        "daily, morning ET",
        None,
    ),
    d(
        "nbacom.player_list",
        "nbacom",
        "player_list",
        Season,
        "stats playerindex of the season (Historical=0): each rostered player's current team",
        "daily, morning ET",
        None,
    ),
    d(
        "espn.scoreboard",
        "espn",
        "scoreboard",
        GameDate,
        "ESPN scoreboard of the date",
        "daily, and the morning after",
        None,
    ),
    d(
        "espn.summary",
        "espn",
        "summary",
        GameDate,
        "ESPN game summary per event on the date's scoreboard",
        "the morning after the games",
        None,
    ),
    d(
        "oddsapi.events",
        "oddsapi",
        "events",
        GameDate,
        "The Odds API events starting on the date (ET); historical before today",
        "game days, morning",
        ODDS,
    ),
    d(
        "oddsapi.player_props",
        "oddsapi",
        "player_props/<market>",
        UtcCommenceDate,
        "The Odds API event odds per configured player market (player_points by default)",
        "game days, before tip-off",
        ODDS,
    ),
    d(
        "oddsapi.game_lines",
        "oddsapi",
        "game_lines",
        GameDate,
        "The Odds API h2h, spreads and totals of the date's games",
        "game days, before tip-off",
        ODDS,
    ),
    d(
        "bettingpros.events",
        "bettingpros",
        "events",
        GameDate,
        "BettingPros events of the date",
        "game days, morning",
        BP,
    ),
    d(
        "bettingpros.offers",
        "bettingpros",
        "offers",
        GameDate,
        "BettingPros prop offers (points) of the date's events, every page",
        "game days, before tip-off",
        BP,
    ),
];

/// Every dataset `scrape` knows.
pub fn datasets() -> &'static [DatasetInfo] {
    DATASETS
}

/// `SOURCE` → all its datasets; `SOURCE.DATASET` → that one.
pub fn resolve(name: &str) -> Result<Vec<&'static DatasetInfo>, SourceError> {
    let found: Vec<_> = if name.contains('.') {
        DATASETS.iter().filter(|d| d.name == name).collect()
    } else {
        DATASETS.iter().filter(|d| d.source == name).collect()
    };
    if found.is_empty() {
        Err(SourceError::UnknownDataset(name.to_string()))
    } else {
        Ok(found)
    }
}
