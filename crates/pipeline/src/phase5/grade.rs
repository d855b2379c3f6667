//! `grade` (5b): each prediction of the date once its game has box scores: the actual, absolute
//! and signed error (predicted − actual), the result against the line, whether the pick was
//! right, and its units at −110. A predicted player without a box-score line in a played game
//! did not play: the row is `void`. Games without box scores yet are not graded.

use crate::phase3::load::{self, f};
use crate::processor::{
    BoxFuture, Ctx, Declaration, Input, Output, ProcessError, Processor, Window,
};
use nba_props_core::{GameDate, Market};
use nba_props_model::metrics::{self, Pick};
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
                "game_id, player_id, system_id, market, system_version, model_version, predicted, line, line_source, recommendation",
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
                let pick = p.str(9).and_then(Pick::parse);
                let actual = stats
                    .get(&(game.clone(), player))
                    .map(|[pts, reb, ast, fg3m]| market.actual(*pts, *reb, *ast, *fg3m) as f64);
                let correct = match (actual, line, pick) {
                    (Some(a), Some(l), Some(pick)) => metrics::correct(pick, a, l),
                    _ => None,
                };
                let picked = pick.is_some_and(|p| p != Pick::Pass) && actual.is_some();
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
                    correct.into(),
                    f(picked.then(|| metrics::units(correct))),
                ]);
            }
            Ok(Output {
                tables: vec![(&PREDICTION_GRADES, rows)],
                inputs: vec!["predictions".into(), "player_game_summary".into()],
                ..Output::default()
            })
        })
    }
}
