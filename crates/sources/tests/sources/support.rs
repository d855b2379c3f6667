//! Shared test helpers: fixtures, a fast test configuration, raw-store assertions.

use nba_props_core::GameDate;
use nba_props_sources::{Secret, Sources, SourcesConfig, Stored};
use nba_props_store::raw::{self, RawMeta};
use nba_props_store::testing::{self, TestDb};
use std::path::PathBuf;

/// `../shared/data` next to the workspace.
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

/// A fixture's bytes, or `None` after a loud SKIPPED line when the corpus is absent.
pub fn fixture(rel: &str) -> Option<Vec<u8>> {
    let path = data_dir().join("fixtures").join(rel);
    match std::fs::read(&path) {
        Ok(b) => Some(b),
        Err(e) => {
            eprintln!(
                "SKIPPED: fixture {} is not readable ({e}); this test did not run",
                path.display()
            );
            None
        }
    }
}

/// Reads several fixtures or returns from the test.
#[macro_export]
macro_rules! fixtures {
    ($($rel:expr),+ $(,)?) => {
        ($(match $crate::support::fixture($rel) { Some(b) => b, None => return },)+)
    };
}

pub fn date(s: &str) -> GameDate {
    GameDate::parse(s).unwrap()
}

/// Every host at `base`, fast limits and short timeouts so the suite runs in seconds, keys set.
pub fn config(base: &str) -> SourcesConfig {
    let mut c = SourcesConfig::default().all_base_urls(base);
    for h in [
        &mut c.nba_stats,
        &mut c.nba_cdn,
        &mut c.injury_report,
        &mut c.espn,
        &mut c.odds_api,
        &mut c.bettingpros,
    ] {
        h.rate_per_second = 1000.0;
        h.concurrency = 4;
        h.connect_timeout_ms = 500;
        h.read_timeout_ms = 300;
        h.total_timeout_ms = 2_000;
        h.retries = 2;
        h.backoff_base_ms = 10;
        h.backoff_max_ms = 40;
        h.max_retry_after_ms = 3_000;
        h.breaker_threshold = 100;
        h.breaker_cooldown_ms = 60_000;
    }
    c.odds.api_key = Some(Secret::new("test-odds-key"));
    c.bettingpros_api.api_key = Some(Secret::new("test-bp-key"));
    c
}

pub fn sources(c: SourcesConfig) -> Sources {
    Sources::new(c).expect("valid test configuration")
}

pub async fn db() -> TestDb {
    testing::sqlite().await.expect("a fresh SQLite test store")
}

/// The index rows of a dataset partition.
pub async fn rows(t: &TestDb, source: &str, dataset: &str, partition: &str) -> Vec<RawMeta> {
    raw::list(&t.store.db, source, dataset, &[partition.to_string()])
        .await
        .unwrap()
}

/// Asserts that `stored` is in the raw store with exactly `bytes` and the expected metadata.
pub async fn assert_stored(
    t: &TestDb,
    stored: &Stored,
    source: &str,
    dataset: &str,
    partition: &str,
    bytes: &[u8],
) {
    assert_eq!(
        (
            stored.source.as_str(),
            stored.dataset.as_str(),
            stored.partition.as_str()
        ),
        (source, dataset, partition)
    );
    assert_eq!(stored.http_status, 200);
    assert_eq!(
        t.store.raw.get(&stored.sha256).unwrap(),
        bytes,
        "exact bytes stored"
    );
    let metas = rows(t, source, dataset, partition).await;
    let m = metas
        .iter()
        .find(|m| m.sha256 == stored.sha256)
        .expect("an index row for the payload");
    assert_eq!(m.http_status, Some(200));
    assert_eq!(m.bytes as usize, bytes.len());
    assert_eq!(m.build, nba_props_core::BuildInfo::current().to_string());
    assert!(
        m.fetched_at.parse::<jiff::Timestamp>().is_ok(),
        "fetched_at {}",
        m.fetched_at
    );
    assert_eq!(m.origin_path, stored.url);
    assert!(
        m.origin_path.starts_with("http://127.0.0.1"),
        "{}",
        m.origin_path
    );
}
