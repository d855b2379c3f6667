//! Phase 2: raw payloads → source tables, one game-date partition per run.

pub mod boxscores;
pub mod game_lines;
pub mod games;
pub mod props;
pub mod schedule;

use crate::parse::ParseError;
use crate::processor::{Ctx, Output, ProcessError, Processor};
use nba_props_store::RawMeta;
use std::sync::Arc;

/// The phase 2 processors.
pub fn processors() -> Vec<Box<dyn Processor>> {
    vec![
        Box::new(boxscores::BoxScores),
        Box::new(schedule::Schedule),
        Box::new(game_lines::GameLines),
        Box::new(props::Props),
    ]
}

/// Parses every payload; failures go to `out.bad_payloads` and the rest are returned, oldest
/// capture first. When payloads exist but none parses, they are the run's error.
pub(crate) fn parse_all<T: Send + Sync + 'static>(
    ctx: &Ctx,
    metas: Vec<RawMeta>,
    parser: fn(&[u8], &crate::parse::Source) -> Result<T, ParseError>,
    out: &mut Output,
) -> Result<Vec<(RawMeta, Arc<T>)>, ProcessError> {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for meta in metas {
        match ctx.parse(&meta, parser)? {
            Ok(v) => {
                out.inputs.push(meta.sha256.clone());
                good.push((meta, v));
            }
            Err(e) => bad.push((meta, e)),
        }
    }
    if good.is_empty() && !bad.is_empty() {
        return Err(ProcessError::BadInput(bad));
    }
    out.bad_payloads.extend(bad);
    Ok(good)
}
