//! Rolling windows over a player's past games, counted in games played.
//!
//! Strictly before: callers pass only games dated before the partition's date; [`windows`]
//! also drops any game on or after `as_of`, so a caller's slip cannot leak the game itself.
//!
//! Start of season (the bootstrap rule): the last-N windows reach back into the previous season
//! when the current one has fewer than N games (`games_previous_season_used` says how many
//! games came from there); season averages use the current season only and are NULL before the
//! player's first game of it. A window with fewer games than its size is still computed and the
//! feature row's quality fields say so.

use nba_props_core::{GameDate, Season, Team};

/// One past game of a player, as phase 4 reads it from `player_game_summary`.
#[derive(Debug, Clone, PartialEq)]
pub struct PastGame {
    pub date: GameDate,
    pub season: Season,
    pub team: Team,
    pub opponent: Team,
    pub minutes: f64,
    pub points: f64,
    pub usage: Option<f64>,
}

/// The windows of one player as of a date.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Windows {
    pub games_season: i64,
    pub games_previous_season_used: i64,
    pub pts_l3: Option<f64>,
    pub pts_l5: Option<f64>,
    pub pts_l10: Option<f64>,
    pub pts_season: Option<f64>,
    pub pts_std_l5: Option<f64>,
    pub pts_std_l10: Option<f64>,
    pub pts_slope_l10: Option<f64>,
    pub min_l3: Option<f64>,
    pub min_l5: Option<f64>,
    pub min_l10: Option<f64>,
    pub min_season: Option<f64>,
    pub min_std_l10: Option<f64>,
    pub ppm_l10: Option<f64>,
    pub ppm_season: Option<f64>,
    pub usage_l3: Option<f64>,
    pub usage_l10: Option<f64>,
    pub usage_season: Option<f64>,
    pub usage_std_l10: Option<f64>,
}

/// Arithmetic mean; None for no values.
pub fn mean(xs: impl Iterator<Item = f64>) -> Option<f64> {
    let (n, sum) = xs.fold((0usize, 0.0), |(n, s), x| (n + 1, s + x));
    (n > 0).then(|| sum / n as f64)
}

/// Sample standard deviation; None below two values.
fn std(xs: impl Iterator<Item = f64> + Clone) -> Option<f64> {
    let n = xs.clone().count();
    let m = mean(xs.clone())?;
    (n >= 2).then(|| (xs.map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt())
}

/// Least-squares slope of the values against their order (points per game of trend); None
/// below three values.
fn slope(xs: impl Iterator<Item = f64> + Clone) -> Option<f64> {
    let n = xs.clone().count();
    if n < 3 {
        return None;
    }
    let mx = (n as f64 - 1.0) / 2.0;
    let my = xs.clone().sum::<f64>() / n as f64;
    let (num, den) = xs.enumerate().fold((0.0, 0.0), |(num, den), (i, y)| {
        let dx = i as f64 - mx;
        (num + dx * (y - my), den + dx * dx)
    });
    Some(num / den)
}

fn per_minute(games: &[PastGame]) -> Option<f64> {
    let minutes: f64 = games.iter().map(|g| g.minutes).sum();
    (minutes > 0.0).then(|| games.iter().map(|g| g.points).sum::<f64>() / minutes)
}

/// Windows as of `as_of` for `season`, from `history` sorted by date (oldest first). Every
/// window is a slice of the history (seasons follow each other in time), so nothing is copied.
pub fn windows(history: &[PastGame], as_of: GameDate, season: Season) -> Windows {
    let past = &history[..history.partition_point(|g| g.date < as_of)];
    let last = |n: usize| &past[past.len().saturating_sub(n)..];
    let this_season = &past[past.partition_point(|g| g.season < season)..];
    let (l3, l5, l10) = (last(3), last(5), last(10));
    let pts = |gs: &[PastGame]| mean(gs.iter().map(|g| g.points));
    let mins = |gs: &[PastGame]| mean(gs.iter().map(|g| g.minutes));
    let usage = |gs: &[PastGame]| mean(gs.iter().filter_map(|g| g.usage));
    Windows {
        games_season: this_season.len() as i64,
        games_previous_season_used: l10.iter().filter(|g| g.season != season).count() as i64,
        pts_l3: pts(l3),
        pts_l5: pts(l5),
        pts_l10: pts(l10),
        pts_season: pts(this_season),
        pts_std_l5: std(l5.iter().map(|g| g.points)),
        pts_std_l10: std(l10.iter().map(|g| g.points)),
        pts_slope_l10: slope(l10.iter().map(|g| g.points)),
        min_l3: mins(l3),
        min_l5: mins(l5),
        min_l10: mins(l10),
        min_season: mins(this_season),
        min_std_l10: std(l10.iter().map(|g| g.minutes)),
        ppm_l10: per_minute(l10),
        ppm_season: per_minute(this_season),
        usage_l3: usage(l3),
        usage_l10: usage(l10),
        usage_season: usage(this_season),
        usage_std_l10: std(l10.iter().filter_map(|g| g.usage)),
    }
}

/// One past game's counts beyond points and minutes, for the windows of feature version 2
/// (rebounds, assists, points + rebounds + assists, threes).
#[derive(Debug, Clone, PartialEq)]
pub struct PastBox {
    pub date: GameDate,
    pub season: Season,
    pub minutes: f64,
    pub reb: f64,
    pub ast: f64,
    pub pra: f64,
    pub fg3m: f64,
    pub fg3a: f64,
}

/// Last-5, last-10 and season mean and the last-10 sample standard deviation of one stat.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StatWindow {
    pub l5: Option<f64>,
    pub l10: Option<f64>,
    pub season: Option<f64>,
    pub std_l10: Option<f64>,
}

/// The version 2 windows of one player as of a date.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BoxWindows {
    pub reb: StatWindow,
    pub ast: StatWindow,
    pub pra: StatWindow,
    pub pra_l3: Option<f64>,
    /// PRA per minute over the last 10 games (total PRA / total minutes).
    pub pra_per_min_l10: Option<f64>,
    pub fg3m: StatWindow,
    pub fg3a_l10: Option<f64>,
}

/// [`windows`] for the counts of [`PastBox`]: the same strictly-before cut, the same last-N
/// bootstrap into the previous season, season means of the current season only.
pub fn box_windows(history: &[PastBox], as_of: GameDate, season: Season) -> BoxWindows {
    let past = &history[..history.partition_point(|g| g.date < as_of)];
    let last = |n: usize| &past[past.len().saturating_sub(n)..];
    let this_season = &past[past.partition_point(|g| g.season < season)..];
    let (l3, l5, l10) = (last(3), last(5), last(10));
    let stat = |v: fn(&PastBox) -> f64| StatWindow {
        l5: mean(l5.iter().map(v)),
        l10: mean(l10.iter().map(v)),
        season: mean(this_season.iter().map(v)),
        std_l10: std(l10.iter().map(v)),
    };
    let minutes: f64 = l10.iter().map(|g| g.minutes).sum();
    BoxWindows {
        reb: stat(|g| g.reb),
        ast: stat(|g| g.ast),
        pra: stat(|g| g.pra),
        pra_l3: mean(l3.iter().map(|g| g.pra)),
        pra_per_min_l10: (minutes > 0.0).then(|| l10.iter().map(|g| g.pra).sum::<f64>() / minutes),
        fg3m: stat(|g| g.fg3m),
        fg3a_l10: mean(l10.iter().map(|g| g.fg3a)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn game(date: &str, season: i16, points: f64) -> PastGame {
        let (team, opponent) = (
            Team::from_abbreviation("DEN").unwrap(),
            Team::from_abbreviation("LAL").unwrap(),
        );
        PastGame {
            date: GameDate::parse(date).unwrap(),
            season: Season::new(season),
            team,
            opponent,
            minutes: 30.0,
            points,
            usage: Some(20.0),
        }
    }

    #[test]
    fn windows_count_games_and_never_see_the_day_itself() {
        let h = vec![
            game("2024-04-10", 2023, 10.0),
            game("2024-10-24", 2024, 20.0),
            game("2024-10-26", 2024, 30.0),
            game("2024-10-28", 2024, 99.0),
        ];
        let w = windows(
            &h,
            GameDate::parse("2024-10-28").unwrap(),
            Season::new(2024),
        );
        assert_eq!(
            w.pts_l3,
            Some(20.0),
            "last three games: 10, 20, 30, not the 99 of the day itself"
        );
        assert_eq!(w.pts_season, Some(25.0));
        assert_eq!((w.games_season, w.games_previous_season_used), (2, 1));
        assert_eq!(w.pts_std_l5, Some(10.0));
        assert_eq!(w.pts_slope_l10, Some(10.0));
        assert_eq!(w.ppm_l10, Some(60.0 / 90.0));
    }

    #[test]
    fn box_windows_use_only_earlier_games_and_this_seasons_means() {
        let g = |date: &str, season: i16, reb: f64, fg3m: f64| PastBox {
            date: GameDate::parse(date).unwrap(),
            season: Season::new(season),
            minutes: 20.0,
            reb,
            ast: 1.0,
            pra: reb + 1.0 + 10.0,
            fg3m,
            fg3a: 2.0 * fg3m,
        };
        let h = vec![
            g("2024-04-10", 2023, 2.0, 0.0),
            g("2024-10-24", 2024, 4.0, 1.0),
            g("2024-10-26", 2024, 6.0, 3.0),
            g("2024-10-28", 2024, 50.0, 9.0),
        ];
        let w = box_windows(
            &h,
            GameDate::parse("2024-10-28").unwrap(),
            Season::new(2024),
        );
        assert_eq!(w.reb.l5, Some(4.0), "2, 4, 6 and not the 50 of the day");
        assert_eq!(w.reb.season, Some(5.0), "this season only: 4 and 6");
        assert_eq!(w.reb.std_l10, Some(2.0));
        assert_eq!(w.fg3m.l10, Some(4.0 / 3.0));
        assert_eq!(w.fg3a_l10, Some(8.0 / 3.0));
        assert_eq!(w.pra.l10, Some(15.0));
        assert_eq!(w.pra_per_min_l10, Some(45.0 / 60.0));
        let none = box_windows(
            &[],
            GameDate::parse("2024-10-28").unwrap(),
            Season::new(2024),
        );
        assert_eq!(none, BoxWindows::default());
    }

    #[test]
    fn no_history_means_nulls_not_zeros() {
        let w = windows(
            &[],
            GameDate::parse("2024-10-22").unwrap(),
            Season::new(2024),
        );
        assert_eq!(w, Windows::default());
        assert_eq!(w.pts_l5, None);
    }
}
