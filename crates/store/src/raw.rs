//! The raw store: every payload exactly as fetched, stored once under its sha256, with an index
//! row per (source, dataset, partition) saying where and when it came from. Nothing here edits a
//! stored payload; parse failures are recorded beside it, not on it.

use crate::db::{Db, Value};
use crate::schema::{ColType, Column, TableDef};
use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Hex sha256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The index row of one stored payload.
#[derive(Debug, Clone, PartialEq)]
pub struct RawMeta {
    pub source: String,
    pub dataset: String,
    /// A game date, a UTC date (props folders) or a season, as the source partitions it.
    pub partition_key: String,
    pub sha256: String,
    pub bytes: i64,
    /// Where it came from: the archive path or the URL (without secrets).
    pub origin_path: String,
    /// Provenance as given by an archive manifest.
    pub origin: Option<String>,
    /// The capture time the source states (RFC 3339 UTC), when it states one.
    pub captured_at: Option<String>,
    /// When this system obtained it (RFC 3339 UTC).
    pub fetched_at: String,
    pub http_status: Option<i64>,
    pub build: String,
}

const META_COLUMNS: &str = "source, dataset, partition_key, sha256, bytes, origin_path, origin, \
                            captured_at, fetched_at, http_status, build";

impl RawMeta {
    fn from_row(r: &crate::Row) -> RawMeta {
        RawMeta {
            source: r.text(0),
            dataset: r.text(1),
            partition_key: r.text(2),
            sha256: r.text(3),
            bytes: r.i64(4).unwrap_or(0),
            origin_path: r.text(5),
            origin: r.str(6).map(str::to_string),
            captured_at: r.str(7).map(str::to_string),
            fetched_at: r.text(8),
            http_status: r.i64(9),
            build: r.text(10),
        }
    }

    /// The time this payload describes: the source's capture time, else when it was fetched.
    pub fn as_of(&self) -> &str {
        self.captured_at.as_deref().unwrap_or(&self.fetched_at)
    }
}

/// Payload bytes on disk, addressed by content: `<dir>/<first two hex digits>/<sha256>`.
#[derive(Clone, Debug)]
pub struct RawStore {
    dir: PathBuf,
}

impl RawStore {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_of(&self, sha256: &str) -> PathBuf {
        self.dir.join(sha256.get(..2).unwrap_or("xx")).join(sha256)
    }

    /// Stores bytes under their hash; returns the hash and whether the bytes were new.
    /// Written to a temporary file and renamed, so a crash never leaves a half-written payload
    /// under a valid address.
    pub fn put(&self, bytes: &[u8]) -> Result<(String, bool)> {
        let sha = sha256_hex(bytes);
        let new = self.put_hashed(&sha, bytes)?;
        Ok((sha, new))
    }

    /// [`RawStore::put`] for a caller that already hashed the bytes (an import that checked them
    /// against its manifest); a wrong hash is caught by [`RawStore::get`], never served.
    pub fn put_hashed(&self, sha: &str, bytes: &[u8]) -> Result<bool> {
        let path = self.path_of(sha);
        if path.is_file() {
            return Ok(false);
        }
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Io { path, source }
        };
        let parent = path.parent().expect("raw paths have a parent");
        std::fs::create_dir_all(parent).map_err(io(parent))?;
        let tmp = parent.join(format!(".{sha}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        Ok(true)
    }

    /// Reads a payload and checks that it still hashes to its address.
    pub fn get(&self, sha256: &str) -> Result<Vec<u8>> {
        let path = self.path_of(sha256);
        let bytes = std::fs::read(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        let actual = sha256_hex(&bytes);
        if actual != sha256 {
            return Err(Error::Corrupt {
                path,
                expected: sha256.to_string(),
                actual,
            });
        }
        Ok(bytes)
    }
}

static RAW_PAYLOADS: TableDef = TableDef {
    name: "raw_payloads",
    columns: &[
        Column::nullable("source", ColType::Text),
        Column::nullable("dataset", ColType::Text),
        Column::nullable("partition_key", ColType::Text),
        Column::nullable("sha256", ColType::Text),
        Column::nullable("bytes", ColType::Int),
        Column::nullable("origin_path", ColType::Text),
        Column::nullable("origin", ColType::Text),
        Column::nullable("captured_at", ColType::Text),
        Column::nullable("fetched_at", ColType::Text),
        Column::nullable("http_status", ColType::Int),
        Column::nullable("build", ColType::Text),
    ],
    key: &["source", "dataset", "partition_key", "sha256"],
    partition: &[],
    moves_by: None,
};

/// Records many payloads in one transaction; returns how many were new (the rest were already
/// recorded for the same source, dataset and partition).
pub async fn record_many(db: &Db, metas: &[RawMeta]) -> Result<u64> {
    let rows: Vec<Vec<Value>> = metas
        .iter()
        .map(|m| {
            vec![
                m.source.as_str().into(),
                m.dataset.as_str().into(),
                m.partition_key.as_str().into(),
                m.sha256.as_str().into(),
                m.bytes.into(),
                m.origin_path.as_str().into(),
                m.origin.clone().into(),
                m.captured_at.clone().into(),
                m.fetched_at.as_str().into(),
                m.http_status.into(),
                m.build.as_str().into(),
            ]
        })
        .collect();
    let mut tx = db.begin().await?;
    let new = tx.insert_new(&RAW_PAYLOADS, rows).await?;
    tx.commit().await?;
    Ok(new)
}

/// Records a payload in the index; false when this exact payload was already recorded for the
/// same source, dataset and partition (importing twice stores nothing new).
pub async fn record(db: &Db, m: &RawMeta) -> Result<bool> {
    Ok(record_many(db, std::slice::from_ref(m)).await? == 1)
}

/// Index rows of a source's dataset(s) for the given partitions, oldest capture first.
/// `dataset` ending in `/` selects every dataset under that prefix (`player_props/`).
pub async fn list(
    db: &Db,
    source: &str,
    dataset: &str,
    partitions: &[String],
) -> Result<Vec<RawMeta>> {
    if partitions.is_empty() {
        return Ok(Vec::new());
    }
    let (dataset_clause, dataset_value) = dataset_filter(dataset);
    let placeholders: Vec<String> = (0..partitions.len())
        .map(|i| format!("${}", i + 3))
        .collect();
    let sql = format!(
        "SELECT {META_COLUMNS} FROM raw_payloads WHERE source = $1 AND {dataset_clause} \
         AND partition_key IN ({}) ORDER BY COALESCE(captured_at, fetched_at), fetched_at, sha256",
        placeholders.join(", ")
    );
    let mut params = vec![Value::from(source), dataset_value.into()];
    params.extend(partitions.iter().map(|p| Value::from(p.as_str())));
    Ok(db
        .query(&sql, &params)
        .await?
        .iter()
        .map(RawMeta::from_row)
        .collect())
}

/// Every index row of a source's dataset(s), oldest capture first (same order as [`list`]).
pub async fn list_all(db: &Db, source: &str, dataset: &str) -> Result<Vec<RawMeta>> {
    let (clause, value) = dataset_filter(dataset);
    let sql = format!(
        "SELECT {META_COLUMNS} FROM raw_payloads WHERE source = $1 AND {clause} \
         ORDER BY COALESCE(captured_at, fetched_at), fetched_at, sha256"
    );
    Ok(db
        .query(&sql, &[source.into(), value.into()])
        .await?
        .iter()
        .map(RawMeta::from_row)
        .collect())
}

/// `dataset` ending in `/` selects every dataset under that prefix.
fn dataset_filter(dataset: &str) -> (&'static str, String) {
    if dataset.ends_with('/') {
        ("dataset LIKE $2", format!("{dataset}%"))
    } else {
        ("dataset = $2", dataset.to_string())
    }
}

/// Marks a payload as failing to parse for a processor (kept and reported, never deleted).
pub async fn record_parse_failure(
    db: &Db,
    m: &RawMeta,
    processor: &str,
    error: &str,
    build: &str,
) -> Result<()> {
    let now = jiff::Timestamp::now().to_string();
    db.execute(
        "INSERT INTO raw_parse_failures (sha256, processor, source, dataset, partition_key, origin_path, error, failed_at, build) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (sha256, processor) DO UPDATE SET error = excluded.error, failed_at = excluded.failed_at, build = excluded.build",
        &[
            m.sha256.as_str().into(),
            processor.into(),
            m.source.as_str().into(),
            m.dataset.as_str().into(),
            m.partition_key.as_str().into(),
            m.origin_path.as_str().into(),
            error.into(),
            now.into(),
            build.into(),
        ],
    )
    .await?;
    Ok(())
}

/// Clears a failure mark once the payload parses (for example after a parser fix).
pub async fn clear_parse_failure(db: &Db, sha256: &str, processor: &str) -> Result<()> {
    db.execute(
        "DELETE FROM raw_parse_failures WHERE sha256 = $1 AND processor = $2",
        &[sha256.into(), processor.into()],
    )
    .await?;
    Ok(())
}
