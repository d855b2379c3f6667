//! Configuration: built-in defaults, then a TOML file (`--config`, else `nba-props.toml` in the
//! working directory when present), then `NBA_PROPS_*` environment variables, then flags.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// Where the embedded database and the raw store live.
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL; unset means SQLite at `<data_dir>/nba-props.db`.
    pub database_url: Option<String>,
    /// A raw archive to run over when the live sources cannot be used.
    pub archive_dir: Option<PathBuf>,
    /// The TOML file these settings came from, if any (its `[sources]` section configures phase 1).
    #[serde(skip)]
    pub file: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./nba-props-data"),
            database_url: None,
            archive_dir: None,
            file: None,
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
        let mut config: Config = fig
            .extract()
            .map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
        config.file = file;
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
