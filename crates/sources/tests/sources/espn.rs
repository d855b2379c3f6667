//! ESPN scoreboard (najicham espn_scoreboard_api captures) and game summaries.

use crate::fixtures;
use crate::support::*;
use nba_props_sources::espn::event_ids;
use wiremock::matchers::{path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const BOARD: &str = "/apis/site/v2/sports/basketball/nba/scoreboard";
const SUMMARY: &str = "/apis/site/v2/sports/basketball/nba/summary";

#[tokio::test]
async fn scoreboard_of_a_date() {
    let (body,) = fixtures!("najicham/espn_scoreboard_api/raw_20250214.json");
    let server = MockServer::start().await;
    Mock::given(path(BOARD))
        .and(query_param("dates", "20250214"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body.clone(), "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let t = db().await;
    let s = sources(config(&server.uri()));
    let r = s
        .scrape(&t.store, "espn.scoreboard", date("2025-02-14"))
        .await
        .unwrap();
    assert_stored(&t, &r.stored[0], "espn", "scoreboard", "2025-02-14", &body).await;
    // All-Star Friday: a real scoreboard with no NBA games.
    assert!(event_ids(&body).is_empty());
}

#[tokio::test]
async fn summaries_of_every_game_on_the_scoreboard() {
    let (board,) = fixtures!("najicham/espn_scoreboard_api/raw_92de7c9a.json");
    let ids = event_ids(&board);
    assert_eq!(ids.len(), 11);
    let server = MockServer::start().await;
    Mock::given(path(BOARD))
        .and(query_param("dates", "20240115"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(board.clone(), "application/json"))
        .mount(&server)
        .await;
    // The corpus has no ESPN summary JSON capture (its espn_game_boxscore files are HTML game
    // pages): each summary here is a small synthetic body naming its event.
    for id in &ids {
        Mock::given(path(SUMMARY))
            .and(query_param("event", id.as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_raw(
                format!(r#"{{"header":{{"id":"{id}"}},"boxscore":{{}}}}"#),
                "application/json",
            ))
            .expect(1)
            .mount(&server)
            .await;
    }
    let t = db().await;
    let s = sources(config(&server.uri()));
    let r = s
        .scrape(&t.store, "espn.summary", date("2024-01-15"))
        .await
        .unwrap();
    assert_eq!(r.stored.len(), 12);
    assert_stored(&t, &r.stored[0], "espn", "scoreboard", "2024-01-15", &board).await;
    assert_eq!(rows(&t, "espn", "summary", "2024-01-15").await.len(), 11);
    let expected = format!(r#"{{"header":{{"id":"{}"}},"boxscore":{{}}}}"#, ids[0]);
    assert_stored(
        &t,
        &r.stored[1],
        "espn",
        "summary",
        "2024-01-15",
        expected.as_bytes(),
    )
    .await;
}
