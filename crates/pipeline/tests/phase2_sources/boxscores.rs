//! `nbac_game_boxscores` from the real v3 and CDN box scores.

use super::*;
use nba_props_store::testing;

const V3: &str = "nba_api/boxscoretraditionalv3__EndPeriod=0_EndRange=0_GameID=0022200552_RangeType=0_StartPeriod=0_StartRange=0.json";
const CDN: &str = "pbpstats/tests/data/game_details/live_0022000001.json";

#[tokio::test]
async fn per_game_box_scores_list_every_player_and_agree_with_leaguegamelog() {
    let (Some(v3), Some(cdn)) = (fixture(V3), fixture(CDN)) else {
        return;
    };
    for t in testing::all().await {
        let (store, db, who) = (&t.store, &t.store.db, t.label);
        put_archive(
            store,
            &[
                "nbacom/schedule/2022-23.json",
                "nbacom/leaguegamelog_player/2023-01-02.json",
            ],
        )
        .await;
        put(
            store,
            "nbacom",
            "boxscoretraditionalv3",
            "2023-01-02",
            V3,
            &v3,
        )
        .await;
        put(store, "nbacom", "cdn_boxscore", "2020-12-22", CDN, &cdn).await;
        // The same CDN capture stored under the wrong date is reported, not written there.
        let wrong = put(store, "nbacom", "cdn_boxscore", "2020-12-23", CDN, &cdn).await;
        phase2(store, "2023-01-02", "2023-01-02").await;
        phase2(store, "2020-12-22", "2020-12-23").await;

        // Both rosters, played or not; CHI @ CLE 134-145 after overtime.
        let teams = strings(
            db,
            "SELECT team, CAST(COUNT(*) AS BIGINT), CAST(SUM(points) AS BIGINT), MIN(team_points), \
             CAST(SUM(CASE WHEN played THEN 1 ELSE 0 END) AS BIGINT), CAST(SUM(CASE WHEN starter THEN 1 ELSE 0 END) AS BIGINT) \
             FROM nbac_game_boxscores WHERE game_id = '0022200552' GROUP BY team ORDER BY team",
        )
        .await;
        assert_eq!(
            teams,
            [
                "Text(\"CHI\") Int(12) Int(134) Int(134) Int(10) Int(5)",
                "Text(\"CLE\") Int(11) Int(145) Int(145) Int(9) Int(5)"
            ],
            "{who}"
        );
        // Player by player the v3 box score equals the leaguegamelog row of the same game.
        let agree = count(
            db,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM nbac_game_boxscores g JOIN nbac_player_boxscores l \
             ON l.game_id = g.game_id AND l.player_id = g.player_id \
             WHERE g.points = l.points AND g.fga = l.fga AND g.reb = l.reb AND g.ast = l.ast AND g.team = l.team \
             AND g.is_home = l.is_home AND g.game_date = l.game_date",
        )
        .await;
        let played = count(db, "SELECT CAST(COUNT(*) AS BIGINT) FROM nbac_game_boxscores WHERE game_id = '0022200552' AND played").await;
        let logged = count(db, "SELECT CAST(COUNT(*) AS BIGINT) FROM nbac_player_boxscores WHERE game_id = '0022200552'").await;
        assert_eq!((agree, played, logged), (19, 19, 19), "{who}");
        let dnp = strings(
            db,
            "SELECT dnp_reason, minutes FROM nbac_game_boxscores WHERE player_id = 1630600",
        )
        .await;
        assert_eq!(dnp, ["Text(\"DNP - Coach's Decision\") Null"], "{who}");

        // The CDN serving: its own source, status and the inactive players' reasons.
        let cdn_rows = strings(
            db,
            "SELECT source, game_status, game_date, CAST(COUNT(*) AS BIGINT), CAST(SUM(points) AS BIGINT) \
             FROM nbac_game_boxscores WHERE game_id = '0022000001' GROUP BY source, game_status, game_date",
        )
        .await;
        assert_eq!(
            cdn_rows,
            ["Text(\"cdn_boxscore\") Text(\"final\") Text(\"2020-12-22\") Int(34) Int(224)"],
            "{who}"
        );
        let unmatched = strings(
            db,
            "SELECT partition_key, payload_sha256, reason FROM unmatched_rows WHERE processor = 'nbac_game_boxscores'",
        )
        .await;
        assert_eq!(
            unmatched,
            [format!(
                "Text(\"2020-12-23\") Text({wrong:?}) Text(\"the box score says the game is on 2020-12-22, it was stored under 2020-12-23\")"
            )],
            "{who}"
        );
        rerun_changes_nothing(store, "2023-01-02", "2023-01-02", "nbac_game_boxscores").await;
    }
}
