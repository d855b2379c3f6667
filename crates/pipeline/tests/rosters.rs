//! Rosters and player movement over a short real backfill (2023-10-24..2023-11-19) on SQLite and
//! PostgreSQL. Rows are planted in `nbac_player_movement` and `nbac_player_list` as phase 2 writes
//! them, then `upcoming_player_game_context` is rebuilt: a real player "traded" on the date of one
//! of his games is expected for the opponent of his next game, and nothing on or before the
//! transaction date changes; a list captured after a tip-off changes nothing, one captured before
//! it adds its rookie.

use nba_props_core::{BuildInfo, GameDate};
use nba_props_pipeline::backfill::backfill;
use nba_props_pipeline::import::import_archive;
use nba_props_pipeline::phase3::player::UpcomingPlayerContext;
use nba_props_pipeline::processor::Processor;
use nba_props_pipeline::{Ctx, backfill::processors_for, testdata};
use nba_props_store::{Db, Store, Value, testing};
use std::sync::Arc;

const FROM: &str = "2023-10-24";
const TO: &str = "2023-11-19";

fn d(s: &str) -> GameDate {
    GameDate::parse(s).unwrap()
}

async fn run(store: &Store, processors: Vec<Box<dyn Processor>>) {
    let ctx = Arc::new(Ctx::new(store.clone()).snapshot_raw_index());
    let s = backfill(ctx, processors, d(FROM), d(TO), 2, &|_| {}).await;
    assert!(s.ok(), "{:?} {:?}", s.failures, s.bad_payloads);
}

/// Every expected (date, game, team, player, name) row, in order.
async fn expected(db: &Db) -> Vec<String> {
    db.query(
        "SELECT game_date, game_id, team, player_id, player_name FROM upcoming_player_game_context \
         ORDER BY game_date, game_id, player_id",
        &[],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| {
        format!(
            "{} {} {} {} {}",
            r.text(0),
            r.text(1),
            r.text(2),
            r.i64(3).unwrap(),
            r.text(4)
        )
    })
    .collect()
}

fn on_or_before(rows: &[String], date: &str) -> Vec<String> {
    rows.iter().filter(|r| r[..10] <= *date).cloned().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn movement_and_lists_decide_who_plays_on_sqlite() {
    movement_and_lists_decide_who_plays(testing::sqlite().await.expect("a SQLite test database"))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn movement_and_lists_decide_who_plays_on_postgres() {
    if let Some(t) = testing::postgres().await.expect("a PostgreSQL test schema") {
        movement_and_lists_decide_who_plays(t).await;
    }
}

async fn movement_and_lists_decide_who_plays(t: testing::TestDb) {
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
    run(store, processors_for(2..=3)).await;
    let before = expected(db).await;

    // The player with the most games in the range; L one of his games early in it, N his next.
    let games = db
        .query(
            &format!(
                "SELECT player_id, game_date, team, opponent FROM player_game_summary WHERE player_id = \
                 (SELECT player_id FROM player_game_summary WHERE game_date >= '{FROM}' AND game_date <= '{TO}' \
                  GROUP BY player_id ORDER BY COUNT(*) DESC, player_id LIMIT 1) \
                 AND game_date >= '{FROM}' ORDER BY game_date"
            ),
            &[],
        )
        .await
        .unwrap();
    let (player, last, team) = (games[2].i64(0).unwrap(), games[2].text(1), games[2].text(2));
    let (next, new_team) = (games[3].text(1), games[3].text(3));
    let after_next = games[4].text(1);
    assert!(
        before
            .iter()
            .any(|r| r.starts_with(&next) && r.contains(&format!(" {team} {player} ")))
    );

    // Traded to his next opponent on the date of game L (after it: the box score of L is older).
    db.execute(
        "INSERT INTO nbac_player_movement (transaction_date, player_id, team, transaction_type, description, \
         direction, payload_sha256) VALUES ($1, $2, $3, 'Trade', 'planted trade', 'joins', 'planted')",
        &[last.as_str().into(), player.into(), new_team.as_str().into()],
    )
    .await
    .unwrap();
    run(store, vec![Box::new(UpcomingPlayerContext)]).await;
    let moved = expected(db).await;
    assert_eq!(
        on_or_before(&moved, &last),
        on_or_before(&before, &last),
        "{who}: a transaction dated {last} changed who plays on or before it"
    );
    let on_next: Vec<&String> = moved
        .iter()
        .filter(|r| r.starts_with(&next) && r.contains(&format!(" {player} ")))
        .collect();
    assert_eq!(on_next.len(), 1, "{who}: {on_next:?}");
    assert!(
        on_next[0].contains(&format!(" {new_team} {player} ")),
        "{who}: expected for {new_team} on {next}, got {on_next:?}"
    );
    // He then played game N for his old team: that newer box score decides again.
    let later = |rows: &[String]| -> Vec<String> {
        rows.iter()
            .filter(|r| r.starts_with(&after_next) && r.contains(&format!(" {player} ")))
            .cloned()
            .collect()
    };
    assert_eq!(later(&moved), later(&before), "{who}");

    // A rookie on a list captured one minute after the tip-off of a game of N: nothing changes.
    // Captured an hour before it: he is expected for that team, under the list's name.
    let tip = db
        .query(
            "SELECT tipoff_utc FROM nbac_schedule WHERE game_date = $1 AND (home_team = $2 OR away_team = $2)",
            &[next.as_str().into(), new_team.as_str().into()],
        )
        .await
        .unwrap()[0]
        .text(0);
    let tipoff: jiff::Timestamp = tip.parse().unwrap();
    let list_row = |at: jiff::Timestamp| -> Vec<Value> {
        vec![
            GameDate::of_timestamp(at).to_string().into(),
            at.to_string().into(),
            "2023-24".into(),
            990_000_001_i64.into(),
            "Planted Rookie".into(),
            new_team.as_str().into(),
            "planted".into(),
        ]
    };
    let plant = |at: jiff::Timestamp| async move {
        db.execute(
            "INSERT INTO nbac_player_list (captured_on, captured_at, season, player_id, player_name, team, payload_sha256) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &list_row(at),
        )
        .await
        .unwrap();
    };
    plant(tipoff + jiff::SignedDuration::from_mins(1)).await;
    run(store, vec![Box::new(UpcomingPlayerContext)]).await;
    // It may speak for later games (their tip-off is after it), never for that date's.
    let after_tip = expected(db).await;
    assert!(
        on_or_before(&after_tip, &next) == on_or_before(&moved, &next),
        "{who}: a list captured after a tip-off of {next} changed who plays on or before {next}"
    );
    assert!(
        after_tip
            .iter()
            .any(|r| r.contains(" 990000001 ") && r[..10] > *next.as_str()),
        "{who}: the list is used for no later game"
    );
    plant(tipoff - jiff::SignedDuration::from_hours(1)).await;
    run(store, vec![Box::new(UpcomingPlayerContext)]).await;
    let listed = expected(db).await;
    let rookie: Vec<&String> = listed
        .iter()
        .filter(|r| r.contains(" 990000001 "))
        .collect();
    assert!(
        !rookie.is_empty(),
        "{who}: the listed rookie is not expected"
    );
    assert!(
        rookie[0].starts_with(&next)
            && rookie[0].ends_with(&format!("{new_team} 990000001 Planted Rookie")),
        "{who}: {rookie:?}"
    );
    assert_eq!(
        on_or_before(&listed, &last),
        on_or_before(&before, &last),
        "{who}: a list captured on {next} changed an earlier date"
    );
}
