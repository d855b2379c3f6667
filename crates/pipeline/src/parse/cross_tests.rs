//! Checks across parsers over the real data: each parser's reading agrees with another source.

use super::test_support::{files_under, read};
use super::{Source, game_lines, leaguegamelog, schedule};
use crate::testdata::shared_data_dir;
use nba_props_core::{GameDate, GameId, SeasonType, Team};
use std::collections::{BTreeSet, HashMap};

/// In the built schedules (2021-22, 2022-23) every regular-season final score equals the sum of
/// the players' PTS for that team in that game, and both sources list the same 1230 games.
#[test]
fn schedule_scores_equal_summed_box_score_points() {
    let Some(dir) = shared_data_dir() else { return };
    let mut pts: HashMap<(GameId, Team), i32> = HashMap::new();
    for path in files_under(&dir.join("archive/nbacom/leaguegamelog_player"), ".json") {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let src = Source {
            file: &name,
            dataset: "nbacom/leaguegamelog_player",
        };
        for r in leaguegamelog::parse(&read(&path), &src).unwrap().lines {
            *pts.entry((r.game_id, r.team)).or_default() += r.pts;
        }
    }
    for season in ["2021-22", "2022-23"] {
        let file = format!("{season}.json");
        let src = Source {
            file: &file,
            dataset: "nbacom/schedule",
        };
        let sched = schedule::parse(
            &read(&dir.join("archive/nbacom/schedule").join(&file)),
            &src,
        )
        .unwrap();
        let mut checked = BTreeSet::new();
        for g in sched
            .games
            .iter()
            .filter(|g| g.game_id.season_type() == SeasonType::Regular)
        {
            for (team, score) in [(g.home, g.home_score), (g.away, g.away_score)] {
                let summed = pts.get(&(g.game_id.clone(), team)).copied();
                assert_eq!(summed, score, "{season} {} {team}", g.game_id);
            }
            checked.insert(g.game_id.clone());
        }
        let boxed: BTreeSet<GameId> = pts
            .keys()
            .map(|(g, _)| g.clone())
            .filter(|g| g.as_str()[3..5] == season[2..4])
            .collect();
        assert_eq!(checked.len(), 1230, "{season}");
        assert_eq!(
            checked, boxed,
            "{season}: schedule and box scores list different games"
        );
    }
}

/// Game lines matched to a final game by date, home and away carry its total and home margin,
/// except for the README's listed rows that match no game.
#[test]
fn game_line_results_equal_schedule_scores() {
    let Some(dir) = shared_data_dir() else { return };
    for (season, unmatched) in [("2021-22", 1), ("2022-23", 1)] {
        let file = format!("{season}.json");
        let src = Source {
            file: &file,
            dataset: "nbacom/schedule",
        };
        let sched = schedule::parse(
            &read(&dir.join("archive/nbacom/schedule").join(&file)),
            &src,
        )
        .unwrap();
        let finals: HashMap<(GameDate, Team, Team), (i32, i32)> = sched
            .games
            .iter()
            .map(|g| {
                (
                    (g.game_date, g.home, g.away),
                    (g.home_score.unwrap(), g.away_score.unwrap()),
                )
            })
            .collect();
        let file = format!("{season}.csv");
        let src = Source {
            file: &file,
            dataset: "sbr/game_lines",
        };
        let rows = game_lines::parse(&read(&dir.join("archive/sbr/game_lines").join(&file)), &src)
            .unwrap()
            .rows;
        let mut missing = 0;
        for r in &rows {
            let Some(&(h, a)) = finals.get(&(r.date, r.home, r.away)) else {
                missing += 1;
                continue;
            };
            assert_eq!(
                (r.final_total, r.final_home_margin),
                (Some(h + a), Some(h - a)),
                "{file} line {}",
                r.line
            );
        }
        assert_eq!(missing, unmatched, "{file}");
    }
}
