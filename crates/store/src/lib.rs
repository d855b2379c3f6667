//! Storage for nba-props: the raw payload store (exact bytes addressed by their sha256) and the
//! relational store on SQLite (embedded default) or PostgreSQL (several machines), both created by
//! the same migrations and exercised by the same conformance tests.

pub mod db;
mod migrations;
mod partition;
pub mod raw;
pub mod runs;
pub mod schema;
pub mod source_status;
mod sqlite_direct;
pub mod testing;

pub use db::{Backend, Db, Row, Tx, Value};
pub use partition::{advisory_key, content_hash, partition_lock_names};
pub use raw::{RawMeta, RawStore};
pub use schema::{ColType, Column, TableDef};

use std::path::PathBuf;

/// Errors of the storage layer; each names what it was doing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database could not be reached (the URL is shown without its password).
    #[error("cannot connect to the database {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    /// A statement failed; the first line of the SQL says which.
    #[error("database error in `{sql}`: {source}")]
    Query { sql: String, source: sqlx::Error },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// A row or column does not fit the declared table.
    #[error("schema mismatch: {0}")]
    Schema(String),
    #[error("configuration: {0}")]
    Config(String),
    /// Reading or writing a file of the raw store.
    #[error("raw store {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A stored payload's bytes no longer hash to its address.
    #[error(
        "raw store {path}: content hash is {actual}, expected {expected}: the file was changed on disk"
    )]
    Corrupt {
        path: PathBuf,
        expected: String,
        actual: String,
    },
    /// A partition write was refused because the writer's lease epoch is no longer current.
    #[error("fenced: {0}")]
    Fenced(String),
}

impl Error {
    pub(crate) fn query(sql: &str, source: sqlx::Error) -> Self {
        let first = sql
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or_default();
        let sql = if first.len() > 120 {
            format!("{}…", &first[..120])
        } else {
            first.to_string()
        };
        Error::Query { sql, source }
    }

    /// True for a violated unique or primary key.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            Error::Query {
                source: sqlx::Error::Database(e),
                ..
            }
            | Error::Sqlx(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }

    /// Whether trying again later can succeed: the network, a lock, a full disk, a restarting
    /// server, a lost lease. False for what the same inputs will break again the same way: a
    /// constraint the data violates, a row that does not fit its table, a corrupt payload.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Connect { .. } | Error::Io { .. } | Error::Fenced(_) => true,
            Error::Query { source, .. } | Error::Sqlx(source) => sqlx_is_retryable(source),
            Error::Migrate(_) | Error::Schema(_) | Error::Config(_) | Error::Corrupt { .. } => {
                false
            }
        }
    }
}

fn sqlx_is_retryable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            if !matches!(db.kind(), sqlx::error::ErrorKind::Other) {
                // Unique, foreign key, not-null or check violations: the data breaks them.
                return false;
            }
            let code = db.code().unwrap_or_default();
            if let Ok(n) = code.parse::<i64>() {
                // SQLite's primary result code is the low byte of the extended one: BUSY,
                // LOCKED, NOMEM, IOERR, FULL, CANTOPEN and PROTOCOL pass; everything else
                // (CONSTRAINT, MISMATCH, TOOBIG, a syntax error...) will fail again.
                return matches!(n & 0xff, 5 | 6 | 7 | 10 | 13 | 14 | 15);
            }
            // PostgreSQL's SQLSTATE classes: connection (08), transaction rollback such as a
            // deadlock or a serialization failure (40), insufficient resources such as a full
            // disk (53), operator intervention such as a shutdown (57), system errors (58),
            // lock not available (55P03).
            matches!(code.get(..2), Some("08" | "40" | "53" | "57" | "58")) || code == "55P03"
        }
        sqlx::Error::Configuration(_)
        | sqlx::Error::InvalidArgument(_)
        | sqlx::Error::RowNotFound
        | sqlx::Error::TypeNotFound { .. }
        | sqlx::Error::ColumnIndexOutOfBounds { .. }
        | sqlx::Error::ColumnNotFound(_)
        | sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::Encode(_)
        | sqlx::Error::Decode(_)
        | sqlx::Error::Migrate(_) => false,
        // I/O, TLS, protocol, pool timeouts, a closed pool, a crashed connection worker, a
        // connection left inside a transaction: the connection is at fault, not the data.
        _ => true,
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The database and the raw payload store together.
#[derive(Clone, Debug)]
pub struct Store {
    pub db: Db,
    pub raw: RawStore,
}

impl Store {
    /// Opens (and migrates) the database at `database_url` and the raw store under `raw_dir`.
    pub async fn open(database_url: &str, raw_dir: PathBuf) -> Result<Store> {
        let db = Db::connect(database_url).await?;
        Ok(Store {
            db,
            raw: RawStore::new(raw_dir),
        })
    }
}
