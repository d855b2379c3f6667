//! The pure computation of phases 3-4 for one season, no database: leaguegamelog payloads in
//! memory → parsed lines → team games and player summaries → rolling windows for every
//! player-game. `cargo bench -p nba-props-pipeline --bench analytics -- [SEASON] [REPEATS]`.
//! The reference is a straightforward pandas implementation of the same steps: 0.33 s.

use nba_props_core::{GameDate, Season};
use nba_props_pipeline::analytics::rolling::{PastGame, windows};
use nba_props_pipeline::analytics::summary::{player_summaries, team_games};
use nba_props_pipeline::parse::{Source, leaguegamelog};
use nba_props_pipeline::testdata;
use std::collections::HashMap;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let season = Season::parse(args.first().map_or("2023-24", String::as_str))
        .expect("a season like 2023-24");
    let repeats: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10);
    let Some(data) = testdata::shared_data_dir() else {
        return;
    };
    let (first, last) = season.date_range();
    let payloads: Vec<(String, Vec<u8>)> = first
        .through(last)
        .filter_map(|d| {
            let rel = format!("nbacom/leaguegamelog_player/{d}.json");
            std::fs::read(data.join("archive").join(&rel))
                .ok()
                .map(|b| (rel, b))
        })
        .collect();
    let mut times = Vec::new();
    let mut checksum = 0.0;
    for _ in 0..repeats {
        let t = Instant::now();
        let mut lines = Vec::new();
        for (file, bytes) in &payloads {
            let src = Source {
                file,
                dataset: "nbacom/leaguegamelog_player",
            };
            lines.extend(
                leaguegamelog::parse(bytes, &src)
                    .expect("real payloads parse")
                    .lines,
            );
        }
        let (teams, _) = team_games(&lines);
        let summaries = player_summaries(&lines, &teams);
        let mut history: HashMap<i64, Vec<PastGame>> = HashMap::new();
        for s in &summaries {
            let l = s.line;
            history.entry(l.player_id).or_default().push(PastGame {
                date: l.game_date,
                season: l.season,
                team: l.team,
                opponent: l.opponent,
                minutes: l.minutes.unwrap_or(0.0),
                points: l.pts as f64,
                usage: s.usage_rate,
            });
        }
        let mut features = 0usize;
        for games in history.values_mut() {
            games.sort_by_key(|g| g.date);
            for i in 0..games.len() {
                let as_of: GameDate = games[i].date;
                let w = windows(&games[..i], as_of, season);
                checksum += w.pts_l10.unwrap_or(0.0);
                features += 1;
            }
        }
        times.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(features, lines.len());
    }
    times.sort_by(f64::total_cmp);
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("?").to_string())
        })
        .unwrap_or_else(|| "?".into());
    println!(
        "season {season}: {} payloads → {:.1} ms median of {repeats} (parse, summaries, team games, windows for every \
         player-game); peak RSS {peak} kB; checksum {checksum:.1}",
        payloads.len(),
        times[times.len() / 2]
    );
}
