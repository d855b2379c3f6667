//! `espn_scoreboard`, `espn_player_boxscores` and `espn_game_lines` on 2024-01-15: the real
//! scoreboard, a summary rebuilt from the real ESPN game page of HOU @ PHI, and the hand-made
//! summary (once as it is, matching no game, once re-teamed as GS @ MEM with ESPN naming GS at
//! home, the other way round from the schedule).

use super::*;
use nba_props_store::testing;
use std::io::Read;

const HANDMADE: &str = include_str!("../../src/parse/fixtures/espn_summary_handmade.json");

#[tokio::test]
async fn espn_games_box_scores_and_lines_attach_to_the_schedule_and_agree_with_its_scores() {
    let (Some(board), Some(page)) = (
        fixture("najicham/espn_scoreboard_api/raw_92de7c9a.json"),
        fixture("najicham/espn_game_boxscore/raw_6f34c64b.html.gz"),
    ) else {
        return;
    };
    let mut html = String::new();
    flate2::read::GzDecoder::new(&page[..])
        .read_to_string(&mut html)
        .unwrap();
    let rebuilt = testdata::espn_summary_from_game_page(&html).to_string();
    let mut swapped: serde_json::Value = serde_json::from_str(HANDMADE).unwrap();
    swapped["header"]["id"] = "900000002".into();
    swapped["header"]["competitions"][0]["competitors"][1]["team"]["abbreviation"] = "MEM".into();
    swapped["boxscore"]["players"][0]["team"]["abbreviation"] = "MEM".into();
    let swapped = swapped.to_string();
    for t in testing::all().await {
        let (store, db, who) = (&t.store, &t.store.db, t.label);
        put_archive(
            store,
            &[
                "nbacom/schedule/2023-24.json",
                "nbacom/leaguegamelog_player/2024-01-15.json",
            ],
        )
        .await;
        let day = "2024-01-15";
        put(store, "espn", "scoreboard", day, "scoreboard", &board).await;
        put(
            store,
            "espn",
            "summary",
            day,
            "summary 401585183",
            rebuilt.as_bytes(),
        )
        .await;
        let nowhere = put(
            store,
            "espn",
            "summary",
            day,
            "summary 900000001",
            HANDMADE.as_bytes(),
        )
        .await;
        put(
            store,
            "espn",
            "summary",
            day,
            "summary 900000002",
            swapped.as_bytes(),
        )
        .await;
        phase2(store, day, day).await;

        // Eleven events, each on a schedule game, with the schedule's (box-score) final score.
        let agree = count(
            db,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM espn_scoreboard e JOIN nbac_schedule s ON s.game_id = e.game_id \
             WHERE e.home_team = s.home_team AND e.home_score = s.home_score AND e.away_score = s.away_score \
             AND s.game_date = '2024-01-15' AND e.status = 'final' AND NOT e.teams_swapped",
        )
        .await;
        assert_eq!(agree, 11, "{who}");
        // The rebuilt box score: every player row of PHI and HOU adds up to the schedule's score.
        let sums = strings(
            db,
            "SELECT b.team, CAST(SUM(b.points) AS BIGINT), CAST(COUNT(*) AS BIGINT), \
             CAST(SUM(CASE WHEN b.played THEN 0 ELSE 1 END) AS BIGINT), \
             MIN(CASE WHEN b.is_home THEN s.home_score ELSE s.away_score END) \
             FROM espn_player_boxscores b JOIN nbac_schedule s ON s.game_id = b.game_id \
             WHERE b.event_id = '401585183' GROUP BY b.team ORDER BY b.team",
        )
        .await;
        assert_eq!(
            sums,
            [
                "Text(\"HOU\") Int(115) Int(14) Int(2) Int(115)",
                "Text(\"PHI\") Int(124) Int(11) Int(0) Int(124)"
            ],
            "{who}"
        );
        // And equals the leaguegamelog's players' points of the same game.
        let nbac = strings(
            db,
            "SELECT team, CAST(SUM(points) AS BIGINT) FROM nbac_player_boxscores \
             WHERE game_date = '2024-01-15' AND team IN ('HOU', 'PHI') GROUP BY team ORDER BY team",
        )
        .await;
        assert_eq!(
            nbac,
            ["Text(\"HOU\") Int(115)", "Text(\"PHI\") Int(124)"],
            "{who}"
        );

        // GS @ MEM as the schedule has it, although ESPN named GS at home: the line "GS -4.5"
        // makes MEM, the home team, +4.5, and the moneylines follow their teams.
        let lines = strings(
            db,
            "SELECT l.provider, l.home_team, l.away_team, l.home_spread, l.home_moneyline, l.away_moneyline, \
             l.home_spread_price, l.teams_swapped FROM espn_game_lines l ORDER BY l.provider",
        )
        .await;
        let t = if db.backend() == nba_props_store::Backend::Sqlite {
            "Int(1)"
        } else {
            "Bool(true)"
        };
        assert_eq!(
            lines,
            [
                format!(
                    "Text(\"DraftKings\") Text(\"MEM\") Text(\"GSW\") Float(4.5) Int(160) Int(-190) Int(-112) {t}"
                ),
                format!("Text(\"Other Book\") Text(\"MEM\") Text(\"GSW\") Null Null Null Null {t}"),
            ],
            "{who}"
        );
        let mem = strings(
            db,
            "SELECT team, opponent, is_home FROM espn_player_boxscores WHERE event_id = '900000002' ORDER BY team, espn_player_id",
        )
        .await;
        assert_eq!(mem.len(), 3, "{who}");
        assert!(
            mem[0].starts_with("Text(\"GSW\") Text(\"MEM\")")
                && mem[2].starts_with("Text(\"MEM\") Text(\"GSW\")"),
            "{who}: {mem:?}"
        );
        // The unaltered hand-made summary names a game that did not happen that day.
        let unmatched = strings(db, "SELECT processor, payload_sha256, reason FROM unmatched_rows WHERE processor LIKE 'espn%'").await;
        assert_eq!(
            unmatched,
            [format!(
                "Text(\"espn_summaries\") Text({nowhere:?}) Text(\"no game between UTA and GSW on 2024-01-15 in nbac_schedule\")"
            )],
            "{who}"
        );
        rerun_changes_nothing(store, day, day, "espn_summaries").await;
    }
}
