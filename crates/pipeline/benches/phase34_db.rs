//! Phases 3-4 through the database on SQLite: a full season (the in-process backfill of its
//! dates), and one day after the season is loaded (every phase 3-4 processor for the date, with
//! the reads a runtime worker makes for a one-date batch: starting cold, and in a worker that
//! ran the day before).
//!
//! `cargo bench -p nba-props-pipeline --bench phase34_db -- [SEASON] [DAYS]` (defaults 2023-24
//! and 7 days spread over the season). Setup (import, phase 2, and phases 3-4 of the previous
//! season for the bootstrap) is not timed.

use nba_props_core::{BuildInfo, GameDate, Season};
use nba_props_pipeline::backfill::{backfill, processors_for};
use nba_props_pipeline::import::import_archive;
use nba_props_pipeline::processor::{BatchInputs, BatchReads, Input};
use nba_props_pipeline::runner::{Outcome, run_partitions};
use nba_props_pipeline::{Ctx, testdata};
use nba_props_store::testing;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let season = Season::parse(args.first().map_or("2023-24", String::as_str))
        .expect("a season like 2023-24");
    let days: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(7);
    let Some(data) = testdata::shared_data_dir() else {
        return;
    };
    let t = testing::sqlite().await.unwrap();
    let store = &t.store;
    import_archive(
        store,
        &data.join("archive"),
        BuildInfo::current(),
        |_, _| {},
    )
    .await
    .unwrap();
    let (from, to) = season.date_range();
    let (prev_from, prev_to) = Season::new(season.start_year() - 1).date_range();
    let run = |phases, a: GameDate, b: GameDate| {
        let ctx = Arc::new(Ctx::new(store.clone()).snapshot_raw_index());
        async move {
            let s = backfill(ctx, processors_for(phases), a, b, 2, &|_| {}).await;
            assert!(s.ok(), "{:?}", s.failures);
        }
    };
    run(2..=4, prev_from, prev_to).await;
    run(2..=2, from, to).await;

    // Processor by processor (the backfill's own order), so the figure comes with its parts.
    let mut parts = Vec::new();
    let clock = Instant::now();
    // One context, as one backfill has: what a processor reads is shared with the next ones.
    let ctx = Arc::new(Ctx::new(store.clone()).snapshot_raw_index());
    for p in processors_for(3..=4) {
        let name = p.declaration().name;
        let part = Instant::now();
        let s = backfill(ctx.clone(), vec![p], from, to, 2, &|_| {}).await;
        assert!(s.ok(), "{:?}", s.failures);
        parts.push((name, part.elapsed().as_secs_f64()));
    }
    let season_s = clock.elapsed().as_secs_f64();
    let clock = Instant::now();
    run(3..=4, from, to).await;
    let again_s = clock.elapsed().as_secs_f64();
    println!(
        "{season} phases 3-4 through SQLite: {season_s:.2} s on fresh tables, {again_s:.2} s re-run over existing rows"
    );
    for (name, secs) in parts {
        println!("  {name:<30} {secs:>6.2} s");
    }

    // One day: the game dates of the season, evenly spread.
    let game_dates: Vec<GameDate> = store
        .db
        .query(
            "SELECT DISTINCT game_date FROM nbac_schedule WHERE game_date >= $1 AND game_date <= $2 \
             AND season_type = 'regular' ORDER BY game_date",
            &[from.to_string().into(), to.to_string().into()],
        )
        .await
        .unwrap()
        .iter()
        .filter_map(|r| GameDate::parse(&r.text(0)).ok())
        .collect();
    // Evenly spread, the season's first date left out (nothing before it to look back on).
    let step = (game_dates.len() / (days + 1)).max(1);
    let sample: Vec<GameDate> = game_dates
        .iter()
        .step_by(step)
        .skip(1)
        .take(days)
        .copied()
        .collect();
    let processors = processors_for(3..=4);
    // Which processor writes each table: a batch's input versions are its writers' latest runs,
    // read as a runtime worker reads them (inside the timing).
    let writers: HashMap<&str, &str> = processors_for(2..=4)
        .iter()
        .flat_map(|p| {
            let d = p.declaration();
            d.outputs.iter().map(move |t| (t.name, d.name))
        })
        .collect();
    let base = Ctx::new(store.clone());
    let run_day = async |reads: &BatchReads, date: GameDate, per: &mut HashMap<&str, Vec<f64>>| {
        for p in &processors {
            let decl = p.declaration();
            let mut versions = HashMap::new();
            for i in decl.inputs {
                let Input::Table { name, .. } = i else {
                    continue;
                };
                let Some(writer) = writers.get(name) else {
                    continue;
                };
                let v = store
                    .db
                    .query(
                        "SELECT MAX(run_id) FROM runs WHERE processor = $1",
                        &[(*writer).into()],
                    )
                    .await
                    .unwrap();
                let v = v.first().and_then(|r| r.i64(0)).unwrap_or(0);
                versions.insert(name.to_string(), format!("{writer}@{v}"));
            }
            let ctx = base.for_batch(
                reads,
                BatchInputs {
                    versions,
                    raw_version: "bench".into(),
                    dates: (date, date),
                },
            );
            let clock = Instant::now();
            let reports = run_partitions(&ctx, p.as_ref(), &[date]).await;
            assert!(
                reports
                    .iter()
                    .all(|r| matches!(r.outcome, Outcome::Succeeded { .. })),
                "{reports:?}"
            );
            per.entry(decl.name)
                .or_default()
                .push(clock.elapsed().as_secs_f64() * 1000.0);
        }
    };
    // Cold: a process that starts for the day and reads the history the windows need. Warm: a
    // worker that has run before (`serve`), which re-reads only the dates rewritten since.
    let warm_reads = BatchReads::default();
    run_day(&warm_reads, game_dates[0], &mut HashMap::new()).await;
    for (label, warm) in [("cold process", false), ("warm worker", true)] {
        let mut totals = Vec::new();
        let mut per: HashMap<&str, Vec<f64>> = HashMap::new();
        for &date in &sample {
            let cold = BatchReads::default();
            let reads = if warm { &warm_reads } else { &cold };
            let day = Instant::now();
            run_day(reads, date, &mut per).await;
            totals.push(day.elapsed().as_secs_f64() * 1000.0);
        }
        println!(
            "one day after the season is loaded, {label} (median of {} dates): {:.0} ms",
            totals.len(),
            median(totals)
        );
        for p in &processors {
            let name = p.declaration().name;
            println!("  {name:<30} {:>6.1} ms", median(per[name].clone()));
        }
    }
}
