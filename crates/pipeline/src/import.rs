//! `nba-props import DIR`: loads a raw archive (`DIR/manifest.jsonl`, one JSON object per file:
//! path, source, dataset, partition, captured_at, sha256, bytes, origin) into the raw store.
//! Every file's sha256 is checked against the manifest; a file already stored is not stored
//! again; a bad line or file is reported by name and the rest of the archive still loads.

use nba_props_core::BuildInfo;
use nba_props_store::{RawMeta, Store, raw};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Deserialize)]
struct ManifestLine {
    path: String,
    source: String,
    dataset: String,
    partition: String,
    captured_at: Option<String>,
    sha256: String,
    origin: Option<String>,
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ImportSummary {
    pub files: usize,
    pub new_payloads: usize,
    pub already_stored: usize,
    /// Bytes written to the raw store (a payload already stored under its hash adds none).
    pub bytes_new: u64,
    /// One message per manifest line or file that could not be imported.
    pub errors: Vec<String>,
}

/// Imports the archive at `dir`; `progress` is called after each manifest line with (done, total).
pub async fn import_archive(
    store: &Store,
    dir: &Path,
    build: BuildInfo,
    mut progress: impl FnMut(usize, usize),
) -> Result<ImportSummary, ImportError> {
    let manifest_path = dir.join("manifest.jsonl");
    let manifest = std::fs::read_to_string(&manifest_path)
        .map_err(|e| ImportError::Manifest(format!("{}: {e}", manifest_path.display())))?;
    let lines: Vec<&str> = manifest.lines().filter(|l| !l.trim().is_empty()).collect();
    let fetched_at = jiff::Timestamp::now().to_string();
    let mut summary = ImportSummary::default();
    let mut metas = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        progress(i + 1, lines.len());
        let entry: ManifestLine = match serde_json::from_str(line) {
            Ok(e) => e,
            Err(e) => {
                summary
                    .errors
                    .push(format!("{} line {}: {e}", manifest_path.display(), i + 1));
                continue;
            }
        };
        summary.files += 1;
        let file = dir.join(&entry.path);
        let bytes = match std::fs::read(&file) {
            Ok(b) => b,
            Err(e) => {
                summary.errors.push(format!("{}: {e}", file.display()));
                continue;
            }
        };
        let sha = raw::sha256_hex(&bytes);
        if !sha.eq_ignore_ascii_case(&entry.sha256) {
            summary.errors.push(format!(
                "{}: sha256 is {sha} but the manifest says {}: not imported",
                file.display(),
                entry.sha256
            ));
            continue;
        }
        let new_bytes = store
            .raw
            .put_hashed(&sha, &bytes)
            .map_err(ImportError::Store)?;
        let meta = RawMeta {
            source: entry.source,
            dataset: entry.dataset,
            partition_key: entry.partition,
            sha256: sha,
            bytes: bytes.len() as i64,
            origin_path: entry.path,
            origin: entry.origin,
            captured_at: entry.captured_at.map(|t| normalise_instant(&t)),
            fetched_at: fetched_at.clone(),
            http_status: None,
            build: build.to_string(),
        };
        if new_bytes {
            summary.bytes_new += bytes.len() as u64;
        }
        metas.push(meta);
    }
    // One transaction for the whole index: a statement per file was most of an import's time.
    let new = raw::record_many(&store.db, &metas)
        .await
        .map_err(ImportError::Store)? as usize;
    summary.new_payloads = new;
    summary.already_stored = metas.len() - new;
    Ok(summary)
}

/// Writes an instant the way every other instant is stored (RFC 3339 UTC), so captures sort by
/// time; a value that is not an instant is kept as given.
fn normalise_instant(s: &str) -> String {
    s.parse::<jiff::Timestamp>()
        .map(|t| t.to_string())
        .unwrap_or_else(|_| s.to_string())
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read the archive manifest {0}")]
    Manifest(String),
    #[error(transparent)]
    Store(#[from] nba_props_store::Error),
}
