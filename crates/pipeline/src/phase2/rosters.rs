//! Who is on which team: `nbac_player_movement` (each player's signings, trades and waivers, one
//! partition per transaction date) and `nbac_player_list` (each capture of the season's player
//! list, one partition per capture date).
//!
//! Both raw datasets are stored under the season of their fetch. The movement file is cumulative:
//! the run for D keeps the transactions dated D from every capture of D's season (a transaction
//! listed by several captures is one row, the newest capture's). The player list is a snapshot of
//! the moment it was fetched: the run for D keeps the captures made on D (Eastern), each with its
//! instant, so phase 3 can use a list only after it existed. Rows a parser set aside are reported
//! by the run of their capture's date.

use super::parse_all;
use crate::parse::nbacom_rosters::{self, Movement};
use crate::processor::{
    BoxFuture, Ctx, Declaration, Input, Output, ProcessError, Processor, Unmatched, Window,
};
use nba_props_core::GameDate;
use nba_props_store::schema::{NBAC_PLAYER_LIST, NBAC_PLAYER_MOVEMENT};
use nba_props_store::{RawMeta, Value};
use std::collections::BTreeMap;

/// The instant a payload describes: the capture time it states, else when it was fetched (later,
/// never earlier, than the truth).
pub(crate) fn capture_instant(meta: &RawMeta) -> &str {
    meta.captured_at.as_deref().unwrap_or(&meta.fetched_at)
}

/// The Eastern date of [`capture_instant`]; `None` when it is not an RFC 3339 instant.
fn capture_date(meta: &RawMeta) -> Option<GameDate> {
    let ts: jiff::Timestamp = capture_instant(meta).parse().ok()?;
    Some(GameDate::of_timestamp(ts))
}

async fn season_payloads(
    ctx: &Ctx,
    dataset: &str,
    date: GameDate,
) -> Result<Vec<RawMeta>, ProcessError> {
    let metas = ctx
        .payloads("nbacom", dataset, &[date.season().to_string()])
        .await?;
    if metas.is_empty() {
        return Err(ProcessError::NoInput);
    }
    Ok(metas)
}

fn set_aside(
    meta: &RawMeta,
    quarantined: &[crate::parse::Quarantined],
    date: GameDate,
    out: &mut Output,
) {
    if capture_date(meta) == Some(date) {
        out.unmatched.extend(quarantined.iter().map(|q| Unmatched {
            payload_sha256: meta.sha256.clone(),
            item: q.row.clone(),
            reason: q.error.to_string(),
        }));
    }
}

pub struct PlayerMovement;

static MOVEMENT: Declaration = Declaration {
    name: "nbac_player_movement",
    phase: 2,
    inputs: &[Input::Raw {
        source: "nbacom",
        dataset: "player_movement",
        critical: true,
        window: Window::Season,
    }],
    outputs: &[&NBAC_PLAYER_MOVEMENT],
};

/// The table's key: player, team, type, description.
type MoveKey = (i64, String, String, String);

impl Processor for PlayerMovement {
    fn declaration(&self) -> &'static Declaration {
        &MOVEMENT
    }

    fn run<'a>(
        &'a self,
        ctx: &'a Ctx,
        date: GameDate,
    ) -> BoxFuture<'a, Result<Output, ProcessError>> {
        Box::pin(async move {
            let mut out = Output::default();
            let metas = season_payloads(ctx, "player_movement", date).await?;
            let captures = parse_all(ctx, metas, nbacom_rosters::player_movement, &mut out)?;
            // Oldest capture first: the newest one's row wins.
            let mut rows: BTreeMap<MoveKey, Vec<Value>> = BTreeMap::new();
            for (meta, parsed) in &captures {
                set_aside(meta, &parsed.quarantined, date, &mut out);
                for m in parsed.moves.iter().filter(|m| m.transaction_date == date) {
                    let key = (
                        m.player_id,
                        m.team.tricode().to_string(),
                        m.transaction_type.clone(),
                        m.description.clone(),
                    );
                    rows.insert(key, movement_row(m, &meta.sha256));
                }
            }
            out.tables
                .push((&NBAC_PLAYER_MOVEMENT, rows.into_values().collect()));
            Ok(out)
        })
    }
}

fn movement_row(m: &Movement, sha: &str) -> Vec<Value> {
    vec![
        m.transaction_date.to_string().into(),
        m.player_id.into(),
        m.team.tricode().into(),
        m.transaction_type.as_str().into(),
        m.description.as_str().into(),
        m.direction.as_str().into(),
        sha.into(),
    ]
}

pub struct PlayerList;

static LIST: Declaration = Declaration {
    name: "nbac_player_list",
    phase: 2,
    inputs: &[Input::Raw {
        source: "nbacom",
        dataset: "player_list",
        critical: true,
        window: Window::Season,
    }],
    outputs: &[&NBAC_PLAYER_LIST],
};

impl Processor for PlayerList {
    fn declaration(&self) -> &'static Declaration {
        &LIST
    }

    fn run<'a>(
        &'a self,
        ctx: &'a Ctx,
        date: GameDate,
    ) -> BoxFuture<'a, Result<Output, ProcessError>> {
        Box::pin(async move {
            let metas: Vec<RawMeta> = season_payloads(ctx, "player_list", date)
                .await?
                .into_iter()
                .filter(|m| capture_date(m) == Some(date))
                .collect();
            if metas.is_empty() {
                return Err(ProcessError::NoInput);
            }
            let mut out = Output::default();
            let captures = parse_all(ctx, metas, nbacom_rosters::player_list, &mut out)?;
            let mut rows: BTreeMap<(String, i64), Vec<Value>> = BTreeMap::new();
            for (meta, list) in &captures {
                set_aside(meta, &list.quarantined, date, &mut out);
                let at = capture_instant(meta);
                for p in &list.players {
                    if rows.contains_key(&(at.to_string(), p.player_id)) {
                        out.unmatched.push(Unmatched {
                            payload_sha256: meta.sha256.clone(),
                            item: format!("player {} ({})", p.player_id, p.name),
                            reason: "listed twice in one capture; the first is kept".into(),
                        });
                        continue;
                    }
                    rows.insert(
                        (at.to_string(), p.player_id),
                        vec![
                            date.to_string().into(),
                            at.into(),
                            list.season.to_string().into(),
                            p.player_id.into(),
                            p.name.as_str().into(),
                            p.team.tricode().into(),
                            meta.sha256.as_str().into(),
                        ],
                    );
                }
            }
            out.tables
                .push((&NBAC_PLAYER_LIST, rows.into_values().collect()));
            Ok(out)
        })
    }
}
