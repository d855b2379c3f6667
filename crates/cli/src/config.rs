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
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./nba-props-data"),
            database_url: None,
            archive_dir: None,
        }
    }
}

impl Config {
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(f) if !f.is_file() => {
                anyhow::bail!("configuration file {} does not exist", f.display())
            }
            Some(f) => fig = fig.merge(Toml::file(f)),
            None => fig = fig.merge(Toml::file("nba-props.toml")),
        }
        // Only the settings of this struct: source-specific variables (API keys, base URLs) are
        // read by their own sections, and secrets never land in a printed config.
        fig = fig.merge(Env::prefixed("NBA_PROPS_").only(&[
            "data_dir",
            "database_url",
            "archive_dir",
        ]));
        fig.extract()
            .map_err(|e| anyhow::anyhow!("configuration: {e}"))
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("nba-props.db").display()))
    }

    pub fn raw_dir(&self) -> PathBuf {
        self.data_dir.join("raw")
    }
}
