//! BettingPros events (najicham bp_events capture) and paginated offers.

use crate::fixtures;
use crate::support::*;
use wiremock::matchers::{header, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const EVENTS: &str = "najicham/bp_events/raw_75470647.json";

fn json(body: impl Into<Vec<u8>>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.into(), "application/json")
}

#[tokio::test]
async fn events_send_the_key_in_a_header() {
    let (body,) = fixtures!(EVENTS);
    let server = MockServer::start().await;
    Mock::given(path("/v3/events"))
        .and(query_param("sport", "NBA"))
        .and(query_param("date", "2021-10-21"))
        .and(header("X-Api-Key", "test-bp-key"))
        .respond_with(json(body.clone()))
        .expect(1)
        .mount(&server)
        .await;
    let t = db().await;
    let s = sources(config(&server.uri()));
    let r = s
        .scrape(&t.store, "bettingpros.events", date("2021-10-21"))
        .await
        .unwrap();
    assert_stored(
        &t,
        &r.stored[0],
        "bettingpros",
        "events",
        "2021-10-21",
        &body,
    )
    .await;
    assert!(!r.stored[0].url.contains("test-bp-key"));
}

#[tokio::test]
async fn offers_follow_every_page() {
    let (events,) = fixtures!(EVENTS);
    let server = MockServer::start().await;
    Mock::given(path("/v3/events"))
        .respond_with(json(events))
        .mount(&server)
        .await;
    // No offers capture is in the corpus: two small synthetic pages in the API's shape.
    let page = |n: u32| {
        format!(
            r#"{{"offers":[{{"offer_id":"o{n}","market_id":156,"event_id":20879}}],"_pagination":{{"page":{n},"limit":25,"total_pages":2}}}}"#
        )
    };
    for n in 1..=2u32 {
        Mock::given(path("/v3/offers"))
            .and(query_param("market_id", "156"))
            .and(query_param("event_id", "20879:20880:20881"))
            .and(query_param("page", n.to_string().as_str()))
            .and(header("X-Api-Key", "test-bp-key"))
            .respond_with(json(page(n)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let t = db().await;
    let s = sources(config(&server.uri()));
    let r = s
        .scrape(&t.store, "bettingpros.offers", date("2021-10-21"))
        .await
        .unwrap();
    assert_eq!(r.stored.len(), 3);
    assert_stored(
        &t,
        &r.stored[2],
        "bettingpros",
        "offers",
        "2021-10-21",
        page(2).as_bytes(),
    )
    .await;
    assert_eq!(
        rows(&t, "bettingpros", "offers", "2021-10-21").await.len(),
        2
    );
}
