//! `game_lines` from live sources on 2024-01-24, beside the SBR archive: The Odds API's real
//! captures of ATL @ GSW (one with the spreads and totals of two books, one with their
//! moneylines, both taken at 03:55:40Z, after the 03:20:30Z tip-off), ESPN's pickcenter (the
//! hand-made summary re-teamed as PHX @ DAL; the corpus has no real pickcenter), and the choice
//! phase 3 makes among them.

use super::*;
use nba_props_store::testing;

const HANDMADE: &str = include_str!("../../src/parse/fixtures/espn_summary_handmade.json");
const DAY: &str = "2024-01-24";
/// Before the fixtures' event tips off at 2024-01-25T03:20:30Z.
const BEFORE_TIP: &str = "2024-01-25T02:00:00Z";

/// Stores a capture of the live endpoint (no envelope, so no stated snapshot time) fetched at
/// `fetched_at`.
async fn put_live(store: &Store, bytes: &[u8], fetched_at: &str) -> String {
    let (sha256, _) = store.raw.put(bytes).unwrap();
    let meta = RawMeta {
        source: "oddsapi".into(),
        dataset: "game_lines".into(),
        partition_key: DAY.into(),
        sha256: sha256.clone(),
        bytes: bytes.len() as i64,
        origin_path: format!("live game lines at {fetched_at}"),
        origin: None,
        captured_at: None,
        fetched_at: fetched_at.into(),
        http_status: Some(200),
        build: "test".into(),
    };
    raw::record(&store.db, &meta).await.unwrap();
    sha256
}

/// Every phase 2 and 3 processor over `DAY`.
async fn phases_2_and_3(store: &Store) {
    let ctx = Arc::new(Ctx::new(store.clone()));
    let day = GameDate::parse(DAY).unwrap();
    let summary = backfill(ctx, processors_for(2..=3), day, day, 1, &|_| {}).await;
    assert!(
        summary.ok(),
        "{:?} {:?}",
        summary.failures,
        summary.bad_payloads
    );
}

/// The median as the issue defines the consensus, computed here from the payload's outcomes.
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Each book's value of `market` for the outcome named `name` (`point` or `price`).
fn outcomes(event: &serde_json::Value, market: &str, name: &str, field: &str) -> Vec<f64> {
    let mut found = Vec::new();
    for book in event["bookmakers"].as_array().unwrap() {
        for m in book["markets"].as_array().unwrap() {
            if m["key"] == market {
                for o in m["outcomes"].as_array().unwrap() {
                    if o["name"] == name {
                        found.push(o[field].as_f64().unwrap());
                    }
                }
            }
        }
    }
    found
}

async fn one_f64(db: &Db, sql: &str) -> Option<f64> {
    db.query(sql, &[]).await.unwrap()[0].f64(0)
}

#[tokio::test]
async fn live_game_lines_are_the_books_before_tip_off_their_median_and_espn_as_fallback() {
    let (Some(lines), Some(moneylines)) = (
        fixture("najicham/oddsa_game_lines_his/raw_b722994c.json"),
        fixture("najicham/odds_api_historical_game_lines/raw_9221b91f.json"),
    ) else {
        return;
    };
    let envelope: serde_json::Value = serde_json::from_slice(&lines).unwrap();
    let ml_envelope: serde_json::Value = serde_json::from_slice(&moneylines).unwrap();
    // The live endpoint returns the events without the historical envelope.
    let live_lines = serde_json::Value::Array(vec![envelope["data"].clone()]).to_string();
    let live_moneylines = serde_json::Value::Array(vec![ml_envelope["data"].clone()]).to_string();
    let event = &envelope["data"];
    let home = event["home_team"].as_str().unwrap();

    let mut summary: serde_json::Value = serde_json::from_str(HANDMADE).unwrap();
    summary["header"]["id"] = "900000003".into();
    let competition = &mut summary["header"]["competitions"][0];
    competition["date"] = "2024-01-25T01:30Z".into();
    competition["competitors"][0]["team"]["abbreviation"] = "DAL".into();
    competition["competitors"][1]["team"]["abbreviation"] = "PHX".into();
    summary["boxscore"]["players"][0]["team"]["abbreviation"] = "PHX".into();
    summary["boxscore"]["players"][1]["team"]["abbreviation"] = "DAL".into();
    summary["pickcenter"][0]["details"] = "DAL -4.5".into();
    let summary = summary.to_string();

    for t in testing::all().await {
        let (store, db, who) = (&t.store, &t.store.db, t.label);
        put_archive(
            store,
            &[
                "nbacom/schedule/2023-24.json",
                "sbr/game_lines/2023-24.csv",
                "nbacom/leaguegamelog_player/2024-01-24.json",
            ],
        )
        .await;
        put(
            store,
            "espn",
            "summary",
            DAY,
            "summary PHX @ DAL",
            summary.as_bytes(),
        )
        .await;

        // Only captures taken after tip-off (in-game lines): none of them is used.
        put(
            store,
            "oddsapi",
            "game_lines",
            DAY,
            "historical lines",
            &lines,
        )
        .await;
        put(
            store,
            "oddsapi",
            "game_lines",
            DAY,
            "historical moneylines",
            &moneylines,
        )
        .await;
        phases_2_and_3(store).await;
        let in_game = count(
            db,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM game_lines WHERE source = 'oddsapi'",
        )
        .await;
        assert_eq!(in_game, 0, "{who}: a line captured after tip-off was used");

        // The same books captured before tip-off: each book's row and their median.
        let pre_lines = put_live(store, live_lines.as_bytes(), BEFORE_TIP).await;
        let pre_moneylines = put_live(store, live_moneylines.as_bytes(), BEFORE_TIP).await;
        phases_2_and_3(store).await;
        let books = strings(
            db,
            "SELECT l.bookmaker, l.payload_sha256 FROM game_lines l JOIN nbac_schedule s ON s.game_id = l.game_id \
             WHERE l.source = 'oddsapi' AND s.home_team = 'GSW' AND s.away_team = 'ATL' ORDER BY l.bookmaker",
        )
        .await;
        let newest = pre_lines.clone().max(pre_moneylines.clone());
        assert_eq!(
            books,
            [
                format!("Text(\"consensus\") Text({newest:?})"),
                format!("Text(\"draftkings\") Text({newest:?})"),
                format!("Text(\"fanduel\") Text({newest:?})"),
            ],
            "{who}: every book from the captures before tip-off, none from after"
        );
        let consensus = |column: &str| {
            format!(
                "SELECT {column} FROM game_lines WHERE source = 'oddsapi' AND bookmaker = 'consensus'"
            )
        };
        let spread = median(outcomes(event, "spreads", home, "point"));
        let total = median(outcomes(event, "totals", "Over", "point"));
        assert_eq!(
            one_f64(db, &consensus("home_spread")).await,
            Some(spread),
            "{who}"
        );
        assert_eq!(one_f64(db, &consensus("total")).await, Some(total), "{who}");
        // Moneylines: the median of the books' decimal prices, written as a whole American price.
        let decimal = median(outcomes(&ml_envelope["data"], "h2h", home, "price"));
        let american = if decimal >= 2.0 {
            ((decimal - 1.0) * 100.0).round()
        } else {
            (-100.0 / (decimal - 1.0)).round()
        };
        let home_ml = db.query(&consensus("home_moneyline"), &[]).await.unwrap()[0].i64(0);
        assert_eq!(home_ml, Some(american as i64), "{who}");

        // PHX @ DAL has only ESPN's lines: it gets them, each provider and their median.
        let espn = count(
            db,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM game_lines l JOIN espn_game_lines e \
             ON e.game_id = l.game_id AND e.provider = l.bookmaker \
             WHERE l.source = 'espn' AND (l.total = e.total OR (l.total IS NULL AND e.total IS NULL))",
        )
        .await;
        let providers = count(db, "SELECT CAST(COUNT(*) AS BIGINT) FROM espn_game_lines").await;
        assert!(providers > 0, "{who}");
        assert_eq!(espn, providers, "{who}");
        let espn_spreads: Vec<f64> = db
            .query(
                "SELECT home_spread FROM espn_game_lines WHERE home_spread IS NOT NULL",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .filter_map(|r| r.f64(0))
            .collect();
        assert_eq!(
            one_f64(
                db,
                "SELECT home_spread FROM game_lines WHERE source = 'espn' AND bookmaker = 'consensus'"
            )
            .await,
            Some(median(espn_spreads)),
            "{who}"
        );

        // Phase 3: one line per game, by preference, with its source named.
        let chosen = strings(
            db,
            "SELECT c.team, c.line_source, c.spread, c.total FROM upcoming_team_game_context c \
             WHERE c.team IN ('GSW', 'DAL', 'WAS') ORDER BY c.team",
        )
        .await;
        let sbr = db
            .query(
                "SELECT l.home_spread, l.total FROM game_lines l JOIN nbac_schedule s ON s.game_id = l.game_id \
                 WHERE l.source = 'sbr' AND s.home_team = 'WAS'",
                &[],
            )
            .await
            .unwrap();
        let (sbr_spread, sbr_total) = (sbr[0].f64(0).unwrap(), sbr[0].f64(1).unwrap());
        let espn_total = one_f64(
            db,
            "SELECT total FROM game_lines WHERE source = 'espn' AND bookmaker = 'consensus'",
        )
        .await
        .unwrap();
        let espn_spread = one_f64(
            db,
            "SELECT home_spread FROM game_lines WHERE source = 'espn' AND bookmaker = 'consensus'",
        )
        .await
        .unwrap();
        assert_eq!(
            chosen,
            [
                format!(
                    "Text(\"DAL\") Text(\"espn\") Float({espn_spread:?}) Float({espn_total:?})"
                ),
                format!("Text(\"GSW\") Text(\"oddsapi\") Float({spread:?}) Float({total:?})"),
                format!("Text(\"WAS\") Text(\"sbr\") Float({sbr_spread:?}) Float({sbr_total:?})"),
            ],
            "{who}: The Odds API over ESPN over SBR"
        );
        rerun_changes_nothing(store, DAY, DAY, "game_lines").await;
    }
}
