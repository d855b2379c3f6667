//! Import + phase 2 throughput for one full season on a fresh SQLite database.
//!
//! `cargo bench -p nba-props-pipeline --bench phase2 [-- SEASON [REPEATS]]` (default 2023-24, 5).
//! Each repetition builds a temporary archive of the season's files (box scores, schedule, game
//! lines, props), imports it into a new data directory and backfills the season's dates.

use nba_props_core::{BuildInfo, Season};
use nba_props_pipeline::backfill::{backfill, processors_for};
use nba_props_pipeline::import::import_archive;
use nba_props_pipeline::{Ctx, testdata};
use nba_props_store::Store;
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let season = Season::parse(args.first().map_or("2023-24", String::as_str))
        .expect("a season like 2023-24");
    let repeats: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5);
    let Some(data) = testdata::shared_data_dir() else {
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (first, last) = season.date_range();
    let mut import_ms = Vec::new();
    let mut phase2_ms = Vec::new();
    let mut rows = 0;
    for _ in 0..repeats {
        let dir = tempfile::tempdir().unwrap();
        let archive = season_archive(&data, dir.path(), season, first, last);
        rt.block_on(async {
            let url = format!("sqlite://{}", dir.path().join("bench.db").display());
            let store = Store::open(&url, dir.path().join("raw")).await.unwrap();
            let t = Instant::now();
            let imported = import_archive(&store, &archive, BuildInfo::current(), |_, _| {})
                .await
                .unwrap();
            import_ms.push(t.elapsed().as_secs_f64() * 1e3);
            assert!(imported.errors.is_empty(), "{:?}", imported.errors);
            let t = Instant::now();
            let summary = backfill(
                Arc::new(Ctx::new(store).snapshot_raw_index()),
                processors_for(2..=2),
                first,
                last,
                2,
                &|_| {},
            )
            .await;
            phase2_ms.push(t.elapsed().as_secs_f64() * 1e3);
            assert!(summary.ok(), "{:?}", summary.failures);
            rows = summary.totals.values().map(|t| t.rows).sum::<u64>();
        });
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (i, p) = (median(&mut import_ms), median(&mut phase2_ms));
    println!(
        "season {season}: import {i:.0} ms + phase 2 {p:.0} ms = {:.0} ms for {rows} rows ({:.0} rows/s); median of {repeats}",
        i + p,
        rows as f64 / ((i + p) / 1e3)
    );
}

/// Copies the season's archive files and a manifest of them into `dir/archive`.
fn season_archive(
    data: &std::path::Path,
    dir: &std::path::Path,
    season: Season,
    first: nba_props_core::GameDate,
    last: nba_props_core::GameDate,
) -> std::path::PathBuf {
    let out = dir.join("archive");
    let manifest = std::fs::read_to_string(data.join("archive/manifest.jsonl")).unwrap();
    let (first, last) = (first.to_string(), last.to_string());
    let mut kept = Vec::new();
    for line in manifest.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let part = v["partition"].as_str().unwrap();
        if part == season.to_string() || (first.as_str()..=last.as_str()).contains(&part) {
            let path = v["path"].as_str().unwrap();
            let target = out.join(path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(data.join("archive").join(path), target).unwrap();
            kept.push(line);
        }
    }
    std::fs::write(out.join("manifest.jsonl"), kept.join("\n") + "\n").unwrap();
    out
}
