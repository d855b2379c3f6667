//! `source_status`: every scrape leaves its dataset's last success or last error behind, one row
//! per dataset however many attempts.

use crate::fixtures;
use crate::support::*;
use nba_props_store::source_status::{self, Quota};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const BOARD: &str = "/apis/site/v2/sports/basketball/nba/scoreboard";

#[tokio::test]
async fn a_failed_scrape_is_the_last_error_and_a_later_success_keeps_it_visible() {
    let (body,) = fixtures!("najicham/espn_scoreboard_api/raw_92de7c9a.json");
    let server = MockServer::start().await;
    // Every attempt of the first scrape (one try and two retries) gets a 500; then the real
    // scoreboard.
    Mock::given(path(BOARD))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(3)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path(BOARD))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    let t = db().await;
    let s = sources(config(&server.uri()));
    let err = s
        .scrape(&t.store, "espn.scoreboard", date("2024-01-15"))
        .await
        .unwrap_err();
    let failed = source_status::get(&t.store.db, "espn", "scoreboard")
        .await
        .unwrap()
        .expect("the failed attempt is recorded");
    assert_eq!(failed.last_error.as_deref(), Some(err.to_string().as_str()));
    assert!(
        failed.last_error.as_deref().unwrap().contains("HTTP 500"),
        "{failed:?}"
    );
    assert_eq!(
        failed.last_error_at.as_deref(),
        Some(failed.last_attempt_at.as_str())
    );
    assert_eq!((failed.last_success_at, failed.last_payloads), (None, None));
    assert_eq!(failed.last_date.as_deref(), Some("2024-01-15"));

    let r = s
        .scrape(&t.store, "espn.scoreboard", date("2024-01-15"))
        .await
        .unwrap();
    let ok = source_status::get(&t.store.db, "espn", "scoreboard")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ok.last_success_at.as_deref(),
        Some(ok.last_attempt_at.as_str())
    );
    assert!(ok.last_attempt_at > failed.last_attempt_at);
    assert_eq!(ok.last_payloads, Some(r.stored.len() as i64));
    // The error keeps its time and message beside the newer success.
    assert_eq!(
        (ok.last_error_at, ok.last_error),
        (failed.last_error_at, failed.last_error)
    );
    assert_eq!(source_status::count(&t.store.db).await.unwrap(), 1);
}

#[tokio::test]
async fn the_odds_api_quota_and_a_missing_key_are_recorded() {
    let (body,) = fixtures!("najicham/oddsa_events_his/raw_4c3bc8f6.json");
    let server = MockServer::start().await;
    Mock::given(path("/v4/historical/sports/basketball_nba/events"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(body, "application/json")
                .insert_header("x-requests-remaining", "19000")
                .insert_header("x-requests-used", "1000"),
        )
        .mount(&server)
        .await;
    let t = db().await;
    let mut c = config(&server.uri());
    c.odds.historical = Some(true);
    c.bettingpros_api.api_key = None;
    let s = sources(c);
    s.scrape(&t.store, "oddsapi.events", date("2024-01-24"))
        .await
        .unwrap();
    let odds = source_status::get(&t.store.db, "oddsapi", "events")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        odds.quota,
        Some(Quota {
            remaining: 19_000,
            used: Some(1_000)
        })
    );
    assert!(odds.last_error.is_none());
    s.scrape(&t.store, "bettingpros.offers", date("2024-01-24"))
        .await
        .unwrap_err();
    let bp = source_status::get(&t.store.db, "bettingpros", "offers")
        .await
        .unwrap()
        .unwrap();
    let msg = bp.last_error.unwrap();
    assert!(msg.contains("set NBA_PROPS_BETTINGPROS_API_KEY"), "{msg}");
    assert_eq!((bp.last_success_at, bp.quota), (None, None));
    assert_eq!(source_status::count(&t.store.db).await.unwrap(), 2);
}
