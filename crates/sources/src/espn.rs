//! ESPN's site API: the scoreboard of a date and the summary (box score, plays, odds) of each
//! game on it.

use crate::config::ESPN;
use crate::error::SourceError;
use crate::fetch::{Expect, Target};
use crate::{ScrapeReport, Sources};
use nba_props_core::GameDate;
use nba_props_store::Store;

pub(crate) const SOURCE: &str = "espn";
const PATH: &str = "/apis/site/v2/sports/basketball/nba";

fn target(dataset: &str, date: GameDate) -> Target {
    Target {
        host: ESPN,
        source: SOURCE,
        dataset: dataset.into(),
        partition: date.to_string(),
    }
}

/// The scoreboard of `date` (dataset `scoreboard`); returns the payload for its event ids.
pub(crate) async fn scoreboard(
    s: &Sources,
    store: &Store,
    date: GameDate,
    report: &mut ScrapeReport,
) -> Result<Vec<u8>, SourceError> {
    let d = date.date();
    let url = format!(
        "{}{PATH}/scoreboard?dates={:04}{:02}{:02}",
        s.fetcher.base(ESPN)?,
        d.year(),
        d.month(),
        d.day()
    );
    let t = target("scoreboard", date);
    let (f, stored) = s
        .fetcher
        .fetch_store(store, &t, &url, &[], Expect::Json)
        .await?;
    report.push(stored);
    Ok(f.body)
}

/// Event ids in a scoreboard payload (`events[].id`).
pub fn event_ids(scoreboard: &[u8]) -> Vec<String> {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(scoreboard) else {
        return Vec::new();
    };
    v["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["id"].as_str().map(String::from))
        .collect()
}

/// The summary of one game (dataset `summary`, partition the game date).
pub async fn summary(
    s: &Sources,
    store: &Store,
    event_id: &str,
    date: GameDate,
    report: &mut ScrapeReport,
) -> Result<(), SourceError> {
    let url = format!("{}{PATH}/summary?event={event_id}", s.fetcher.base(ESPN)?);
    let t = target("summary", date);
    let (_, stored) = s
        .fetcher
        .fetch_store(store, &t, &url, &[], Expect::Json)
        .await?;
    report.push(stored);
    Ok(())
}

/// The scoreboard, then the summary of every game on it.
pub(crate) async fn summaries(
    s: &Sources,
    store: &Store,
    date: GameDate,
    report: &mut ScrapeReport,
) -> Result<(), SourceError> {
    let board = scoreboard(s, store, date, report).await?;
    let ids = event_ids(&board);
    if ids.is_empty() {
        report
            .notes
            .push(format!("no ESPN events on {date} in the scoreboard"));
    }
    for id in ids {
        summary(s, store, &id, date, report).await?;
    }
    Ok(())
}
