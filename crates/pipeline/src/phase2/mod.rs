//! Phase 2: raw payloads → source tables, one game-date partition per run.

pub mod bettingpros;
pub mod boxscores;
pub mod espn;
pub mod game_boxscores;
pub mod game_lines;
pub mod games;
pub mod injury_report;
pub mod props;
pub mod rosters;
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
        Box::new(game_boxscores::GameBoxScores),
        Box::new(espn::Scoreboard),
        Box::new(espn::Summaries),
        Box::new(injury_report::InjuryReport),
        Box::new(bettingpros::Props),
        Box::new(rosters::PlayerMovement),
        Box::new(rosters::PlayerList),
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
    let (good, bad) = parse_each(ctx, metas, parser)?;
    if good.is_empty() && !bad.is_empty() {
        return Err(ProcessError::BadInput(bad));
    }
    out.inputs
        .extend(good.iter().map(|(m, _)| m.sha256.clone()));
    out.bad_payloads.extend(bad);
    Ok(good)
}

/// The payloads of a dataset for `partitions`, parsed as [`parse_all`] does; `NoInput` when
/// there are none.
pub(crate) async fn load<T: Send + Sync + 'static>(
    ctx: &Ctx,
    (source, dataset): (&str, &str),
    partitions: &[String],
    parser: fn(&[u8], &crate::parse::Source) -> Result<T, ParseError>,
    out: &mut Output,
) -> Result<Vec<(RawMeta, Arc<T>)>, ProcessError> {
    let metas = ctx.payloads(source, dataset, partitions).await?;
    if metas.is_empty() {
        return Err(ProcessError::NoInput);
    }
    parse_all(ctx, metas, parser, out)
}

/// The games of `date` in `nbac_schedule`, recorded as an input of the run.
pub(crate) async fn games_on(
    ctx: &Ctx,
    date: nba_props_core::GameDate,
    out: &mut Output,
) -> Result<games::GameResolver, ProcessError> {
    out.inputs.push("nbac_schedule".into());
    Ok(games::GameResolver::load(&ctx.store.db, date, date).await?)
}

/// Payloads that parse (oldest capture first) and those that do not, for processors that weigh
/// several inputs before deciding whether the run has any.
pub(crate) type Parsed<T> = (Vec<(RawMeta, Arc<T>)>, Vec<(RawMeta, ParseError)>);

pub(crate) fn parse_each<T: Send + Sync + 'static>(
    ctx: &Ctx,
    metas: Vec<RawMeta>,
    parser: fn(&[u8], &crate::parse::Source) -> Result<T, ParseError>,
) -> Result<Parsed<T>, ProcessError> {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for meta in metas {
        match ctx.parse(&meta, parser)? {
            Ok(v) => good.push((meta, v)),
            Err(e) => bad.push((meta, e)),
        }
    }
    Ok((good, bad))
}
