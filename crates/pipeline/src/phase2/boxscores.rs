//! `nbac_player_boxscores`: one row per player per game from the latest usable `leaguegamelog`
//! (player) capture of the date.

use super::parse_all;
use crate::parse::leaguegamelog::{self, BoxScoreLine};
use crate::processor::{
    BoxFuture, Ctx, Declaration, Input, Output, ProcessError, Processor, Window,
};
use nba_props_core::GameDate;
use nba_props_store::Value;
use nba_props_store::schema::NBAC_PLAYER_BOXSCORES;
use std::collections::HashSet;

pub struct BoxScores;

static DECLARATION: Declaration = Declaration {
    name: "nbac_player_boxscores",
    phase: 2,
    inputs: &[Input::Raw {
        source: "nbacom",
        dataset: "leaguegamelog_player",
        critical: true,
        window: Window::Date,
    }],
    outputs: &[&NBAC_PLAYER_BOXSCORES],
};

impl Processor for BoxScores {
    fn declaration(&self) -> &'static Declaration {
        &DECLARATION
    }

    fn run<'a>(
        &'a self,
        ctx: &'a Ctx,
        date: GameDate,
    ) -> BoxFuture<'a, Result<Output, ProcessError>> {
        Box::pin(async move {
            let metas = ctx
                .payloads("nbacom", "leaguegamelog_player", &[date.to_string()])
                .await?;
            if metas.is_empty() {
                return Err(ProcessError::NoInput);
            }
            let mut out = Output::default();
            let parsed = parse_all(ctx, metas, leaguegamelog::parse, &mut out)?;
            // The newest capture that parses is the truth for the date.
            let (meta, lines) = parsed
                .last()
                .expect("parse_all returns at least one payload or an error");
            out.inputs = vec![meta.sha256.clone()];
            let mut seen = HashSet::new();
            let mut rows = Vec::with_capacity(lines.len());
            for (i, line) in lines.iter().enumerate() {
                if line.game_date != date {
                    return Err(ProcessError::Data(format!(
                        "{}: row {i} has GAME_DATE {} outside partition {date}",
                        meta.origin_path, line.game_date
                    )));
                }
                if !seen.insert((line.game_id.clone(), line.player_id)) {
                    return Err(ProcessError::Data(format!(
                        "{}: row {i} repeats player {} in game {}",
                        meta.origin_path, line.player_id, line.game_id
                    )));
                }
                rows.push(row(line, &meta.sha256));
            }
            out.tables.push((&NBAC_PLAYER_BOXSCORES, rows));
            Ok(out)
        })
    }
}

fn row(l: &BoxScoreLine, sha: &str) -> Vec<Value> {
    vec![
        l.game_id.as_str().into(),
        l.player_id.into(),
        l.game_date.to_string().into(),
        l.season.to_string().into(),
        l.game_id.season_type().as_str().into(),
        l.player_name.as_str().into(),
        l.team.id().into(),
        l.team.tricode().into(),
        l.opponent.tricode().into(),
        l.is_home.into(),
        l.win.into(),
        l.minutes.into(),
        l.pts.into(),
        l.fgm.into(),
        l.fga.into(),
        l.fg3m.into(),
        l.fg3a.into(),
        l.ftm.into(),
        l.fta.into(),
        l.oreb.into(),
        l.dreb.into(),
        l.reb.into(),
        l.ast.into(),
        l.stl.into(),
        l.blk.into(),
        l.tov.into(),
        l.pf.into(),
        l.plus_minus.into(),
        sha.into(),
    ]
}
