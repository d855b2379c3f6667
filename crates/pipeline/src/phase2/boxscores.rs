//! `nbac_player_boxscores`: one row per player per game from the latest usable `leaguegamelog`
//! (player) capture of the date. A row that cannot be used (quarantined by the parser, dated
//! outside the partition, a player repeated in a game) goes to `unmatched_rows` with the field
//! and the reason; the payload's other rows are written.

use super::parse_all;
use crate::parse::leaguegamelog::{self, BoxScoreLine};
use crate::processor::{
    BoxFuture, Ctx, Declaration, Input, Output, ProcessError, Processor, Unmatched, Window,
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
            let (meta, log) = parsed
                .last()
                .expect("parse_all returns at least one payload or an error");
            out.inputs = vec![meta.sha256.clone()];
            let quarantine = |item: String, reason: String| Unmatched {
                payload_sha256: meta.sha256.clone(),
                item,
                reason,
            };
            // Rows that cannot be used are kept aside with their reason; the others are written.
            for q in &log.quarantined {
                out.unmatched
                    .push(quarantine(q.row.clone(), q.error.to_string()));
            }
            let mut seen = HashSet::new();
            let mut rows = Vec::with_capacity(log.lines.len());
            for (line, &index) in log.lines.iter().zip(&log.rows) {
                let at = log.row_path(index);
                let item = format!("{at} (game {}, player {})", line.game_id, line.player_id);
                let why = format!(
                    "nbacom/leaguegamelog_player payload {}: field {at}",
                    meta.origin_path
                );
                if line.game_date != date {
                    out.unmatched.push(quarantine(
                        item,
                        format!(
                            "{why}.GAME_DATE: {} is outside partition {date}",
                            line.game_date
                        ),
                    ));
                    continue;
                }
                if !seen.insert((line.game_id.clone(), line.player_id)) {
                    out.unmatched.push(quarantine(
                        item,
                        format!(
                            "{why}.PLAYER_ID: repeats player {} in game {} (the first row is kept)",
                            line.player_id, line.game_id
                        ),
                    ));
                    continue;
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
