//! Configuration of phase 1: one [`HostConfig`] per source host (base URL, rate, timeouts,
//! retries, breaker, proxy, header profile), named header profiles, and per-source options.
//! Every field has a default; [`SourcesConfig::from_env`] overlays the `NBA_PROPS_*` variables
//! (base URLs and API keys). Durations are milliseconds so TOML stays plain.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// A secret (API key): deserialised like a string, never printed by `Debug`.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The fetch policy of one host. In a configuration file every field is optional: a section
/// overrides only the fields it names and keeps that host's defaults for the rest.
#[derive(Debug, Clone, PartialEq)]
pub struct HostConfig {
    /// Scheme, host and optional path prefix every URL of this source starts with; tests point it
    /// at a local server.
    pub base_url: String,
    /// Requests per second, never exceeded (token bucket of one token: no bursts). Retries count.
    pub rate_per_second: f64,
    /// Requests in flight at once to this host.
    pub concurrency: usize,
    /// Time allowed to open the TCP (and TLS) connection.
    pub connect_timeout_ms: u64,
    /// Time allowed between two reads of the response (headers or body): a host that hangs
    /// becomes a timeout error after this long.
    pub read_timeout_ms: u64,
    /// Time allowed for one whole attempt, headers and body.
    pub total_timeout_ms: u64,
    /// Further attempts after the first for a retryable failure (5xx, 408, 429, timeouts,
    /// incomplete bodies).
    pub retries: u32,
    /// First backoff; doubles per attempt, with jitter of up to half of it.
    pub backoff_base_ms: u64,
    /// Upper bound of one backoff.
    pub backoff_max_ms: u64,
    /// Longest `Retry-After` honoured; a longer one fails with a rate-limited error.
    pub max_retry_after_ms: u64,
    /// Consecutive failed attempts that open this host's circuit breaker.
    pub breaker_threshold: u32,
    /// How long an open breaker refuses calls before letting one trial through.
    pub breaker_cooldown_ms: u64,
    /// Proxy URL for this host (`http://…`, `socks5://…` needs reqwest's socks feature).
    pub proxy: Option<String>,
    /// Name of the header profile (in [`SourcesConfig::header_profiles`]) sent with every request.
    pub header_profile: String,
}

impl Default for HostConfig {
    fn default() -> Self {
        Self {
            base_url: String::new(),
            rate_per_second: 2.0,
            concurrency: 2,
            connect_timeout_ms: 5_000,
            read_timeout_ms: 20_000,
            total_timeout_ms: 60_000,
            retries: 3,
            backoff_base_ms: 1_000,
            backoff_max_ms: 30_000,
            max_retry_after_ms: 120_000,
            breaker_threshold: 5,
            breaker_cooldown_ms: 60_000,
            proxy: None,
            header_profile: "default".into(),
        }
    }
}

impl HostConfig {
    fn with(base_url: &str, rate: f64, profile: &str) -> Self {
        Self {
            base_url: base_url.into(),
            rate_per_second: rate,
            header_profile: profile.into(),
            ..Self::default()
        }
    }
}

/// The Odds API options.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct OddsApiConfig {
    /// API key (`NBA_PROPS_ODDS_API_KEY`); sent as the `apiKey` query parameter, redacted in
    /// every stored URL and log line.
    pub api_key: Option<Secret>,
    /// Bookmaker regions (`us`, `us2`, `eu`, …); each region costs one credit per market.
    pub regions: Vec<String>,
    /// Player markets fetched per event; each is stored as dataset `player_props/<market>`.
    pub player_markets: Vec<String>,
    /// Game-line markets fetched for the slate (dataset `game_lines`).
    pub game_line_markets: Vec<String>,
    /// Credits kept in reserve: a request that would leave fewer is not sent.
    pub quota_reserve: u64,
    /// Snapshot time (UTC, `HH:MM:SS`) on the game date used by the historical endpoints.
    pub historical_snapshot_utc: String,
    /// `true`: always the historical endpoints; `false`: always the live ones; unset: historical
    /// for dates before today (US Eastern), live otherwise.
    pub historical: Option<bool>,
}

impl Default for OddsApiConfig {
    fn default() -> Self {
        Self {
            api_key: None,
            regions: vec!["us".into()],
            player_markets: vec!["player_points".into()],
            game_line_markets: vec!["h2h".into(), "spreads".into(), "totals".into()],
            quota_reserve: 50,
            historical_snapshot_utc: "22:00:00".into(),
            historical: None,
        }
    }
}

/// BettingPros options.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct BettingProsConfig {
    /// Value of the `X-Api-Key` header (`NBA_PROPS_BETTINGPROS_API_KEY`).
    pub api_key: Option<Secret>,
    /// Market ids of the props fetched; 156 is player points.
    pub market_ids: Vec<u32>,
    /// Offers per page requested.
    pub page_limit: u32,
    /// Pages fetched at most per market and date (a guard against a pagination loop).
    pub max_pages: u32,
}

impl Default for BettingProsConfig {
    fn default() -> Self {
        Self {
            api_key: None,
            market_ids: vec![156],
            page_limit: 25,
            max_pages: 40,
        }
    }
}

/// nba.com options.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct NbaConfig {
    /// `SeasonType` of the leaguegamelog requests (`Regular Season`, `Playoffs`, `PlayIn`).
    pub season_type: String,
    /// Serve box scores from the CDN live box score when stats.nba.com fails.
    pub cdn_fallback: bool,
    /// Injury-report times tried for a date, latest first, as `HH:MM` 24-hour Eastern times.
    /// Reports from 2025-12-23 on are named with minutes (`06_15PM`), older ones by hour
    /// (`06PM`; a time with non-zero minutes is skipped for those dates).
    pub injury_report_times: Vec<String>,
}

impl Default for NbaConfig {
    fn default() -> Self {
        Self {
            season_type: "Regular Season".into(),
            cdn_fallback: true,
            injury_report_times: ["18:30", "18:15", "18:00", "17:00", "13:30", "13:00"]
                .map(String::from)
                .to_vec(),
        }
    }
}

/// Everything phase 1 needs. `SourcesConfig::default()` is the production configuration without
/// keys; [`SourcesConfig::from_env`] adds the environment. Deserialising lays a (partial) file
/// over the defaults: host sections field by field, header profiles by name.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(from = "SourcesFile")]
pub struct SourcesConfig {
    /// stats.nba.com (`NBA_PROPS_NBA_STATS_BASE_URL`): ~1 request per 0.6 s, browser headers.
    pub nba_stats: HostConfig,
    /// cdn.nba.com (`NBA_PROPS_NBA_CDN_BASE_URL`): schedule and live box scores.
    pub nba_cdn: HostConfig,
    /// The official injury-report PDFs (`NBA_PROPS_INJURY_REPORT_BASE_URL`).
    pub injury_report: HostConfig,
    /// ESPN's site API (`NBA_PROPS_ESPN_BASE_URL`).
    pub espn: HostConfig,
    /// The Odds API v4 (`NBA_PROPS_ODDS_API_BASE_URL`).
    pub odds_api: HostConfig,
    /// BettingPros (`NBA_PROPS_BETTINGPROS_BASE_URL`).
    pub bettingpros: HostConfig,
    /// Named sets of request headers; a host names one in `header_profile`.
    pub header_profiles: BTreeMap<String, BTreeMap<String, String>>,
    pub odds: OddsApiConfig,
    pub bettingpros_api: BettingProsConfig,
    pub nba: NbaConfig,
}

const BROWSER_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
                          (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

fn profile(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

impl Default for SourcesConfig {
    fn default() -> Self {
        let mut header_profiles = BTreeMap::new();
        header_profiles.insert(
            "default".into(),
            profile(&[
                ("User-Agent", "nba-props/0.1 (+https://github.com/)"),
                ("Accept", "application/json"),
            ]),
        );
        header_profiles.insert(
            "browser".into(),
            profile(&[("User-Agent", BROWSER_UA), ("Accept", "*/*")]),
        );
        header_profiles.insert(
            "nba_stats".into(),
            profile(&[
                ("User-Agent", BROWSER_UA),
                ("Accept", "application/json, text/plain, */*"),
                ("Accept-Language", "en-US,en;q=0.9"),
                ("Referer", "https://www.nba.com/"),
                ("Origin", "https://www.nba.com"),
                (
                    "Sec-Ch-Ua",
                    "\"Chromium\";v=\"131\", \"Not_A Brand\";v=\"24\"",
                ),
                ("Sec-Ch-Ua-Mobile", "?0"),
                ("Sec-Ch-Ua-Platform", "\"Windows\""),
                ("Sec-Fetch-Dest", "empty"),
                ("Sec-Fetch-Mode", "cors"),
                ("Sec-Fetch-Site", "same-site"),
            ]),
        );
        let mut nba_stats = HostConfig::with("https://stats.nba.com", 1.0 / 0.6, "nba_stats");
        nba_stats.concurrency = 1;
        nba_stats.read_timeout_ms = 15_000;
        let mut odds_api = HostConfig::with("https://api.the-odds-api.com", 2.0, "default");
        odds_api.retries = 2;
        Self {
            nba_stats,
            nba_cdn: HostConfig::with("https://cdn.nba.com", 4.0, "browser"),
            injury_report: HostConfig::with("https://ak-static.cms.nba.com", 2.0, "browser"),
            espn: HostConfig::with("https://site.api.espn.com", 2.0, "browser"),
            odds_api,
            bettingpros: HostConfig::with("https://api.bettingpros.com", 1.0, "browser"),
            header_profiles,
            odds: OddsApiConfig::default(),
            bettingpros_api: BettingProsConfig::default(),
            nba: NbaConfig::default(),
        }
    }
}

impl SourcesConfig {
    /// The defaults with the environment laid over them.
    pub fn from_env() -> Self {
        let mut c = Self::default();
        c.apply_env(|k| std::env::var(k).ok());
        c
    }

    /// Lays `NBA_PROPS_*` variables over this configuration; `get` reads one variable (tests pass
    /// a map instead of the process environment).
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) {
        let urls: [(&str, &mut HostConfig); 6] = [
            ("NBA_PROPS_NBA_STATS_BASE_URL", &mut self.nba_stats),
            ("NBA_PROPS_NBA_CDN_BASE_URL", &mut self.nba_cdn),
            ("NBA_PROPS_INJURY_REPORT_BASE_URL", &mut self.injury_report),
            ("NBA_PROPS_ESPN_BASE_URL", &mut self.espn),
            ("NBA_PROPS_ODDS_API_BASE_URL", &mut self.odds_api),
            ("NBA_PROPS_BETTINGPROS_BASE_URL", &mut self.bettingpros),
        ];
        for (var, host) in urls {
            if let Some(v) = get(var).filter(|v| !v.is_empty()) {
                host.base_url = v;
            }
        }
        if let Some(k) = get(ODDS_KEY_VAR).filter(|v| !v.is_empty()) {
            self.odds.api_key = Some(Secret::new(k));
        }
        if let Some(k) = get(BETTINGPROS_KEY_VAR).filter(|v| !v.is_empty()) {
            self.bettingpros_api.api_key = Some(Secret::new(k));
        }
    }

    /// Every host section by its name (the name errors, limiters and breakers use).
    pub fn hosts(&self) -> [(&'static str, &HostConfig); 6] {
        [
            (NBA_STATS, &self.nba_stats),
            (NBA_CDN, &self.nba_cdn),
            (INJURY, &self.injury_report),
            (ESPN, &self.espn),
            (ODDS_API, &self.odds_api),
            (BETTINGPROS, &self.bettingpros),
        ]
    }

    /// Every host's base URL pointed at `base` (tests: one local server for all).
    pub fn all_base_urls(mut self, base: &str) -> Self {
        for h in [
            &mut self.nba_stats,
            &mut self.nba_cdn,
            &mut self.injury_report,
            &mut self.espn,
            &mut self.odds_api,
            &mut self.bettingpros,
        ] {
            h.base_url = base.to_string();
        }
        self
    }
}

pub const ODDS_KEY_VAR: &str = "NBA_PROPS_ODDS_API_KEY";
pub const BETTINGPROS_KEY_VAR: &str = "NBA_PROPS_BETTINGPROS_API_KEY";

/// Host section names.
pub const NBA_STATS: &str = "nba_stats";
pub const NBA_CDN: &str = "nba_cdn";
pub const INJURY: &str = "injury_report";
pub const ESPN: &str = "espn";
pub const ODDS_API: &str = "odds_api";
pub const BETTINGPROS: &str = "bettingpros";

/// A host section as written in a file: every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct HostPatch {
    base_url: Option<String>,
    rate_per_second: Option<f64>,
    concurrency: Option<usize>,
    connect_timeout_ms: Option<u64>,
    read_timeout_ms: Option<u64>,
    total_timeout_ms: Option<u64>,
    retries: Option<u32>,
    backoff_base_ms: Option<u64>,
    backoff_max_ms: Option<u64>,
    max_retry_after_ms: Option<u64>,
    breaker_threshold: Option<u32>,
    breaker_cooldown_ms: Option<u64>,
    proxy: Option<String>,
    header_profile: Option<String>,
}

impl HostPatch {
    fn apply(self, h: &mut HostConfig) {
        macro_rules! set {
            ($($f:ident),*) => { $(if let Some(v) = self.$f { h.$f = v; })* };
        }
        set!(
            base_url,
            rate_per_second,
            concurrency,
            connect_timeout_ms,
            read_timeout_ms,
            total_timeout_ms,
            retries,
            backoff_base_ms,
            backoff_max_ms,
            max_retry_after_ms,
            breaker_threshold,
            breaker_cooldown_ms,
            header_profile
        );
        if self.proxy.is_some() {
            h.proxy = self.proxy;
        }
    }
}

/// The file form of [`SourcesConfig`].
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct SourcesFile {
    nba_stats: HostPatch,
    nba_cdn: HostPatch,
    injury_report: HostPatch,
    espn: HostPatch,
    odds_api: HostPatch,
    bettingpros: HostPatch,
    header_profiles: BTreeMap<String, BTreeMap<String, String>>,
    odds: Option<OddsApiConfig>,
    bettingpros_api: Option<BettingProsConfig>,
    nba: Option<NbaConfig>,
}

impl From<SourcesFile> for SourcesConfig {
    fn from(f: SourcesFile) -> Self {
        let mut c = SourcesConfig::default();
        f.nba_stats.apply(&mut c.nba_stats);
        f.nba_cdn.apply(&mut c.nba_cdn);
        f.injury_report.apply(&mut c.injury_report);
        f.espn.apply(&mut c.espn);
        f.odds_api.apply(&mut c.odds_api);
        f.bettingpros.apply(&mut c.bettingpros);
        c.header_profiles.extend(f.header_profiles);
        if let Some(o) = f.odds {
            c.odds = o;
        }
        if let Some(b) = f.bettingpros_api {
            c.bettingpros_api = b;
        }
        if let Some(n) = f.nba {
            c.nba = n;
        }
        c
    }
}
