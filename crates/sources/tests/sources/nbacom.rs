//! nba.com scrapers against real captures: CDN schedule (pbpstats live_nba_2023), stats
//! leaguegamelog (najicham player capture, nba_api team cassette), boxscoretraditionalv3 (nba_api),
//! CDN live box score (pbpstats), injury-report PDFs (lucasb19).

use crate::fixtures;
use crate::support::*;
use nba_props_sources::SourceError;
use nba_props_sources::nbacom::{game_ids_on, injury_report_file};
use wiremock::matchers::{header, header_regex, method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SCHEDULE: &str = "pbpstats/tests/data/schedule/live_nba_2023.json";
const CDN_BOX: &str = "pbpstats/tests/data/game_details/live_0022000001.json";
const V3_BOX: &str = "nba_api/boxscoretraditionalv3__EndPeriod=0_EndRange=0_GameID=0022200552_RangeType=0_StartPeriod=0_StartRange=0.json";

fn json(body: &[u8]) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.to_vec(), "application/json")
}

#[tokio::test]
async fn schedule_comes_from_the_cdn_partitioned_by_season() {
    let (sched,) = fixtures!(SCHEDULE);
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/static/json/staticData/scheduleLeagueV2.json"))
        .respond_with(json(&sched))
        .expect(1)
        .mount(&server)
        .await;
    let t = db().await;
    let s = sources(config(&server.uri()));
    let r = s
        .scrape(&t.store, "nbacom.schedule", date("2023-11-01"))
        .await
        .unwrap();
    assert_eq!(r.stored.len(), 1);
    assert!(r.fallbacks.is_empty());
    assert_stored(&t, &r.stored[0], "nbacom", "schedule", "2023-24", &sched).await;
    assert!(r.stored[0].new);
}

#[tokio::test]
async fn schedule_falls_back_to_stats_when_the_cdn_serves_access_denied() {
    let (sched,) = fixtures!(SCHEDULE);
    let server = MockServer::start().await;
    Mock::given(path("/static/json/staticData/scheduleLeagueV2.json"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY>You don't have permission</BODY></HTML>",
            "text/html",
        ))
        .mount(&server)
        .await;
    Mock::given(path("/stats/scheduleleaguev2"))
        .and(query_param("Season", "2023-24"))
        .and(query_param("LeagueID", "00"))
        .respond_with(json(&sched))
        .mount(&server)
        .await;
    let t = db().await;
    let s = sources(config(&server.uri()));
    let r = s
        .scrape(&t.store, "nbacom.schedule", date("2024-01-15"))
        .await
        .unwrap();
    assert_eq!(r.fallbacks.len(), 1, "{r:?}");
    assert!(
        r.fallbacks[0].primary_error.contains("HTML"),
        "{:?}",
        r.fallbacks[0]
    );
    assert!(r.fallbacks[0].served_by.starts_with("127.0.0.1"));
    assert!(r.stored[0].url.contains("/stats/scheduleleaguev2"));
    assert_stored(&t, &r.stored[0], "nbacom", "schedule", "2023-24", &sched).await;
}

#[tokio::test]
async fn leaguegamelog_player_sends_browser_headers_and_stores_the_date() {
    let (body,) = fixtures!("najicham/nbac_player_boxscore/raw_2ad17718.json");
    let server = MockServer::start().await;
    Mock::given(path("/stats/leaguegamelog"))
        .and(query_param("DateFrom", "2025-03-15"))
        .and(query_param("DateTo", "2025-03-15"))
        .and(query_param("PlayerOrTeam", "P"))
        .and(query_param("Season", "2024-25"))
        .and(query_param("SeasonType", "Regular Season"))
        .and(header("Referer", "https://www.nba.com/"))
        .and(header("Origin", "https://www.nba.com"))
        .and(header_regex("User-Agent", "^Mozilla/5.0"))
        .and(header_regex("Sec-Ch-Ua", "Chromium"))
        .respond_with(json(&body))
        .expect(1)
        .mount(&server)
        .await;
    let t = db().await;
    let s = sources(config(&server.uri()));
    let r = s
        .scrape(&t.store, "nbacom.leaguegamelog_player", date("2025-03-15"))
        .await
        .unwrap();
    assert_stored(
        &t,
        &r.stored[0],
        "nbacom",
        "leaguegamelog_player",
        "2025-03-15",
        &body,
    )
    .await;
}

#[tokio::test]
async fn the_same_payload_twice_is_recorded_once() {
    let (body,) = fixtures!("najicham/nbac_player_boxscore/raw_2ad17718.json");
    let server = MockServer::start().await;
    Mock::given(path("/stats/leaguegamelog"))
        .respond_with(json(&body))
        .expect(2)
        .mount(&server)
        .await;
    let t = db().await;
    let s = sources(config(&server.uri()));
    let d = date("2025-03-15");
    let first = s
        .scrape(&t.store, "nbacom.leaguegamelog_player", d)
        .await
        .unwrap();
    let second = s
        .scrape(&t.store, "nbacom.leaguegamelog_player", d)
        .await
        .unwrap();
    assert!(first.stored[0].new);
    assert!(!second.stored[0].new);
    assert_eq!(first.stored[0].sha256, second.stored[0].sha256);
    assert_eq!(
        rows(&t, "nbacom", "leaguegamelog_player", "2025-03-15")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn leaguegamelog_team() {
    let (body,) = fixtures!(
        "nba_api/leaguegamelog__Counter=0_Direction=ASC_LeagueID=00_PlayerOrTeam=T_Season=2025-26_SeasonType=Regular-Season_Sorter=DATE.json"
    );
    let server = MockServer::start().await;
    Mock::given(path("/stats/leaguegamelog"))
        .and(query_param("PlayerOrTeam", "T"))
        .and(query_param("Season", "2025-26"))
        .respond_with(json(&body))
        .mount(&server)
        .await;
    let t = db().await;
    let s = sources(config(&server.uri()));
    let r = s
        .scrape(&t.store, "nbacom.leaguegamelog_team", date("2025-11-05"))
        .await
        .unwrap();
    assert_stored(
        &t,
        &r.stored[0],
        "nbacom",
        "leaguegamelog_team",
        "2025-11-05",
        &body,
    )
    .await;
}

#[tokio::test]
async fn boxscore_from_stats_v3() {
    let (body,) = fixtures!(V3_BOX);
    let server = MockServer::start().await;
    Mock::given(path("/stats/boxscoretraditionalv3"))
        .and(query_param("GameID", "0022200552"))
        .respond_with(json(&body))
        .mount(&server)
        .await;
    let t = db().await;
    let s = sources(config(&server.uri()));
    let r = s
        .boxscore(&t.store, "0022200552", date("2023-01-06"))
        .await
        .unwrap();
    assert!(r.fallbacks.is_empty());
    assert_stored(
        &t,
        &r.stored[0],
        "nbacom",
        "boxscoretraditionalv3",
        "2023-01-06",
        &body,
    )
    .await;
}

#[tokio::test]
async fn boxscore_falls_back_to_the_cdn_and_says_so() {
    let (body,) = fixtures!(CDN_BOX);
    let server = MockServer::start().await;
    Mock::given(path("/stats/boxscoretraditionalv3"))
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .mount(&server)
        .await;
    Mock::given(path(
        "/static/json/liveData/boxscore/boxscore_0022000001.json",
    ))
    .respond_with(json(&body))
    .mount(&server)
    .await;
    let t = db().await;
    let s = sources(config(&server.uri()));
    let r = s
        .boxscore(&t.store, "0022000001", date("2020-12-22"))
        .await
        .unwrap();
    assert_eq!(r.fallbacks.len(), 1);
    assert!(
        r.fallbacks[0].primary_error.contains("HTTP 503"),
        "{:?}",
        r.fallbacks
    );
    assert!(r.fallbacks[0].item.contains("0022000001"));
    assert_stored(
        &t,
        &r.stored[0],
        "nbacom",
        "cdn_boxscore",
        "2020-12-22",
        &body,
    )
    .await;
    assert!(
        rows(&t, "nbacom", "boxscoretraditionalv3", "2020-12-22")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn cdn_boxscores_of_a_date_take_game_ids_from_the_schedule() {
    let (sched, body) = fixtures!(SCHEDULE, CDN_BOX);
    let d = date("2023-10-24");
    let ids = game_ids_on(&sched, d);
    assert_eq!(
        ids,
        ["0022300061", "0022300062"],
        "opening night in the 2023-24 capture"
    );
    let server = MockServer::start().await;
    Mock::given(path("/static/json/staticData/scheduleLeagueV2.json"))
        .respond_with(json(&sched))
        .mount(&server)
        .await;
    Mock::given(path_regex(
        r"^/static/json/liveData/boxscore/boxscore_00223000(61|62)\.json$",
    ))
    .respond_with(json(&body))
    .expect(2)
    .mount(&server)
    .await;
    let t = db().await;
    let s = sources(config(&server.uri()));
    let r = s.scrape(&t.store, "nbacom.cdn_boxscore", d).await.unwrap();
    let datasets: Vec<_> = r.stored.iter().map(|s| s.dataset.as_str()).collect();
    assert_eq!(datasets, ["schedule", "cdn_boxscore", "cdn_boxscore"]);
    // Both games were served the same bytes here: stored once, indexed once.
    assert!(r.stored[1].new && !r.stored[2].new);
    assert_eq!(
        rows(&t, "nbacom", "cdn_boxscore", "2023-10-24").await.len(),
        1
    );
}

#[test]
fn injury_report_names_follow_both_url_patterns() {
    let f = |d: &str, t: &str| injury_report_file(date(d), t);
    assert_eq!(
        f("2026-02-08", "18:15").as_deref(),
        Some("Injury-Report_2026-02-08_06_15PM.pdf")
    );
    assert_eq!(
        f("2026-02-08", "15:30").as_deref(),
        Some("Injury-Report_2026-02-08_03_30PM.pdf")
    );
    assert_eq!(
        f("2025-12-23", "18:00").as_deref(),
        Some("Injury-Report_2025-12-23_06_00PM.pdf")
    );
    assert_eq!(
        f("2025-01-15", "18:00").as_deref(),
        Some("Injury-Report_2025-01-15_06PM.pdf")
    );
    assert_eq!(
        f("2025-01-15", "00:00").as_deref(),
        Some("Injury-Report_2025-01-15_12AM.pdf")
    );
    assert_eq!(
        f("2025-01-15", "12:00").as_deref(),
        Some("Injury-Report_2025-01-15_12PM.pdf")
    );
    assert_eq!(f("2025-01-15", "18:30"), None, "old reports are hourly");
    assert_eq!(f("2025-01-15", "25:00"), None);
    assert_eq!(f("2025-01-15", "six"), None);
}

#[tokio::test]
async fn injury_report_takes_the_latest_published_pdf() {
    let (pdf,) = fixtures!("lucasb19/Injury-Report_2026-02-08_06_15PM.pdf");
    let server = MockServer::start().await;
    // 06:30 PM is not published yet (404), 06:15 PM is.
    Mock::given(path("/referee/injury/Injury-Report_2026-02-08_06_15PM.pdf"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(pdf.clone(), "application/pdf"))
        .mount(&server)
        .await;
    let t = db().await;
    let s = sources(config(&server.uri()));
    let r = s
        .scrape(&t.store, "nbacom.injury_report", date("2026-02-08"))
        .await
        .unwrap();
    assert_eq!(r.stored.len(), 1);
    assert!(
        r.stored[0]
            .url
            .ends_with("Injury-Report_2026-02-08_06_15PM.pdf")
    );
    assert_stored(
        &t,
        &r.stored[0],
        "nbacom",
        "injury_report",
        "2026-02-08",
        &pdf,
    )
    .await;
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 2, "18:30 (404) then 18:15");
}

#[tokio::test]
async fn injury_report_before_2025_12_23_uses_the_hourly_name() {
    // No pre-2025-12-23 PDF is in the corpus: the 03:30 PM one stands in for its bytes.
    let (pdf,) = fixtures!("lucasb19/Injury-Report_2026-02-08_03_30PM.pdf");
    let server = MockServer::start().await;
    Mock::given(path("/referee/injury/Injury-Report_2025-01-15_06PM.pdf"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(pdf.clone(), "application/pdf"))
        .mount(&server)
        .await;
    let t = db().await;
    let s = sources(config(&server.uri()));
    let r = s
        .scrape(&t.store, "nbacom.injury_report", date("2025-01-15"))
        .await
        .unwrap();
    assert!(
        r.stored[0]
            .url
            .ends_with("Injury-Report_2025-01-15_06PM.pdf")
    );
    assert_stored(
        &t,
        &r.stored[0],
        "nbacom",
        "injury_report",
        "2025-01-15",
        &pdf,
    )
    .await;
}

#[tokio::test]
async fn injury_report_errors_name_the_problem() {
    let server = MockServer::start().await;
    let t = db().await;
    let s = sources(config(&server.uri()));
    // Nothing published: every configured time answers 404.
    let e = s
        .scrape(&t.store, "nbacom.injury_report", date("2026-02-08"))
        .await
        .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("injury_report") && msg.contains("2026-02-08") && msg.contains("404"),
        "{msg}"
    );
    // An HTML page instead of the PDF.
    Mock::given(path_regex("^/referee/injury/"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("<html>Access Denied</html>", "text/html"),
        )
        .mount(&server)
        .await;
    let e = s
        .scrape(&t.store, "nbacom.injury_report", date("2026-02-08"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            SourceError::WrongContent {
                expected: "a PDF",
                ..
            }
        ),
        "{e}"
    );
    assert!(
        rows(&t, "nbacom", "injury_report", "2026-02-08")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn when_stats_and_the_cdn_both_fail_both_errors_are_reported() {
    let server = MockServer::start().await;
    Mock::given(path("/stats/boxscoretraditionalv3"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    Mock::given(path(
        "/static/json/liveData/boxscore/boxscore_0022000001.json",
    ))
    .respond_with(ResponseTemplate::new(403))
    .mount(&server)
    .await;
    let t = db().await;
    let s = sources(config(&server.uri()));
    let e = s
        .boxscore(&t.store, "0022000001", date("2020-12-22"))
        .await
        .unwrap_err();
    assert!(matches!(e, SourceError::FallbackFailed { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("HTTP 503") && msg.contains("boxscoretraditionalv3 2020-12-22"),
        "{msg}"
    );
    assert!(
        msg.contains("HTTP 403") && msg.contains("cdn_boxscore 2020-12-22"),
        "{msg}"
    );
}

/// The rows of the movement payload stored for `stored`.
async fn movement_rows(
    t: &nba_props_store::testing::TestDb,
    stored: &nba_props_sources::Stored,
) -> usize {
    let body = t.store.raw.get(&stored.sha256).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&body).expect("stored movement is JSON");
    v["NBA_Player_Movement"]["rows"].as_array().unwrap().len()
}

#[tokio::test]
async fn player_movement_is_stored_decompressed_under_the_season() {
    // The real capture is the gzip body nba.com sends; served as such, it must be stored as the
    // JSON it encodes (8,730 transactions, counted independently with Python's json module).
    let (gz,) = fixtures!("najicham/nbac_player_movement/raw_1ecdb80d.json.gz");
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/js/data/playermovement/NBA_Player_Movement.json"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-encoding", "gzip")
                .set_body_raw(gz, "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let t = db().await;
    let s = sources(config(&server.uri()));
    let r = s
        .scrape(&t.store, "nbacom.player_movement", date("2024-02-08"))
        .await
        .unwrap();
    assert_eq!(r.stored.len(), 1);
    let stored = &r.stored[0];
    assert_eq!(
        (stored.dataset.as_str(), stored.partition.as_str()),
        ("player_movement", "2023-24")
    );
    assert_eq!(movement_rows(&t, stored).await, 8730);
}

#[tokio::test]
async fn player_list_asks_for_the_season_s_rostered_players() {
    let (list,) = fixtures!("najicham/nbac_player_list/raw_7af00b51.json");
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/stats/playerindex"))
        .and(query_param("Season", "2025-26"))
        .and(query_param("Historical", "0"))
        .and(query_param("LeagueID", "00"))
        .respond_with(json(&list))
        .expect(1)
        .mount(&server)
        .await;
    let t = db().await;
    let s = sources(config(&server.uri()));
    let r = s
        .scrape(&t.store, "nbacom.player_list", date("2025-11-03"))
        .await
        .unwrap();
    assert_eq!(r.stored.len(), 1);
    assert_stored(&t, &r.stored[0], "nbacom", "player_list", "2025-26", &list).await;
}
