//! Orchestration overhead per job: claim + lease + output transaction with its run record and
//! job bookkeeping + trigger, for a processor whose own work is one row. Two tiny processors
//! (`bench_a` → `bench_b`, same-date edge), so every `bench_a` success triggers a `bench_b` job.
//!
//! `cargo bench -p nba-props-runtime --bench overhead -- [JOBS]` (default 400 dates, so 800
//! jobs) on SQLite and, when `NBA_PROPS_TEST_DATABASE_URL` is set, on PostgreSQL.

use nba_props_core::GameDate;
use nba_props_pipeline::processor::{
    BoxFuture, Ctx, Declaration, Input, Output, ProcessError, Processor, Window,
};
use nba_props_runtime::jobs::{self, JobOptions};
use nba_props_runtime::worker::{Step, Worker, WorkerConfig};
use nba_props_runtime::{Graph, SystemClock};
use nba_props_store::schema::{ColType, Column, TableDef};
use nba_props_store::{Value, testing};
use std::sync::Arc;
use std::time::Instant;

static A_OUT: TableDef = TableDef {
    name: "bench_a_out",
    columns: &[
        Column::required("game_date", ColType::Text),
        Column::required("value", ColType::Int),
    ],
    key: &["game_date"],
    partition: &["game_date"],
    moves_by: None,
};
static B_OUT: TableDef = TableDef {
    name: "bench_b_out",
    columns: &[
        Column::required("game_date", ColType::Text),
        Column::required("value", ColType::Int),
    ],
    key: &["game_date"],
    partition: &["game_date"],
    moves_by: None,
};
static A: Declaration = Declaration {
    name: "bench_a",
    phase: 2,
    inputs: &[],
    outputs: &[&A_OUT],
};
static B: Declaration = Declaration {
    name: "bench_b",
    phase: 3,
    inputs: &[Input::Table {
        name: "bench_a_out",
        critical: true,
        window: Window::Date,
    }],
    outputs: &[&B_OUT],
};

struct OneRow(&'static Declaration, &'static TableDef);

impl Processor for OneRow {
    fn declaration(&self) -> &'static Declaration {
        self.0
    }
    fn run<'a>(
        &'a self,
        _: &'a Ctx,
        date: GameDate,
    ) -> BoxFuture<'a, Result<Output, ProcessError>> {
        Box::pin(async move {
            let row = vec![Value::from(date.to_string()), Value::Int(1)];
            Ok(Output {
                tables: vec![(self.1, vec![row])],
                ..Output::default()
            })
        })
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dates: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(400);
    for t in testing::all().await {
        let db = &t.store.db;
        for table in ["bench_a_out", "bench_b_out"] {
            db.execute(
                &format!("CREATE TABLE {table} (game_date TEXT NOT NULL PRIMARY KEY, value BIGINT NOT NULL)"),
                &[],
            )
            .await
            .unwrap();
        }
        let graph = Arc::new(Graph::new(vec![
            Box::new(OneRow(&A, &A_OUT)),
            Box::new(OneRow(&B, &B_OUT)),
        ]));
        let start = GameDate::parse("2023-10-01").unwrap();
        let work: Vec<(&str, GameDate)> = (0..dates as i32)
            .map(|i| ("bench_a", start.add_days(i)))
            .collect();
        let opts = JobOptions {
            correlation_id: "bench".into(),
            group_id: None,
            max_attempts: 5,
            reason: "bench".into(),
            max_phase: Some(4),
        };
        jobs::enqueue(db, &SystemClock, &graph, &work, &opts)
            .await
            .unwrap();
        let cfg = WorkerConfig {
            name: "bench".into(),
            max_batch: 1,
            ..WorkerConfig::default()
        };
        let w = Worker::new(t.store.clone(), graph.clone(), cfg, Arc::new(SystemClock))
            .await
            .unwrap();
        let mut per_job = Vec::with_capacity(2 * dates);
        let all = Instant::now();
        loop {
            let clock = Instant::now();
            match w.step().await.unwrap() {
                Step::Ran { succeeded: 1, .. } => {
                    per_job.push(clock.elapsed().as_secs_f64() * 1000.0)
                }
                Step::Ran { .. } => panic!("a bench job failed"),
                Step::Idle => break,
            }
        }
        let total = all.elapsed().as_secs_f64();
        assert_eq!(
            per_job.len(),
            2 * dates,
            "every job ran, and every bench_a triggered a bench_b"
        );
        let n = per_job.len();
        let mut sorted = per_job.clone();
        let med = median(&mut sorted);
        let p90 = sorted[n * 9 / 10];
        println!(
            "{:<8} {n} jobs: median {med:.2} ms per job (claim + lease + write + record + trigger), p90 {p90:.2} ms, {:.0} jobs/s",
            t.label,
            n as f64 / total
        );
    }
}
