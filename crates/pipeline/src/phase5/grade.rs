//! `grade` (5b): each prediction of the date once its game has box scores: the actual, absolute
//! and signed error (predicted − actual), the result against the line, and for a pick whether it
//! won at its own line and its units at its own price (the payout for a win, −1 for a loss, 0
//! for a push), with its closing line value against the last pre-tip offer of the same book (or
//! the consensus when the book is gone; NULL when the pick was made on that last snapshot). A
//! predicted player without a box-score line in a played game did not play: the row is `void`.
//! Games without box scores yet are not graded.

use super::lines::{self, Expected, LineKey};
use super::settings;
use crate::analytics::names::RosterPlayer;
use crate::phase3::load::{self, f};
use crate::processor::{
    BoxFuture, Ctx, Declaration, Input, Output, ProcessError, Processor, Window,
};
use nba_props_core::{GameDate, Market};
use nba_props_model::features::Line;
use nba_props_model::metrics::{self, Pick};
use nba_props_model::pick::{self, Closing};
use nba_props_store::schema::PREDICTION_GRADES;
use std::collections::{HashMap, HashSet};

pub struct Grade;

static GRADE: Declaration = Declaration {
    name: "grade",
    phase: 5,
    inputs: &[
        Input::Table {
            name: "predictions",
            critical: true,
            window: Window::Date,
        },
        Input::Table {
            name: "player_game_summary",
            critical: true,
            window: Window::Date,
        },
        // The closing offers a pick's value is measured against (the names resolve against
        // the season's players, as at prediction time).
        Input::Table {
            name: "odds_player_props",
            critical: false,
            window: Window::Date,
        },
        Input::Table {
            name: "nbac_schedule",
            critical: false,
            window: Window::Date,
        },
        Input::Table {
            name: "player_game_summary",
            critical: false,
            window: Window::Season,
        },
    ],
    outputs: &[&PREDICTION_GRADES],
};

impl Processor for Grade {
    fn declaration(&self) -> &'static Declaration {
        &GRADE
    }

    fn run<'a>(
        &'a self,
        ctx: &'a Ctx,
        date: GameDate,
    ) -> BoxFuture<'a, Result<Output, ProcessError>> {
        Box::pin(async move {
            let predictions = load::rows_on(
                ctx,
                "predictions",
                "game_id, player_id, system_id, market, system_version, model_version, predicted, line, line_source, recommendation, \
                 player_name, pick_book, pick_line, pick_price, pick_ev, pick_snapshot_at",
                date,
            )
            .await?;
            if predictions.is_empty() && !load::has_rows(ctx, PREDICTION_GRADES.name, date).await? {
                return Err(ProcessError::NoInput);
            }
            let boxes = load::rows_on(
                ctx,
                "player_game_summary",
                "game_id, player_id, points, reb, ast, fg3m",
                date,
            )
            .await?;
            let played_games: HashSet<String> = boxes.iter().map(|r| r.text(0)).collect();
            let stats: HashMap<(String, i64), [i64; 4]> = boxes
                .iter()
                .map(|r| {
                    let n = |i| r.i64(i).unwrap_or(0);
                    ((r.text(0), n(1)), [n(2), n(3), n(4), n(5)])
                })
                .collect();
            let closing = closing_lines(ctx, date, &predictions).await?;
            let mut rows = Vec::new();
            for p in &predictions {
                let (game, player) = (p.text(0), p.i64(1).unwrap_or(0));
                if !played_games.contains(&game) {
                    continue;
                }
                let market = Market::parse(&p.text(3))
                    .map_err(|e| ProcessError::Data(format!("predictions {date}: {e}")))?;
                let predicted = p.f64(6).unwrap_or(f64::NAN);
                let line = p.f64(7);
                let actual = stats
                    .get(&(game.clone(), player))
                    .map(|[pts, reb, ast, fg3m]| market.actual(*pts, *reb, *ast, *fg3m) as f64);
                // A pick is its side at its own line and price; no price, no pick.
                let side = p.str(9).and_then(Pick::parse).filter(|s| *s != Pick::Pass);
                let priced = side.zip(p.f64(12)).zip(p.i64(13));
                let graded = priced
                    .zip(actual)
                    .map(|(((side, l), price), a)| pick::grade(side, l, price, a));
                let clv = priced.and_then(|((side, l), price)| {
                    let key = (game.clone(), player, market);
                    let closing = closing_of(closing.get(&key)?, p.str(11)?);
                    pick::closing_value(side, l, price, p.str(15)?, &closing)
                });
                rows.push(vec![
                    game.as_str().into(),
                    player.into(),
                    p.text(2).into(),
                    market.as_str().into(),
                    date.to_string().into(),
                    p.text(4).into(),
                    p.text(5).into(),
                    f(Some(predicted)),
                    f(line),
                    p.str(8).map(str::to_string).into(),
                    p.str(9).map(str::to_string).into(),
                    if actual.is_some() { "graded" } else { "void" }.into(),
                    actual.map(|a| a as i64).into(),
                    f(actual.map(|a| (predicted - a).abs())),
                    f(actual.map(|a| predicted - a)),
                    actual.zip(line).map(|(a, l)| metrics::result(a, l)).into(),
                    graded.and_then(|(correct, _)| correct).into(),
                    f(graded.map(|(_, units)| units)),
                    p.str(11).map(str::to_string).into(),
                    f(p.f64(12)),
                    p.i64(13).into(),
                    f(p.f64(14)),
                    f(clv.map(|c| c.line)),
                    f(clv.and_then(|c| c.prob)),
                ]);
            }
            Ok(Output {
                tables: vec![(&PREDICTION_GRADES, rows)],
                inputs: vec![
                    "predictions".into(),
                    "player_game_summary".into(),
                    "odds_player_props".into(),
                    "nbac_schedule".into(),
                ],
                ..Output::default()
            })
        })
    }
}

/// The latest pre-tip lines of the date's picked players, each book's offer included; nothing
/// to read when the date has no priced pick.
async fn closing_lines(
    ctx: &Ctx,
    date: GameDate,
    predictions: &[nba_props_store::Row],
) -> Result<HashMap<LineKey, Line>, ProcessError> {
    if predictions.iter().all(|p| p.i64(13).is_none()) {
        return Ok(HashMap::new());
    }
    let mut expected: Expected = HashMap::new();
    let mut seen = HashSet::new();
    for p in predictions {
        let (game, player) = (p.text(0), p.i64(1).unwrap_or(0));
        if seen.insert((game.clone(), player)) {
            expected.entry(game).or_default().push(RosterPlayer {
                player_id: player,
                name: p.text(10),
            });
        }
    }
    let s = settings();
    let lines = lines::lines_between(
        &ctx.store.db,
        date,
        date,
        &expected,
        s.tipoff_grace_minutes,
        &s.line,
    )
    .await?;
    Ok(lines.lines)
}

/// The same book's last offer, or the consensus when the book no longer offers the player.
fn closing_of(line: &Line, book: &str) -> Closing {
    match line.offers.iter().find(|o| o.book == book) {
        Some(o) => Closing {
            line: o.line,
            p_over: nba_props_model::price::vig_free_over(o.over_price, o.under_price),
            snapshot_at: o.snapshot_at.clone(),
        },
        None => Closing {
            line: line.value,
            p_over: line.p_over_market,
            snapshot_at: line.snapshot_at.clone(),
        },
    }
}
