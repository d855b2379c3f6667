//! `nbac_player_movement` and `nbac_player_list` from the real captures (the movement file of
//! 2025-07-16 and a 2025-26 player list), stored as phase 1 stores them.

use super::*;
use nba_props_store::testing;
use std::collections::BTreeSet;
use std::io::Read;

fn movement_json() -> Option<Vec<u8>> {
    let gz = fixture("najicham/nbac_player_movement/raw_1ecdb80d.json.gz")?;
    let mut body = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut body)
        .unwrap();
    Some(body)
}

/// A payload with the capture time it states.
async fn put_captured(store: &Store, dataset: &str, partition: &str, at: &str, bytes: &[u8]) {
    let (sha256, _) = store.raw.put(bytes).unwrap();
    let meta = RawMeta {
        source: "nbacom".into(),
        dataset: dataset.into(),
        partition_key: partition.into(),
        sha256,
        bytes: bytes.len() as i64,
        origin_path: format!("test {dataset} {at}"),
        origin: None,
        captured_at: Some(at.into()),
        fetched_at: at.into(),
        http_status: Some(200),
        build: "test".into(),
    };
    raw::record(&store.db, &meta).await.unwrap();
}

#[tokio::test]
async fn each_date_holds_the_player_transactions_of_that_date() {
    let Some(body) = movement_json() else {
        return;
    };
    // What the file says, read without the parser: distinct player transactions per date.
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let on = |date: &str| -> BTreeSet<String> {
        v["NBA_Player_Movement"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["TRANSACTION_DATE"].as_str().unwrap().starts_with(date))
            .filter(|r| r["PLAYER_ID"].as_f64().unwrap() != 0.0)
            .map(|r| {
                let team = nba_props_core::Team::from_id(r["TEAM_ID"].as_f64().unwrap() as i64);
                format!(
                    "{} {} {}",
                    r["PLAYER_ID"].as_f64().unwrap() as i64,
                    team.unwrap().tricode(),
                    r["TRANSACTION_DESCRIPTION"].as_str().unwrap()
                )
            })
            .collect()
    };
    for t in testing::all().await {
        let (store, db, who) = (&t.store, &t.store.db, t.label);
        put(
            store,
            "nbacom",
            "player_movement",
            "2023-24",
            "movement",
            &body,
        )
        .await;
        phase2(store, "2023-10-31", "2023-11-01").await;
        for date in ["2023-10-31", "2023-11-01"] {
            let got: BTreeSet<String> = db
                .query(
                    "SELECT player_id, team, description FROM nbac_player_movement WHERE transaction_date = $1",
                    &[date.into()],
                )
                .await
                .unwrap()
                .iter()
                .map(|r| format!("{} {} {}", r.i64(0).unwrap(), r.text(1), r.text(2)))
                .collect();
            assert_eq!(got, on(date), "{who} {date}");
        }
        assert_eq!(on("2023-11-01").len(), 11, "the Harden trade and its day");
        let harden = strings(
            db,
            "SELECT team, direction FROM nbac_player_movement WHERE player_id = 201935",
        )
        .await;
        assert_eq!(harden, [r#"Text("LAC") Text("joins")"#], "{who}");
        rerun_changes_nothing(store, "2023-10-31", "2023-11-01", "nbac_player_movement").await;
    }
}

#[tokio::test]
async fn a_player_list_lands_on_its_capture_date_and_a_bad_row_is_set_aside() {
    let Some(list) = fixture("najicham/nbac_player_list/raw_7af00b51.json") else {
        return;
    };
    let mut v: serde_json::Value = serde_json::from_slice(&list).unwrap();
    let listed = v["resultSets"][0]["rowSet"].as_array().unwrap().len();
    // A second capture the same evening with one row naming no NBA team.
    let mut bad = v["resultSets"][0]["rowSet"][0].clone();
    bad[0] = 1.into();
    bad[4] = 7.into();
    v["resultSets"][0]["rowSet"]
        .as_array_mut()
        .unwrap()
        .push(bad);
    let later = serde_json::to_vec(&v).unwrap();
    for t in testing::all().await {
        let (store, db, who) = (&t.store, &t.store.db, t.label);
        // 15:00Z is 10:00 in New York; 02:00Z the next day is still 2025-11-03 there.
        put_captured(
            store,
            "player_list",
            "2025-26",
            "2025-11-03T15:00:00Z",
            &list,
        )
        .await;
        put_captured(
            store,
            "player_list",
            "2025-26",
            "2025-11-04T02:00:00Z",
            &later,
        )
        .await;
        phase2(store, "2025-11-02", "2025-11-04").await;
        let per_day = strings(
            db,
            "SELECT captured_on, captured_at, CAST(COUNT(*) AS BIGINT) FROM nbac_player_list \
             GROUP BY captured_on, captured_at ORDER BY captured_at",
        )
        .await;
        let n = listed as i64;
        assert_eq!(
            per_day,
            [
                format!(r#"Text("2025-11-03") Text("2025-11-03T15:00:00Z") Int({n})"#),
                format!(r#"Text("2025-11-03") Text("2025-11-04T02:00:00Z") Int({n})"#),
            ],
            "{who}"
        );
        let set_aside = strings(
            db,
            "SELECT partition_key, reason FROM unmatched_rows WHERE processor = 'nbac_player_list'",
        )
        .await;
        assert_eq!(set_aside.len(), 1, "{who} {set_aside:?}");
        assert!(
            set_aside[0].contains("2025-11-03") && set_aside[0].contains("TEAM_ID"),
            "{who} {set_aside:?}"
        );
    }
}
