//! `bettingpros_player_props`: BettingPros prop offers, one row per (event, market, book,
//! player, line, snapshot). Offers name only a BettingPros event id; the events payloads of the
//! same date give its teams, which [`GameResolver`] turns into the NBA game. The snapshot time
//! is the offers page's capture (BettingPros pages carry no time of their own).

use super::games::{GameMatch, KnownGame};
use super::{games_on, load, parse_each};
use crate::parse::bettingpros::{self, BpEvent};
use crate::processor::{
    BoxFuture, Ctx, Declaration, Input, Output, ProcessError, Processor, Unmatched, Window,
};
use nba_props_core::GameDate;
use nba_props_store::Value;
use nba_props_store::schema::BETTINGPROS_PLAYER_PROPS;
use std::collections::{BTreeMap, HashMap, HashSet};

pub struct Props;

static DECLARATION: Declaration = Declaration {
    name: "bettingpros_player_props",
    phase: 2,
    inputs: &[
        Input::Raw {
            source: "bettingpros",
            dataset: "offers",
            critical: true,
            window: Window::Date,
        },
        Input::Raw {
            source: "bettingpros",
            dataset: "events",
            critical: true,
            window: Window::Date,
        },
        Input::Table {
            name: "nbac_schedule",
            critical: true,
            window: Window::Date,
        },
    ],
    outputs: &[&BETTINGPROS_PLAYER_PROPS],
};

/// event, market, book, player, line (as bits: f64 is not Ord), snapshot.
type Key = (String, i64, i64, String, u64, String);

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
            let partition = [date.to_string()];
            let mut out = Output::default();
            let offers = ("bettingpros", "offers");
            let pages = load(ctx, offers, &partition, bettingpros::parse_offers, &mut out).await?;
            let events = ctx.payloads("bettingpros", "events", &partition).await?;
            let (events, bad) = parse_each(ctx, events, bettingpros::parse_events)?;
            out.bad_payloads.extend(bad);
            out.inputs
                .extend(events.iter().map(|(m, _)| m.sha256.clone()));
            // Events and offers the parser set aside: kept with their reason.
            for (meta, list) in &events {
                for q in &list.quarantined {
                    out.unmatched.push(Unmatched {
                        payload_sha256: meta.sha256.clone(),
                        item: q.row.clone(),
                        reason: q.error.to_string(),
                    });
                }
            }
            for (meta, page) in &pages {
                for q in &page.quarantined {
                    out.unmatched.push(Unmatched {
                        payload_sha256: meta.sha256.clone(),
                        item: q.row.clone(),
                        reason: q.error.to_string(),
                    });
                }
            }
            // The newest capture of each event (oldest first).
            let events: HashMap<String, BpEvent> = events
                .iter()
                .flat_map(|(_, list)| list.events.iter().map(|e| (e.event_id.clone(), e.clone())))
                .collect();
            let games = games_on(ctx, date, &mut out).await?;
            let mut attached: HashMap<String, Result<(KnownGame, bool), String>> = HashMap::new();
            let mut reported = HashSet::new();
            let mut rows: BTreeMap<Key, Vec<Value>> = BTreeMap::new();
            for (meta, page) in &pages {
                let snapshot = meta.as_of().to_string();
                for offer in &page.offers {
                    let game = attached.entry(offer.event_id.clone()).or_insert_with(|| {
                        let e = events.get(&offer.event_id).ok_or_else(|| {
                            format!(
                                "event {} is not in the BettingPros events of {date}",
                                offer.event_id
                            )
                        })?;
                        match games.find(date, e.home, e.visitor) {
                            GameMatch::Exact(g) => Ok((g, false)),
                            GameMatch::Swapped(g) => Ok((g, true)),
                            GameMatch::NotFound => Err(format!(
                                "no game between {} and {} on {date} in nbac_schedule",
                                e.visitor, e.home
                            )),
                        }
                    });
                    let (game, swapped) = match game {
                        Ok(found) => found.clone(),
                        Err(reason) => {
                            // One row per event is enough to say why its offers are missing.
                            if reported.insert(offer.event_id.clone()) {
                                out.unmatched.push(Unmatched {
                                    payload_sha256: meta.sha256.clone(),
                                    item: format!("event {}", offer.event_id),
                                    reason: reason.clone(),
                                });
                            }
                            continue;
                        }
                    };
                    for l in &offer.lines {
                        let key = (
                            offer.event_id.clone(),
                            offer.market_id,
                            l.book_id,
                            offer.player_id.clone(),
                            l.line.to_bits(),
                            snapshot.clone(),
                        );
                        let row = vec![
                            offer.event_id.as_str().into(),
                            offer.market_id.into(),
                            l.book_id.into(),
                            offer.player_id.as_str().into(),
                            l.line.into(),
                            snapshot.as_str().into(),
                            game.game_id.as_str().into(),
                            date.to_string().into(),
                            bettingpros::market_name(offer.market_id).into(),
                            bettingpros::book_key(l.book_id).into(),
                            offer.player_name.as_str().into(),
                            offer.player_team.clone().into(),
                            l.over_price.into(),
                            l.under_price.into(),
                            l.updated.map(|t| t.to_string()).into(),
                            offer.opening_line.into(),
                            offer.offer_id.clone().into(),
                            swapped.into(),
                            meta.sha256.as_str().into(),
                        ];
                        match rows.get(&key) {
                            // The same offer on two pages of one capture says nothing new.
                            Some(existing) if existing[12..14] == row[12..14] => {}
                            Some(_) => out.unmatched.push(Unmatched {
                                payload_sha256: meta.sha256.clone(),
                                item: format!(
                                    "event {} book {} player {} line {}",
                                    offer.event_id, l.book_id, offer.player_id, l.line
                                ),
                                reason: "listed twice in one snapshot with different prices".into(),
                            }),
                            None => {
                                rows.insert(key, row);
                            }
                        }
                    }
                }
            }
            out.tables
                .push((&BETTINGPROS_PLAYER_PROPS, rows.into_values().collect()));
            Ok(out)
        })
    }
}
