//! One bad row never loses its payload: real leaguegamelog payloads with one game rewritten to
//! the neutral-site `MATCHUP` form and one row at `PTS = -40`, and a real Odds API snapshot
//! whose event `id` is gone (as in archives rebuilt from CSV exports).

use super::*;
use nba_props_store::testing;
use std::collections::BTreeMap;

/// A real archive file as JSON, or `None` after a loud SKIPPED line without the corpus.
fn archive_json(rel: &str) -> Option<serde_json::Value> {
    let path = testdata::shared_data_dir()?.join("archive").join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(serde_json::from_slice(&bytes).unwrap())
}

/// Per (game, team) of a leaguegamelog payload: (points, is home as MATCHUP says).
fn sides(log: &serde_json::Value) -> BTreeMap<(String, String), (i64, bool)> {
    let set = &log["resultSets"][0];
    let col = |name: &str| {
        set["headers"]
            .as_array()
            .unwrap()
            .iter()
            .position(|h| h == name)
            .unwrap()
    };
    let (game, team, matchup, pts) = (
        col("GAME_ID"),
        col("TEAM_ABBREVIATION"),
        col("MATCHUP"),
        col("PTS"),
    );
    let mut out: BTreeMap<(String, String), (i64, bool)> = BTreeMap::new();
    for row in set["rowSet"].as_array().unwrap() {
        let key = (
            row[game].as_str().unwrap().to_string(),
            row[team].as_str().unwrap().to_string(),
        );
        let home = row[matchup].as_str().unwrap().contains(" vs. ");
        let e = out.entry(key).or_insert((0, home));
        e.0 += row[pts].as_i64().unwrap();
    }
    out
}

fn rows_of(log: &mut serde_json::Value) -> &mut Vec<serde_json::Value> {
    log["resultSets"][0]["rowSet"].as_array_mut().unwrap()
}

/// (game, team) -> (points, is_home) as `nbac_player_boxscores` holds them on a date.
async fn stored_sides(db: &Db, date: &str) -> BTreeMap<(String, String), (i64, bool)> {
    let rows = db
        .query(
            "SELECT game_id, team, CAST(SUM(points) AS BIGINT), MIN(CASE WHEN is_home THEN 1 ELSE 0 END), \
             MAX(CASE WHEN is_home THEN 1 ELSE 0 END) FROM nbac_player_boxscores WHERE game_date = $1 \
             GROUP BY game_id, team",
            &[date.into()],
        )
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            assert_eq!(r.i64(3), r.i64(4), "one is_home per team");
            (
                (r.text(0), r.text(1)),
                (r.i64(2).unwrap(), r.i64(3) == Some(1)),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_neutral_site_game_written_away_at_home_keeps_every_game_of_the_payload() {
    let Some(real) = archive_json("nbacom/leaguegamelog_player/2023-12-11.json") else {
        return;
    };
    // CHA vs. MIA (0022300292) written as a neutral-site game, "MIA @ CHA" on both teams' rows
    // (stats.nba.com does this for Mexico City, Paris and Las Vegas games).
    let mut neutral = real.clone();
    let mut rewritten = 0;
    for row in rows_of(&mut neutral) {
        if row[6] == "0022300292" && row[8] == "CHA vs. MIA" {
            row[8] = "MIA @ CHA".into();
            rewritten += 1;
        }
    }
    assert!(rewritten > 5, "the home team's rows were rewritten");
    let rows = rows_of(&mut real.clone()).len() as i64;
    for t in testing::all().await {
        let (store, db, who) = (&t.store, &t.store.db, t.label);
        put_archive(store, &["nbacom/schedule/2023-24.json"]).await;
        let day = "2023-12-11";
        let lg = ("nbacom", "leaguegamelog_player");
        put(
            store,
            lg.0,
            lg.1,
            day,
            "2023-12-11.json",
            neutral.to_string().as_bytes(),
        )
        .await;
        phase2(store, day, day).await;
        // Every row is written, the neutral game with its teams, its home team and its points
        // as the untouched payload has them; nothing is quarantined.
        let written = count(
            db,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM nbac_player_boxscores WHERE game_date = '2023-12-11'",
        )
        .await;
        assert_eq!(written, rows, "{who}");
        assert_eq!(stored_sides(db, day).await, sides(&real), "{who}");
        let unmatched = count(db, "SELECT CAST(COUNT(*) AS BIGINT) FROM unmatched_rows").await;
        assert_eq!(unmatched, 0, "{who}");
        let game = strings(
            db,
            "SELECT home_team, away_team, home_score, away_score, score_source FROM nbac_schedule WHERE game_id = '0022300292'",
        )
        .await;
        let s = sides(&real);
        let (cha, mia) = (
            s[&("0022300292".to_string(), "CHA".to_string())].0,
            s[&("0022300292".to_string(), "MIA".to_string())].0,
        );
        assert_eq!(
            game,
            [format!(
                "Text(\"CHA\") Text(\"MIA\") Int({cha}) Int({mia}) Text(\"boxscore\")"
            )],
            "{who}"
        );
        rerun_changes_nothing(store, day, day, "nbac_player_boxscores").await;
    }
}

#[tokio::test]
async fn a_row_at_minus_40_points_is_quarantined_and_no_final_score_is_corrupted() {
    let Some(real) = archive_json("nbacom/leaguegamelog_player/2023-12-12.json") else {
        return;
    };
    // One row at PTS = -40 (its game: 0022300305, BOS vs. CLE).
    let mut negative = real.clone();
    let bad_row = rows_of(&mut negative)
        .iter()
        .position(|r| r[6] == "0022300305" && r[28].as_i64().unwrap() > 0)
        .unwrap();
    let (bad_game, bad_player) = {
        let r = &mut rows_of(&mut negative)[bad_row];
        r[28] = (-40).into();
        (r[6].as_str().unwrap().to_string(), r[1].as_i64().unwrap())
    };
    let rows = rows_of(&mut real.clone()).len() as i64;
    for t in testing::all().await {
        let (store, db, who) = (&t.store, &t.store.db, t.label);
        put_archive(store, &["nbacom/schedule/2023-24.json"]).await;
        let day = "2023-12-12";
        let bad_sha = put(
            store,
            "nbacom",
            "leaguegamelog_player",
            day,
            "2023-12-12.json",
            negative.to_string().as_bytes(),
        )
        .await;
        phase2(store, day, day).await;
        // The row is quarantined with its field and reason, counted in the run; the rest are
        // written.
        let written = count(
            db,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM nbac_player_boxscores WHERE game_date = '2023-12-12'",
        )
        .await;
        assert_eq!(written, rows - 1, "{who}");
        let quarantined = strings(
            db,
            "SELECT payload_sha256, item, reason FROM unmatched_rows WHERE processor = 'nbac_player_boxscores'",
        )
        .await;
        let reason = format!(
            "nbacom/leaguegamelog_player payload 2023-12-12.json: field resultSets[0].rowSet[{bad_row}].PTS: -40 is outside 0..=150"
        );
        assert_eq!(
            quarantined,
            [format!(
                "Text({bad_sha:?}) Text(\"resultSets[0].rowSet[{bad_row}] (game {bad_game}, player {bad_player})\") Text({reason:?})"
            )],
            "{who}"
        );
        let unmatched_counted = count(
            db,
            "SELECT CAST(MAX(unmatched) AS BIGINT) FROM runs WHERE processor = 'nbac_player_boxscores' AND partition_key = '2023-12-12'",
        )
        .await;
        assert_eq!(unmatched_counted, 1, "{who}");
        // The team's final score is not corrupted: the sum lacks a player, so the game that
        // lost a row has no box-score score; the date's other games keep theirs.
        let scores = strings(
            db,
            "SELECT game_id, home_team, home_score, away_score FROM nbac_schedule WHERE game_date = '2023-12-12' ORDER BY game_id",
        )
        .await;
        let s = sides(&real);
        let expected: Vec<String> = scores
            .iter()
            .map(|line| {
                let game = line.split('"').nth(1).unwrap().to_string();
                let home = line.split('"').nth(3).unwrap().to_string();
                if game == bad_game {
                    return format!("Text({game:?}) Text({home:?}) Null Null");
                }
                let (h, a): (Vec<_>, Vec<_>) = s
                    .iter()
                    .filter(|((g, _), _)| *g == game)
                    .partition(|((_, t), _)| *t == home);
                format!(
                    "Text({game:?}) Text({home:?}) Int({}) Int({})",
                    h[0].1.0, a[0].1.0
                )
            })
            .collect();
        assert_eq!(scores.len(), 5, "{who}");
        assert_eq!(scores, expected, "{who}");
        rerun_changes_nothing(store, day, day, "nbac_player_boxscores").await;
    }
}

#[tokio::test]
async fn an_odds_event_without_id_attaches_to_its_game() {
    let rel =
        "oddsapi/player_props/2023-12-02/4da21f7ca5a39d289b4c37bc816e8dd6_20231202T210539Z.json";
    let Some(real) = archive_json(rel) else {
        return;
    };
    // As a CSV export rebuilt it: no id; the collector asked for the snapshot at the start, so
    // the snapshot time stands for commence_time.
    let mut noid = real.clone();
    let start = real["timestamp"].as_str().unwrap().to_string();
    let data = noid["data"].as_object_mut().unwrap();
    data.remove("id");
    data.insert("commence_time".into(), start.clone().into());
    for t in testing::all().await {
        let (store, db, who) = (&t.store, &t.store.db, t.label);
        put_archive(store, &["nbacom/schedule/2023-24.json", rel]).await;
        put(
            store,
            "oddsapi",
            "player_props/player_points_rebounds_assists",
            "2023-12-02",
            "2023-12-02/noid.json",
            noid.to_string().as_bytes(),
        )
        .await;
        phase2(store, "2023-12-01", "2023-12-02").await;
        let per_event = strings(
            db,
            "SELECT p.event_id, p.game_id, s.away_team, s.home_team, CAST(COUNT(*) AS BIGINT) FROM odds_player_props p \
             JOIN nbac_schedule s ON s.game_id = p.game_id GROUP BY p.event_id, p.game_id, s.away_team, s.home_team ORDER BY p.event_id",
        )
        .await;
        assert_eq!(per_event.len(), 2, "{who}: {per_event:?}");
        // The event without id: the same game and as many lines as the real event with its id.
        let rest = |line: &str| line.split_once(' ').unwrap().1.to_string();
        assert_eq!(rest(&per_event[0]), rest(&per_event[1]), "{who}");
        let stamp = start.replace(['-', ':'], "");
        assert_eq!(
            per_event[1].split_once(' ').unwrap().0,
            format!("Text(\"noid-{stamp}-GSW-at-LAC\")"),
            "{who}"
        );
        assert!(per_event[0].starts_with("Text(\"4da21f7c"), "{who}");
        assert!(
            per_event[0].contains("Text(\"GSW\") Text(\"LAC\")"),
            "{who}"
        );
        let unmatched = count(
            db,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM unmatched_rows WHERE processor = 'odds_player_props'",
        )
        .await;
        assert_eq!(unmatched, 0, "{who}");
    }
}
