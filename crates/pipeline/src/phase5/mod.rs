//! Phase 5: predictions against the lines (`predict`) and their grading after the games
//! (`grade`, 5b), plus the walk-forward evaluation behind `nba-props eval`.
//!
//! The settings (the EV a pick needs per market, the retraining schedule, which
//! line and which systems) come from the configuration file's `[predict]` section; the CLI
//! installs them with [`configure`] before it runs the processors.

pub mod data;
pub mod eval;
pub mod grade;
pub mod lines;
pub mod predict;
pub mod record;

use crate::processor::Processor;
use lines::LineChoice;
use nba_props_core::Market;
use nba_props_model::system::{BoosterParams, SystemKind};
use nba_props_model::walk::Schedule;
use std::sync::OnceLock;

/// The EV per unit staked a pick needs at the offered price, per market.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MinEv {
    pub points: f64,
    pub threes: f64,
    pub pra: f64,
}

/// Phase 5 settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub min_ev: MinEv,
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
            // 2% a unit: above the rounding of the model's P(over), small enough to act on.
            min_ev: MinEv {
                points: 0.02,
                threes: 0.02,
                pra: 0.02,
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
    pub fn min_ev(&self, market: Market) -> f64 {
        match market {
            Market::Points => self.min_ev.points,
            Market::Threes => self.min_ev.threes,
            Market::Pra => self.min_ev.pra,
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
