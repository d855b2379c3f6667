//! The fetch layer: one HTTP client per host (timeouts, proxy, header profile), the retry loop
//! around it, payload validation, and storing what was fetched in the raw store.

use crate::config::{HostConfig, SourcesConfig};
use crate::error::SourceError;
use crate::host::HostState;
use crate::payload::validate;
pub use crate::payload::{Stored, redact_url, store_payload};
use crate::retry::{Attempt, backoff, counts_for_breaker, parse_retry_after, should_retry};
use nba_props_store::Store;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::collections::HashMap;
use std::sync::Once;
use std::time::Duration;

/// Installs rustls' ring crypto provider once per process (reqwest is built without one so that
/// aws-lc is never compiled). Called by [`Fetcher::new`]; harmless to call again.
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// What a fetch is for: names used in errors and in the raw store.
#[derive(Debug, Clone)]
pub struct Target {
    /// Host section (`nba_stats`, `odds_api`, …).
    pub host: &'static str,
    /// Raw-store source (`nbacom`, `espn`, `oddsapi`, `bettingpros`).
    pub source: &'static str,
    pub dataset: String,
    pub partition: String,
}

/// The kind of payload expected; anything else is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Json,
    Pdf,
}

/// A successful answer.
#[derive(Debug)]
pub struct Fetched {
    pub status: u16,
    pub body: Vec<u8>,
    pub headers: HeaderMap,
    /// The URL without secrets.
    pub url: String,
    /// Attempts it took.
    pub attempts: u32,
}

struct Host {
    state: HostState,
    client: reqwest::Client,
    cfg: HostConfig,
}

/// Clients and per-host state for every configured host. Cheap to share behind an `Arc`; keep
/// one per process so limits and breakers hold across scrapes.
pub struct Fetcher {
    hosts: HashMap<&'static str, Host>,
}

impl Fetcher {
    pub fn new(config: &SourcesConfig) -> Result<Self, SourceError> {
        install_crypto_provider();
        let mut hosts = HashMap::new();
        for (name, cfg) in config.hosts() {
            let url = reqwest::Url::parse(&cfg.base_url).map_err(|e| {
                SourceError::Config(format!("{name}.base_url {:?}: {e}", cfg.base_url))
            })?;
            let label = match (url.host_str(), url.port()) {
                (Some(h), Some(p)) => format!("{h}:{p}"),
                (Some(h), None) => h.to_string(),
                _ => return Err(SourceError::Config(format!("{name}.base_url has no host"))),
            };
            let state = HostState::new(label, cfg).ok_or_else(|| {
                SourceError::Config(format!(
                    "{name}.rate_per_second must be a positive number, not {}",
                    cfg.rate_per_second
                ))
            })?;
            let headers = header_map(config, name, &cfg.header_profile)?;
            let mut b = reqwest::Client::builder()
                .connect_timeout(Duration::from_millis(cfg.connect_timeout_ms))
                .read_timeout(Duration::from_millis(cfg.read_timeout_ms))
                .timeout(Duration::from_millis(cfg.total_timeout_ms))
                .default_headers(headers);
            if let Some(p) = &cfg.proxy {
                let proxy = reqwest::Proxy::all(p)
                    .map_err(|e| SourceError::Config(format!("{name}.proxy: {e}")))?;
                b = b.proxy(proxy);
            } else {
                b = b.no_proxy();
            }
            let client = b
                .build()
                .map_err(|e| SourceError::Config(format!("{name}: HTTP client: {e}")))?;
            hosts.insert(
                name,
                Host {
                    state,
                    client,
                    cfg: cfg.clone(),
                },
            );
        }
        Ok(Self { hosts })
    }

    fn host(&self, name: &str) -> Result<&Host, SourceError> {
        self.hosts
            .get(name)
            .ok_or_else(|| SourceError::Config(format!("no host section {name:?}")))
    }

    /// The host name shown in errors for a host section.
    pub fn host_label(&self, name: &str) -> String {
        self.hosts
            .get(name)
            .map_or_else(|| name.to_string(), |h| h.state.host.clone())
    }

    /// The base URL of a host section, without a trailing slash.
    pub fn base(&self, name: &str) -> Result<String, SourceError> {
        Ok(self
            .host(name)?
            .cfg
            .base_url
            .trim_end_matches('/')
            .to_string())
    }

    /// True while a host's circuit breaker is open.
    pub fn breaker_open(&self, name: &str) -> bool {
        self.hosts.get(name).is_some_and(|h| h.state.is_open())
    }

    /// GETs `url` under the host's policy and validates the payload.
    pub async fn get(
        &self,
        t: &Target,
        url: &str,
        headers: &[(&str, &str)],
        expect: Expect,
    ) -> Result<Fetched, SourceError> {
        // With 404 not allowed, `get_inner` answers `None` never; map it to the 404 anyway.
        self.get_inner(t, url, headers, expect, false)
            .await?
            .ok_or_else(|| SourceError::Status {
                host: self.host_label(t.host),
                dataset: t.dataset.clone(),
                partition: t.partition.clone(),
                url: redact_url(url),
                status: 404,
                attempts: 1,
            })
    }

    /// Like [`Fetcher::get`], but a 404 (not published yet) is `Ok(None)`.
    pub async fn get_optional(
        &self,
        t: &Target,
        url: &str,
        headers: &[(&str, &str)],
        expect: Expect,
    ) -> Result<Option<Fetched>, SourceError> {
        self.get_inner(t, url, headers, expect, true).await
    }

    async fn get_inner(
        &self,
        t: &Target,
        url: &str,
        headers: &[(&str, &str)],
        expect: Expect,
        allow_404: bool,
    ) -> Result<Option<Fetched>, SourceError> {
        let host = self.host(t.host)?;
        let label = host.state.host.clone();
        let shown = redact_url(url);
        let cfg = &host.cfg;
        let ctx = |reason: String| {
            (
                label.clone(),
                t.dataset.clone(),
                t.partition.clone(),
                reason,
            )
        };
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            if let Err(open) = host.state.check() {
                return Err(SourceError::CircuitOpen {
                    host: label,
                    dataset: t.dataset.clone(),
                    partition: t.partition.clone(),
                    failures: open.failures,
                    retry_in: open.retry_in,
                });
            }
            let outcome = {
                let _permit = host.state.permits.acquire().await.ok();
                host.state.until_ready().await;
                tracing::debug!(host = %label, url = %shown, attempt, "Fetching.");
                let mut req = host.client.get(url);
                for (k, v) in headers {
                    req = req.header(*k, *v);
                }
                match req.send().await {
                    Ok(resp) => {
                        let status = resp.status().as_u16();
                        let hdrs = resp.headers().clone();
                        match resp.bytes().await {
                            Ok(b) => Ok((status, hdrs, b.to_vec())),
                            Err(e) => Err((classify(&e), e)),
                        }
                    }
                    Err(e) => Err((classify(&e), e)),
                }
            };
            let can_retry = attempt <= cfg.retries;
            let (kind, wait_hint) = match outcome {
                Ok((status, hdrs, body)) if (200..300).contains(&status) => {
                    host.state.success();
                    if let Err(e) = validate(&body, expect, &hdrs, t, &label, &shown) {
                        host.state.failure();
                        return Err(e);
                    }
                    return Ok(Some(Fetched {
                        status,
                        body,
                        headers: hdrs,
                        url: shown,
                        attempts: attempt,
                    }));
                }
                Ok((status, hdrs, _)) => {
                    let a = Attempt::Status(status);
                    if counts_for_breaker(a) {
                        host.state.failure();
                    } else {
                        host.state.success();
                    }
                    if status == 404 && allow_404 {
                        return Ok(None);
                    }
                    if !(should_retry(a) && can_retry) {
                        return Err(SourceError::Status {
                            host: label,
                            dataset: t.dataset.clone(),
                            partition: t.partition.clone(),
                            url: shown,
                            status,
                            attempts: attempt,
                        });
                    }
                    let hint = hdrs
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, jiff::Timestamp::now()));
                    (a, hint)
                }
                Err((a, e)) => {
                    if counts_for_breaker(a) {
                        host.state.failure();
                    }
                    if !(should_retry(a) && can_retry) {
                        let (host, dataset, partition, reason) = ctx(error_chain(&e));
                        return Err(match a {
                            Attempt::Connect => SourceError::Unreachable {
                                host,
                                dataset,
                                partition,
                                reason,
                            },
                            Attempt::Timeout => SourceError::Timeout {
                                host,
                                dataset,
                                partition,
                                attempts: attempt,
                                reason,
                            },
                            Attempt::IncompleteBody => SourceError::Incomplete {
                                host,
                                dataset,
                                partition,
                                attempts: attempt,
                                reason,
                            },
                            _ => SourceError::Transport {
                                host,
                                dataset,
                                partition,
                                reason,
                            },
                        });
                    }
                    (a, None)
                }
            };
            let max_ra = Duration::from_millis(cfg.max_retry_after_ms);
            let wait = match wait_hint {
                Some(w) if w > max_ra => {
                    return Err(SourceError::RateLimited {
                        host: label,
                        dataset: t.dataset.clone(),
                        partition: t.partition.clone(),
                        wait: w,
                        max: max_ra,
                    });
                }
                Some(w) => w,
                None => backoff(
                    attempt - 1,
                    Duration::from_millis(cfg.backoff_base_ms),
                    Duration::from_millis(cfg.backoff_max_ms),
                    rand::random::<f64>(),
                ),
            };
            tracing::info!(host = %label, url = %shown, attempt, failure = ?kind, wait_ms = wait.as_millis() as u64, "Retrying after a retryable failure.");
            tokio::time::sleep(wait).await;
        }
    }

    /// Fetches and stores in one step; returns what was stored.
    pub async fn fetch_store(
        &self,
        store: &Store,
        t: &Target,
        url: &str,
        headers: &[(&str, &str)],
        expect: Expect,
    ) -> Result<(Fetched, Stored), SourceError> {
        let f = self.get(t, url, headers, expect).await?;
        let stored = store_payload(store, t, &f, None).await?;
        Ok((f, stored))
    }
}

fn header_map(config: &SourcesConfig, host: &str, profile: &str) -> Result<HeaderMap, SourceError> {
    let pairs = config.header_profiles.get(profile).ok_or_else(|| {
        SourceError::Config(format!("{host}.header_profile {profile:?} is not defined"))
    })?;
    let mut map = HeaderMap::new();
    for (k, v) in pairs {
        if k.eq_ignore_ascii_case("accept-encoding") {
            // The client negotiates gzip itself and stores the decoded payload; a profile that
            // asked for another encoding would get bytes it cannot decode.
            return Err(SourceError::Config(format!(
                "header profile {profile:?}: Accept-Encoding is set by the client, remove it"
            )));
        }
        let name = HeaderName::from_bytes(k.as_bytes()).map_err(|e| {
            SourceError::Config(format!("header profile {profile:?}: name {k:?}: {e}"))
        })?;
        let value = HeaderValue::from_str(v).map_err(|e| {
            SourceError::Config(format!("header profile {profile:?}: value of {k}: {e}"))
        })?;
        map.insert(name, value);
    }
    Ok(map)
}

/// Maps a reqwest error onto the retry classification.
fn classify(e: &reqwest::Error) -> Attempt {
    if e.is_timeout() {
        Attempt::Timeout
    } else if e.is_connect() {
        Attempt::Connect
    } else if e.is_body() || e.is_decode() || e.is_request() && is_io_eof(e) {
        Attempt::IncompleteBody
    } else {
        Attempt::Other
    }
}

fn is_io_eof(e: &reqwest::Error) -> bool {
    let s = error_chain(e).to_ascii_lowercase();
    s.contains("incomplete") || s.contains("connection closed") || s.contains("reset")
}

/// The error and its causes in one line (reqwest's top-level message hides the useful part).
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = redact_url(&e.to_string());
    let mut src = e.source();
    while let Some(s) = src {
        out.push_str(": ");
        out.push_str(&s.to_string());
        src = s.source();
    }
    out
}
