use super::*;
use crate::parse::test_support::{ACCESS_DENIED, assert_field, files_under, read};
use crate::testdata::shared_data_dir;
use std::collections::BTreeMap;

const DS: &str = "nbacom/schedule";
const FILE: &str = "2023-24.json";
const SRC: Source = Source {
    file: FILE,
    dataset: DS,
};

const FINAL: &str = r#"{"gameId":"0022100002","gameCode":"20211019/GSWLAL","gameStatus":3,"gameDateEst":"2021-10-19T00:00:00Z","isNeutral":false,"homeTeam":{"teamId":1610612747,"teamTricode":"LAL","score":114},"awayTeam":{"teamId":1610612744,"teamTricode":"GSW","score":121}}"#;
const UPCOMING: &str = r#"{"gameId":"0022300001","gameCode":"20231024/LALDEN","gameStatus":1,"gameDateEst":"2023-10-24T00:00:00Z","gameDateTimeUTC":"2023-10-24T23:30:00Z","gameSubtype":"","gameLabel":"Opening Night","homeTeam":{"teamId":1610612743,"teamTricode":"DEN","score":0},"awayTeam":{"teamId":1610612747,"teamTricode":"LAL","score":0}}"#;

fn payload(games: &[&str]) -> String {
    format!(
        r#"{{"meta":{{"version":1,"time":"2023-09-16T10:33:37.3337Z"}},"leagueSchedule":{{"seasonYear":"2023-24","leagueId":"00","gameDates":[{{"gameDate":"10/24/2023 00:00:00","games":[{}]}}]}}}}"#,
        games.join(",")
    )
}

fn parse_str(s: &str) -> Result<SchedulePayload, ParseError> {
    parse(s.as_bytes(), &SRC)
}

/// The one error of a body: the payload's, or its one quarantined game's.
fn the_error(body: &str) -> ParseError {
    match parse_str(body) {
        Err(e) => e,
        Ok(p) => {
            let [(_, q)] = p.quarantined.as_slice() else {
                panic!("one quarantined game expected: {:?}", p.quarantined)
            };
            assert!(
                q.row.starts_with("leagueSchedule.gameDates[0].games[0]"),
                "{q:?}"
            );
            q.error.clone()
        }
    }
}

#[test]
fn scores_only_for_final_games_and_empty_strings_are_none() {
    let p = parse_str(&payload(&[FINAL, UPCOMING])).unwrap();
    assert_eq!(p.season, Some(Season::new(2023)));
    assert_eq!(
        p.captured_at.unwrap().to_string(),
        "2023-09-16T10:33:37.3337Z"
    );
    let (f, u) = (&p.games[0], &p.games[1]);
    assert_eq!(
        (f.status, f.home.tricode(), f.away.tricode()),
        (GameStatus::Final, "LAL", "GSW")
    );
    assert_eq!(
        (f.home_score, f.away_score, f.is_neutral),
        (Some(114), Some(121), Some(false))
    );
    assert_eq!(
        (f.game_date.to_string(), f.game_code.as_deref()),
        ("2021-10-19".into(), Some("20211019/GSWLAL"))
    );
    assert_eq!(
        (u.status.as_str(), u.home_score, u.away_score),
        ("scheduled", None, None)
    );
    assert_eq!(u.tipoff_utc.unwrap().to_string(), "2023-10-24T23:30:00Z");
    assert_eq!(
        (
            u.game_subtype.as_deref(),
            u.game_label.as_deref(),
            u.is_neutral
        ),
        (None, Some("Opening Night"), None)
    );
    let live = parse_str(&payload(&[
        &FINAL.replace(r#""gameStatus":3"#, r#""gameStatus":2"#)
    ]))
    .unwrap();
    assert_eq!(
        (live.games[0].status, live.games[0].home_score),
        (GameStatus::Live, None)
    );
}

#[test]
fn the_game_date_falls_back_to_the_enclosing_date() {
    let game = UPCOMING.replace(r#""gameDateEst":"2023-10-24T00:00:00Z","#, "");
    let p = parse_str(&payload(&[&game])).unwrap();
    assert_eq!(p.games[0].game_date.to_string(), "2023-10-24");
    let e = the_error(&payload(&[&game]).replace("10/24/2023", "2023-10-24"));
    assert_field(&e, FILE, DS, "leagueSchedule.gameDates[0].gameDate");
}

#[test]
fn undecided_and_non_nba_sides_are_listed_apart() {
    let tbd = r#"{"gameId":"0062300001","gameStatus":1,"gameDateEst":"2023-12-09T00:00:00Z","gameSubtype":"in-season-knockout","homeTeam":{"teamId":0,"teamTricode":"","score":0},"awayTeam":{"teamId":0,"teamTricode":""}}"#;
    let exhibition = r#"{"gameId":"0012300010","gameStatus":1,"gameDateEst":"2023-10-10T00:00:00Z","homeTeam":{"teamId":1610612745,"teamTricode":"HOU"},"awayTeam":{"teamId":50009,"teamTricode":"MRA"}}"#;
    let p = parse_str(&payload(&[tbd, exhibition, UPCOMING])).unwrap();
    assert_eq!(p.games.len(), 1);
    let reasons: Vec<(&str, &str)> = p
        .unresolved
        .iter()
        .map(|u| (u.game_id.as_str(), u.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            (
                "0062300001",
                "home team to be determined, away team to be determined"
            ),
            ("0012300010", "away team MRA (id 50009) is not an NBA team")
        ]
    );
    // In a regular-season game a non-NBA team is a broken payload, not an exhibition.
    let e = the_error(&payload(&[&exhibition.replace("0012300010", "0022300010")]));
    assert_field(
        &e,
        FILE,
        DS,
        "leagueSchedule.gameDates[0].games[0].awayTeam.teamTricode",
    );
}

#[test]
fn bad_payloads_name_file_dataset_and_field() {
    let cases: Vec<(String, &str, &str)> = vec![
        (String::new(), "(document)", "empty payload"),
        (
            ACCESS_DENIED.into(),
            "(document)",
            "got an HTML page: <HTML><HEAD> <TITLE>Access Denied",
        ),
        (
            payload(&[FINAL])[..200].into(),
            "leagueSchedule.gameDates[0].games[0]",
            "truncated JSON: EOF",
        ),
        (
            r#"{"meta":{}}"#.into(),
            "leagueSchedule",
            "missing field `leagueSchedule`",
        ),
        (
            payload(&[&FINAL.replace(r#""gameStatus":3"#, r#""gameStatus":"3""#)]),
            "leagueSchedule.gameDates[0].games[0].gameStatus",
            "string \"3\"",
        ),
        (
            payload(&[&FINAL.replace(r#""gameStatus":3"#, r#""gameStatus":4"#)]),
            "leagueSchedule.gameDates[0].games[0].gameStatus",
            "got 4",
        ),
        (
            payload(&[&FINAL.replace(r#""score":114"#, r#""score":"114""#)]),
            "leagueSchedule.gameDates[0].games[0].homeTeam.score",
            "string \"114\"",
        ),
        (
            payload(&[&FINAL.replace(r#""teamTricode":"LAL""#, r#""teamTricode":7"#)]),
            "leagueSchedule.gameDates[0].games[0].homeTeam.teamTricode",
            "invalid type: integer `7`",
        ),
        (
            payload(&[&FINAL.replace("1610612744", "1610612747")]),
            "leagueSchedule.gameDates[0].games[0].awayTeam.teamId",
            "not the id of GSW",
        ),
        (
            payload(&[&FINAL.replace(r#""GSW""#, r#""XYZ""#)]),
            "leagueSchedule.gameDates[0].games[0].awayTeam.teamTricode",
            "unknown tricode \"XYZ\"",
        ),
        (
            payload(&[&FINAL.replace(r#""gameId":"0022100002","#, "")]),
            "leagueSchedule.gameDates[0].games[0].gameId",
            "missing field `gameId`",
        ),
        (
            payload(&[&FINAL.replace("0022100002", "22100002")]),
            "leagueSchedule.gameDates[0].games[0].gameId",
            "22100002",
        ),
        (
            payload(&[FINAL]).replace("10:33:37.3337Z", "10:33"),
            "meta.time",
            "RFC 3339",
        ),
        (
            payload(&[FINAL]).replace("2023-24", "2023"),
            "leagueSchedule.seasonYear",
            "2023",
        ),
    ];
    for (body, field, needle) in cases {
        let e = the_error(&body);
        assert_field(&e, FILE, DS, field);
        assert!(e.message.contains(needle), "{e}");
    }
}

/// Every archived schedule parses with the README's game counts and kinds.
#[test]
fn every_archived_schedule_parses_with_the_readme_counts() {
    let Some(dir) = shared_data_dir() else { return };
    let files = files_under(&dir.join("archive/nbacom/schedule"), ".json");
    let mut seen = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let started = std::time::Instant::now();
        let p = parse(
            &read(path),
            &Source {
                file: &name,
                dataset: DS,
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.quarantined, [], "{name}");
        eprintln!(
            "schedule {name}: parsed in {:?} (this build's profile)",
            started.elapsed()
        );
        let season = p.season.unwrap().to_string();
        assert_eq!(format!("{season}.json"), name);
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for g in &p.games {
            *kinds.entry(g.game_id.season_type().as_str()).or_default() += 1;
            let code = format!(
                "{}/{}{}",
                g.game_date.to_string().replace('-', ""),
                g.away,
                g.home
            );
            assert_eq!(g.game_code.as_deref(), Some(code.as_str()), "{}", g.game_id);
            assert_ne!(g.home, g.away);
            assert_eq!(
                g.status == GameStatus::Final,
                g.home_score.is_some() && g.away_score.is_some(),
                "{}",
                g.game_id
            );
            if let Some(tip) = g.tipoff_utc {
                assert_eq!(
                    GameDate::of_timestamp(tip),
                    g.game_date,
                    "{} tips off on another Eastern date",
                    g.game_id
                );
            }
        }
        let kinds: Vec<(&str, usize)> = kinds.into_iter().collect();
        seen.push((season.clone(), p.games.len() + p.unresolved.len()));
        if season == "2023-24" {
            assert_eq!(
                p.captured_at.unwrap().to_string(),
                "2023-09-16T10:33:37.3337Z"
            );
            assert!(
                p.games
                    .iter()
                    .all(|g| g.status == GameStatus::Scheduled && g.tipoff_utc.is_some())
            );
            assert_eq!(kinds, [("preseason", 64), ("regular", 1200)]);
            let tbd = p
                .unresolved
                .iter()
                .filter(|u| u.reason.contains("to be determined"))
                .count();
            let knockout = p
                .unresolved
                .iter()
                .filter(|u| u.game_subtype.as_deref() == Some("in-season-knockout"))
                .count();
            assert_eq!((tbd, knockout, p.unresolved.len()), (7, 7, 16));
            let cup = p
                .games
                .iter()
                .filter(|g| g.game_subtype.as_deref() == Some("in-season"))
                .count();
            assert_eq!(cup, 60);
        } else {
            assert_eq!(p.captured_at, None);
            assert!(p.unresolved.is_empty());
            assert!(
                p.games
                    .iter()
                    .all(|g| g.status == GameStatus::Final && g.is_neutral == Some(false))
            );
            let playoffs = if season == "2021-22" { 87 } else { 84 };
            assert_eq!(
                kinds,
                [("playin", 6), ("playoffs", playoffs), ("regular", 1230)]
            );
        }
    }
    let seen: Vec<(&str, usize)> = seen.iter().map(|(s, n)| (s.as_str(), *n)).collect();
    assert_eq!(
        seen,
        [("2021-22", 1323), ("2022-23", 1320), ("2023-24", 1280)]
    );
}

#[test]
fn the_pbpstats_capture_is_the_archived_2023_24_schedule() {
    let Some(dir) = shared_data_dir() else { return };
    let rel = "fixtures/pbpstats/tests/data/schedule/live_nba_2023.json";
    let fixture = parse(
        &read(&dir.join(rel)),
        &Source {
            file: rel,
            dataset: DS,
        },
    )
    .unwrap();
    let archived = parse(
        &read(&dir.join("archive/nbacom/schedule/2023-24.json")),
        &SRC,
    )
    .unwrap();
    assert_eq!(fixture, archived);
    // The pre-season snapshot has no NBA Cup knockout teams yet: those games are unresolved.
    let first = fixture
        .unresolved
        .iter()
        .find(|u| u.game_id.as_str() == "0022301201")
        .unwrap();
    assert_eq!(
        (first.game_date.to_string(), first.status),
        ("2023-12-04".to_string(), GameStatus::Scheduled)
    );
}

/// One game that cannot be read is set aside; the season's other games are kept.
#[test]
fn a_bad_game_is_quarantined_and_the_others_kept() {
    let bad = FINAL.replace(r#""GSW""#, r#""XYZ""#);
    let p = parse_str(&payload(&[UPCOMING, &bad])).unwrap();
    assert_eq!(p.games.len(), 1);
    assert_eq!(p.games[0].game_id.as_str(), "0022300001");
    let [(when, q)] = p.quarantined.as_slice() else {
        panic!("{:?}", p.quarantined)
    };
    assert_eq!(when.map(|d| d.to_string()).as_deref(), Some("2021-10-19"));
    assert_eq!(
        q.row,
        "leagueSchedule.gameDates[0].games[1] (game 0022100002)"
    );
    assert_field(
        &q.error,
        FILE,
        DS,
        "leagueSchedule.gameDates[0].games[1].awayTeam.teamTricode",
    );
}
