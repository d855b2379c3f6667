//! Train/serve parity over a real short backfill through phase 5 (the dev archive), on SQLite
//! and PostgreSQL: the check passes on the backfill as written, its training rows are exactly
//! the rows each registered model counted, a feature planted NULL in the date's feature rows
//! fails naming that feature (in `check parity` and in the health check), and a feature NULL in
//! training too does not fail.

use crate::support::*;
use nba_props_model::features::FEATURE_COLUMNS;
use nba_props_ops::health::{self, Status};
use nba_props_ops::parity;
use nba_props_pipeline::backfill::{backfill, processors_for};
use nba_props_pipeline::{Ctx, testdata};
use nba_props_runtime::Graph;
use nba_props_runtime::clock::ManualClock;
use nba_props_runtime::testing::{count, import};
use nba_props_store::schema::FEATURE_STORE;
use nba_props_store::testing::{self, TestDb};
use std::sync::Arc;

const FROM: &str = "2023-10-20";
/// The checked date: the first Wednesday after the training date 2023-11-07, so its models
/// trained on the two weeks of games before.
const D: &str = "2023-11-08";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parity_fails_naming_a_feature_absent_live_on_sqlite() {
    parity_fails_naming_a_feature_absent_live(
        testing::sqlite().await.expect("a SQLite test database"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parity_fails_naming_a_feature_absent_live_on_postgres() {
    if let Some(t) = testing::postgres().await.expect("a PostgreSQL test schema") {
        parity_fails_naming_a_feature_absent_live(t).await;
    }
}

async fn parity_fails_naming_a_feature_absent_live(t: TestDb) {
    let Some(data) = testdata::shared_data_dir() else {
        return;
    };
    let (store, db, who) = (&t.store, &t.store.db, t.label);
    import(store, &data).await;
    let ctx = Arc::new(Ctx::new(store.clone()).snapshot_raw_index());
    let s = backfill(ctx, processors_for(2..=5), d(FROM), d(D), 2, &|_| {}).await;
    assert!(s.ok(), "{who}: {:?} {:?}", s.failures, s.bad_payloads);

    // As written by the backfill: every model of D checked, nothing missing.
    let clean = parity::check(db, d(D)).await.unwrap();
    assert!(clean.ok(), "{who}: {:?}", clean.failures());
    let models = count(
        db,
        &format!("SELECT CAST(COUNT(DISTINCT system_id || market || model_version) AS BIGINT) FROM predictions WHERE game_date = '{D}'"),
    )
    .await;
    assert!(models >= 6, "{who}: {models} models predicted {D}");
    assert_eq!(clean.models.len() as i64, models, "{who}");
    for m in &clean.models {
        // The training rows are the ones the model counted when it was trained.
        let registered = count(
            db,
            &format!(
                "SELECT train_rows FROM model_registry WHERE system_id = '{}' AND market = '{}' AND version = '{}'",
                m.system_id, m.market, m.model_version
            ),
        )
        .await;
        assert_eq!(
            m.training_rows, registered,
            "{who}: {} {}",
            m.system_id, m.market
        );
        let predicted = count(
            db,
            &format!(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM predictions WHERE game_date = '{D}' AND system_id = '{}' AND market = '{}'",
                m.system_id, m.market
            ),
        )
        .await;
        assert_eq!(
            m.live_rows, predicted,
            "{who}: {} {}",
            m.system_id, m.market
        );
    }

    // A player-game of the training window without a box score (a player who did not play)
    // is not a training row: copies of a whole training date under unknown player ids change
    // nothing.
    let names: Vec<&str> = FEATURE_STORE.columns.iter().map(|c| c.name).collect();
    let copied: Vec<String> = names
        .iter()
        .map(|c| match *c {
            "player_id" => "player_id + 900000000".to_string(),
            other => other.to_string(),
        })
        .collect();
    let train_to = clean.models[0].train_to.clone().unwrap();
    let not_played = db
        .execute(
            &format!(
                "INSERT INTO feature_store ({}) SELECT {} FROM feature_store WHERE game_date = '{train_to}'",
                names.join(", "),
                copied.join(", ")
            ),
            &[],
        )
        .await
        .unwrap();
    assert!(not_played > 100, "{who}: {not_played} rows of {train_to}");
    let with_dnp = parity::check(db, d(D)).await.unwrap();
    assert_eq!(
        with_dnp
            .models
            .iter()
            .map(|m| m.training_rows)
            .collect::<Vec<_>>(),
        clean
            .models
            .iter()
            .map(|m| m.training_rows)
            .collect::<Vec<_>>(),
        "{who}"
    );

    // Features NULL in most training rows (on this slice of the archive: the injury report's,
    // and the head-to-head ones this early in the season) are not required live, even when
    // NULL for every player of D.
    let mut rare_in_training = Vec::new();
    for c in FEATURE_COLUMNS {
        let nulls_over_half = count(
            db,
            &format!(
                "SELECT CAST(SUM(CASE WHEN f.{c} IS NULL THEN 1 ELSE 0 END) * 2 - COUNT(*) AS BIGINT) \
                 FROM feature_store f JOIN player_game_summary g ON g.game_id = f.game_id AND g.player_id = f.player_id \
                 WHERE f.game_date < '{D}' AND g.points IS NOT NULL"
            ),
        )
        .await;
        if nulls_over_half > 0 {
            rare_in_training.push(*c);
        }
    }
    assert!(
        rare_in_training.contains(&"injury_status_ordinal"),
        "{who}: {rare_in_training:?}"
    );
    for rare in &rare_in_training {
        let planted = db
            .execute(
                &format!("UPDATE feature_store SET {rare} = NULL WHERE game_date = '{D}'"),
                &[],
            )
            .await
            .unwrap();
        assert_eq!(
            planted as i64, clean.models[0].live_rows,
            "{who}: rows of {D}"
        );
    }
    let still = parity::check(db, d(D)).await.unwrap();
    assert!(
        still.ok(),
        "{who}: {rare_in_training:?} are mostly NULL in training: {:?}",
        still.failures()
    );

    // The spread planted NULL for every player of D, as when the live path fills no game lines.
    db.execute(
        &format!("UPDATE feature_store SET spread = NULL WHERE game_date = '{D}'"),
        &[],
    )
    .await
    .unwrap();
    let broken = parity::check(db, d(D)).await.unwrap();
    assert!(!broken.ok(), "{who}");
    assert_eq!(broken.missing_features(), vec!["spread"], "{who}");
    let failures = broken.failures();
    assert_eq!(
        failures.len() as i64,
        models,
        "{who}: one per model: {failures:?}"
    );
    assert!(
        failures.iter().all(|f| f.contains("spread NULL in 100%")),
        "{who}: {failures:?}"
    );

    // The health check looks at the latest predicted date of its window and names it too.
    let clock = ManualClock::at(et("2023-11-09 12:00"));
    let report = health::check(store, &clock, &Graph::all(), &test_config(), 14)
        .await
        .unwrap();
    let check = report.get("train_serve_parity").unwrap();
    assert_eq!(check.status, Status::Fail, "{who}: {check:?}");
    assert!(
        check.figure.contains(D) && check.figure.contains("(spread)"),
        "{who}: {check:?}"
    );
    assert_eq!(check.concerned, failures, "{who}");

    // Restored from D+1's perspective as before: the spread back, the check passes.
    let s = backfill(
        Arc::new(Ctx::new(store.clone()).snapshot_raw_index()),
        processors_for(4..=4),
        d(D),
        d(D),
        1,
        &|_| {},
    )
    .await;
    assert!(s.ok(), "{who}: {:?}", s.failures);
    let report = health::check(store, &clock, &Graph::all(), &test_config(), 14)
        .await
        .unwrap();
    let check = report.get("train_serve_parity").unwrap();
    assert_eq!(check.status, Status::Pass, "{who}: {check:?}");
}
