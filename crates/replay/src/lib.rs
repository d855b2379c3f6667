//! A replay of the real sources: a local HTTP server that answers the endpoints every scraper
//! calls (same paths, same query parameters) from the raw archive, **as of a replay clock**. A
//! request at simulated time T sees only what existed at T: prop snapshots captured at or before
//! T, box scores only once their games are over, the schedule as captured. What is served, from
//! what and as of when is in `docs/replay.md`.
//!
//! ```text
//!  ReplayServer::start(archive, addr, clock)
//!    Archive::load        archive.rs: manifest → schedules (tip-offs), box-score files,
//!                           Odds API snapshots by event, SBR rows
//!    accept loop           hyper http1; every request counted under its endpoint
//!    route(path, query)    nbacom.rs · oddsapi.rs · misses.rs (ESPN, BettingPros, injury
//!                           PDFs, per-game box scores: the archive has none)
//! ```

mod archive;
mod misses;
mod nbacom;
mod oddsapi;

use archive::Archive;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use nba_props_runtime::clock::Clock;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("replay archive {path}: {detail}")]
    Archive { path: PathBuf, detail: String },
    #[error("replay server cannot listen on {addr}: {error}")]
    Bind {
        addr: SocketAddr,
        error: std::io::Error,
    },
}

/// One answer: status, content type, body.
pub(crate) struct Answer {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

impl Answer {
    pub(crate) fn json(body: Vec<u8>) -> Self {
        Self {
            status: 200,
            content_type: "application/json",
            body,
        }
    }

    pub(crate) fn value(v: &serde_json::Value) -> Self {
        Self::json(v.to_string().into_bytes())
    }

    /// An error answer whose JSON body says what was asked and why there is nothing.
    pub(crate) fn error(status: u16, message: String) -> Self {
        Self {
            status,
            content_type: "application/json",
            body: serde_json::json!({ "message": message })
                .to_string()
                .into_bytes(),
        }
    }
}

/// What a handler sees: the archive, the instant of the request, the query parameters.
pub(crate) struct Ask<'a> {
    archive: &'a Archive,
    now_ms: i64,
    path: &'a str,
    query: BTreeMap<String, String>,
}

impl Ask<'_> {
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }
}

/// Requests served per endpoint (`odds_api.event_odds`, `nba_stats.leaguegamelog`, `unknown`, …).
#[derive(Default)]
struct Counts(Mutex<BTreeMap<&'static str, u64>>);

impl Counts {
    fn add(&self, endpoint: &'static str) {
        *self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(endpoint)
            .or_default() += 1;
    }
}

/// A running replay server.
pub struct ReplayServer {
    addr: SocketAddr,
    counts: Arc<Counts>,
    skipped: Vec<String>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl ReplayServer {
    /// Loads the archive (`DIR/manifest.jsonl`) and listens on `addr` (port 0: any free port);
    /// every answer is as of `clock`'s instant when the request arrives.
    pub async fn start(
        archive_dir: &Path,
        addr: SocketAddr,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, ReplayError> {
        let dir = archive_dir.to_path_buf();
        let archive = tokio::task::spawn_blocking(move || Archive::load(&dir))
            .await
            .map_err(|e| ReplayError::Archive {
                path: archive_dir.to_path_buf(),
                detail: e.to_string(),
            })??;
        for s in &archive.skipped {
            tracing::warn!(skipped = %s, "Replay archive: a file is left out.");
        }
        let skipped = archive.skipped.clone();
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|error| ReplayError::Bind { addr, error })?;
        let addr = listener
            .local_addr()
            .map_err(|error| ReplayError::Bind { addr, error })?;
        let counts = Arc::new(Counts::default());
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(accept_loop(
            listener,
            Arc::new(archive),
            clock,
            counts.clone(),
            stopped,
        ));
        Ok(Self {
            addr,
            counts,
            skipped,
            stop: Some(stop),
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`: the base URL every scraper host is pointed at.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests served so far, per endpoint.
    pub fn requests(&self) -> BTreeMap<String, u64> {
        self.counts
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect()
    }

    /// Archive files left out at start, each with its reason.
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }

    /// Stops accepting; connections already open finish their current request.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    archive: Arc<Archive>,
    clock: Arc<dyn Clock>,
    counts: Arc<Counts>,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    loop {
        let stream = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "Replay server: accepting a connection failed.");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let (archive, clock, counts) = (archive.clone(), clock.clone(), counts.clone());
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                let (endpoint, answer) = answer(&archive, clock.now_ms(), &req);
                counts.add(endpoint);
                let response = Response::builder()
                    .status(answer.status)
                    .header("content-type", answer.content_type)
                    .body(Full::new(Bytes::from(answer.body)));
                async move { response }
            });
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(error = %e, "Replay server: a connection ended with an error.");
            }
        });
    }
}

/// Decodes a query string (`+` is a space, `%XX` a byte).
fn parse_query(q: &str) -> BTreeMap<String, String> {
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        let b = s.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            let hex = (b[i] == b'%')
                .then(|| b.get(i + 1..i + 3))
                .flatten()
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(byte) => {
                    out.push(byte);
                    i += 3;
                }
                None => {
                    out.push(b[i]);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// The endpoint a request is counted under, and its answer.
fn answer<B>(archive: &Archive, now_ms: i64, req: &Request<B>) -> (&'static str, Answer) {
    let path = req.uri().path();
    let ask = Ask {
        archive,
        now_ms,
        path,
        query: parse_query(req.uri().query().unwrap_or_default()),
    };
    if req.method() != hyper::Method::GET {
        return (
            "unknown",
            Answer::error(
                405,
                format!(
                    "the replay server answers GET only, not {} {path}",
                    req.method()
                ),
            ),
        );
    }
    route(&ask)
}

fn route(ask: &Ask) -> (&'static str, Answer) {
    const ODDS: &str = "/v4/sports/basketball_nba/";
    const ODDS_HIS: &str = "/v4/historical/sports/basketball_nba/";
    const ESPN: &str = "/apis/site/v2/sports/basketball/nba/";
    let p = ask.path;
    let odds_rest = p
        .strip_prefix(ODDS_HIS)
        .map(|r| (true, r))
        .or_else(|| p.strip_prefix(ODDS).map(|r| (false, r)));
    if let Some((historical, rest)) = odds_rest {
        return oddsapi::route(ask, historical, rest);
    }
    match p {
        "/stats/leaguegamelog" => ("nba_stats.leaguegamelog", nbacom::leaguegamelog(ask)),
        "/stats/scheduleleaguev2" => ("nba_stats.scheduleleaguev2", nbacom::stats_schedule(ask)),
        "/static/json/staticData/scheduleLeagueV2.json" => {
            ("nba_cdn.schedule", nbacom::cdn_schedule(ask))
        }
        "/stats/boxscoretraditionalv3" => (
            "nba_stats.boxscoretraditionalv3",
            misses::not_archived(ask, "per-game box scores (boxscoretraditionalv3)"),
        ),
        _ if p.starts_with("/static/json/liveData/boxscore/") => (
            "nba_cdn.boxscore",
            misses::not_archived(ask, "CDN live box scores"),
        ),
        _ if p.starts_with("/referee/injury/") => (
            "injury_report",
            misses::not_archived(
                ask,
                "injury-report PDFs (not published, as far as the replay knows)",
            ),
        ),
        _ if p == format!("{ESPN}scoreboard") => ("espn.scoreboard", misses::espn_scoreboard()),
        _ if p == format!("{ESPN}summary") => (
            "espn.summary",
            misses::not_archived(ask, "ESPN game summaries"),
        ),
        "/v3/events" => ("bettingpros.events", misses::bettingpros_events(ask)),
        "/v3/offers" => (
            "bettingpros.offers",
            misses::not_archived(ask, "BettingPros offers"),
        ),
        _ => (
            "unknown",
            Answer::error(
                404,
                format!(
                    "the replay server has no endpoint at {p}: it answers the paths the scrapers call (see docs/replay.md)"
                ),
            ),
        ),
    }
}

/// An instant for answers and messages: RFC 3339, UTC, whole seconds.
pub(crate) fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|_| ms.to_string())
}
