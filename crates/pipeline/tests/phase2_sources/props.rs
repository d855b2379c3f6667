//! `bettingpros_player_props` from the real events of 2021-10-21 and the hand-made offers page,
//! plus a page whose event is not among the date's events.

use super::*;
use nba_props_store::testing;

const OFFERS: &str = include_str!("../../src/parse/fixtures/bettingpros_offers_handmade.json");

#[tokio::test]
async fn offers_attach_to_games_through_the_events_of_their_date() {
    let Some(events) = fixture("najicham/bp_events/raw_75470647.json") else {
        return;
    };
    let mut stray: serde_json::Value = serde_json::from_str(OFFERS).unwrap();
    stray["offers"][1]["event_id"] = 99999.into();
    let stray = stray.to_string();
    for t in testing::all().await {
        let (store, db, who) = (&t.store, &t.store.db, t.label);
        put_archive(
            store,
            &[
                "nbacom/schedule/2021-22.json",
                "nbacom/leaguegamelog_player/2021-10-21.json",
            ],
        )
        .await;
        let day = "2021-10-21";
        put(store, "bettingpros", "events", day, "events", &events).await;
        put(
            store,
            "bettingpros",
            "offers",
            day,
            "offers page 1",
            OFFERS.as_bytes(),
        )
        .await;
        let stray_sha = put(
            store,
            "bettingpros",
            "offers",
            day,
            "offers page 2",
            stray.as_bytes(),
        )
        .await;
        phase2(store, day, day).await;

        // Event 20879 is DAL @ ATL: the rows carry that game, as the schedule names it.
        let games = strings(
            db,
            "SELECT DISTINCT s.home_team, s.away_team, p.teams_swapped FROM bettingpros_player_props p \
             JOIN nbac_schedule s ON s.game_id = p.game_id",
        )
        .await;
        let no = if db.backend() == nba_props_store::Backend::Sqlite {
            "Int(0)"
        } else {
            "Bool(false)"
        };
        assert_eq!(
            games,
            [format!("Text(\"ATL\") Text(\"DAL\") {no}")],
            "{who}"
        );
        // Page 1: three lines of one player (consensus, a ladder at DraftKings), one of another;
        // page 2 repeats the first offer at its own capture time: a second snapshot.
        let lines = strings(
            db,
            "SELECT bp_player_id, bookmaker, book_id, line, over_price, under_price, opening_line, CAST(COUNT(*) AS BIGINT) \
             FROM bettingpros_player_props GROUP BY bp_player_id, bookmaker, book_id, line, over_price, under_price, opening_line \
             ORDER BY bp_player_id, book_id, line",
        )
        .await;
        assert_eq!(
            lines,
            [
                "Text(\"9001\") Text(\"consensus\") Int(0) Float(25.5) Int(-110) Int(-110) Float(24.5) Int(2)",
                "Text(\"9001\") Text(\"draftkings\") Int(12) Float(25.5) Int(-115) Int(-105) Float(24.5) Int(2)",
                "Text(\"9001\") Text(\"draftkings\") Int(12) Float(26.5) Int(105) Int(-125) Float(24.5) Int(2)",
                "Text(\"9002\") Null Int(99) Float(19.5) Int(-120) Null Null Int(1)",
            ],
            "{who}"
        );
        let snapshots = count(
            db,
            "SELECT CAST(COUNT(DISTINCT snapshot_at) AS BIGINT) FROM bettingpros_player_props",
        )
        .await;
        assert_eq!(snapshots, 2, "{who}");
        let unmatched = strings(db, "SELECT payload_sha256, item, reason FROM unmatched_rows WHERE processor = 'bettingpros_player_props'").await;
        assert_eq!(
            unmatched,
            [format!(
                "Text({stray_sha:?}) Text(\"event 99999\") Text(\"event 99999 is not in the BettingPros events of 2021-10-21\")"
            )],
            "{who}"
        );
        rerun_changes_nothing(store, day, day, "bettingpros_player_props").await;
    }
}
