//! nba.com: the CDN schedule (stats `scheduleleaguev2` as fallback), stats `leaguegamelog`
//! (player and team) for a date, `boxscoretraditionalv3` per game with the CDN live box score as
//! fallback, the official injury-report PDF, player movement and the season's player list.

use crate::config::{INJURY, NBA_CDN, NBA_STATS};
use crate::error::SourceError;
use crate::fetch::{Expect, Target};
use crate::{Fallback, ScrapeReport, Sources};
use nba_props_core::GameDate;
use nba_props_store::Store;

pub(crate) const SOURCE: &str = "nbacom";

fn target(host: &'static str, dataset: &str, partition: String) -> Target {
    Target {
        host,
        source: SOURCE,
        dataset: dataset.to_string(),
        partition,
    }
}

/// Fetches the season schedule of `date`'s season: the CDN file when it is that season, else
/// stats.nba.com `scheduleleaguev2`. Returns the payload bytes (for game ids).
pub(crate) async fn schedule(
    s: &Sources,
    store: &Store,
    date: GameDate,
    report: &mut ScrapeReport,
) -> Result<Vec<u8>, SourceError> {
    let season = date.season().to_string();
    let cdn = target(NBA_CDN, "schedule", season.clone());
    let url = format!(
        "{}/static/json/staticData/scheduleLeagueV2.json",
        s.fetcher.base(NBA_CDN)?
    );
    let primary = match s.fetcher.get(&cdn, &url, &[], Expect::Json).await {
        Ok(f) => {
            let year = serde_json::from_slice::<serde_json::Value>(&f.body)
                .ok()
                .and_then(|v| v["leagueSchedule"]["seasonYear"].as_str().map(String::from));
            if year.as_deref() == Some(season.as_str()) {
                report.push(crate::fetch::store_payload(store, &cdn, &f, None).await?);
                return Ok(f.body);
            }
            SourceError::Payload {
                host: s.fetcher.host_label(NBA_CDN),
                dataset: cdn.dataset.clone(),
                partition: season.clone(),
                detail: format!(
                    "the CDN schedule is for season {}, not {season}",
                    year.as_deref().unwrap_or("(no leagueSchedule.seasonYear)")
                ),
            }
        }
        Err(e @ (SourceError::Store { .. } | SourceError::Config(_))) => return Err(e),
        Err(e) => e,
    };
    let stats = target(NBA_STATS, "schedule", season.clone());
    let url = format!(
        "{}/stats/scheduleleaguev2?LeagueID=00&Season={season}",
        s.fetcher.base(NBA_STATS)?
    );
    let (f, stored) = match s
        .fetcher
        .fetch_store(store, &stats, &url, &[], Expect::Json)
        .await
    {
        Ok(x) => x,
        Err(e) => return Err(both_failed(primary, e)),
    };
    report.fallbacks.push(Fallback {
        item: format!("schedule {season}"),
        primary_error: primary.to_string(),
        served_by: s.fetcher.host_label(NBA_STATS),
    });
    report.push(stored);
    Ok(f.body)
}

/// Both the first choice and its fallback failed: keep both errors (a store failure of the
/// fallback is reported as itself).
fn both_failed(primary: SourceError, fallback: SourceError) -> SourceError {
    if matches!(fallback, SourceError::Store { .. } | SourceError::Config(_)) {
        return fallback;
    }
    SourceError::FallbackFailed {
        primary: Box::new(primary),
        fallback: Box::new(fallback),
    }
}

/// Game ids on `date` in a scheduleleaguev2 payload (CDN or stats shape; both have
/// `leagueSchedule.gameDates[].gameDate` as `MM/DD/YYYY 00:00:00`).
pub fn game_ids_on(schedule: &[u8], date: GameDate) -> Vec<String> {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(schedule) else {
        return Vec::new();
    };
    let d = date.date();
    let want = format!("{:02}/{:02}/{:04}", d.month(), d.day(), d.year());
    let dates = v["leagueSchedule"]["gameDates"].as_array();
    dates
        .into_iter()
        .flatten()
        .filter(|gd| {
            gd["gameDate"]
                .as_str()
                .is_some_and(|s| s.starts_with(&want))
        })
        .flat_map(|gd| gd["games"].as_array().into_iter().flatten())
        .filter_map(|g| g["gameId"].as_str().map(String::from))
        .collect()
}

/// stats.nba.com `leaguegamelog` for one date; `player` selects `PlayerOrTeam=P` (dataset
/// `leaguegamelog_player`) or `T` (`leaguegamelog_team`).
pub(crate) async fn leaguegamelog(
    s: &Sources,
    store: &Store,
    date: GameDate,
    player: bool,
    report: &mut ScrapeReport,
) -> Result<(), SourceError> {
    let (dataset, pt) = if player {
        ("leaguegamelog_player", "P")
    } else {
        ("leaguegamelog_team", "T")
    };
    let t = target(NBA_STATS, dataset, date.to_string());
    let season_type = s.config.nba.season_type.replace(' ', "+");
    let url = format!(
        "{}/stats/leaguegamelog?Counter=1000&DateFrom={date}&DateTo={date}&Direction=DESC\
         &LeagueID=00&PlayerOrTeam={pt}&Season={}&SeasonType={season_type}&Sorter=DATE",
        s.fetcher.base(NBA_STATS)?,
        date.season()
    );
    let (_, stored) = s
        .fetcher
        .fetch_store(store, &t, &url, &[], Expect::Json)
        .await?;
    report.push(stored);
    Ok(())
}

/// Box score of one game: stats `boxscoretraditionalv3`, or (when that fails and the fallback
/// is on) the CDN live box score; the report's `fallbacks` says which served.
pub async fn boxscore(
    s: &Sources,
    store: &Store,
    game_id: &str,
    date: GameDate,
    report: &mut ScrapeReport,
) -> Result<(), SourceError> {
    let t = target(NBA_STATS, "boxscoretraditionalv3", date.to_string());
    let url = format!(
        "{}/stats/boxscoretraditionalv3?EndPeriod=0&EndRange=0&GameID={game_id}&RangeType=0\
         &StartPeriod=0&StartRange=0",
        s.fetcher.base(NBA_STATS)?
    );
    match s
        .fetcher
        .fetch_store(store, &t, &url, &[], Expect::Json)
        .await
    {
        Ok((_, stored)) => {
            report.push(stored);
            Ok(())
        }
        Err(e @ (SourceError::Store { .. } | SourceError::Config(_))) => Err(e),
        Err(e) if s.config.nba.cdn_fallback => {
            if let Err(f) = cdn_boxscore(s, store, game_id, date, report).await {
                return Err(both_failed(e, f));
            }
            report.fallbacks.push(Fallback {
                item: format!("box score {game_id}"),
                primary_error: e.to_string(),
                served_by: s.fetcher.host_label(NBA_CDN),
            });
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// The CDN live box score of one game (dataset `cdn_boxscore`, partition the game date).
pub async fn cdn_boxscore(
    s: &Sources,
    store: &Store,
    game_id: &str,
    date: GameDate,
    report: &mut ScrapeReport,
) -> Result<(), SourceError> {
    let t = target(NBA_CDN, "cdn_boxscore", date.to_string());
    let url = format!(
        "{}/static/json/liveData/boxscore/boxscore_{game_id}.json",
        s.fetcher.base(NBA_CDN)?
    );
    let (_, stored) = s
        .fetcher
        .fetch_store(store, &t, &url, &[], Expect::Json)
        .await?;
    report.push(stored);
    Ok(())
}

/// Box scores of every game on `date` (game ids from the schedule); `cdn_only` skips stats.
pub(crate) async fn boxscores(
    s: &Sources,
    store: &Store,
    date: GameDate,
    cdn_only: bool,
    report: &mut ScrapeReport,
) -> Result<(), SourceError> {
    let sched = schedule(s, store, date, report).await?;
    let ids = game_ids_on(&sched, date);
    if ids.is_empty() {
        report
            .notes
            .push(format!("no games on {date} in the schedule"));
    }
    for id in ids {
        if cdn_only {
            cdn_boxscore(s, store, &id, date, report).await?;
        } else {
            boxscore(s, store, &id, date, report).await?;
        }
    }
    Ok(())
}

/// File name of the injury report of `date` at `hh:mm` (24-hour, Eastern): with minutes from
/// 2025-12-23 on (`Injury-Report_2026-02-08_06_15PM.pdf`), by the hour before
/// (`Injury-Report_2025-01-15_06PM.pdf`; `None` for a time with minutes then).
pub fn injury_report_file(date: GameDate, hhmm: &str) -> Option<String> {
    let (h, m) = hhmm.split_once(':')?;
    let (h, m): (u8, u8) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
    if h > 23 || m > 59 {
        return None;
    }
    let (h12, ampm) = match h {
        0 => (12, "AM"),
        1..=11 => (h, "AM"),
        12 => (12, "PM"),
        _ => (h - 12, "PM"),
    };
    let new_format = date >= GameDate::new(jiff::civil::date(2025, 12, 23));
    if new_format {
        Some(format!("Injury-Report_{date}_{h12:02}_{m:02}{ampm}.pdf"))
    } else if m == 0 {
        Some(format!("Injury-Report_{date}_{h12:02}{ampm}.pdf"))
    } else {
        None
    }
}

/// The latest injury report of `date` among the configured times (404 = not published; the
/// next earlier time is tried). Stores the PDF bytes as dataset `injury_report`.
pub(crate) async fn injury_report(
    s: &Sources,
    store: &Store,
    date: GameDate,
    report: &mut ScrapeReport,
) -> Result<(), SourceError> {
    let t = target(INJURY, "injury_report", date.to_string());
    let base = s.fetcher.base(INJURY)?;
    let mut tried = 0;
    for time in &s.config.nba.injury_report_times {
        let Some(file) = injury_report_file(date, time) else {
            continue;
        };
        tried += 1;
        let url = format!("{base}/referee/injury/{file}");
        if let Some(f) = s.fetcher.get_optional(&t, &url, &[], Expect::Pdf).await? {
            report.push(crate::fetch::store_payload(store, &t, &f, None).await?);
            return Ok(());
        }
    }
    Err(SourceError::Payload {
        host: s.fetcher.host_label(INJURY),
        dataset: t.dataset,
        partition: t.partition,
        detail: format!(
            "no injury report published at any of the {tried} configured times ({:?}): every URL answered 404",
            s.config.nba.injury_report_times
        ),
    })
}

/// stats.nba.com player movement (`NBA_Player_Movement.json`): one cumulative file of every
/// transaction since 2015, stored under the season of `date` (the file has no season of its own).
pub(crate) async fn player_movement(
    s: &Sources,
    store: &Store,
    date: GameDate,
    report: &mut ScrapeReport,
) -> Result<(), SourceError> {
    let t = target(NBA_STATS, "player_movement", date.season().to_string());
    let url = format!(
        "{}/js/data/playermovement/NBA_Player_Movement.json",
        s.fetcher.base(NBA_STATS)?
    );
    let (_, stored) = s
        .fetcher
        .fetch_store(store, &t, &url, &[], Expect::Json)
        .await?;
    report.push(stored);
    Ok(())
}

/// stats.nba.com `playerindex` of `date`'s season with `Historical=0`: every rostered player and
/// his team as of the fetch. Chosen over the HTML team pages: one JSON request covers the league,
/// with the same person and team ids as every other stats payload.
pub(crate) async fn player_list(
    s: &Sources,
    store: &Store,
    date: GameDate,
    report: &mut ScrapeReport,
) -> Result<(), SourceError> {
    let season = date.season().to_string();
    let t = target(NBA_STATS, "player_list", season.clone());
    let url = format!(
        "{}/stats/playerindex?Historical=0&LeagueID=00&Season={season}&TeamID=0",
        s.fetcher.base(NBA_STATS)?
    );
    let (_, stored) = s
        .fetcher
        .fetch_store(store, &t, &url, &[], Expect::Json)
        .await?;
    report.push(stored);
    Ok(())
}
