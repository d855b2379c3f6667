//! `odds_player_props`: player prop lines from The Odds API event-odds payloads, one row per
//! (event, bookmaker, market, player, line, snapshot), attached to NBA games.
//!
//! Payload folders are UTC dates, so the games of Eastern date D sit in folders D and D+1. An
//! event with a `commence_time` belongs to that instant's Eastern date; one without (the 2023-24
//! PRA archive) belongs to its folder date or the day before, whichever has the game. An event
//! that matches no game is reported once, by the partition of its Eastern (or folder) date.

use super::games::{GameMatch, GameResolver, KnownGame};
use super::parse_all;
use crate::parse::odds_props::{self, OddsEvent};
use crate::processor::{
    BoxFuture, Ctx, Declaration, Input, Output, ProcessError, Processor, Unmatched, Window,
};
use nba_props_core::GameDate;
use nba_props_store::schema::ODDS_PLAYER_PROPS;
use nba_props_store::{RawMeta, Value};
use std::collections::HashMap;

pub struct Props;

/// event, bookmaker, market, player, line (as bits: f64 is not Hash), snapshot.
type LineKey = (String, String, String, String, u64, String);

static DECLARATION: Declaration = Declaration {
    name: "odds_player_props",
    phase: 2,
    inputs: &[
        Input::Raw {
            source: "oddsapi",
            dataset: "player_props/",
            critical: true,
            window: Window::Days {
                before: 0,
                after: 1,
            },
        },
        Input::Table {
            name: "nbac_schedule",
            critical: true,
            window: Window::Days {
                before: 1,
                after: 1,
            },
        },
    ],
    outputs: &[&ODDS_PLAYER_PROPS],
};

impl Processor for Props {
    fn declaration(&self) -> &'static Declaration {
        &DECLARATION
    }

    fn run<'a>(
        &'a self,
        ctx: &'a Ctx,
        date: GameDate,
    ) -> BoxFuture<'a, Result<Output, ProcessError>> {
        Box::pin(async move {
            let folders = [date.to_string(), date.add_days(1).to_string()];
            let metas = ctx.payloads("oddsapi", "player_props/", &folders).await?;
            if metas.is_empty() {
                return Err(ProcessError::NoInput);
            }
            let mut out = Output::default();
            let events = parse_all(ctx, metas, odds_props::parse, &mut out)?;
            out.inputs.push("nbac_schedule".into());
            let games =
                GameResolver::load(&ctx.store.db, date.add_days(-1), date.add_days(1)).await?;
            // Keyed by the table's natural key (the line as its bit pattern: f64 is not Hash).
            let mut rows: HashMap<LineKey, Vec<Value>> = HashMap::new();
            for (meta, event) in &events {
                let item = format!("event {} {} @ {}", event.event_id, event.away, event.home);
                let unmatched = |reason: String| Unmatched {
                    payload_sha256: meta.sha256.clone(),
                    item: item.clone(),
                    reason,
                };
                let (game, swapped) = match resolve(&games, meta, event) {
                    Ok(found) => found,
                    Err((owner, reason)) => {
                        if owner == date {
                            out.unmatched.push(unmatched(reason));
                        }
                        continue;
                    }
                };
                if game.date != date {
                    continue;
                }
                for q in &event.quarantined {
                    out.unmatched.push(Unmatched {
                        payload_sha256: meta.sha256.clone(),
                        item: format!("{item} {}", q.row),
                        reason: q.error.to_string(),
                    });
                }
                for conflict in &event.conflicts {
                    out.unmatched
                        .push(unmatched(format!("left out: {conflict}")));
                }
                let snapshot = event
                    .snapshot
                    .map(|t| t.to_string())
                    .or_else(|| meta.captured_at.clone());
                for line in &event.lines {
                    let Some(snapshot_at) = snapshot
                        .clone()
                        .or_else(|| line.last_update.map(|t| t.to_string()))
                    else {
                        out.unmatched.push(unmatched(format!(
                            "{} {} {}: no snapshot time (no envelope timestamp, capture time or last_update)",
                            line.bookmaker, line.market, line.player_name
                        )));
                        continue;
                    };
                    let mut row: Vec<Value> = vec![
                        event.event_id.as_str().into(),
                        line.bookmaker.as_str().into(),
                        line.market.as_str().into(),
                        line.player_name.as_str().into(),
                        line.line.into(),
                        snapshot_at.as_str().into(),
                    ];
                    let key = (
                        event.event_id.clone(),
                        line.bookmaker.clone(),
                        line.market.clone(),
                        line.player_name.clone(),
                        line.line.to_bits(),
                        snapshot_at,
                    );
                    row.extend([
                        game.game_id.as_str().into(),
                        date.to_string().into(),
                        line.over_price.into(),
                        line.under_price.into(),
                        line.last_update.map(|t| t.to_string()).into(),
                        event.commence_time.map(|t| t.to_string()).into(),
                        swapped.into(),
                        meta.sha256.as_str().into(),
                    ]);
                    // The same snapshot stored twice (identical prices) is one row; differing
                    // prices under one key are reported, not silently merged.
                    match rows.get(&key) {
                        Some(existing) if existing[8..10] != row[8..10] => {
                            out.unmatched.push(unmatched(format!(
                                "{} {} {} {}: two snapshots at one time with different prices",
                                line.bookmaker, line.market, line.player_name, line.line
                            )))
                        }
                        Some(_) => {}
                        None => {
                            rows.insert(key, row);
                        }
                    }
                }
            }
            out.tables
                .push((&ODDS_PLAYER_PROPS, rows.into_values().collect()));
            Ok(out)
        })
    }
}

/// The game of an event and whether the teams were named the other way round; or the Eastern
/// date that owns the unmatched event (the one partition that reports it) with the reason.
fn resolve(
    games: &GameResolver,
    meta: &RawMeta,
    event: &OddsEvent,
) -> Result<(KnownGame, bool), (GameDate, String)> {
    let candidates = match (event.commence_time, GameDate::parse(&meta.partition_key)) {
        (Some(t), _) => vec![GameDate::of_timestamp(t)],
        (None, Ok(folder)) => vec![folder, folder.add_days(-1)],
        (None, Err(e)) => {
            return Err((
                GameDate::of_timestamp(jiff::Timestamp::UNIX_EPOCH),
                format!("folder date: {e}"),
            ));
        }
    };
    let owner = candidates[0];
    let found: Vec<(KnownGame, bool)> = candidates
        .iter()
        .filter_map(|d| match games.find(*d, event.home, event.away) {
            GameMatch::Exact(g) => Some((g, false)),
            GameMatch::Swapped(g) => Some((g, true)),
            GameMatch::NotFound => None,
        })
        .collect();
    match found.as_slice() {
        [(g, swapped)] => Ok((g.clone(), *swapped)),
        [] => Err((
            owner,
            format!(
                "no game between {} and {} on {}",
                event.away,
                event.home,
                candidates
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        )),
        _ => Err((
            owner,
            format!(
                "{} and {} play on both {} and {}: ambiguous",
                event.away, event.home, candidates[0], candidates[1]
            ),
        )),
    }
}
