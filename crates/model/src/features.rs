//! Model inputs: `feature_store` columns of feature version 3, plus the line of the market
//! (known before tip-off, so a legitimate input). A missing value is NaN for the booster, never
//! a made-up number.

use nba_props_core::{GameDate, Market};

/// The `feature_store` columns every model reads, in the order of [`Example::features`].
pub const FEATURE_COLUMNS: &[&str] = &[
    "is_home",
    "pts_l3",
    "pts_l5",
    "pts_l10",
    "pts_season",
    "pts_std_l10",
    "pts_slope_l10",
    "pts_trajectory",
    "min_l5",
    "min_l10",
    "min_season",
    "ppm_l10",
    "usage_l10",
    "usage_season",
    "days_rest",
    "back_to_back",
    "games_last_7d",
    "minutes_last_7d",
    "dnp_rate_last_10",
    "opp_def_rating_last_10",
    "opp_pace_last_10",
    "team_pace_last_10",
    "team_off_rating_last_10",
    "spread",
    "total",
    "implied_team_total",
    "pts_vs_opponent",
    "games_vs_opponent",
    "fatigue_factor",
    "pace_factor",
    "usage_spike",
    "matchup_factor",
    "reb_l5",
    "reb_l10",
    "reb_season",
    "reb_std_l10",
    "ast_l5",
    "ast_l10",
    "ast_season",
    "ast_std_l10",
    "pra_l3",
    "pra_l5",
    "pra_l10",
    "pra_season",
    "pra_std_l10",
    "pra_per_min_l10",
    "fg3m_l5",
    "fg3m_l10",
    "fg3m_season",
    "fg3m_std_l10",
    "fg3a_l10",
    "injury_status_ordinal",
    "teammates_out",
    "teammates_out_min_l10",
    "teammates_out_usage_share",
];

/// The name of the extra input after the feature columns: the market's line (NaN without one).
pub const LINE_FEATURE: &str = "line";

/// The feature version these columns come from.
pub const FEATURE_VERSION: &str = "v3";

/// Index of a feature column in [`Example::features`].
pub fn index(name: &str) -> usize {
    FEATURE_COLUMNS
        .iter()
        .position(|c| *c == name)
        .unwrap_or_else(|| panic!("{name} is not a model feature"))
}

/// The last-5, last-10 and season columns of the market's stat (the baseline's inputs).
pub fn averages(market: Market) -> [usize; 3] {
    let p = match market {
        Market::Points => "pts",
        Market::Threes => "fg3m",
        Market::Pra => "pra",
    };
    [
        index(&format!("{p}_l5")),
        index(&format!("{p}_l10")),
        index(&format!("{p}_season")),
    ]
}

/// One book's offer behind a line: its latest snapshot before tip-off (of a ladder, the most
/// balanced pair of prices), with the prices as offered.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    pub book: String,
    pub line: f64,
    pub over_price: Option<i64>,
    pub under_price: Option<i64>,
    pub snapshot_at: String,
}

/// A line a prediction is compared with.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub value: f64,
    /// `consensus` (median across books) or the book's key.
    pub source: String,
    pub books: i64,
    /// The latest snapshot used, always before tip-off.
    pub snapshot_at: String,
    /// The market's P(over) at `value`: the mean, over the books offering exactly that line
    /// with both prices, of their vig-free probability. None when no book offers it priced.
    pub p_over_market: Option<f64>,
    /// Every book's offer (the books of `books`), for line shopping and pricing a pick.
    pub offers: Vec<Offer>,
}

/// One (player, game) of a market: what was known before the game and, once played, what
/// happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub game_id: String,
    pub player_id: i64,
    pub date: GameDate,
    /// Values of [`FEATURE_COLUMNS`]; NaN where the feature store has NULL.
    pub features: Vec<f64>,
    pub line: Option<Line>,
    /// The settling stat; None when the player did not play (or the game is not played yet).
    pub actual: Option<f64>,
    /// Minutes played; None when the player did not play.
    pub minutes: Option<f64>,
}

impl Example {
    /// The feature vector with the line appended, as the boosters see it.
    pub fn inputs(&self) -> impl Iterator<Item = f64> + '_ {
        self.features.iter().copied().chain(std::iter::once(
            self.line.as_ref().map_or(f64::NAN, |l| l.value),
        ))
    }

    pub fn feature(&self, i: usize) -> Option<f64> {
        self.features.get(i).copied().filter(|v| !v.is_nan())
    }
}

/// Number of booster inputs: the feature columns and the line.
pub fn input_count() -> usize {
    FEATURE_COLUMNS.len() + 1
}
