//! Test support (for this crate's tests and the binary's fault-injection suite): real data
//! in, tables compared, the runtime's guarantees asserted. Functions panic on failure.

use crate::worker::{Stop, Worker, WorkerConfig};
use crate::{Clock, Graph, jobs};
use nba_props_core::{BuildInfo, GameDate};
use nba_props_pipeline::Ctx;
use nba_props_pipeline::backfill::{backfill, processors_for};
use nba_props_pipeline::import::import_archive;
use nba_props_store::schema::UNMATCHED_ROWS;
use nba_props_store::{Db, RawMeta, Store, Value, content_hash, raw};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub fn d(s: &str) -> GameDate {
    GameDate::parse(s).unwrap()
}

pub async fn import(store: &Store, data: &Path) {
    import_archive(
        store,
        &data.join("archive"),
        BuildInfo::current(),
        |_, _| {},
    )
    .await
    .unwrap();
}

/// The in-process backfill of phases 2-4 (the reference the runtime must reproduce).
pub async fn in_process(store: &Store, from: &str, to: &str) {
    let ctx = Arc::new(Ctx::new(store.clone()).snapshot_raw_index());
    let s = backfill(ctx, processors_for(2..=4), d(from), d(to), 2, &|_| {}).await;
    assert!(s.ok(), "{:?} {:?}", s.failures, s.bad_payloads);
}

pub async fn count(db: &Db, sql: &str) -> i64 {
    db.query(sql, &[]).await.unwrap()[0].i64(0).unwrap_or(0)
}

/// Every output table of the graph (and the unmatched rows) by row count and content hash.
/// Tables of datasets the archive lacks (live-only sources) are empty on both sides.
pub async fn table_digests(graph: &Graph, db: &Db) -> BTreeMap<&'static str, String> {
    let mut tables: Vec<&'static str> = graph
        .nodes()
        .iter()
        .flat_map(|n| n.processor.declaration().outputs.iter().map(|t| t.name))
        .collect();
    tables.push(UNMATCHED_ROWS.name);
    let mut out = BTreeMap::new();
    for t in tables {
        let rows: Vec<Vec<Value>> = db
            .query(&format!("SELECT * FROM {t}"), &[])
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.0)
            .collect();
        out.insert(
            t,
            format!(
                "{} rows {}",
                rows.len(),
                content_hash([(t, rows.as_slice())])
            ),
        );
    }
    out
}

pub async fn assert_same_tables(graph: &Graph, a: &Db, b: &Db, who: &str) {
    let (x, y) = (table_digests(graph, a).await, table_digests(graph, b).await);
    for (t, dx) in &x {
        assert_eq!(Some(dx), y.get(t), "{who}: {t} differs from the reference");
    }
}

/// Every succeeded job that wrote has exactly one succeeded run, under its own epoch; a job that
/// found no input has none.
pub async fn assert_one_success_per_generation(db: &Db, who: &str) {
    let rows = db
        .query(
            "SELECT j.processor, j.partition_key, j.generation, j.outcome, j.epoch, \
                    CAST(COUNT(r.run_id) AS BIGINT), MIN(r.epoch), MAX(r.epoch) \
             FROM jobs j LEFT JOIN runs r ON r.job_id = j.job_id AND r.status = 'succeeded' \
             WHERE j.state = 'succeeded' GROUP BY j.job_id, j.processor, j.partition_key, j.generation, j.outcome, j.epoch",
            &[],
        )
        .await
        .unwrap();
    assert!(!rows.is_empty());
    for r in &rows {
        let runs = r.i64(5).unwrap_or(0);
        let expected = if r.str(3) == Some("no_input") { 0 } else { 1 };
        assert_eq!(
            runs,
            expected,
            "{who}: {} {} generation {} has {runs} successful runs",
            r.text(0),
            r.text(1),
            r.text(2)
        );
        if expected == 1 {
            assert_eq!(
                (r.i64(6), r.i64(7)),
                (r.i64(4), r.i64(4)),
                "{who}: run epoch is the job's epoch"
            );
        }
    }
    let duplicates = count(
        db,
        "SELECT COUNT(*) FROM (SELECT processor, partition_key, generation FROM jobs \
         GROUP BY processor, partition_key, generation HAVING COUNT(*) > 1) x",
    )
    .await;
    assert_eq!(duplicates, 0, "{who}: duplicate job keys");
}

/// Every row of `table` by its game date, as text.
pub async fn rows_by_date(db: &Db, table: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let rows = db
        .query(&format!("SELECT game_date, * FROM {table}"), &[])
        .await
        .unwrap();
    for r in rows {
        out.entry(r.text(0)).or_default().push(format!("{:?}", r.0));
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

/// Every job, as text, in id order.
pub async fn job_table(db: &Db) -> Vec<String> {
    db.query("SELECT * FROM jobs ORDER BY job_id", &[])
        .await
        .unwrap()
        .into_iter()
        .map(|r| format!("{:?}", r.0))
        .collect()
}

/// Stores `bytes` as a new capture of a raw dataset, newer than anything imported.
pub async fn store_payload(
    store: &Store,
    source: &str,
    dataset: &str,
    partition: &str,
    bytes: &[u8],
) {
    let (sha, _) = store.raw.put(bytes).unwrap();
    raw::record(
        &store.db,
        &RawMeta {
            source: source.into(),
            dataset: dataset.into(),
            partition_key: partition.into(),
            sha256: sha,
            bytes: bytes.len() as i64,
            origin_path: format!("test:{source}/{dataset}/{partition}"),
            origin: None,
            captured_at: Some("2099-01-01T00:00:00Z".into()),
            fetched_at: "2099-01-01T00:00:00Z".into(),
            http_status: Some(200),
            build: "test".into(),
        },
    )
    .await
    .unwrap();
}

/// A new capture of `date`'s box scores in which the first player scored 7 more points.
pub async fn change_box_score(store: &Store, date: GameDate) {
    let metas = raw::list(
        &store.db,
        "nbacom",
        "leaguegamelog_player",
        &[date.to_string()],
    )
    .await
    .unwrap();
    let meta = metas.last().expect("the date has box scores");
    let mut json: serde_json::Value =
        serde_json::from_slice(&store.raw.get(&meta.sha256).unwrap()).unwrap();
    let set = &mut json["resultSets"][0];
    let pts = set["headers"]
        .as_array()
        .unwrap()
        .iter()
        .position(|h| h == "PTS")
        .unwrap();
    let row = &mut set["rowSet"][0];
    row[pts] = serde_json::json!(row[pts].as_i64().unwrap() + 7);
    store_payload(
        store,
        "nbacom",
        "leaguegamelog_player",
        &date.to_string(),
        &serde_json::to_vec(&json).unwrap(),
    )
    .await;
}

/// Every (processor, date) within `from..=to` that a change of `processor` on `date` can reach
/// through the declared windows.
pub fn dependents(
    graph: &Graph,
    processor: &str,
    date: GameDate,
    from: GameDate,
    to: GameDate,
) -> BTreeSet<(String, String)> {
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::from([(processor.to_string(), date)]);
    seen.insert((processor.to_string(), date.to_string()));
    while let Some((p, x)) = queue.pop_front() {
        for e in &graph.node(&p).unwrap().downstream {
            let (lo, hi) = e.window.dependents(x);
            for dd in lo.max(from).through(hi.min(to)) {
                if seen.insert((e.to.to_string(), dd.to_string())) {
                    queue.push_back((e.to.to_string(), dd));
                }
            }
        }
    }
    seen
}

/// No output table holds two rows with one natural key.
pub async fn assert_no_duplicate_keys(graph: &Graph, db: &Db, who: &str) {
    let mut tables: Vec<&nba_props_store::TableDef> = graph
        .nodes()
        .iter()
        .flat_map(|n| n.processor.declaration().outputs.iter().copied())
        .collect();
    tables.push(&UNMATCHED_ROWS);
    for t in tables {
        let key = t.key.join(", ");
        let dups = count(
            db,
            &format!(
                "SELECT COUNT(*) FROM (SELECT {key} FROM {} GROUP BY {key} HAVING COUNT(*) > 1) x",
                t.name
            ),
        )
        .await;
        assert_eq!(dups, 0, "{who}: {} has {dups} duplicated keys", t.name);
    }
}

/// Quick polling and heartbeats, a lease long enough for any batch of the test data.
pub fn fast_config(name: &str) -> WorkerConfig {
    WorkerConfig {
        name: name.into(),
        poll_ms: 20,
        heartbeat_ms: 200,
        lease_ttl_ms: 30_000,
        ..WorkerConfig::default()
    }
}

/// Runs `n` workers ([`fast_config`]) on `clock` until no job is running and every queued one
/// (if any) waits for a dead partition, then stops them.
pub async fn run_workers(store: &Store, graph: &Arc<Graph>, n: usize, clock: Arc<dyn Clock>) {
    let (stop, rx) = tokio::sync::watch::channel(Stop::Run);
    let mut handles = Vec::new();
    for i in 1..=n {
        let w = Worker::new(
            store.clone(),
            graph.clone(),
            fast_config(&format!("worker-{i}")),
            clock.clone(),
        )
        .await
        .unwrap();
        handles.push(tokio::spawn(w.run(rx.clone())));
    }
    let started = Instant::now();
    loop {
        let c = jobs::counts(&store.db, None).await.unwrap();
        let (queued, running) = (
            c.get(&jobs::JobState::Queued).copied().unwrap_or(0),
            c.get(&jobs::JobState::Running).copied().unwrap_or(0),
        );
        // Done when nothing can run any more: jobs blocked by a dead partition wait for a person.
        if running == 0
            && (queued == 0
                || jobs::blocked(&store.db, graph, None).await.unwrap().len() as i64 == queued)
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "jobs still pending after 5 minutes: {c:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    stop.send(Stop::Finish).unwrap();
    for h in handles {
        h.await.unwrap().unwrap();
    }
}
