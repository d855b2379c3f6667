//! A day that heals itself, on SQLite and PostgreSQL: the box scores of day 1 are withheld
//! overnight; when they are there on day 2, the default morning reconcile schedule queues their
//! partition again and the workers process it, without a person.

use crate::support::*;
use nba_props_ops::config::{Deadline, OpsConfig, RECONCILE};
use nba_props_ops::scheduler::Scheduler;
use nba_props_pipeline::testdata;
use nba_props_runtime::clock::ManualClock;
use nba_props_runtime::testing::{count, import, run_workers};
use nba_props_runtime::{Graph, backfill};
use nba_props_store::testing;
use std::sync::Arc;

const DAY1: &str = "2023-11-13";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_morning_reconcile_queues_a_partition_missed_overnight_and_it_is_processed() {
    let Some(data) = testdata::shared_data_dir() else {
        return;
    };
    let graph = Arc::new(Graph::all());
    // The reconcile schedule exactly as the defaults have it; the checks cover the box scores
    // (what the dev archive's days hold), so the repair stays the box scores' own.
    let morning: Vec<_> = OpsConfig::default()
        .schedules
        .into_iter()
        .filter(|s| s.targets.iter().any(|t| t == RECONCILE))
        .collect();
    assert_eq!(morning.len(), 1, "one morning reconcile by default");
    let config = OpsConfig {
        schedules: morning,
        expected_tables: vec!["nbac_player_boxscores".into()],
        deadlines: vec![Deadline {
            item: "nbac_player_boxscores".into(),
            day_offset: 1,
            at: "07:30".into(),
        }],
        ..OpsConfig::default()
    };
    let boxscores_of_day1 = format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM nbac_player_boxscores WHERE game_date = '{DAY1}'"
    );
    for t in testing::all().await {
        let (store, db, who) = (&t.store, &t.store.db, t.label);
        import(store, &data).await;
        // Overnight: day 1's box scores are not there when phase 2 runs.
        db.execute(
            &format!(
                "DELETE FROM raw_payloads WHERE source = 'nbacom' AND dataset = 'leaguegamelog_player' \
                 AND partition_key = '{DAY1}'"
            ),
            &[],
        )
        .await
        .unwrap();
        let night = ManualClock::at(et("2023-11-14 06:00"));
        backfill::enqueue(db, &night, &graph, d("2023-11-10"), d(DAY1), 2..=2, 2, 3)
            .await
            .unwrap();
        run_workers(store, &graph, 2, Arc::new(night.clone())).await;
        assert_eq!(count(db, &boxscores_of_day1).await, 0, "{who}");

        // The payload arrives later; nothing queues it by itself.
        import(store, &data).await;
        let morning = ManualClock::at(et("2023-11-14 09:35"));
        let scheduler = Scheduler::new(&config, &graph, 3).unwrap();
        let decisions = scheduler.tick(store, &morning, &graph).await.unwrap();
        assert_eq!(decisions.len(), 1, "{who}: {decisions:?}");
        assert_eq!(decisions[0].state, "fired", "{who}");
        assert!(decisions[0].jobs_created >= 1, "{who}: {decisions:?}");
        let queued = count(
            db,
            &format!(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM jobs WHERE processor = 'nbac_player_boxscores' \
                 AND partition_key = '{DAY1}' AND state = 'queued'"
            ),
        )
        .await;
        assert_eq!(queued, 1, "{who}: day 1's box scores queued again");

        run_workers(store, &graph, 2, Arc::new(morning.clone())).await;
        let rows = count(db, &boxscores_of_day1).await;
        // Every player line of the payload, as the night's run of the other days wrote theirs.
        let payload =
            std::fs::read(data.join(format!("archive/nbacom/leaguegamelog_player/{DAY1}.json")))
                .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&payload).unwrap();
        let lines = v["resultSets"][0]["rowSet"].as_array().unwrap().len() as i64;
        assert_eq!(rows, lines, "{who}");
    }
}
