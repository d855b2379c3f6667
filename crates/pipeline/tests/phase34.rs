//! Phases 3 and 4 over real data (2022-23 for the bootstrap, 2023-24 to the end of January), on
//! SQLite and PostgreSQL: analytics agree with the sources, features cover the games, a re-run
//! changes nothing, and features for a date cannot see that date or later, nor an injury report
//! captured after its tip-off (mutation test).

use nba_props_core::{BuildInfo, GameDate};
use nba_props_pipeline::backfill::{BackfillSummary, backfill, processors_for};
use nba_props_pipeline::import::import_archive;
use nba_props_pipeline::{Ctx, testdata};
use nba_props_store::{Db, Store, testing};
use std::sync::Arc;

const FROM: &str = "2022-10-01";
const TO: &str = "2024-01-31";
/// The leakage test's date: features for it must not change when it or later dates change.
const D: &str = "2024-01-15";

fn d(s: &str) -> GameDate {
    GameDate::parse(s).unwrap()
}

async fn run(store: &Store, phases: std::ops::RangeInclusive<u8>) -> BackfillSummary {
    let ctx = Arc::new(Ctx::new(store.clone()).snapshot_raw_index());
    let s = backfill(ctx, processors_for(phases), d(FROM), d(TO), 2, &|_| {}).await;
    assert!(s.ok(), "{:?} {:?}", s.failures, s.bad_payloads);
    s
}

async fn count(db: &Db, sql: &str) -> i64 {
    db.query(sql, &[]).await.unwrap()[0].i64(0).unwrap_or(0)
}

/// Every phase 4 row and phase 3 context row of date `D`, as text.
async fn snapshot_of_d(db: &Db) -> String {
    let mut out = String::new();
    for (table, key) in [
        ("feature_store", "game_id, player_id"),
        ("player_daily_cache", "player_id"),
        ("upcoming_player_game_context", "game_id, player_id"),
        ("upcoming_team_game_context", "game_id, team"),
    ] {
        let rows = db
            .query(
                &format!("SELECT * FROM {table} WHERE game_date = '{D}' ORDER BY {key}"),
                &[],
            )
            .await
            .unwrap();
        assert!(!rows.is_empty(), "{table} has no rows for {D}");
        for r in rows {
            out.push_str(&format!("{table} {:?}\n", r.0));
        }
    }
    out
}

// One test per backend, so the two run side by side.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phases_3_and_4_agree_with_the_sources_and_never_look_ahead_on_sqlite() {
    phases_3_and_4_agree_with_the_sources_and_never_look_ahead(
        testing::sqlite().await.expect("a SQLite test database"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phases_3_and_4_agree_with_the_sources_and_never_look_ahead_on_postgres() {
    if let Some(t) = testing::postgres().await.expect("a PostgreSQL test schema") {
        phases_3_and_4_agree_with_the_sources_and_never_look_ahead(t).await;
    }
}

async fn phases_3_and_4_agree_with_the_sources_and_never_look_ahead(t: testing::TestDb) {
    let Some(data) = testdata::shared_data_dir() else {
        return;
    };
    let (store, db, who) = (&t.store, &t.store.db, t.label);
    import_archive(
        store,
        &data.join("archive"),
        BuildInfo::current(),
        |_, _| {},
    )
    .await
    .unwrap();
    run(store, 2..=4).await;

    // One summary row per played player-game.
    let box_rows = count(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM nbac_player_boxscores",
    )
    .await;
    let summaries = count(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM player_game_summary",
    )
    .await;
    assert_eq!(summaries, box_rows, "{who}");
    // Team points equal the schedule's final scores, for every game with box scores.
    let games = count(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM team_offense_game_summary",
    )
    .await;
    let agree = count(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM team_offense_game_summary o JOIN nbac_schedule s ON s.game_id = o.game_id \
         WHERE o.points = CASE WHEN s.home_team = o.team THEN s.home_score ELSE s.away_score END",
    )
    .await;
    assert!(games > 2 * 1230, "{who}: {games}");
    assert_eq!(agree, games, "{who}: team points vs schedule scores");
    // Usage shares of a team's players add up to 100% of its plays: usage computed against
    // the wrong team totals (the old 1228% bug) cannot pass this. The archive has whole
    // minutes, so a player with plays in under half a minute has no usage rate: those few
    // team-games are left out of the check, and counted.
    let zero_minute_plays = "EXISTS (SELECT 1 FROM player_game_summary q WHERE q.game_id = p.game_id AND q.team = p.team \
                             AND (q.minutes IS NULL OR q.minutes = 0) AND q.fga + q.fta + q.tov > 0)";
    let off = count(
        db,
        &format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT p.game_id, p.team, SUM(p.usage_rate * p.minutes) / (MAX(o.minutes) / 5.0) AS total \
             FROM player_game_summary p JOIN team_offense_game_summary o ON o.game_id = p.game_id AND o.team = p.team \
             WHERE p.usage_rate IS NOT NULL AND NOT {zero_minute_plays} GROUP BY p.game_id, p.team) x \
             WHERE x.total < 99.99 OR x.total > 100.01"
        ),
    )
    .await;
    assert_eq!(
        off, 0,
        "{who}: team-games whose usage shares do not add up to 100"
    );
    let left_out = count(
        db,
        &format!("SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT DISTINCT p.game_id, p.team FROM player_game_summary p WHERE {zero_minute_plays}) x"),
    )
    .await;
    assert!(
        left_out < games / 100,
        "{who}: {left_out} team-games with plays in zero minutes"
    );
    // After the 14-day bootstrap, nearly every played player-game has a feature row (the
    // rest are players with no game for that team in the 30 days before: debuts, signings).
    let after = "p.season_type = 'regular' AND p.game_date >= '2023-11-07'";
    let played = count(
        db,
        &format!("SELECT CAST(COUNT(*) AS BIGINT) FROM player_game_summary p WHERE {after}"),
    )
    .await;
    let covered = count(
        db,
        &format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM player_game_summary p WHERE {after} AND EXISTS \
             (SELECT 1 FROM feature_store f WHERE f.game_id = p.game_id AND f.player_id = p.player_id)"
        ),
    )
    .await;
    assert!(
        played > 8000 && covered as f64 >= 0.975 * played as f64,
        "{who}: {covered} of {played} covered"
    );
    // Every game of the period has feature rows for both teams.
    let bare = count(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM nbac_schedule s WHERE s.season_type = 'regular' AND s.game_date >= '2023-11-07' \
         AND s.game_date <= '2024-01-31' AND (SELECT COUNT(DISTINCT team) FROM feature_store f WHERE f.game_id = s.game_id) < 2",
    )
    .await;
    assert_eq!(bare, 0, "{who}");
    // Missing values are NULL and named; the quality score says how many.
    let unnamed = count(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM feature_store WHERE (pts_l5 IS NULL AND missing NOT LIKE '%pts_l5%') \
         OR (pra_line IS NULL AND missing NOT LIKE '%pra_line%') OR quality_score < 0 OR quality_score > 1",
    )
    .await;
    assert_eq!(unnamed, 0, "{who}");

    // An independent recomputation (SQL over player_game_summary) agrees with every sampled
    // rolling feature, and catches one planted error.
    let check = nba_props_pipeline::phase4::check::check_features;
    let report = check(db, d(D), 1000).await.unwrap();
    assert!(report.values_checked > 1000, "{who}: {report:?}");
    assert!(
        report.mismatches.is_empty(),
        "{who}: {:?}",
        report.mismatches
    );
    let report = check(db, d("2023-12-01"), 1000).await.unwrap();
    assert!(
        report.rows_checked > 100 && report.mismatches.is_empty(),
        "{who}: {:?}",
        report.mismatches
    );

    // A re-run changes nothing.
    let before = snapshot_of_d(db).await;
    let again = run(store, 3..=4).await;
    assert!(
        again.totals.values().all(|t| t.changed == 0),
        "{who}: {:?}",
        again.totals
    );

    // Leakage: change the day itself and everything after it, in box scores and in lines
    // captured after tip-off; every feature for D stays byte-identical.
    // The version 2 windows (rebounds, assists, PRA, threes) must be covered too: they are
    // filled on D, and their inputs change with the rest.
    let v2_filled = count(
        db,
        &format!("SELECT CAST(COUNT(*) AS BIGINT) FROM feature_store WHERE game_date = '{D}' AND pra_l10 IS NOT NULL AND fg3m_l5 IS NOT NULL AND reb_season IS NOT NULL AND ast_std_l10 IS NOT NULL"),
    )
    .await;
    assert!(
        v2_filled > 100,
        "{who}: {v2_filled} rows of {D} with version 2 windows"
    );
    db.execute(&format!("UPDATE nbac_player_boxscores SET points = points + 17, minutes = 48, reb = reb + 5, ast = ast + 3, \
         fg3m = fg3m + 2, fg3a = fg3a + 4 WHERE game_date >= '{D}'"), &[])
        .await
        .unwrap();
    db.execute(
        &format!("DELETE FROM nbac_player_boxscores WHERE game_date > '{D}' AND player_id % 3 = 0"),
        &[],
    )
    .await
    .unwrap();
    db.execute(
        &format!(
            "UPDATE odds_player_props SET line = line + 9.5 WHERE game_date = '{D}' AND snapshot_at >= \
             (SELECT tipoff_utc FROM nbac_schedule s WHERE s.game_id = odds_player_props.game_id)"
        ),
        &[],
    )
    .await
    .unwrap();
    // An injury report captured after tip-off ruling out everyone of a game of D: ignored.
    assert!(
        testdata::plant_late_injury_report(db, D).await > 10,
        "{who}"
    );
    let changed = run(store, 3..=4).await;
    let planted = "UPDATE feature_store SET pts_l10 = pts_l10 + 0.5 WHERE game_date = '2023-12-01' AND player_id = \
         (SELECT MIN(player_id) FROM feature_store WHERE game_date = '2023-12-01' AND pts_l10 IS NOT NULL)";
    db.execute(planted, &[]).await.unwrap();
    let report = check(db, d("2023-12-01"), 1000).await.unwrap();
    assert_eq!(report.mismatches.len(), 1, "{who}: {:?}", report.mismatches);
    assert_eq!(report.mismatches[0].feature, "pts_l10", "{who}");
    let planted = "UPDATE feature_store SET pra_l10 = pra_l10 - 1 WHERE game_date = '2023-12-01' AND player_id = \
         (SELECT MAX(player_id) FROM feature_store WHERE game_date = '2023-12-01' AND pra_l10 IS NOT NULL)";
    db.execute(planted, &[]).await.unwrap();
    let report = check(db, d("2023-12-01"), 1000).await.unwrap();
    let features: Vec<&str> = report.mismatches.iter().map(|m| m.feature).collect();
    assert_eq!(
        features,
        ["pts_l10", "pra_l10"],
        "{who}: {:?}",
        report.mismatches
    );
    assert!(
        changed.totals["player_game_summary"].changed > 0,
        "{who}: the mutation changed nothing upstream"
    );
    let after = snapshot_of_d(db).await;
    let first_difference = before.lines().zip(after.lines()).find(|(b, a)| b != a);
    assert!(
        after == before,
        "{who}: features for {D} changed when {D} and later changed; first difference:\n{first_difference:?}"
    );
}
