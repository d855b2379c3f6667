//! Phase 2 of the newer phase 1 datasets (per-game box scores, ESPN, the injury report,
//! BettingPros) on SQLite and PostgreSQL: payloads are written into the raw store as phase 1
//! writes them, the phase 2 processors run through the same backfill as the archive, and the
//! tables are checked against the payloads and against the other sources of the same games.

mod boxscores;
mod espn;
mod game_lines;
mod injury_report;
mod props;
mod quarantine;
mod rosters;

use nba_props_core::GameDate;
use nba_props_pipeline::backfill::{BackfillSummary, backfill, processors_for};
use nba_props_pipeline::{Ctx, testdata};
use nba_props_store::raw::{self, RawMeta};
use nba_props_store::{Db, Store};
use std::sync::Arc;

/// A fixture's bytes, or `None` after a loud SKIPPED line without the corpus.
fn fixture(rel: &str) -> Option<Vec<u8>> {
    let path = testdata::shared_data_dir()?.join("fixtures").join(rel);
    match std::fs::read(&path) {
        Ok(b) => Some(b),
        Err(e) => {
            eprintln!("SKIPPED: fixture {} is not readable ({e})", path.display());
            None
        }
    }
}

/// Stores a payload as phase 1 does: exact bytes under their hash plus an index row.
async fn put(
    store: &Store,
    source: &str,
    dataset: &str,
    partition: &str,
    origin: &str,
    bytes: &[u8],
) -> String {
    let (sha256, _) = store.raw.put(bytes).unwrap();
    let meta = RawMeta {
        source: source.into(),
        dataset: dataset.into(),
        partition_key: partition.into(),
        sha256: sha256.clone(),
        bytes: bytes.len() as i64,
        origin_path: origin.into(),
        origin: None,
        captured_at: None,
        fetched_at: jiff::Timestamp::now().to_string(),
        http_status: Some(200),
        build: "test".into(),
    };
    raw::record(&store.db, &meta).await.unwrap();
    sha256
}

/// Archive files by path (`nbacom/schedule/2023-24.json`), stored as the import stores them.
async fn put_archive(store: &Store, paths: &[&str]) -> Option<()> {
    let dir = testdata::shared_data_dir()?.join("archive");
    let manifest = std::fs::read_to_string(dir.join("manifest.jsonl")).unwrap();
    for line in manifest.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let path = v["path"].as_str().unwrap();
        if paths.contains(&path) {
            let bytes = std::fs::read(dir.join(path)).unwrap();
            let field = |k: &str| v[k].as_str().unwrap().to_string();
            put(
                store,
                &field("source"),
                &field("dataset"),
                &field("partition"),
                path,
                &bytes,
            )
            .await;
        }
    }
    Some(())
}

/// Every phase 2 processor over the dates, as `nba-props backfill --phases 2` runs them.
async fn phase2(store: &Store, from: &str, to: &str) -> BackfillSummary {
    let ctx = Arc::new(Ctx::new(store.clone()));
    let (from, to) = (GameDate::parse(from).unwrap(), GameDate::parse(to).unwrap());
    let summary = backfill(ctx, processors_for(2..=2), from, to, 1, &|_| {}).await;
    assert!(
        summary.ok(),
        "{:?} {:?}",
        summary.failures,
        summary.bad_payloads
    );
    summary
}

async fn count(db: &Db, sql: &str) -> i64 {
    db.query(sql, &[]).await.unwrap()[0].i64(0).unwrap_or(0)
}

async fn strings(db: &Db, sql: &str) -> Vec<String> {
    db.query(sql, &[])
        .await
        .unwrap()
        .iter()
        .map(|r| {
            r.0.iter()
                .map(|v| format!("{v:?}"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// Runs phase 2 again over the same dates: nothing may change.
async fn rerun_changes_nothing(store: &Store, from: &str, to: &str, processor: &str) {
    let again = phase2(store, from, to).await;
    let t = &again.totals[processor];
    assert!(t.succeeded > 0, "{processor}: {t:?}");
    assert_eq!(t.changed, 0, "{processor}: a re-run changed its output");
}
