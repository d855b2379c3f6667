//! Who plays, over a short real backfill (the first four weeks of 2023-24) on SQLite and
//! PostgreSQL, with injury-report rows planted in `nbac_injury_report` as phase 2 writes them for
//! real players of a real game: an OUT player gets no prediction and his exclusion says why, a
//! QUESTIONABLE one is predicted and flagged, a report captured after tip-off is ignored, and the
//! teammates-out features equal what the planted report and the teammates' real minutes give,
//! and the evaluation splits its rows by whether injury information was known.

use nba_props_core::{BuildInfo, GameDate, Market};
use nba_props_pipeline::backfill::{BackfillSummary, backfill, processors_for};
use nba_props_pipeline::import::import_archive;
use nba_props_pipeline::{Ctx, phase5, testdata};
use nba_props_store::{Db, Store, Value, testing};
use std::sync::Arc;

const FROM: &str = "2023-10-24";
const TO: &str = "2023-11-19";
/// The planted reports' date: four weeks in, with PRA lines of several games.
const D: &str = "2023-11-19";

fn d(s: &str) -> GameDate {
    GameDate::parse(s).unwrap()
}

async fn run(store: &Store, phases: std::ops::RangeInclusive<u8>, from: &str) -> BackfillSummary {
    let ctx = Arc::new(Ctx::new(store.clone()).snapshot_raw_index());
    let s = backfill(ctx, processors_for(phases), d(from), d(TO), 2, &|_| {}).await;
    assert!(s.ok(), "{:?} {:?}", s.failures, s.bad_payloads);
    s
}

async fn count(db: &Db, sql: &str) -> i64 {
    db.query(sql, &[]).await.unwrap()[0].i64(0).unwrap_or(0)
}

/// "Jayson Tatum" as the report prints it: "Tatum, Jayson".
fn as_printed(name: &str) -> String {
    match name.split_once(' ') {
        Some((first, last)) => format!("{last}, {first}"),
        None => name.to_string(),
    }
}

/// One `nbac_injury_report` row, as phase 2 writes a player entry.
async fn plant(db: &Db, report_at: &str, game: &str, team: &str, name: &str, status: &str) {
    let sql = "INSERT INTO nbac_injury_report (report_at, game_id, team, entry, game_date, entry_type, player_name, \
               status, reason, category, previous_status, previous_reason, game_time, matchup, layout, page, payload_sha256) \
               VALUES ($1, $2, $3, $4, $5, 'player', $4, $6, $7, NULL, NULL, NULL, NULL, 'XXX@YYY', 'current', 1, 'planted')";
    let params: Vec<Value> = vec![
        report_at.into(),
        game.into(),
        team.into(),
        name.into(),
        D.into(),
        status.into(),
        format!("Injury/Illness - planted {status}").into(),
    ];
    db.execute(sql, &params).await.unwrap();
}

/// The player's mean minutes and mean usage over his last 10 games before D, straight from
/// `player_game_summary`.
async fn last_10(db: &Db, player: i64) -> (f64, f64) {
    let rows = db
        .query(
            &format!(
                "SELECT minutes, usage_rate FROM player_game_summary WHERE player_id = {player} AND game_date < '{D}' \
                 ORDER BY game_date DESC LIMIT 10"
            ),
            &[],
        )
        .await
        .unwrap();
    let minutes: Vec<f64> = rows.iter().map(|r| r.f64(0).unwrap_or(0.0)).collect();
    let usage: Vec<f64> = rows.iter().filter_map(|r| r.f64(1)).collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    (mean(&minutes), mean(&usage))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_out_player_gets_no_prediction_and_the_reason_is_stored_on_sqlite() {
    an_out_player_gets_no_prediction_and_the_reason_is_stored(
        testing::sqlite().await.expect("a SQLite test database"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_out_player_gets_no_prediction_and_the_reason_is_stored_on_postgres() {
    if let Some(t) = testing::postgres().await.expect("a PostgreSQL test schema") {
        an_out_player_gets_no_prediction_and_the_reason_is_stored(t).await;
    }
}

async fn an_out_player_gets_no_prediction_and_the_reason_is_stored(t: testing::TestDb) {
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
    run(store, 2..=5, FROM).await;
    // The archive has no injury reports: every status and who-plays feature is unknown.
    let known = count(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM feature_store WHERE injury_status_ordinal IS NOT NULL \
         OR teammates_out IS NOT NULL OR teammates_out_min_l10 IS NOT NULL OR teammates_out_usage_share IS NOT NULL",
    )
    .await;
    assert_eq!(known, 0, "{who}: who-plays features without a report");

    // The first game of D with a tip-off and prop lines, its home team's four expected players
    // with the most minutes in the last week.
    let game = db
        .query(
            &format!(
                "SELECT game_id, home_team, tipoff_utc FROM nbac_schedule WHERE game_date = '{D}' \
                 AND tipoff_utc IS NOT NULL AND game_id IN (SELECT game_id FROM odds_player_props) ORDER BY game_id LIMIT 1"
            ),
            &[],
        )
        .await
        .unwrap();
    let (game_id, team, tipoff) = (game[0].text(0), game[0].text(1), game[0].text(2));
    let tipoff: jiff::Timestamp = tipoff.parse().unwrap();
    let players = db
        .query(
            &format!(
                "SELECT player_id, player_name FROM upcoming_player_game_context WHERE game_id = '{game_id}' \
                 AND team = '{team}' ORDER BY minutes_last_7d DESC, player_id LIMIT 4"
            ),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(players.len(), 4, "{who}");
    let [out_1, out_2, questionable, late] =
        [0, 1, 2, 3].map(|i| (players[i].i64(0).unwrap(), players[i].text(1)));

    let before = (tipoff - jiff::SignedDuration::from_hours(3)).to_string();
    let earlier = (tipoff - jiff::SignedDuration::from_hours(8)).to_string();
    let after = (tipoff + jiff::SignedDuration::from_mins(30)).to_string();
    // An earlier report said the questionable player was OUT: only the latest before tip-off
    // counts.
    plant(
        db,
        &earlier,
        &game_id,
        &team,
        &as_printed(&questionable.1),
        "Out",
    )
    .await;
    plant(db, &before, &game_id, &team, &as_printed(&out_1.1), "Out").await;
    plant(db, &before, &game_id, &team, &as_printed(&out_2.1), "Out").await;
    plant(
        db,
        &before,
        &game_id,
        &team,
        &as_printed(&questionable.1),
        "Questionable",
    )
    .await;
    plant(db, &before, &game_id, &team, "Nobody, Planted", "Out").await;
    // Captured after tip-off: must change nothing.
    plant(
        db,
        &after,
        &game_id,
        &team,
        &as_printed(&questionable.1),
        "Out",
    )
    .await;
    plant(db, &after, &game_id, &team, &as_printed(&late.1), "Out").await;
    run(store, 3..=5, D).await;

    // Statuses in the player context: the report before tip-off decides.
    let status = |id: i64| {
        let sql = format!(
            "SELECT injury_status, injury_reason, injury_report_at FROM upcoming_player_game_context \
             WHERE game_id = '{game_id}' AND player_id = {id}"
        );
        async move { db.query(&sql, &[]).await.unwrap().remove(0) }
    };
    let before_ts = before.parse::<jiff::Timestamp>().unwrap();
    for (id, expected) in [
        (out_1.0, "OUT"),
        (out_2.0, "OUT"),
        (questionable.0, "QUESTIONABLE"),
        (late.0, "AVAILABLE"),
    ] {
        let r = status(id).await;
        assert_eq!(r.str(0), Some(expected), "{who}: player {id}");
        assert_eq!(
            r.text(2).parse::<jiff::Timestamp>().unwrap(),
            before_ts,
            "{who}"
        );
    }
    // The other team of the game had no report: unknown, not available.
    let other = count(
        db,
        &format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM feature_store WHERE game_id = '{game_id}' AND team <> '{team}' \
             AND (injury_status_ordinal IS NOT NULL OR teammates_out IS NOT NULL)"
        ),
    )
    .await;
    assert_eq!(
        other, 0,
        "{who}: the team without a report has who-plays features"
    );
    let unmatched = count(
        db,
        &format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM unmatched_rows WHERE processor = 'upcoming_player_game_context' \
             AND partition_key = '{D}' AND item LIKE '%Nobody, Planted%'"
        ),
    )
    .await;
    assert_eq!(unmatched, 1, "{who}: the unknown name is counted");

    // OUT: no prediction, one exclusion per market with the report's reason and time.
    let predicted = |id: i64| {
        format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM predictions WHERE game_id = '{game_id}' AND player_id = {id}"
        )
    };
    for id in [out_1.0, out_2.0] {
        assert_eq!(
            count(db, &predicted(id)).await,
            0,
            "{who}: OUT player {id} predicted"
        );
        let exclusions = db
            .query(
                &format!(
                    "SELECT market, reason, injury_status, injury_reason, injury_report_at FROM prediction_exclusions \
                     WHERE game_id = '{game_id}' AND player_id = {id} ORDER BY market"
                ),
                &[],
            )
            .await
            .unwrap();
        let markets: Vec<String> = exclusions.iter().map(|r| r.text(0)).collect();
        assert_eq!(markets, ["points", "pra", "threes"], "{who}");
        for r in &exclusions {
            assert_eq!(r.text(1), "out on the injury report", "{who}");
            assert_eq!(r.str(2), Some("OUT"), "{who}");
            assert_eq!(r.str(3), Some("Injury/Illness - planted Out"), "{who}");
            assert_eq!(
                r.text(4).parse::<jiff::Timestamp>().unwrap(),
                before_ts,
                "{who}"
            );
        }
    }
    // QUESTIONABLE: predicted by every system and market, and flagged.
    let systems_markets = count(
        db,
        &format!(
            "SELECT CAST(COUNT(DISTINCT system_id || market) AS BIGINT) FROM predictions WHERE game_date = '{D}'"
        ),
    )
    .await;
    let flagged = count(
        db,
        &format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM predictions WHERE game_id = '{game_id}' AND player_id = {} \
             AND injury_status = 'QUESTIONABLE'",
            questionable.0
        ),
    )
    .await;
    assert!(
        systems_markets > 0 && flagged == systems_markets,
        "{who}: {flagged} flagged of {systems_markets}"
    );
    let exclusions = count(
        db,
        &format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM prediction_exclusions WHERE game_date = '{D}'"
        ),
    )
    .await;
    assert_eq!(exclusions, 6, "{who}: two OUT players × three markets");

    // Teammates out, by hand: the two OUT players' mean minutes of their last 10 games, and
    // their share of the team's plays (usage × minutes / 48).
    let (min_1, usage_1) = last_10(db, out_1.0).await;
    let (min_2, usage_2) = last_10(db, out_2.0).await;
    let expected_minutes = min_1 + min_2;
    let expected_share = usage_1 * min_1 / 48.0 + usage_2 * min_2 / 48.0;
    let rows = db
        .query(
            &format!(
                "SELECT player_id, injury_status_ordinal, teammates_out, teammates_out_min_l10, teammates_out_usage_share \
                 FROM feature_store WHERE game_id = '{game_id}' AND team = '{team}' ORDER BY player_id"
            ),
            &[],
        )
        .await
        .unwrap();
    assert!(rows.len() >= 8, "{who}: {} rows", rows.len());
    for r in &rows {
        let id = r.i64(0).unwrap();
        let (out, minutes, share) = if id == out_1.0 {
            (1, min_2, usage_2 * min_2 / 48.0)
        } else if id == out_2.0 {
            (1, min_1, usage_1 * min_1 / 48.0)
        } else {
            (2, expected_minutes, expected_share)
        };
        let ordinal = if id == questionable.0 {
            2
        } else if id == out_1.0 || id == out_2.0 {
            4
        } else {
            0
        };
        assert_eq!(r.i64(1), Some(ordinal), "{who}: player {id}");
        assert_eq!(r.i64(2), Some(out), "{who}: player {id}");
        assert!(
            (r.f64(3).unwrap() - minutes).abs() < 1e-5,
            "{who}: player {id} {:?} vs {minutes}",
            r.f64(3)
        );
        assert!(
            (r.f64(4).unwrap() - share).abs() < 1e-5,
            "{who}: player {id} {:?} vs {share}",
            r.f64(4)
        );
    }
    assert!(expected_minutes > 30.0, "{who}: {expected_minutes}");

    // The evaluation splits its rows by whether injury information was known: on D, only the
    // reported team's played PRA rows can be on the known side.
    let report = phase5::eval::evaluate(db, phase5::settings(), Market::Pra, d(D), d(D), &|_| {})
        .await
        .unwrap();
    let [known, unknown] = [&report.by_injury_report[0], &report.by_injury_report[1]];
    assert_eq!(
        (known.injury_report.as_str(), unknown.injury_report.as_str()),
        ("known", "unknown")
    );
    assert_eq!(known.rows + unknown.rows, report.rows, "{who}");
    let reported_played = count(
        db,
        &format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM player_game_summary WHERE game_id = '{game_id}' AND team = '{team}'"
        ),
    )
    .await;
    assert!(
        known.rows > 0 && known.rows as i64 <= reported_played && unknown.rows > known.rows,
        "{who}: {} known, {} unknown, {reported_played} played for {team}; left out {:?}",
        known.rows,
        unknown.rows,
        report.excluded
    );
}
