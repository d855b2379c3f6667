//! `game_lines`: closing spread, total and moneylines per game from the SBR season CSVs,
//! attached to NBA game ids by date and teams and oriented to the schedule's home team.
//!
//! Sign convention: `home_spread` is the home team's line, negative when the home team is
//! favoured (home -5.5 means the home team gives 5.5 points). The parser derives it from the
//! source's `Spread` (see `parse::game_lines`); `spread_raw` keeps the value as written.

use super::games::{GameMatch, GameResolver};
use super::parse_all;
use crate::parse::game_lines::{self, GameLineRow};
use crate::processor::{
    BoxFuture, Ctx, Declaration, Input, Output, ProcessError, Processor, Unmatched, Window,
};
use nba_props_core::GameDate;
use nba_props_store::Value;
use nba_props_store::schema::GAME_LINES;
use std::collections::HashSet;

pub struct GameLines;

static DECLARATION: Declaration = Declaration {
    name: "game_lines",
    phase: 2,
    inputs: &[
        Input::Raw {
            source: "sbr",
            dataset: "game_lines",
            critical: true,
            window: Window::Season,
        },
        Input::Table {
            name: "nbac_schedule",
            critical: true,
            window: Window::Date,
        },
    ],
    outputs: &[&GAME_LINES],
};

/// SBR's CSVs do not say which sportsbook a line came from.
const BOOKMAKER: &str = "unknown";

impl Processor for GameLines {
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
                .payloads("sbr", "game_lines", &[date.season().to_string()])
                .await?;
            if metas.is_empty() {
                return Err(ProcessError::NoInput);
            }
            let mut out = Output::default();
            let parsed = parse_all(ctx, metas, game_lines::parse, &mut out)?;
            let (meta, lines) = parsed
                .last()
                .expect("parse_all returns at least one payload or an error");
            out.inputs = vec![meta.sha256.clone(), "nbac_schedule".into()];
            // Rows set aside by the parser: reported by their own date, or by the file's first
            // date when theirs is unreadable.
            let first = lines.rows.iter().map(|l| l.date).min();
            for (owner, q) in &lines.quarantined {
                if owner.or(first) == Some(date) {
                    out.unmatched.push(Unmatched {
                        payload_sha256: meta.sha256.clone(),
                        item: q.row.clone(),
                        reason: q.error.to_string(),
                    });
                }
            }
            let todays: Vec<&GameLineRow> = lines.rows.iter().filter(|l| l.date == date).collect();
            if todays.is_empty() && out.unmatched.is_empty() {
                // Most dates of a season have no games: only clear lines an earlier capture left.
                let existing = ctx
                    .store
                    .db
                    .query(
                        "SELECT 1 FROM game_lines WHERE game_date = $1 LIMIT 1",
                        &[date.to_string().into()],
                    )
                    .await?;
                if existing.is_empty() {
                    return Err(ProcessError::NoInput);
                }
                out.tables.push((&GAME_LINES, Vec::new()));
                return Ok(out);
            }
            let games = GameResolver::load(&ctx.store.db, date, date).await?;
            let mut taken = HashSet::new();
            let mut rows = Vec::new();
            for l in todays {
                let item = format!("line {}: {} @ {} on {date}", l.line, l.away, l.home);
                let unmatched = |reason: String| Unmatched {
                    payload_sha256: meta.sha256.clone(),
                    item: item.clone(),
                    reason,
                };
                let (game, swapped) = match games.find(date, l.home, l.away) {
                    GameMatch::Exact(g) => (g, false),
                    GameMatch::Swapped(g) => (g, true),
                    GameMatch::NotFound => {
                        out.unmatched.push(unmatched(format!(
                            "no game between {} and {} on {date}",
                            l.away, l.home
                        )));
                        continue;
                    }
                };
                if !taken.insert(game.game_id.clone()) {
                    out.unmatched.push(unmatched(format!(
                        "a second line for game {}",
                        game.game_id
                    )));
                    continue;
                }
                let flip = |v: Option<f64>| if swapped { v.map(|x| -x) } else { v };
                let (home_ml, away_ml) = if swapped {
                    (l.away_moneyline, l.home_moneyline)
                } else {
                    (l.home_moneyline, l.away_moneyline)
                };
                rows.push(vec![
                    game.game_id.as_str().into(),
                    "sbr".into(),
                    BOOKMAKER.into(),
                    date.to_string().into(),
                    game.home.tricode().into(),
                    game.away.tricode().into(),
                    l.total.into(),
                    flip(l.home_spread).into(),
                    l.spread_raw.into(),
                    home_ml.into(),
                    away_ml.into(),
                    l.final_total.into(),
                    (if swapped {
                        l.final_home_margin.map(|m| -m)
                    } else {
                        l.final_home_margin
                    })
                    .into(),
                    swapped.into(),
                    Value::from(meta.sha256.as_str()),
                ]);
            }
            out.tables.push((&GAME_LINES, rows));
            Ok(out)
        })
    }
}
