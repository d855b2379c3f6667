use super::*;
use crate::parse::leaguegamelog;
use crate::parse::test_support::{ACCESS_DENIED, assert_field, error_after, fixture};
use crate::testdata::shared_data_dir;
use std::collections::HashMap;
use std::io::Read;

const BOARD: Source = Source {
    file: "scoreboard_20240115.json",
    dataset: "espn/scoreboard",
};
const SUMMARY: Source = Source {
    file: "summary_900000001.json",
    dataset: "espn/summary",
};
const HANDMADE: &str = include_str!("fixtures/espn_summary_handmade.json");

/// Points per (team, game date) from the archive's leaguegamelog of one date.
fn box_points(date: &str) -> Option<HashMap<Team, i32>> {
    let dir = shared_data_dir()?;
    let path = dir.join(format!("archive/nbacom/leaguegamelog_player/{date}.json"));
    let src = Source {
        file: date,
        dataset: "nbacom/leaguegamelog_player",
    };
    let mut pts = HashMap::new();
    for l in leaguegamelog::parse(&std::fs::read(path).unwrap(), &src)
        .unwrap()
        .lines
    {
        *pts.entry(l.team).or_default() += l.pts;
    }
    Some(pts)
}

#[test]
fn the_real_scoreboard_lists_every_game_with_scores_that_match_the_box_scores() {
    let Some(bytes) = fixture("najicham/espn_scoreboard_api/raw_92de7c9a.json") else {
        return;
    };
    let board = parse_scoreboard(&bytes, &BOARD).unwrap();
    assert_eq!(board.quarantined, []);
    let games = board.games;
    assert_eq!(games.len(), 11);
    let hou = &games[0];
    assert_eq!(hou.event_id, "401585183");
    assert_eq!((hou.away.tricode(), hou.home.tricode()), ("HOU", "PHI"));
    assert_eq!((hou.away_score, hou.home_score), (Some(115), Some(124)));
    assert_eq!(hou.start.unwrap().to_string(), "2024-01-15T18:00:00Z");
    assert!(games.iter().all(|g| g.status == GameStatus::Final));
    // ESPN's abbreviations (GS, NO, NY, SA, UTAH, WSH) become stats.nba.com teams, and every
    // score equals the players' points of that team in the leaguegamelog of the same date.
    let Some(pts) = box_points("2024-01-15") else {
        return;
    };
    assert_eq!(pts.len(), 22);
    for g in &games {
        assert_eq!(g.home_score, pts.get(&g.home).copied(), "{}", g.event_id);
        assert_eq!(g.away_score, pts.get(&g.away).copied(), "{}", g.event_id);
    }
}

#[test]
fn a_scoreboard_without_games_is_empty_not_an_error() {
    // All-Star Friday 2025-02-14: a real scoreboard with no NBA events.
    let Some(bytes) = fixture("najicham/espn_scoreboard_api/raw_20250214.json") else {
        return;
    };
    assert_eq!(
        parse_scoreboard(&bytes, &BOARD).unwrap(),
        EspnBoard::default()
    );
}

#[test]
fn the_handmade_summary_parses_box_score_and_pickcenter() {
    let s = parse_summary(HANDMADE.as_bytes(), &SUMMARY).unwrap();
    assert_eq!(s.game.event_id, "900000001");
    assert_eq!(
        (s.game.home.tricode(), s.game.away.tricode()),
        ("GSW", "UTA")
    );
    assert_eq!(
        (s.game.home_score, s.game.away_score),
        (Some(101), Some(104))
    );
    assert_eq!(s.players.len(), 3);
    let starter = &s.players[0];
    assert_eq!(
        (starter.team.tricode(), starter.espn_player_id.as_str()),
        ("UTA", "1001")
    );
    assert_eq!(starter.minutes, Some(36.0));
    let st = starter.stats.unwrap();
    assert_eq!(
        (st.points, st.fgm, st.fga, st.fg3m, st.fg3a, st.ftm, st.fta),
        (27, 10, 20, 3, 8, 4, 5)
    );
    assert_eq!(
        (st.reb, st.ast, st.tov, st.pf, st.plus_minus),
        (8, 5, 3, 2, Some(3))
    );
    let dnp = &s.players[1];
    assert_eq!(
        (dnp.played, dnp.stats, dnp.dnp_reason.as_deref()),
        (false, None, Some("COACH'S DECISION"))
    );
    let dk = &s.lines[0];
    assert_eq!(dk.provider, "DraftKings");
    // "GS -4.5" with GS at home: the home team gives 4.5.
    assert_eq!(
        (dk.home_spread, dk.spread_raw, dk.total),
        (Some(-4.5), Some(-4.5), Some(231.5))
    );
    assert_eq!(
        (dk.home_moneyline, dk.away_moneyline),
        (Some(-190), Some(160))
    );
    assert_eq!(
        (dk.home_spread_price, dk.away_spread_price),
        (Some(-108), Some(-112))
    );
    assert_eq!((dk.over_price, dk.under_price), (Some(-110), Some(-110)));
    // "UTAH -1" with Utah away: the home team gets a point.
    let other = &s.lines[1];
    assert_eq!(
        (other.home_spread, other.total, other.home_moneyline),
        (Some(1.0), None, None)
    );
}

/// The real ESPN game page (najicham espn_game_boxscore, HOU @ PHI 2024-01-15) carries the same
/// athletes and stat strings as the summary API, under other names; rebuilt into the summary's
/// shape it must parse, and its points must equal the final score and the stats.nba.com box score.
#[test]
fn a_summary_rebuilt_from_the_real_game_page_agrees_with_the_box_scores() {
    let Some(gz) = fixture("najicham/espn_game_boxscore/raw_6f34c64b.html.gz") else {
        return;
    };
    let mut html = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut html)
        .unwrap();
    let summary = crate::testdata::espn_summary_from_game_page(&html);
    let s = parse_summary(summary.to_string().as_bytes(), &SUMMARY).unwrap();
    assert_eq!(
        (s.game.home.tricode(), s.game.away.tricode()),
        ("PHI", "HOU")
    );
    let mut sums: HashMap<Team, i32> = HashMap::new();
    for p in &s.players {
        *sums.entry(p.team).or_default() += p.stats.map_or(0, |st| st.points);
    }
    assert_eq!(sums[&s.game.home], s.game.home_score.unwrap());
    assert_eq!(sums[&s.game.away], s.game.away_score.unwrap());
    let dnp: Vec<&str> = s
        .players
        .iter()
        .filter(|p| !p.played)
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(dnp, ["Reggie Bullock Jr.", "Boban Marjanovic"]);
    let Some(pts) = box_points("2024-01-15") else {
        return;
    };
    assert_eq!(
        (sums[&s.game.home], sums[&s.game.away]),
        (pts[&s.game.home], pts[&s.game.away])
    );
}

#[test]
fn wrong_fields_are_named() {
    let v: serde_json::Value = serde_json::from_str(HANDMADE).unwrap();
    let with = |f: &dyn Fn(&mut serde_json::Value)| {
        error_after(&v, f, |b| parse_summary(b, &SUMMARY).map(|s| s.quarantined))
    };
    let (file, ds) = (SUMMARY.file, SUMMARY.dataset);
    let group = "boxscore.players[0].statistics[0]";
    let e = with(&|v| v["boxscore"]["players"][0]["statistics"][0]["keys"][13] = "pts".into());
    assert_field(&e, file, ds, &format!("{group}.keys"));
    assert!(e.message.contains("no column points"), "{e}");
    let e = with(&|v| {
        v["boxscore"]["players"][0]["statistics"][0]["athletes"][0]["stats"][1] = "10/20".into()
    });
    assert_field(&e, file, ds, &format!("{group}.athletes[0].stats[1]"));
    let e = with(&|v| v["boxscore"]["players"][1]["team"]["abbreviation"] = "LAL".into());
    assert_field(&e, file, ds, "boxscore.players[1].team.abbreviation");
    let e = with(&|v| {
        v["header"]["competitions"][0]["competitors"][0]["team"]["abbreviation"] = "SEA".into()
    });
    assert_field(
        &e,
        file,
        ds,
        "header.competitions[0].competitors[0].team.abbreviation",
    );
    let e = with(&|v| v["header"]["competitions"][0]["status"]["type"]["state"] = "done".into());
    assert_field(&e, file, ds, "header.competitions[0].status.type.state");
    let e = with(&|v| v["pickcenter"][0]["homeTeamOdds"]["moneyLine"] = 1.91.into());
    assert_field(&e, file, ds, "pickcenter[0].homeTeamOdds.moneyLine");
    let e = parse_summary(ACCESS_DENIED.as_bytes(), &SUMMARY).unwrap_err();
    assert_field(&e, file, ds, crate::parse::DOCUMENT);
    // One event that cannot be read is set aside; the others are kept.
    let board =
        parse_scoreboard(br#"{"events": [{"id": "1", "competitions": []}]}"#, &BOARD).unwrap();
    assert_eq!(board.games, []);
    let [q] = board.quarantined.as_slice() else {
        panic!("{:?}", board.quarantined)
    };
    assert_eq!(q.row, "events[0]");
    assert_field(
        &q.error,
        BOARD.file,
        BOARD.dataset,
        "events[0].competitions",
    );
}
