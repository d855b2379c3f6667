//! The Odds API v4: events of a date, event odds per player market, game lines; live for today
//! and later, the historical endpoints (snapshot at `odds.historical_snapshot_utc` on the date)
//! for earlier dates.
//!
//! Every answer's `x-requests-remaining` / `x-requests-used` is recorded; before each request its
//! cost (markets × regions, ×10 on the historical endpoints) is checked against the last known
//! remaining credits, and a request that would leave fewer than `odds.quota_reserve` is not
//! sent: the scrape stops with [`SourceError::QuotaReserve`].

use crate::config::{ODDS_API, ODDS_KEY_VAR};
use crate::error::SourceError;
use crate::fetch::{Expect, Fetched, Target, store_payload};
use crate::{ScrapeReport, Sources};
use nba_props_core::GameDate;
use nba_props_core::date::eastern;
use nba_props_store::Store;

pub(crate) const SOURCE: &str = "oddsapi";
const SPORT: &str = "basketball_nba";

/// The Odds API credits as its last answer stated them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OddsQuota {
    pub remaining: u64,
    pub used: Option<u64>,
}

fn header_u64(f: &Fetched, name: &str) -> Option<u64> {
    let v = f
        .headers
        .get(name)?
        .to_str()
        .ok()?
        .trim()
        .parse::<f64>()
        .ok()?;
    (v.is_finite() && v >= 0.0).then_some(v as u64)
}

struct Ctx<'a> {
    s: &'a Sources,
    key: String,
    base: String,
    historical: bool,
    /// `commenceTimeFrom` / `commenceTimeTo`: the Eastern day in UTC.
    from: String,
    to: String,
    snapshot: String,
}

impl<'a> Ctx<'a> {
    fn new(s: &'a Sources, dataset: &str, date: GameDate) -> Result<Self, SourceError> {
        let key = s
            .config
            .odds
            .api_key
            .as_ref()
            .map(|k| k.expose().to_string())
            .ok_or_else(|| SourceError::MissingKey {
                host: s.fetcher.host_label(ODDS_API),
                dataset: format!("{SOURCE}.{dataset}"),
                env_var: ODDS_KEY_VAR,
            })?;
        let utc = |d: GameDate| -> Result<String, SourceError> {
            let z = d
                .date()
                .to_zoned(eastern().clone())
                .map_err(|e| SourceError::Config(format!("date {d}: {e}")))?;
            Ok(z.timestamp().strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        };
        let today = GameDate::today_at(jiff::Timestamp::now());
        Ok(Self {
            s,
            key,
            base: s.fetcher.base(ODDS_API)?,
            historical: s.config.odds.historical.unwrap_or(date < today),
            from: utc(date)?,
            to: utc(date.add_days(1))?,
            snapshot: format!("{date}T{}Z", s.config.odds.historical_snapshot_utc),
        })
    }

    fn path(&self, rest: &str) -> String {
        let hist = if self.historical { "/historical" } else { "" };
        format!("{}/v4{hist}/sports/{SPORT}/{rest}", self.base)
    }

    fn tail(&self) -> String {
        let mut q = format!("apiKey={}&dateFormat=iso", self.key);
        if self.historical {
            q.push_str("&date=");
            q.push_str(&self.snapshot);
        }
        q
    }

    /// Refuses a request whose cost would eat into the reserve, then sends it and records the
    /// quota headers.
    async fn get(&self, t: &Target, url: &str, cost: u64) -> Result<Fetched, SourceError> {
        let reserve = self.s.config.odds.quota_reserve;
        if let Some(q) = *self.s.odds_quota.lock().unwrap_or_else(|e| e.into_inner())
            && q.remaining < reserve.saturating_add(cost)
        {
            return Err(SourceError::QuotaReserve {
                host: self.s.fetcher.host_label(ODDS_API),
                dataset: t.dataset.clone(),
                partition: t.partition.clone(),
                remaining: q.remaining,
                used: q.used,
                cost,
                reserve,
            });
        }
        let f = self.s.fetcher.get(t, url, &[], Expect::Json).await?;
        if let Some(remaining) = header_u64(&f, "x-requests-remaining") {
            let q = OddsQuota {
                remaining,
                used: header_u64(&f, "x-requests-used"),
            };
            *self.s.odds_quota.lock().unwrap_or_else(|e| e.into_inner()) = Some(q);
        }
        Ok(f)
    }

    fn cost(&self, markets: usize) -> u64 {
        let regions = self.s.config.odds.regions.len().max(1) as u64;
        let per = if self.historical { 10 } else { 1 };
        per * regions * markets as u64
    }

    fn regions(&self) -> String {
        self.s.config.odds.regions.join(",")
    }
}

fn target(dataset: &str, partition: String) -> Target {
    Target {
        host: ODDS_API,
        source: SOURCE,
        dataset: dataset.into(),
        partition,
    }
}

/// The historical envelope's `timestamp`: the time the snapshot describes.
fn snapshot_time(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    v["timestamp"].as_str().map(String::from)
}

/// Events of `date` (dataset `events`, partition the game date); returns (id, UTC commence date).
pub(crate) async fn events(
    s: &Sources,
    store: &Store,
    date: GameDate,
    report: &mut ScrapeReport,
) -> Result<Vec<(String, String)>, SourceError> {
    let c = Ctx::new(s, "events", date)?;
    let url = format!(
        "{}?{}&commenceTimeFrom={}&commenceTimeTo={}",
        c.path("events"),
        c.tail(),
        c.from,
        c.to
    );
    let t = target("events", date.to_string());
    let f = c.get(&t, &url, u64::from(c.historical)).await?;
    report.push(store_payload(store, &t, &f, snapshot_time(&f.body)).await?);
    report.odds_quota = *s.odds_quota.lock().unwrap_or_else(|e| e.into_inner());
    let v: serde_json::Value = serde_json::from_slice(&f.body).unwrap_or_default();
    let list = if c.historical { &v["data"] } else { &v };
    Ok(list
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let id = e["id"].as_str()?.to_string();
            let day = e["commence_time"].as_str()?.get(..10)?.to_string();
            Some((id, day))
        })
        .collect())
}

/// Event odds for every configured player market of every event of `date`; each payload is
/// dataset `player_props/<market>`, partition the UTC date of the event's commence time.
pub(crate) async fn player_props(
    s: &Sources,
    store: &Store,
    date: GameDate,
    report: &mut ScrapeReport,
) -> Result<(), SourceError> {
    let evs = events(s, store, date, report).await?;
    let c = Ctx::new(s, "player_props", date)?;
    for (id, day) in evs {
        for market in &s.config.odds.player_markets {
            let url = format!(
                "{}?{}&regions={}&markets={market}&oddsFormat=american",
                c.path(&format!("events/{id}/odds")),
                c.tail(),
                c.regions()
            );
            let t = target(&format!("player_props/{market}"), day.clone());
            let f = match c.get(&t, &url, c.cost(1)).await {
                Ok(f) => f,
                // An event that is gone (finished, postponed) or has no such market: the others
                // still count.
                Err(
                    e @ SourceError::Status {
                        status: 404 | 422, ..
                    },
                ) => {
                    report.notes.push(e.to_string());
                    continue;
                }
                Err(e) => return Err(e),
            };
            report.push(store_payload(store, &t, &f, snapshot_time(&f.body)).await?);
            report.odds_quota = *s.odds_quota.lock().unwrap_or_else(|e| e.into_inner());
        }
    }
    Ok(())
}

/// Game lines (h2h, spreads, totals by default) of the games of `date` (dataset `game_lines`,
/// partition the game date).
pub(crate) async fn game_lines(
    s: &Sources,
    store: &Store,
    date: GameDate,
    report: &mut ScrapeReport,
) -> Result<(), SourceError> {
    let c = Ctx::new(s, "game_lines", date)?;
    let markets = &s.config.odds.game_line_markets;
    let url = format!(
        "{}?{}&regions={}&markets={}&oddsFormat=american&commenceTimeFrom={}&commenceTimeTo={}",
        c.path("odds"),
        c.tail(),
        c.regions(),
        markets.join(","),
        c.from,
        c.to
    );
    let t = target("game_lines", date.to_string());
    let f = c.get(&t, &url, c.cost(markets.len())).await?;
    report.push(store_payload(store, &t, &f, snapshot_time(&f.body)).await?);
    report.odds_quota = *s.odds_quota.lock().unwrap_or_else(|e| e.into_inner());
    Ok(())
}
