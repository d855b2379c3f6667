//! Phase 5: predictions against the lines (`predict`) and their grading after the games
//! (`grade`, 5b), plus the walk-forward evaluation behind `nba-props eval`.
//!
//! The settings (edge and confidence thresholds per market, the retraining schedule, which
//! line and which systems) come from the configuration file's `[predict]` section; the CLI
//! installs them with [`configure`] before it runs the processors.

pub mod data;
pub mod eval;
pub mod grade;
pub mod lines;
pub mod predict;

use crate::processor::Processor;
use lines::LineChoice;
use nba_props_core::Market;
use nba_props_model::metrics::Thresholds;
use nba_props_model::system::{BoosterParams, SystemKind};
use nba_props_model::walk::Schedule;
use std::sync::OnceLock;

/// Phase 5 settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub points: Thresholds,
    pub threes: Thresholds,
    pub pra: Thresholds,
    pub schedule: Schedule,
    /// Minutes after the scheduled tip-off a snapshot may still be taken as pre-game.
    pub tipoff_grace_minutes: i64,
    pub line: LineChoice,
    /// The systems `predict` runs and publishes (the evaluation always compares all).
    pub systems: Vec<SystemKind>,
    pub markets: Vec<Market>,
    pub params: BoosterParams,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            points: Thresholds {
                min_edge: 1.5,
                min_confidence: 0.55,
            },
            threes: Thresholds {
                min_edge: 0.5,
                min_confidence: 0.55,
            },
            pra: Thresholds {
                min_edge: 2.0,
                min_confidence: 0.55,
            },
            schedule: Schedule::default(),
            tipoff_grace_minutes: 10,
            line: LineChoice::Consensus,
            systems: vec![SystemKind::Baseline, SystemKind::Anchored],
            markets: Market::ALL.to_vec(),
            params: BoosterParams::default(),
        }
    }
}

impl Settings {
    pub fn thresholds(&self, market: Market) -> Thresholds {
        match market {
            Market::Points => self.points,
            Market::Threes => self.threes,
            Market::Pra => self.pra,
        }
    }
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// Installs the settings for this process (first call wins); without it the defaults apply.
pub fn configure(settings: Settings) {
    let _ = SETTINGS.set(settings);
}

pub fn settings() -> &'static Settings {
    SETTINGS.get_or_init(Settings::default)
}

pub fn processors() -> Vec<Box<dyn Processor>> {
    vec![Box::new(predict::Predict), Box::new(grade::Grade)]
}
