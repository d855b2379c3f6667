//! BettingPros: the events of a date and the prop offers (points by default) of those events,
//! page by page. The API key goes in the `X-Api-Key` header, never in a URL.
//!
//! Offers answer with `_pagination.total_pages`; pages are fetched until that page, an empty
//! `offers` list, or `bettingpros_api.max_pages`, whichever comes first. Each page is one raw
//! payload (dataset `offers`, partition the game date).

use crate::config::{BETTINGPROS, BETTINGPROS_KEY_VAR};
use crate::error::SourceError;
use crate::fetch::{Expect, Target};
use crate::{ScrapeReport, Sources};
use nba_props_core::GameDate;
use nba_props_store::Store;

pub(crate) const SOURCE: &str = "bettingpros";

fn target(dataset: &str, date: GameDate) -> Target {
    Target {
        host: BETTINGPROS,
        source: SOURCE,
        dataset: dataset.into(),
        partition: date.to_string(),
    }
}

fn key(s: &Sources, dataset: &str) -> Result<String, SourceError> {
    s.config
        .bettingpros_api
        .api_key
        .as_ref()
        .map(|k| k.expose().to_string())
        .ok_or_else(|| SourceError::MissingKey {
            host: s.fetcher.host_label(BETTINGPROS),
            dataset: format!("{SOURCE}.{dataset}"),
            env_var: BETTINGPROS_KEY_VAR,
        })
}

/// Events of `date` (dataset `events`); returns their ids.
pub(crate) async fn events(
    s: &Sources,
    store: &Store,
    date: GameDate,
    report: &mut ScrapeReport,
) -> Result<Vec<String>, SourceError> {
    let key = key(s, "events")?;
    let url = format!(
        "{}/v3/events?sport=NBA&date={date}",
        s.fetcher.base(BETTINGPROS)?
    );
    let t = target("events", date);
    let (f, stored) = s
        .fetcher
        .fetch_store(store, &t, &url, &[("X-Api-Key", &key)], Expect::Json)
        .await?;
    report.push(stored);
    let v: serde_json::Value = serde_json::from_slice(&f.body).unwrap_or_default();
    Ok(v["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| match &e["id"] {
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::String(s) => Some(s.clone()),
            _ => None,
        })
        .collect())
}

/// The events of `date`, then every page of offers for each configured market.
pub(crate) async fn offers(
    s: &Sources,
    store: &Store,
    date: GameDate,
    report: &mut ScrapeReport,
) -> Result<(), SourceError> {
    let ids = events(s, store, date, report).await?;
    if ids.is_empty() {
        report.notes.push(format!(
            "no BettingPros events on {date}: no offers fetched"
        ));
        return Ok(());
    }
    let key = key(s, "offers")?;
    let cfg = &s.config.bettingpros_api;
    let base = s.fetcher.base(BETTINGPROS)?;
    let t = target("offers", date);
    for market in &cfg.market_ids {
        let mut page = 1u32;
        loop {
            let url = format!(
                "{base}/v3/offers?sport=NBA&market_id={market}&event_id={}&location=ALL\
                 &limit={}&page={page}",
                ids.join(":"),
                cfg.page_limit
            );
            let (f, stored) = s
                .fetcher
                .fetch_store(store, &t, &url, &[("X-Api-Key", &key)], Expect::Json)
                .await?;
            report.push(stored);
            let v: serde_json::Value = serde_json::from_slice(&f.body).unwrap_or_default();
            let total = v["_pagination"]["total_pages"].as_u64().unwrap_or(1);
            let empty = v["offers"].as_array().is_none_or(|a| a.is_empty());
            if empty || u64::from(page) >= total {
                break;
            }
            if page >= cfg.max_pages {
                report.notes.push(format!(
                    "bettingpros offers market {market} {date}: stopped at max_pages {} of {total}",
                    cfg.max_pages
                ));
                break;
            }
            page += 1;
        }
    }
    Ok(())
}
