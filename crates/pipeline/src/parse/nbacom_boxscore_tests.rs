use super::*;
use crate::parse::leaguegamelog;
use crate::parse::test_support::{
    ACCESS_DENIED, CDN_FIXTURE, V3_FIXTURE, assert_field, error_after, fixture,
};
use crate::testdata::shared_data_dir;
use std::collections::HashMap;

const V3: Source = Source {
    file: "boxscoretraditionalv3_0022200552.json",
    dataset: "nbacom/boxscoretraditionalv3",
};
const CDN: Source = Source {
    file: "boxscore_0022000001.json",
    dataset: "nbacom/cdn_boxscore",
};

fn starters(t: &TeamBox) -> usize {
    t.players.iter().filter(|p| p.starter == Some(true)).count()
}

#[test]
fn the_real_v3_box_score_parses_by_field_name() {
    let Some(bytes) = fixture(V3_FIXTURE) else {
        return;
    };
    let b = parse_v3(&bytes, &V3).unwrap();
    assert_eq!(b.game_id.as_str(), "0022200552");
    assert_eq!(
        (b.home.team.tricode(), b.away.team.tricode()),
        ("CLE", "CHI")
    );
    // Overtime: 145-134, and each side's players add up to it (the parser checks that too).
    assert_eq!((b.home.points, b.away.points), (145, 134));
    assert_eq!((b.status, b.game_date), (None, None));
    assert_eq!(
        b.captured_at.unwrap().to_string(),
        "2025-02-17T16:51:47.5147Z"
    );
    assert_eq!((starters(&b.home), starters(&b.away)), (5, 5));
    let mitchell = b
        .home
        .players
        .iter()
        .find(|p| p.player_id == 1628378)
        .unwrap();
    assert_eq!(mitchell.name, "Donovan Mitchell");
    assert_eq!(mitchell.stats.points, 71);
    assert!(mitchell.played && mitchell.dnp_reason.is_none());
    let mobley = b
        .home
        .players
        .iter()
        .find(|p| p.player_id == 1630600)
        .unwrap();
    assert_eq!(
        (mobley.played, mobley.minutes, mobley.dnp_reason.as_deref()),
        (false, None, Some("DNP - Coach's Decision"))
    );
    let stevens = &b.home.players[0];
    assert_eq!(stevens.name, "Lamar Stevens");
    assert!((stevens.minutes.unwrap() - (19.0 + 9.0 / 60.0)).abs() < 1e-9);
    assert_eq!(stevens.stats.plus_minus, Some(-6));
    // Team minutes: five players on the floor for 53 minutes (one overtime).
    let minutes: f64 = b.home.players.iter().filter_map(|p| p.minutes).sum();
    assert!((minutes - 265.0).abs() < 0.1, "{minutes}");
}

#[test]
fn the_real_cdn_box_score_parses_by_field_name() {
    let Some(bytes) = fixture(CDN_FIXTURE) else {
        return;
    };
    let b = parse_cdn(&bytes, &CDN).unwrap();
    assert_eq!(b.game_id.as_str(), "0022000001");
    assert_eq!(
        (b.home.team.tricode(), b.away.team.tricode()),
        ("BKN", "GSW")
    );
    assert_eq!((b.home.points, b.away.points), (125, 99));
    assert_eq!(b.status, Some(GameStatus::Final));
    assert_eq!(b.game_date.unwrap().to_string(), "2020-12-22");
    // 23:24 Eastern, after the 7 pm tip and its 134 minutes.
    assert_eq!(
        b.captured_at.unwrap().to_string(),
        "2020-12-23T04:24:13.537508Z"
    );
    assert_eq!((b.home.players.len(), b.away.players.len()), (17, 17));
    assert_eq!((starters(&b.home), starters(&b.away)), (5, 5));
    let claxton = b
        .home
        .players
        .iter()
        .find(|p| p.player_id == 1629651)
        .unwrap();
    assert_eq!(
        (claxton.played, claxton.dnp_reason.as_deref()),
        (false, Some("INACTIVE_INJURY: Right Knee Tendinopathy"))
    );
    assert_eq!(claxton.minutes, Some(0.0));
    let harris = &b.home.players[0];
    assert_eq!(
        (harris.name.as_str(), harris.stats.points),
        ("Joe Harris", 10)
    );
    assert!((harris.minutes.unwrap() - (20.0 + 46.0 / 60.0)).abs() < 1e-9);
    assert_eq!(harris.stats.plus_minus, Some(21));
    let minutes: f64 = b.home.players.iter().filter_map(|p| p.minutes).sum();
    assert!((minutes - 240.0).abs() < 0.1, "{minutes}");
}

/// The v3 box score and the leaguegamelog row of the same game (2023-01-02 in the archive)
/// agree player by player on points, field goals, rebounds, assists and whole minutes.
#[test]
fn v3_agrees_with_the_leaguegamelog_of_the_same_game() {
    let (Some(bytes), Some(dir)) = (fixture(V3_FIXTURE), shared_data_dir()) else {
        return;
    };
    let b = parse_v3(&bytes, &V3).unwrap();
    let log_path = dir.join("archive/nbacom/leaguegamelog_player/2023-01-02.json");
    let src = Source {
        file: "2023-01-02.json",
        dataset: "nbacom/leaguegamelog_player",
    };
    let lines: HashMap<i64, leaguegamelog::BoxScoreLine> =
        leaguegamelog::parse(&std::fs::read(log_path).unwrap(), &src)
            .unwrap()
            .lines
            .into_iter()
            .filter(|l| l.game_id == b.game_id)
            .map(|l| (l.player_id, l))
            .collect();
    let played: Vec<&PlayerLine> = b
        .home
        .players
        .iter()
        .chain(&b.away.players)
        .filter(|p| p.played)
        .collect();
    // leaguegamelog lists exactly the players who played.
    assert_eq!(played.len(), lines.len());
    for p in played {
        let l = &lines[&p.player_id];
        assert_eq!(
            (
                p.stats.points,
                p.stats.fgm,
                p.stats.fga,
                p.stats.fg3m,
                p.stats.reb,
                p.stats.ast
            ),
            (l.pts, l.fgm, l.fga, l.fg3m, l.reb, l.ast),
            "{}",
            p.name
        );
        assert_eq!(p.stats.plus_minus, l.plus_minus, "{}", p.name);
        // The archive's MIN is whole minutes, rounded.
        let whole = l.minutes.unwrap();
        assert!(
            (p.minutes.unwrap() - whole).abs() <= 0.5,
            "{} {whole}",
            p.name
        );
    }
}

#[test]
fn a_box_score_that_disagrees_with_itself_is_refused_naming_the_team_total() {
    let Some(bytes) = fixture(CDN_FIXTURE) else {
        return;
    };
    let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    // One more two-pointer for a player: his line is consistent, the team's total is not.
    let stats = &mut v["game"]["awayTeam"]["players"][0]["statistics"];
    for (k, by) in [
        ("points", 2),
        ("fieldGoalsMade", 1),
        ("fieldGoalsAttempted", 1),
    ] {
        stats[k] = (stats[k].as_i64().unwrap() + by).into();
    }
    let e = parse_cdn(&serde_json::to_vec(&v).unwrap(), &CDN).unwrap_err();
    assert_field(&e, CDN.file, CDN.dataset, "game.awayTeam.score");
    assert!(e.message.contains("add up to"), "{e}");
}

/// A player line that breaks the range checks is set aside with its field and reason; the
/// others are kept, and the team's points stay the payload's own (the sum cannot confirm them
/// without that player).
#[test]
fn a_player_line_out_of_range_is_quarantined_and_the_others_kept() {
    let Some(bytes) = fixture(CDN_FIXTURE) else {
        return;
    };
    let good = parse_cdn(&bytes, &CDN).unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    v["game"]["awayTeam"]["players"][0]["statistics"]["points"] = (-40).into();
    let b = parse_cdn(&serde_json::to_vec(&v).unwrap(), &CDN).unwrap();
    assert_eq!(b.away.players.len(), good.away.players.len() - 1);
    assert_eq!(b.away.players[..], good.away.players[1..]);
    assert_eq!((b.away.points, &b.home), (good.away.points, &good.home));
    let [q] = b.quarantined.as_slice() else {
        panic!("{:?}", b.quarantined)
    };
    assert_eq!(q.row, "game.awayTeam.players[0] (player 203952)");
    assert_field(
        &q.error,
        CDN.file,
        CDN.dataset,
        "game.awayTeam.players[0].statistics.points",
    );
    assert_eq!(q.error.message, "-40 is outside 0..=150");
    // Made more than attempted, in the v3 shape.
    let Some(bytes) = fixture(V3_FIXTURE) else {
        return;
    };
    let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let stats = &mut v["boxScoreTraditional"]["homeTeam"]["players"][0]["statistics"];
    let attempted = stats["freeThrowsAttempted"].as_i64().unwrap();
    stats["freeThrowsMade"] = (attempted + 1).into();
    let b = parse_v3(&serde_json::to_vec(&v).unwrap(), &V3).unwrap();
    let [q] = b.quarantined.as_slice() else {
        panic!("{:?}", b.quarantined)
    };
    assert_eq!(
        q.error.field,
        "boxScoreTraditional.homeTeam.players[0].statistics.freeThrowsMade"
    );
    assert!(
        q.error.message.contains("free throws made but only"),
        "{}",
        q.error
    );
}

#[test]
fn wrong_fields_are_named() {
    let Some(bytes) = fixture(V3_FIXTURE) else {
        return;
    };
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let with = |f: &dyn Fn(&mut serde_json::Value)| {
        error_after(&v, f, |b| parse_v3(b, &V3).map(|g| g.quarantined))
    };
    let root = "boxScoreTraditional.homeTeam";
    let e = with(&|v| {
        v["boxScoreTraditional"]["homeTeam"]["players"][2]["statistics"]["assists"] = "x".into()
    });
    assert_field(
        &e,
        V3.file,
        V3.dataset,
        &format!("{root}.players[2].statistics.assists"),
    );
    let e = with(&|v| {
        v["boxScoreTraditional"]["homeTeam"]["players"][2]["statistics"]
            .as_object_mut()
            .unwrap()
            .remove("reboundsTotal");
    });
    assert_field(
        &e,
        V3.file,
        V3.dataset,
        &format!("{root}.players[2].statistics.reboundsTotal"),
    );
    let e = with(&|v| {
        v["boxScoreTraditional"]["homeTeam"]["players"][0]["statistics"]["minutes"] = "19m".into()
    });
    assert_field(
        &e,
        V3.file,
        V3.dataset,
        &format!("{root}.players[0].statistics.minutes"),
    );
    let e = with(&|v| v["boxScoreTraditional"]["homeTeam"]["teamTricode"] = "CHI".into());
    assert_field(&e, V3.file, V3.dataset, &format!("{root}.teamTricode"));
    let e = with(&|v| v["boxScoreTraditional"]["gameId"] = "22200552".into());
    assert_field(&e, V3.file, V3.dataset, "boxScoreTraditional.gameId");
    let e = parse_v3(ACCESS_DENIED.as_bytes(), &V3).unwrap_err();
    assert_field(&e, V3.file, V3.dataset, crate::parse::DOCUMENT);
    let e = parse_cdn(&bytes, &CDN).unwrap_err();
    assert_field(&e, CDN.file, CDN.dataset, "game");
}

#[test]
fn minutes_in_both_notations() {
    assert_eq!(clock_minutes("265:00"), Ok(265.0));
    assert_eq!(clock_minutes("0:30"), Ok(0.5));
    assert!(clock_minutes("12:60").is_err() && clock_minutes("12").is_err());
    assert_eq!(iso_minutes("PT07M30.00S"), Ok(7.5));
    assert_eq!(iso_minutes("PT240M00.00S"), Ok(240.0));
    assert!(iso_minutes("20:46").is_err() && iso_minutes("PT20M75S").is_err());
}
