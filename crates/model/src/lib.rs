//! Prediction systems of nba-props and what judges them.
//!
//! - [`features`]: the model inputs read from `feature_store` (version 2) plus the line, and the
//!   [`Example`] rows systems train and predict on;
//! - [`system`]: the systems behind one small interface (id and version recorded on every
//!   prediction): the moving-average baseline, a gradient-boosted model on the features and the
//!   line (forust-ml), a box-score model without the line, and the box-score model anchored on
//!   the line;
//! - [`anchor`]: the anchored system's second stage (weight of the line, P(over) against the
//!   market's probability);
//! - [`prob`]: P(over) from a prediction, its held-out error spread and the line;
//! - [`metrics`]: MAE, RMSE, Brier score, reliability, hit rate and ROI at −110;
//! - [`price`]: American odds — implied probability, payout, the vig-free market probability, EV;
//! - [`pick`]: a pick at a real price — line shopping by EV, grading at the price taken, CLV;
//! - [`record`]: the pick record — W-L-P, units, ROI and hit rate with standard errors;
//! - [`walk`]: walk-forward training and prediction (each day sees only earlier rows);
//! - [`registry`]: model files addressed by their sha256 and the `model_registry` rows;
//! - [`report`]: the evaluation report as JSON, markdown and an SVG chart.
//!
//! The crate does no database reads: phase 5 (in the pipeline crate) loads the rows and the
//! lines, and the crate graph keeps pointing down (core ← store ← model ← pipeline ← cli).

pub mod anchor;
pub mod features;
pub mod metrics;
pub mod pick;
pub mod price;
pub mod prob;
pub mod record;
pub mod registry;
pub mod report;
pub mod system;
pub mod walk;

pub use features::Example;
pub use system::{SystemKind, Trained};

/// Errors of training, prediction and model files; each says what failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The booster refused its input or parameters.
    #[error("training {system} for {market}: {message}")]
    Train {
        system: &'static str,
        market: &'static str,
        message: String,
    },
    /// Too few rows to train on.
    #[error(
        "training {system} for {market}: {rows} rows before {before}, at least {needed} needed"
    )]
    TooFewRows {
        system: &'static str,
        market: &'static str,
        rows: usize,
        needed: usize,
        before: String,
    },
    /// A model file is missing, unreadable, or its bytes do not hash to its address.
    #[error("model file {path}: {message}")]
    File { path: String, message: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
