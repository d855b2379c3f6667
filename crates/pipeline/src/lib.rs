//! Phases 2-6 of nba-props. `parse` turns raw payloads into typed rows (pure functions);
//! processors declare their inputs and output tables and write one game-date partition at a time.

pub mod parse;
pub mod testdata;
