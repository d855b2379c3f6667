//! Phases 2-6 of nba-props. `parse` turns raw payloads into typed rows (pure functions);
//! processors declare their inputs and output tables and write one game-date partition at a
//! time through `runner`; `import` loads a raw archive into the raw store.

pub mod analytics;
pub mod backfill;
pub mod import;
pub mod parse;
pub mod phase2;
pub mod phase3;
pub mod phase4;
pub mod phase5;
pub mod phase6;
pub mod processor;
pub mod runner;
pub mod testdata;

pub use processor::{Ctx, Processor};
