use super::*;
use crate::parse::test_support::{ACCESS_DENIED, assert_field, assert_names, files_under, read};
use crate::testdata::shared_data_dir;
use std::collections::{BTreeMap, HashMap, HashSet};

const DS: &str = "nbacom/leaguegamelog_player";
const FILE: &str = "2021-10-19.json";
const SRC: Source = Source {
    file: FILE,
    dataset: DS,
};

const HEADERS: &str = r#"["SEASON_ID","PLAYER_ID","PLAYER_NAME","TEAM_ID","TEAM_ABBREVIATION","TEAM_NAME","GAME_ID","GAME_DATE","MATCHUP","WL","MIN","FGM","FGA","FG_PCT","FG3M","FG3A","FG3_PCT","FTM","FTA","FT_PCT","OREB","DREB","REB","AST","STL","BLK","TOV","PF","PTS","PLUS_MINUS"]"#;
const ROW0: &str = r#"["22021",2544,"LeBron James",1610612747,"LAL","Los Angeles Lakers","0022100002","2021-10-19","LAL vs. GSW","L",37,13,23,0.565,5,11,0.455,3,6,0.5,1,10,11,5,1,1,4,5,34,-2]"#;
const ROW1: &str = r#"["22021",1626172,"Kevon Looney",1610612744,"GSW","Golden State Warriors","0022100002","2021-10-19","GSW @ LAL","W",15,3,5,0.6,0,0,null,1,2,0.5,2,2,4,1,1,1,1,0,7,-8]"#;

fn payload(headers: &str, rows: &[&str]) -> String {
    format!(
        r#"{{"resource":"leaguegamelog","parameters":{{"PlayerOrTeam":"P"}},"resultSets":[{{"name":"LeagueGameLog","headers":{headers},"rowSet":[{}]}}]}}"#,
        rows.join(",")
    )
}

fn parse_str(s: &str) -> Result<GameLog, ParseError> {
    parse(s.as_bytes(), &SRC)
}

/// The lines of a payload none of whose rows may be quarantined.
fn lines_of(s: &str) -> Vec<BoxScoreLine> {
    let log = parse_str(s).unwrap();
    assert_eq!(log.quarantined, [], "nothing quarantined");
    log.lines
}

#[test]
fn a_small_payload_parses_by_header() {
    let rows = lines_of(&payload(HEADERS, &[ROW0, ROW1]));
    let lebron = &rows[0];
    assert_eq!(lebron.season, Season::new(2021));
    assert_eq!(lebron.game_id.as_str(), "0022100002");
    assert_eq!(lebron.game_date.to_string(), "2021-10-19");
    assert_eq!(
        (lebron.player_id, lebron.player_name.as_str()),
        (2544, "LeBron James")
    );
    assert_eq!(
        (
            lebron.team.tricode(),
            lebron.opponent.tricode(),
            lebron.is_home
        ),
        ("LAL", "GSW", true)
    );
    assert_eq!((lebron.win, lebron.minutes), (Some(false), Some(37.0)));
    assert_eq!(
        (
            lebron.fgm,
            lebron.fga,
            lebron.fg3m,
            lebron.fg3a,
            lebron.ftm,
            lebron.fta
        ),
        (13, 23, 5, 11, 3, 6)
    );
    assert_eq!(
        (
            lebron.oreb,
            lebron.dreb,
            lebron.reb,
            lebron.ast,
            lebron.stl,
            lebron.blk
        ),
        (1, 10, 11, 5, 1, 1)
    );
    assert_eq!(
        (lebron.tov, lebron.pf, lebron.pts, lebron.plus_minus),
        (4, 5, 34, Some(-2))
    );
    assert_eq!(
        (rows[1].is_home, rows[1].win, rows[1].opponent.tricode()),
        (false, Some(true), "LAL")
    );
}

#[test]
fn columns_are_found_by_name_wherever_they_are() {
    // Reverse the columns of both header and row: a positional parser would fail.
    let rev = |s: &str| {
        let mut v: Vec<serde_json::Value> = serde_json::from_str(s).unwrap();
        v.reverse();
        serde_json::to_string(&v).unwrap()
    };
    let rows = lines_of(&payload(&rev(HEADERS), &[&rev(ROW0)]));
    assert_eq!(rows[0].pts, 34);
    assert_eq!(rows[0].player_name, "LeBron James");
}

#[test]
fn singular_result_set_and_alternate_cell_types_are_accepted() {
    let row = r#"["22021",2544,"LeBron James",1610612747,"LAL","Los Angeles Lakers","0022100002","2021-10-19","LAL vs. GSW",null,"34:27",13.0,23,0.565,5,11,0.455,3,6,0.5,1,10,11,5,1,1,4,5,34,null]"#;
    let body = format!(
        r#"{{"resultSet":{{"name":"LeagueGameLog","headers":{HEADERS},"rowSet":[{row}]}}}}"#
    );
    let rows = lines_of(&body);
    assert_eq!(rows[0].fgm, 13);
    assert_eq!(rows[0].win, None);
    assert_eq!(rows[0].plus_minus, None);
    assert!((rows[0].minutes.unwrap() - (34.0 + 27.0 / 60.0)).abs() < 1e-9);
    assert!((minutes(&Cell::Str("34.000000:27".into())).unwrap() - 34.45).abs() < 1e-9);
    assert!(minutes(&Cell::Str("34:60".into())).is_err());
    assert_eq!(game_date("OCT 19, 2021").unwrap().to_string(), "2021-10-19");
    assert!(game_date("OCT 32, 2021").is_err());
}

#[test]
fn the_league_game_log_set_is_chosen_by_name() {
    let other = r#"{"name":"Other","headers":["X"],"rowSet":[[1]]}"#;
    let body = format!(
        r#"{{"resultSets":[{other},{{"name":"LeagueGameLog","headers":{HEADERS},"rowSet":[{ROW0}]}}]}}"#
    );
    assert_eq!(lines_of(&body).len(), 1);
    // Without it the first set is used, so the error names that set.
    let body = format!(r#"{{"resultSets":[{other}]}}"#);
    let e = parse_str(&body).unwrap_err();
    assert_eq!(e.field, "resultSets[0].headers.SEASON_ID");
}

#[test]
fn bodies_that_are_not_payloads_are_named() {
    let e = parse_str("").unwrap_err();
    assert_field(&e, FILE, DS, "(document)");
    assert_eq!(e.message, "empty payload");
    let e = parse_str(ACCESS_DENIED).unwrap_err();
    assert_field(&e, FILE, DS, "(document)");
    assert!(
        e.message
            .starts_with("expected JSON, got an HTML page: <HTML><HEAD> <TITLE>Access Denied"),
        "{e}"
    );
    assert!(!e.message.contains('\n'));
    let full = payload(HEADERS, &[ROW0, ROW1]);
    let cut = &full[..full.find("Kevon").unwrap() + 3];
    let e = parse_str(cut).unwrap_err();
    assert_field(&e, FILE, DS, "resultSets[0].rowSet[1].PLAYER_NAME");
    assert!(
        e.message
            .starts_with("truncated JSON: EOF while parsing a string at line 1 column"),
        "{e}"
    );
    let e = parse_str(r#"{"resultSets":[]}"#).unwrap_err();
    assert_field(&e, FILE, DS, "resultSets");
    let e = parse_str(r#"{"resource":"x"}"#).unwrap_err();
    assert_field(&e, FILE, DS, "resultSets");
}

#[test]
fn wrong_cells_quarantine_their_row_named_by_row_and_header() {
    let bad = |row: String, field: &str, needle: &str| {
        let log = parse_str(&payload(HEADERS, &[ROW0, &row])).unwrap();
        // The other row is kept (alone, its game has one team: its own claim stands).
        assert_eq!(log.lines.len(), 1, "{field}");
        assert_eq!(
            (log.lines[0].player_id, log.row_path(log.rows[0])),
            (2544, "resultSets[0].rowSet[0]".to_string())
        );
        let [q] = log.quarantined.as_slice() else {
            panic!("one quarantined row expected: {:?}", log.quarantined)
        };
        assert!(q.row.starts_with("resultSets[0].rowSet[1]"), "{}", q.row);
        let e = &q.error;
        assert_field(e, FILE, DS, field);
        assert!(e.message.contains(needle), "{e}");
    };
    bad(
        ROW1.replace(",7,-8]", r#","7",-8]"#),
        "resultSets[0].rowSet[1].PTS",
        r#"string "7""#,
    );
    bad(
        ROW1.replace(",7,-8]", ",7.5,-8]"),
        "resultSets[0].rowSet[1].PTS",
        "number 7.5",
    );
    bad(
        ROW1.replace(",7,-8]", ",null,-8]"),
        "resultSets[0].rowSet[1].PTS",
        "null",
    );
    bad(
        ROW1.replace(",7,-8]", ",[7],-8]"),
        "resultSets[0].rowSet[1].PTS",
        "array",
    );
    bad(
        ROW1.replace("1610612744", "1610612747"),
        "resultSets[0].rowSet[1].TEAM_ID",
        "LAL",
    );
    bad(
        ROW1.replace("GSW @ LAL", "LAL @ BOS"),
        "resultSets[0].rowSet[1].MATCHUP",
        "row's team GSW",
    );
    bad(
        ROW1.replace("GSW @ LAL", "GSW at LAL"),
        "resultSets[0].rowSet[1].MATCHUP",
        "GSW at LAL",
    );
    bad(
        ROW1.replace(r#""W""#, r#""T""#),
        "resultSets[0].rowSet[1].WL",
        "\"T\"",
    );
    bad(
        ROW1.replace("0022100002", "22100002"),
        "resultSets[0].rowSet[1].GAME_ID",
        "22100002",
    );
    bad(
        ROW1.replace("\"GSW\"", "\"XYZ\""),
        "resultSets[0].rowSet[1].TEAM_ABBREVIATION",
        "XYZ",
    );
    bad(
        ROW1.replace("2021-10-19", "10/19/2021"),
        "resultSets[0].rowSet[1].GAME_DATE",
        "10/19/2021",
    );
    bad(
        ROW1.replace(",15,3,", r#","15:99",3,"#),
        "resultSets[0].rowSet[1].MIN",
        "15:99",
    );
    bad(
        ROW1.replace(",-8]", "]"),
        "resultSets[0].rowSet[1]",
        "29 cells but there are 30 headers",
    );
}

#[test]
fn a_missing_header_is_named() {
    let headers = HEADERS.replace(r#""PTS","#, r#""POINTS","#);
    let e = parse_str(&payload(&headers, &[ROW0])).unwrap_err();
    assert_field(&e, FILE, DS, "resultSets[0].headers.PTS");
    assert!(e.message.contains("required header PTS is missing"), "{e}");
}

#[test]
fn team_mode_payloads_are_rejected_for_their_missing_player_columns() {
    let Some(dir) = shared_data_dir() else { return };
    for rel in [
        "fixtures/pbpstats/tests/data/schedule/stats_leaguegamelog_nba_2018_19_Regular_Season.json",
        "fixtures/nba_api/leaguegamelog__Counter=0_Direction=ASC_LeagueID=00_PlayerOrTeam=T_Season=2025-26_SeasonType=Regular-Season_Sorter=DATE.json",
    ] {
        let src = Source {
            file: rel,
            dataset: DS,
        };
        let e = parse(&read(&dir.join(rel)), &src).unwrap_err();
        assert_field(&e, rel, DS, "resultSets[0].headers.PLAYER_ID");
    }
}

#[test]
fn the_real_capture_with_extra_columns_parses() {
    let Some(dir) = shared_data_dir() else { return };
    let rel = "fixtures/najicham/nbac_player_boxscore/raw_2ad17718.json";
    let log = parse(
        &read(&dir.join(rel)),
        &Source {
            file: rel,
            dataset: DS,
        },
    )
    .unwrap();
    assert_eq!(log.quarantined, []);
    let rows = log.lines;
    assert_eq!(rows.len(), 157);
    assert!(
        rows.iter()
            .all(|r| r.season == Season::new(2024) && r.game_date.to_string() == "2025-03-15")
    );
    let curry = rows
        .iter()
        .find(|r| r.player_name == "Stephen Curry")
        .unwrap();
    assert_eq!(
        (
            curry.pts,
            curry.team.tricode(),
            curry.opponent.tricode(),
            curry.is_home
        ),
        (28, "GSW", "NYK", true)
    );
}

/// Every archive file parses; per season the row and game counts are the README's, every row
/// sits in the file of its date, and every game has two teams, one at home, one winner.
#[test]
fn every_archived_game_log_parses_with_the_readme_counts() {
    let Some(dir) = shared_data_dir() else { return };
    let files = files_under(&dir.join("archive/nbacom/leaguegamelog_player"), ".json");
    assert_eq!(files.len(), 489);
    let mut per_season: BTreeMap<String, (usize, HashSet<GameId>, usize)> = BTreeMap::new();
    // Per game and team: (is_home, win, opponent) as every row of that team says.
    type Side = (bool, Option<bool>, Team);
    let mut sides: HashMap<GameId, HashMap<Team, Side>> = HashMap::new();
    let started = std::time::Instant::now();
    let mut bytes_total = 0;
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let bytes = read(path);
        bytes_total += bytes.len();
        let log = parse(
            &bytes,
            &Source {
                file: &name,
                dataset: DS,
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        // The range checks hold for every real row.
        assert_eq!(log.quarantined, [], "{name}");
        let rows = log.lines;
        assert!(!rows.is_empty(), "{name}");
        let season = rows[0].season.to_string();
        let entry = per_season.entry(season).or_default();
        entry.0 += rows.len();
        entry.2 += 1;
        for r in rows {
            assert_eq!(format!("{}.json", r.game_date), name);
            assert_eq!(r.season, r.game_date.season());
            let side = (r.is_home, r.win, r.opponent);
            let prev = sides
                .entry(r.game_id.clone())
                .or_default()
                .insert(r.team, side);
            assert!(
                prev.is_none() || prev == Some(side),
                "{name}: {} disagrees with a teammate",
                r.player_name
            );
            entry.1.insert(r.game_id);
        }
    }
    eprintln!(
        "leaguegamelog: {} files, {bytes_total} bytes parsed in {:?} (this build's profile)",
        files.len(),
        started.elapsed()
    );
    let counts: Vec<(&str, usize, usize, usize)> = per_season
        .iter()
        .map(|(s, (rows, games, files))| (s.as_str(), *rows, games.len(), *files))
        .collect();
    assert_eq!(
        counts,
        [
            ("2021-22", 26039, 1230, 165),
            ("2022-23", 25895, 1230, 164),
            ("2023-24", 26401, 1230, 160)
        ]
    );
    for (game, teams) in &sides {
        let v: Vec<_> = teams.iter().collect();
        assert_eq!(v.len(), 2, "{game}");
        let ((a, (a_home, a_win, a_opp)), (b, (b_home, b_win, b_opp))) = (v[0], v[1]);
        assert!(a_home != b_home && a_opp == b && b_opp == a, "{game}");
        assert!(a_win.is_some() && a_win.map(|w| !w) == *b_win, "{game}");
    }
}

#[test]
fn errors_name_source_on_every_path() {
    let log = parse_str(&payload(HEADERS, &[&ROW0.replace("2544", "\"2544\"")])).unwrap();
    let e = &log.quarantined[0].error;
    assert_names(e, FILE, DS);
    assert_eq!(
        e.to_string(),
        format!(
            "{DS} payload {FILE}: field resultSets[0].rowSet[0].PLAYER_ID: expected an integer, got string \"2544\""
        )
    );
}

/// Neutral-site games (Mexico City, Paris, Cup knockouts in Las Vegas): stats.nba.com writes
/// "AWAY @ HOME" on both teams' rows, so the home team's rows do not start with their team.
#[test]
fn neutral_site_rows_written_away_at_home_for_both_teams_are_kept() {
    let lal = ROW0.replace("LAL vs. GSW", "GSW @ LAL");
    let rows = lines_of(&payload(HEADERS, &[&lal, ROW1]));
    let got: Vec<(&str, &str, bool)> = rows
        .iter()
        .map(|r| (r.team.tricode(), r.opponent.tricode(), r.is_home))
        .collect();
    assert_eq!(got, [("LAL", "GSW", true), ("GSW", "LAL", false)]);
    assert_eq!((rows[0].pts, rows[1].pts), (34, 7));
}

/// Rows that disagree about the host (each claims home) still make one game with one home team.
#[test]
fn a_game_whose_rows_both_claim_home_gets_one_home_team() {
    let gsw = ROW1.replace("GSW @ LAL", "GSW vs. LAL");
    let rows = lines_of(&payload(HEADERS, &[ROW0, &gsw]));
    let homes: Vec<bool> = rows.iter().map(|r| r.is_home).collect();
    assert_eq!(homes, [true, false]);
    // An "X @ Y" row names the host explicitly and decides over "vs." rows.
    let lal = ROW0.replace("LAL vs. GSW", "LAL @ GSW");
    let rows = lines_of(&payload(
        HEADERS,
        &[ROW0, &lal.replace("2544", "2545"), &gsw],
    ));
    let homes: Vec<(&str, bool)> = rows.iter().map(|r| (r.team.tricode(), r.is_home)).collect();
    assert_eq!(homes, [("LAL", false), ("LAL", false), ("GSW", true)]);
}

#[test]
fn a_row_naming_another_opponent_than_its_game_is_quarantined() {
    let gsw = ROW1.replace("GSW @ LAL", "GSW @ BOS");
    let log = parse_str(&payload(HEADERS, &[ROW0, &gsw])).unwrap();
    assert_eq!(log.lines.len(), 1);
    let q = &log.quarantined[0];
    assert_eq!(
        q.row,
        "resultSets[0].rowSet[1] (game 0022100002, player 1626172)"
    );
    assert_field(&q.error, FILE, DS, "resultSets[0].rowSet[1].MATCHUP");
    assert!(q.error.message.contains("other team is LAL"), "{}", q.error);
}

#[test]
fn counting_stats_out_of_range_quarantine_their_row() {
    let bad = |row: String, field: &str, needle: &str| {
        let log = parse_str(&payload(HEADERS, &[ROW0, &row])).unwrap();
        assert_eq!(log.lines.len(), 1, "{field}");
        assert_eq!(log.lines[0].pts, 34);
        let [q] = log.quarantined.as_slice() else {
            panic!(
                "one quarantined row expected for {field}: {:?}",
                log.quarantined
            )
        };
        assert_field(&q.error, FILE, DS, field);
        assert!(q.error.message.contains(needle), "{}", q.error);
    };
    bad(
        ROW1.replace(",7,-8]", ",-40,-8]"),
        "resultSets[0].rowSet[1].PTS",
        "-40 is outside 0..=150",
    );
    // Made more than attempted.
    bad(
        ROW1.replace(",15,3,5,", ",15,6,5,"),
        "resultSets[0].rowSet[1].FGM",
        "6 field goals made but only 5 attempted",
    );
    bad(
        ROW1.replace(",2,2,4,1,", ",2,2,5,1,"),
        "resultSets[0].rowSet[1].REB",
        "5 rebounds but 2 offensive + 2 defensive",
    );
    bad(
        ROW1.replace(",15,3,", ",90,3,"),
        "resultSets[0].rowSet[1].MIN",
        "90 minutes",
    );
    bad(
        ROW1.replace(",7,-8]", ",9,-8]"),
        "resultSets[0].rowSet[1].PTS",
        "9 points but 2·3 field goals + 0 threes + 1 free throws make 7",
    );
    bad(
        ROW1.replace(",1,1,1,0,7,", ",1,1,1,-1,7,"),
        "resultSets[0].rowSet[1].PF",
        "-1 is outside",
    );
}
