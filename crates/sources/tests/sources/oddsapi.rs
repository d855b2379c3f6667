//! The Odds API: events, event odds per player market, game lines, live and historical, quota.

use crate::fixtures;
use crate::support::*;
use nba_props_sources::SourceError;
use wiremock::matchers::{path, path_regex, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const EVENTS_HIS: &str = "najicham/oddsa_events_his/raw_4c3bc8f6.json";
const ODDS_HIS: &str = "najicham/oddsa_player_props_his/raw_815b3ee3.json";

fn json(body: &[u8], remaining: u64, used: u64) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_raw(body.to_vec(), "application/json")
        .insert_header("x-requests-remaining", remaining.to_string().as_str())
        .insert_header("x-requests-used", used.to_string().as_str())
}

#[tokio::test]
async fn historical_events_are_stored_with_their_snapshot_time_and_no_key() {
    let (body,) = fixtures!(EVENTS_HIS);
    let server = MockServer::start().await;
    Mock::given(path("/v4/historical/sports/basketball_nba/events"))
        .and(query_param("apiKey", "test-odds-key"))
        .and(query_param("date", "2024-01-24T22:00:00Z"))
        .and(query_param("commenceTimeFrom", "2024-01-24T05:00:00Z"))
        .and(query_param("commenceTimeTo", "2024-01-25T05:00:00Z"))
        .respond_with(json(&body, 19_000, 1_000))
        .expect(1)
        .mount(&server)
        .await;
    let t = db().await;
    let mut c = config(&server.uri());
    c.odds.historical = Some(true);
    let s = sources(c);
    let r = s
        .scrape(&t.store, "oddsapi.events", date("2024-01-24"))
        .await
        .unwrap();
    assert_stored(&t, &r.stored[0], "oddsapi", "events", "2024-01-24", &body).await;
    let meta = &rows(&t, "oddsapi", "events", "2024-01-24").await[0];
    assert!(
        !meta.origin_path.contains("test-odds-key"),
        "{}",
        meta.origin_path
    );
    assert!(meta.origin_path.contains("apiKey=REDACTED"));
    assert_eq!(meta.captured_at.as_deref(), Some("2024-01-25T03:55:40Z"));
    let q = r.odds_quota.unwrap();
    assert_eq!((q.remaining, q.used), (19_000, Some(1_000)));
}

#[tokio::test]
async fn historical_player_props_partitioned_by_utc_commence_date() {
    let (events, odds) = fixtures!(EVENTS_HIS, ODDS_HIS);
    let server = MockServer::start().await;
    Mock::given(path("/v4/historical/sports/basketball_nba/events"))
        .respond_with(json(&events, 10_000, 0))
        .mount(&server)
        .await;
    // The corpus's only historical event-odds capture (named player_props_his, it holds the
    // spreads market: see the report); served for every event.
    Mock::given(path_regex(
        r"^/v4/historical/sports/basketball_nba/events/[0-9a-f]{32}/odds$",
    ))
    .and(query_param("markets", "player_points"))
    .and(query_param("oddsFormat", "american"))
    .and(query_param("regions", "us"))
    .respond_with(json(&odds, 9_990, 10))
    .expect(10)
    .mount(&server)
    .await;
    let t = db().await;
    let mut c = config(&server.uri());
    c.odds.historical = Some(true);
    let s = sources(c);
    let r = s
        .scrape(&t.store, "oddsapi.player_props", date("2024-01-24"))
        .await
        .unwrap();
    assert_eq!(r.stored.len(), 11, "events + one payload per event");
    let parts: Vec<_> = r.stored[1..].iter().map(|s| s.partition.as_str()).collect();
    assert_eq!(parts.iter().filter(|p| **p == "2024-01-25").count(), 3);
    assert_eq!(parts.iter().filter(|p| **p == "2024-01-26").count(), 7);
    assert_stored(
        &t,
        &r.stored[1],
        "oddsapi",
        "player_props/player_points",
        "2024-01-25",
        &odds,
    )
    .await;
    assert_eq!(
        rows(&t, "oddsapi", "player_props/player_points", "2024-01-26")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn live_player_props_from_the_kyleair_capture() {
    let (events, orl, bkn) = fixtures!(
        "kyleair/mockGamesResponse.json",
        "kyleair/mockOrlandoVsCleveland.json",
        "kyleair/mockBrooklynVsToronto.json"
    );
    let bkn_id = serde_json::from_slice::<serde_json::Value>(&bkn).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let server = MockServer::start().await;
    Mock::given(path("/v4/sports/basketball_nba/events"))
        .respond_with(json(&events, 500, 0))
        .mount(&server)
        .await;
    Mock::given(path(
        "/v4/sports/basketball_nba/events/f54c4a22568ce9dc33fb410d1b0e75e9/odds",
    ))
    .respond_with(json(&orl, 499, 1))
    .mount(&server)
    .await;
    Mock::given(path(format!(
        "/v4/sports/basketball_nba/events/{bkn_id}/odds"
    )))
    .respond_with(json(&bkn, 498, 2))
    .mount(&server)
    .await;
    // Every other event answers 404 (as the API does for an event that is gone).
    let t = db().await;
    let mut c = config(&server.uri());
    c.odds.historical = Some(false);
    let s = sources(c);
    let r = s
        .scrape(&t.store, "oddsapi.player_props", date("2024-02-22"))
        .await
        .unwrap();
    assert_eq!(r.stored.len(), 3, "{:?}", r.notes);
    assert_eq!(r.notes.len(), 19);
    assert!(r.notes[0].contains("HTTP 404") && r.notes[0].contains("player_props/player_points"));
    assert!(r.notes.iter().all(|n| !n.contains("test-odds-key")));
    assert_stored(
        &t,
        &r.stored[1],
        "oddsapi",
        "player_props/player_points",
        "2024-02-23",
        &orl,
    )
    .await;
}

#[tokio::test]
async fn game_lines_for_a_date() {
    let (body,) = fixtures!("najicham/oddsa_game_lines_his/raw_b722994c.json");
    let server = MockServer::start().await;
    Mock::given(path("/v4/historical/sports/basketball_nba/odds"))
        .and(query_param("markets", "h2h,spreads,totals"))
        .respond_with(json(&body, 1_000, 30))
        .expect(1)
        .mount(&server)
        .await;
    let t = db().await;
    let mut c = config(&server.uri());
    c.odds.historical = Some(true);
    let s = sources(c);
    let r = s
        .scrape(&t.store, "oddsapi.game_lines", date("2024-01-24"))
        .await
        .unwrap();
    assert_stored(
        &t,
        &r.stored[0],
        "oddsapi",
        "game_lines",
        "2024-01-24",
        &body,
    )
    .await;
}

#[tokio::test]
async fn quota_below_the_reserve_stops_before_the_next_request() {
    let (events,) = fixtures!(EVENTS_HIS);
    let server = MockServer::start().await;
    Mock::given(path("/v4/historical/sports/basketball_nba/events"))
        .respond_with(json(&events, 55, 445))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path_regex("/odds$"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let t = db().await;
    let mut c = config(&server.uri());
    c.odds.historical = Some(true);
    c.odds.quota_reserve = 50;
    let s = sources(c);
    let e = s
        .scrape(&t.store, "oddsapi.player_props", date("2024-01-24"))
        .await
        .unwrap_err();
    match &e {
        SourceError::QuotaReserve {
            remaining,
            cost,
            reserve,
            used,
            ..
        } => {
            assert_eq!(
                (*remaining, *cost, *reserve, *used),
                (55, 10, 50, Some(445))
            );
        }
        other => panic!("expected a quota error, got {other}"),
    }
    let msg = e.to_string();
    assert!(
        msg.contains("reserve") && msg.contains("player_props/player_points"),
        "{msg}"
    );
    assert_eq!(s.odds_quota().unwrap().remaining, 55);
    // The events payload fetched before the stop is kept.
    assert_eq!(rows(&t, "oddsapi", "events", "2024-01-24").await.len(), 1);
    // And the next scrape is refused without any request at all.
    let e = s
        .scrape(&t.store, "oddsapi.game_lines", date("2024-01-24"))
        .await
        .unwrap_err();
    assert!(matches!(e, SourceError::QuotaReserve { .. }), "{e}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_missing_key_names_the_variable() {
    let server = MockServer::start().await;
    let t = db().await;
    let mut c = config(&server.uri());
    c.odds.api_key = None;
    let e = sources(c)
        .scrape(&t.store, "oddsapi.events", date("2024-01-24"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("NBA_PROPS_ODDS_API_KEY"), "{e}");
    assert!(server.received_requests().await.unwrap().is_empty());
}
