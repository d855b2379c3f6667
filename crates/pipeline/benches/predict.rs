//! Phase 5 timings over the real archive: training on two seasons and predicting one day.
//! `cargo bench -p nba-props-pipeline --bench predict -- [REPEATS]`
//!
//! Sets up a fresh SQLite database (import + phases 2-4 of the three seasons), then measures
//! (median of REPEATS): training each system for PRA on every row of 2022-23 and 2023-24 before
//! 2024-04-02 (about 50k rows with actuals; probe fit for the held-out spread and final fit
//! included), and the `predict` processor for 2024-04-03 with its models registered (read the
//! day's features and lines, load the model files, predict every system and market, write).

use nba_props_core::{BuildInfo, GameDate, Market};
use nba_props_model::system::{self, BoosterParams, SystemKind};
use nba_props_pipeline::backfill::{backfill, processors_for};
use nba_props_pipeline::import::import_archive;
use nba_props_pipeline::runner::{Outcome, run_partitions};
use nba_props_pipeline::{Ctx, phase5, testdata};
use nba_props_store::testing;
use std::sync::Arc;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let repeats: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let Some(data) = testdata::shared_data_dir() else {
        return;
    };
    let t = testing::sqlite().await.expect("a SQLite database");
    let store = &t.store;
    import_archive(
        store,
        &data.join("archive"),
        BuildInfo::current(),
        |_, _| {},
    )
    .await
    .unwrap();
    let d = |s: &str| GameDate::parse(s).unwrap();
    let ctx = Arc::new(Ctx::new(store.clone()).snapshot_raw_index());
    let s = backfill(
        ctx,
        processors_for(2..=4),
        d("2021-10-01"),
        d("2024-04-14"),
        1,
        &|_| {},
    )
    .await;
    assert!(s.ok(), "{:?}", s.failures);

    let settings = phase5::settings();
    let trained_for = d("2024-04-02");
    let from = settings.schedule.train_from(trained_for);
    let rows = phase5::data::load(
        &store.db,
        from,
        trained_for.add_days(-1),
        &[Market::Pra],
        settings.tipoff_grace_minutes,
        &settings.line,
    )
    .await
    .unwrap();
    let examples = &rows.by_market[&Market::Pra];
    let with_actual = examples.iter().filter(|e| e.actual.is_some()).count();
    println!(
        "training rows: {with_actual} played player-games from {from} to {trained_for} (exclusive)"
    );
    // The box-score model: the costly part of the anchored system (its second stage is cheap).
    {
        let kind = SystemKind::Box;
        let times: Vec<f64> = (0..repeats)
            .map(|_| {
                let t = Instant::now();
                let m = system::train(
                    kind,
                    Market::Pra,
                    &BoosterParams::default(),
                    examples,
                    trained_for,
                )
                .unwrap();
                assert_eq!(m.train_rows, with_actual);
                t.elapsed().as_secs_f64()
            })
            .collect();
        println!(
            "train {:<10} {:>8.2} s (median of {repeats}; target < 30 s)",
            kind.id(),
            median(times)
        );
    }

    // Predicting a day: the first run trains and registers the models, the timed ones find them.
    let predict = processors_for(5..=5)
        .into_iter()
        .find(|p| p.declaration().name == "predict")
        .unwrap();
    let ctx = Ctx::new(store.clone());
    let day = d("2024-04-03");
    let first = run_partitions(&ctx, predict.as_ref(), &[d("2024-04-02")]).await;
    assert!(
        matches!(first[0].outcome, Outcome::Succeeded { .. }),
        "{:?}",
        first[0].outcome
    );
    let mut times = Vec::new();
    let mut rows_written = 0;
    for _ in 0..repeats.max(5) {
        let t = Instant::now();
        let r = run_partitions(&ctx, predict.as_ref(), &[day]).await;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        match &r[0].outcome {
            Outcome::Succeeded { rows, .. } => rows_written = *rows,
            other => panic!("{other:?}"),
        }
    }
    println!(
        "predict one day ({day}): {:.1} ms median, {rows_written} prediction rows (systems {:?} × 3 markets; target < 100 ms)",
        median(times),
        settings.systems.iter().map(|s| s.id()).collect::<Vec<_>>()
    );
}
