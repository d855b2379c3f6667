//! The scheduler over a simulated week (injected clock) on SQLite and PostgreSQL, with two
//! schedulers on one database and a day and a half of downtime: every tick is decided exactly
//! once, missed ticks follow the catch-up policy, and nothing is enqueued on a day without games.

use crate::support::*;
use nba_props_ops::config::{OpsConfig, Schedule, resolve_date_word};
use nba_props_ops::days;
use nba_props_ops::scheduler::{Scheduler, parse_cron, recorded, ticks_between};
use nba_props_pipeline::backfill::{backfill, processors_for};
use nba_props_pipeline::{Ctx, testdata};
use nba_props_runtime::clock::ManualClock;
use nba_props_runtime::testing::import;
use nba_props_runtime::{Clock, Graph};
use nba_props_store::testing;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

fn schedule(name: &str, cron: &str, target: &str, date: &str, game_aware: bool) -> Schedule {
    Schedule {
        name: name.into(),
        cron: cron.into(),
        targets: vec![target.into()],
        date: date.into(),
        game_aware,
    }
}

#[test]
fn cron_ticks_are_eastern_wall_time_across_daylight_saving_changes() {
    let daily = |p| parse_cron(p).unwrap();
    // 05:30 ET is 10:30 UTC in winter, 09:30 UTC in summer.
    let t = ticks_between(
        &daily("30 5 * * *"),
        et("2023-11-20 00:00"),
        et("2023-11-21 00:00"),
    )
    .unwrap();
    assert_eq!(t, vec![et("2023-11-20 05:30")]);
    assert_eq!(
        t[0],
        jiff::Timestamp::from_second(1_700_476_200)
            .unwrap()
            .as_millisecond()
    );
    // The autumn night repeats 01:00-02:00: a tick there fires once, at the first 01:30 (EDT).
    let t = ticks_between(
        &daily("30 1 * * *"),
        et("2023-11-04 12:00"),
        et("2023-11-06 00:00"),
    )
    .unwrap();
    assert_eq!(t, vec![et("2023-11-05 01:30")]);
    assert_eq!(
        t[0],
        jiff::Timestamp::from_second(1_699_162_200)
            .unwrap()
            .as_millisecond()
    );
    // The spring night skips 02:00-03:00: the tick moves to the first instant after the gap.
    let t = ticks_between(
        &daily("30 2 * * *"),
        et("2024-03-09 12:00"),
        et("2024-03-11 00:00"),
    )
    .unwrap();
    assert_eq!(t, vec![et("2024-03-10 03:30")]);
    // Date words resolve in ET: 23:30 ET on the 20th is already the 21st in UTC.
    let late = nba_props_ops::days::timestamp(et("2023-11-20 23:30"));
    assert_eq!(resolve_date_word("today", late).unwrap(), d("2023-11-20"));
    assert_eq!(
        resolve_date_word("yesterday", late).unwrap(),
        d("2023-11-19")
    );
    assert!(parse_cron("30 5 * *").is_err());
    assert!(parse_cron("61 5 * * *").is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_week_fires_every_tick_once_catches_up_as_documented_and_rests_without_games() {
    let Some(data) = testdata::shared_data_dir() else {
        return;
    };
    let graph = Arc::new(Graph::all());
    let config = OpsConfig {
        schedules: vec![
            schedule("schedule", "0 7 * * *", "nbac_schedule", "today", false),
            schedule(
                "box_scores",
                "30 5 * * *",
                "nbac_player_boxscores",
                "yesterday",
                true,
            ),
            schedule("features", "0 10,14 * * *", "feature_store", "today", true),
        ],
        ..OpsConfig::default()
    };
    for t in testing::all().await {
        let who = t.label;
        let store = &t.store;
        let db = &store.db;
        import(store, &data).await;
        // The schedule table is what makes the scheduler game-aware.
        let ctx = Arc::new(Ctx::new(store.clone()).snapshot_raw_index());
        let only_schedule = processors_for(2..=2)
            .into_iter()
            .filter(|p| p.declaration().name == "nbac_schedule")
            .collect();
        let s = backfill(
            ctx,
            only_schedule,
            d("2023-11-01"),
            d("2023-12-15"),
            1,
            &|_| {},
        )
        .await;
        assert!(s.ok(), "{who}: {:?}", s.failures);
        let games = days::game_dates(db, d("2023-11-19"), d("2023-11-26"))
            .await
            .unwrap();
        assert!(
            !games.contains(&d("2023-11-23")),
            "{who}: Thanksgiving has no games"
        );
        for day in [
            "2023-11-19",
            "2023-11-20",
            "2023-11-21",
            "2023-11-22",
            "2023-11-24",
            "2023-11-25",
            "2023-11-26",
        ] {
            assert!(games.contains(&d(day)), "{who}: {day} has games");
        }

        let clock = ManualClock::at(et("2023-11-20 00:00"));
        let a = Scheduler::new(&config, &graph, 3).unwrap();
        let b = Scheduler::new(&config, &graph, 3).unwrap();
        let mut decided = Vec::new();
        let mut step = 0;
        let (down_from, down_to, end) = (
            et("2023-11-24 00:00"),
            et("2023-11-25 16:00"),
            et("2023-11-27 00:00"),
        );
        while clock.now_ms() <= end {
            // Two schedulers on one database, taking turns at who goes first.
            let (first, second) = if step % 2 == 0 { (&a, &b) } else { (&b, &a) };
            decided.extend(first.tick(store, &clock, &graph).await.unwrap());
            decided.extend(second.tick(store, &clock, &graph).await.unwrap());
            step += 1;
            clock.advance(10 * 60_000);
            if clock.now_ms() > down_from && clock.now_ms() < down_to {
                clock.set(down_to);
            }
        }
        // The same pass again decides nothing.
        assert!(
            a.tick(store, &clock, &graph).await.unwrap().is_empty(),
            "{who}"
        );

        let once: BTreeSet<(String, i64)> = decided
            .iter()
            .map(|x| (x.schedule.clone(), x.tick_at))
            .collect();
        assert_eq!(once.len(), decided.len(), "{who}: a tick was decided twice");

        // Every tick of the week, exactly once, with the state the policy gives it.
        let expect = |times: &[&str]| -> Vec<i64> {
            let mut v = Vec::new();
            for day in 20..=26 {
                for t in times {
                    v.push(et(&format!("2023-11-{day} {t}")));
                }
            }
            v
        };
        let game_day = |date: &str| games.contains(&d(date));
        for (name, times) in [
            ("schedule", vec!["07:00"]),
            ("box_scores", vec!["05:30"]),
            ("features", vec!["10:00", "14:00"]),
        ] {
            let rows = recorded(store, name).await.unwrap();
            let at: Vec<i64> = rows.iter().map(|r| r.0).collect();
            assert_eq!(at, expect(&times), "{who}: {name} ticks");
            let states: BTreeMap<i64, (String, String)> = rows
                .iter()
                .map(|r| (r.0, (r.1.clone(), r.2.clone())))
                .collect();
            for (tick, (for_date, state)) in &states {
                let missed = *tick > down_from && *tick < down_to;
                let latest_missed = match name {
                    "features" => *tick == et("2023-11-25 14:00"),
                    _ => false,
                };
                let want = if missed && !latest_missed {
                    "skipped"
                } else if name != "schedule" && !game_day(for_date) {
                    "no_games"
                } else {
                    "fired"
                };
                assert_eq!(
                    state,
                    want,
                    "{who}: {name} at {} for {for_date}",
                    nba_props_runtime::clock::format_ms(Some(*tick))
                );
            }
        }
        let features = recorded(store, "features").await.unwrap();
        assert_eq!(
            features
                .iter()
                .filter(|r| r.2 == "no_games")
                .map(|r| r.1.as_str())
                .collect::<Vec<_>>(),
            vec!["2023-11-23", "2023-11-23"],
            "{who}"
        );
        let box_scores = recorded(store, "box_scores").await.unwrap();
        assert_eq!(
            box_scores
                .iter()
                .map(|r| (r.1.as_str(), r.2.as_str()))
                .collect::<Vec<_>>(),
            vec![
                ("2023-11-19", "fired"),
                ("2023-11-20", "fired"),
                ("2023-11-21", "fired"),
                ("2023-11-22", "fired"),
                ("2023-11-23", "skipped"),
                ("2023-11-24", "skipped"),
                ("2023-11-25", "fired"),
            ],
            "{who}"
        );

        // The jobs: one per fired (target, date) (a second tick of a date finds the first
        // queued and coalesces), none on the day without games.
        let jobs = db
            .query(
                "SELECT processor, partition_key, reason FROM jobs WHERE reason LIKE 'schedule %' ORDER BY processor, partition_key",
                &[],
            )
            .await
            .unwrap();
        let made: Vec<(String, String)> = jobs.iter().map(|r| (r.text(0), r.text(1))).collect();
        let p = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            made,
            vec![
                p("feature_store", "2023-11-20"),
                p("feature_store", "2023-11-21"),
                p("feature_store", "2023-11-22"),
                p("feature_store", "2023-11-25"),
                p("feature_store", "2023-11-26"),
                p("nbac_player_boxscores", "2023-11-19"),
                p("nbac_player_boxscores", "2023-11-20"),
                p("nbac_player_boxscores", "2023-11-21"),
                p("nbac_player_boxscores", "2023-11-22"),
                p("nbac_player_boxscores", "2023-11-25"),
                p("nbac_schedule", "2023-11-20"),
                p("nbac_schedule", "2023-11-21"),
                p("nbac_schedule", "2023-11-22"),
                p("nbac_schedule", "2023-11-23"),
                p("nbac_schedule", "2023-11-26"),
            ],
            "{who}"
        );
        let fired: i64 = recorded(store, "features")
            .await
            .unwrap()
            .iter()
            .map(|r| r.3)
            .sum();
        assert_eq!(
            fired, 5,
            "{who}: the second tick of a date coalesces into the queued job"
        );

        // The off-season is a state: a game-aware tick in July records it and enqueues nothing.
        let summer = OpsConfig {
            schedules: vec![schedule(
                "summer",
                "0 10 * * *",
                "feature_store",
                "today",
                true,
            )],
            ..OpsConfig::default()
        };
        let s = Scheduler::new(&summer, &graph, 3).unwrap();
        let july = ManualClock::at(et("2024-07-10 10:05"));
        let out = s.tick(store, &july, &graph).await.unwrap();
        assert_eq!(out.len(), 1, "{who}");
        assert_eq!(
            (out[0].state, out[0].jobs_created),
            ("off_season", 0),
            "{who}"
        );
    }
}
