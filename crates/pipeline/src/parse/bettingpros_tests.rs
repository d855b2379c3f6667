use super::*;
use crate::parse::leaguegamelog;
use crate::parse::test_support::{ACCESS_DENIED, assert_field, error_after, fixture};
use crate::testdata::shared_data_dir;
use std::collections::HashMap;

const EVENTS: Source = Source {
    file: "events_2021-10-21.json",
    dataset: "bettingpros/events",
};
const OFFERS: Source = Source {
    file: "offers_2021-10-21_p1.json",
    dataset: "bettingpros/offers",
};
const HANDMADE: &str = include_str!("fixtures/bettingpros_offers_handmade.json");

#[test]
fn the_real_events_parse_with_utc_times_and_final_scores_that_match_the_box_scores() {
    let Some(bytes) = fixture("najicham/bp_events/raw_75470647.json") else {
        return;
    };
    let parsed = parse_events(&bytes, &EVENTS).unwrap();
    assert_eq!(parsed.quarantined, []);
    let events = parsed.events;
    let ids: Vec<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(ids, ["20879", "20880", "20881"]);
    let e = &events[0];
    assert_eq!((e.visitor.tricode(), e.home.tricode()), ("DAL", "ATL"));
    // 7:30 pm Eastern.
    assert_eq!(e.scheduled.unwrap().to_string(), "2021-10-21T23:30:00Z");
    assert_eq!(e.status.as_deref(), Some("closed"));
    assert_eq!((e.home_score, e.visitor_score), (Some(113), Some(87)));
    let Some(dir) = shared_data_dir() else { return };
    let src = Source {
        file: "2021-10-21.json",
        dataset: "nbacom/leaguegamelog_player",
    };
    let path = dir.join("archive/nbacom/leaguegamelog_player/2021-10-21.json");
    let mut pts: HashMap<Team, i32> = HashMap::new();
    for l in leaguegamelog::parse(&std::fs::read(path).unwrap(), &src)
        .unwrap()
        .lines
    {
        *pts.entry(l.team).or_default() += l.pts;
    }
    for e in &events {
        assert_eq!(e.home_score, pts.get(&e.home).copied(), "{}", e.event_id);
        assert_eq!(
            e.visitor_score,
            pts.get(&e.visitor).copied(),
            "{}",
            e.event_id
        );
    }
}

#[test]
fn offers_pair_over_and_under_per_book_and_line() {
    let page = parse_offers(HANDMADE.as_bytes(), &OFFERS).unwrap();
    assert_eq!((page.page, page.total_pages), (Some(1), Some(1)));
    assert_eq!(page.offers.len(), 2);
    let o = &page.offers[0];
    assert_eq!(
        (
            o.offer_id.as_deref(),
            o.event_id.as_str(),
            o.market_id,
            o.player_id.as_str()
        ),
        (Some("of-1"), "20879", 156, "9001")
    );
    assert_eq!(
        (o.player_name.as_str(), o.player_team.as_deref()),
        ("Home Guard", Some("ATL"))
    );
    assert_eq!(o.opening_line, Some(24.5));
    let got: Vec<(i64, f64, Option<i32>, Option<i32>)> = o
        .lines
        .iter()
        .map(|l| (l.book_id, l.line, l.over_price, l.under_price))
        .collect();
    assert_eq!(
        got,
        [
            (0, 25.5, Some(-110), Some(-110)),
            (12, 25.5, Some(-115), Some(-105)),
            (12, 26.5, Some(105), Some(-125))
        ]
    );
    // The later of the two sides' updates.
    assert_eq!(
        o.lines[1].updated.unwrap().to_string(),
        "2021-10-21T22:06:00Z"
    );
    // A book listing one side only; an event id written as a string.
    let one = &page.offers[1];
    assert_eq!(one.event_id, "20879");
    assert_eq!(
        (one.lines[0].over_price, one.lines[0].under_price),
        (Some(-120), None)
    );
    assert_eq!(
        (book_key(0), book_key(13), book_key(99)),
        (Some("consensus"), Some("williamhill_us"), None)
    );
    assert_eq!(market_name(156), Some("points"));
}

#[test]
fn wrong_fields_are_named() {
    let v: serde_json::Value = serde_json::from_str(HANDMADE).unwrap();
    let with = |f: &dyn Fn(&mut serde_json::Value)| {
        error_after(&v, f, |b| parse_offers(b, &OFFERS).map(|p| p.quarantined))
    };
    let (file, ds) = (OFFERS.file, OFFERS.dataset);
    let line = "offers[0].selections[1].books[1].lines[0]";
    let e =
        with(&|v| v["offers"][0]["selections"][1]["books"][1]["lines"][0]["cost"] = 1.95.into());
    assert_field(&e, file, ds, &format!("{line}.cost"));
    let e = with(&|v| {
        v["offers"][0]["selections"][1]["books"][1]["lines"][0]["updated"] = "yesterday".into()
    });
    assert_field(&e, file, ds, &format!("{line}.updated"));
    let e = with(&|v| v["offers"][0]["selections"][1]["selection"] = "push".into());
    assert_field(&e, file, ds, "offers[0].selections[1].selection");
    let e = with(&|v| v["offers"][1]["participants"] = serde_json::json!([]));
    assert_field(&e, file, ds, "offers[1].participants");
    let e = with(&|v| v["_pagination"]["total_pages"] = (-1).into());
    assert_field(&e, file, ds, "_pagination.total_pages");
    let e = parse_offers(ACCESS_DENIED.as_bytes(), &OFFERS).unwrap_err();
    assert_field(&e, file, ds, crate::parse::DOCUMENT);
    // One event that cannot be read is set aside; the others are kept.
    let parsed = parse_events(
        br#"{"events":[{"id":1,"home":"ATL","visitor":"SEA"},{"id":2,"home":"ATL","visitor":"DAL"}]}"#,
        &EVENTS,
    )
    .unwrap();
    assert_eq!(parsed.events.len(), 1);
    assert_eq!(parsed.events[0].event_id, "2");
    let [q] = parsed.quarantined.as_slice() else {
        panic!("{:?}", parsed.quarantined)
    };
    assert_eq!(q.row, "events[0]");
    assert_field(&q.error, EVENTS.file, EVENTS.dataset, "events[0].visitor");
}
