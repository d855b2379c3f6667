//! Configuration: built-in defaults, then a TOML file (`--config`, else `nba-props.toml` in the
//! working directory when present), then `NBA_PROPS_*` environment variables, then flags.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Unknown top-level keys are errors, like the sections' (a misspelt `databse_url` must not
/// silently fall back to the local SQLite database).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the embedded database and the raw store live.
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL; unset means SQLite at `<data_dir>/nba-props.db`.
    pub database_url: Option<String>,
    /// A raw archive to run over when the live sources cannot be used.
    pub archive_dir: Option<PathBuf>,
    /// The job runtime: workers, leases, retries (`[runtime]`, `NBA_PROPS_RUNTIME_*`).
    #[serde(default)]
    pub runtime: RuntimeSettings,
    /// Scheduler, deadlines, health thresholds, alerts (`[ops]`; docs/operations.md).
    #[serde(default)]
    pub ops: nba_props_ops::OpsConfig,
    /// The web dashboard, API and metrics of `serve` (`[web]`, `NBA_PROPS_WEB_*`).
    #[serde(default)]
    pub web: WebSettings,
    /// The TOML file these settings came from, if any (its `[sources]` section configures phase 1).
    #[serde(skip)]
    pub file: Option<PathBuf>,
    /// `[sources]` and `[predict]`: accepted here so that only unknown keys are refused; each is
    /// read and checked field by field by [`Config::sources`] and `predict::settings`.
    #[serde(default, skip_serializing, rename = "sources")]
    _sources: Option<figment::value::Value>,
    #[serde(default, skip_serializing, rename = "predict")]
    _predict: Option<figment::value::Value>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./nba-props-data"),
            database_url: None,
            archive_dir: None,
            runtime: RuntimeSettings::default(),
            ops: nba_props_ops::OpsConfig::default(),
            web: WebSettings::default(),
            file: None,
            _sources: None,
            _predict: None,
        }
    }
}

impl Config {
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let file = match file {
            Some(f) if !f.is_file() => {
                anyhow::bail!("configuration file {} does not exist", f.display())
            }
            Some(f) => Some(f.to_path_buf()),
            None => Some(PathBuf::from("nba-props.toml")).filter(|f| f.is_file()),
        };
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(f) = &file {
            fig = fig.merge(Toml::file(f));
        }
        // Only the settings of this struct: source variables (API keys, base URLs) belong to the
        // `[sources]` section, and secrets never land in a printed config.
        fig = fig.merge(Env::prefixed("NBA_PROPS_").only(&[
            "data_dir",
            "database_url",
            "archive_dir",
        ]));
        fig = fig.merge(
            Env::prefixed("NBA_PROPS_RUNTIME_").map(|k| format!("runtime.{}", k.as_str()).into()),
        );
        fig = fig
            .merge(Env::prefixed("NBA_PROPS_WEB_").map(|k| format!("web.{}", k.as_str()).into()));
        let mut config: Config = fig.extract().map_err(|e| match &file {
            Some(f) => anyhow::anyhow!("configuration {}: {e}", f.display()),
            None => anyhow::anyhow!("configuration: {e}"),
        })?;
        config.file = file;
        // The webhook URL is a secret: it may come from the environment instead of the file.
        if let Ok(url) = std::env::var("NBA_PROPS_ALERT_WEBHOOK_URL") {
            config.ops.alerts.webhook_url = Some(url);
        }
        config.ops.validate()?;
        Ok(config)
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("nba-props.db").display()))
    }

    pub fn raw_dir(&self) -> PathBuf {
        self.data_dir.join("raw")
    }

    /// Phase 1 settings: the defaults, then the file's `[sources]` section, then the
    /// `NBA_PROPS_*_BASE_URL` variables and the API keys.
    pub fn sources(&self) -> anyhow::Result<nba_props_sources::SourcesConfig> {
        let mut sources = match &self.file {
            Some(f) => match Figment::new()
                .merge(Toml::file(f))
                .extract_inner::<nba_props_sources::SourcesConfig>("sources")
            {
                Ok(sources) => sources,
                Err(e) if e.missing() => Default::default(),
                Err(e) => anyhow::bail!("configuration {} [sources]: {e}", f.display()),
            },
            None => nba_props_sources::SourcesConfig::default(),
        };
        sources.apply_env(|k| std::env::var(k).ok());
        Ok(sources)
    }
}

/// `serve`'s HTTP server. Every field can be set in `[web]` or as `NBA_PROPS_WEB_<FIELD>`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebSettings {
    /// host:port of the dashboard, the API and /metrics.
    pub addr: String,
    /// Bearer token of the mutating API endpoints (retry, backfill, reconcile); unset disables
    /// them. A secret: never serialised, so it cannot land in a printed configuration.
    #[serde(skip_serializing)]
    pub token: Option<String>,
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            addr: "127.0.0.1:8080".into(),
            token: None,
        }
    }
}

/// How workers run jobs. Every field can be set in `[runtime]` or as `NBA_PROPS_RUNTIME_<FIELD>`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuntimeSettings {
    /// This process's worker name (default: the host name; `serve` appends `/1`, `/2`, …).
    /// Keep it stable: a restarted worker reuses its heartbeat row.
    pub worker_name: Option<String>,
    /// Workers `serve` runs in its process.
    pub workers: usize,
    /// A lease lasts this long without renewal (renewed every third of it).
    pub lease_ttl_ms: i64,
    /// An idle worker looks for work this often.
    pub poll_ms: u64,
    pub heartbeat_ms: u64,
    /// Partitions of one processor claimed and written together.
    pub max_batch: usize,
    /// Attempts before a job is parked as dead (a fatal failure is dead at once).
    pub max_attempts: i64,
    /// Crashes (attempts whose worker died holding the job) before a job is dead.
    pub max_crashes: i64,
    /// First retry delay, doubled with every attempt (capped at 10 minutes).
    pub retry_base_ms: i64,
}

impl Default for RuntimeSettings {
    fn default() -> Self {
        let w = nba_props_runtime::WorkerConfig::default();
        Self {
            worker_name: None,
            workers: 2,
            lease_ttl_ms: w.lease_ttl_ms,
            poll_ms: w.poll_ms,
            heartbeat_ms: w.heartbeat_ms,
            max_batch: w.max_batch,
            max_attempts: w.max_attempts,
            max_crashes: w.max_crashes,
            retry_base_ms: w.retry_base_ms,
        }
    }
}

impl RuntimeSettings {
    /// The configuration of a worker named `name`.
    pub fn worker(&self, name: String) -> nba_props_runtime::WorkerConfig {
        nba_props_runtime::WorkerConfig {
            name,
            lease_ttl_ms: self.lease_ttl_ms,
            poll_ms: self.poll_ms,
            heartbeat_ms: self.heartbeat_ms,
            max_batch: self.max_batch,
            max_attempts: self.max_attempts,
            max_crashes: self.max_crashes,
            retry_base_ms: self.retry_base_ms,
            exit_when_idle: false,
            // Fault injection for the fencing test only; never set in production.
            pause_before_write_ms: std::env::var("NBA_PROPS_FAULT_PAUSE_BEFORE_WRITE_MS")
                .ok()
                .and_then(|v| v.parse().ok()),
        }
    }

    /// The base worker name: configured, else the host name.
    pub fn base_name(&self) -> String {
        self.worker_name
            .clone()
            .unwrap_or_else(nba_props_runtime::heartbeat::host_name)
    }
}
