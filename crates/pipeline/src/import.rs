//! `nba-props import DIR`: loads a raw archive (`DIR/manifest.jsonl`, one JSON object per file:
//! path, source, dataset, partition, captured_at, sha256, bytes, origin) into the raw store.
//! Every file's sha256 is checked against the manifest; a file already stored is not stored
//! again; a bad line or file is reported by name and the rest of the archive still loads.
//!
//! A manifest line is checked before its file is opened: its path must stay inside the archive
//! (no absolute path, no `..`, no symlink leading out: a refused file is never read), and its
//! source, dataset and partition must be ones a processor reads ([`known_datasets`], derived
//! from the processors' declarations), so nothing is imported that would never be processed.

use crate::processor::{Input, Window};
use nba_props_core::{BuildInfo, GameDate, Season};
use nba_props_store::{RawMeta, Store, raw};
use serde::Deserialize;
use std::path::{Component, Path, PathBuf};

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
    // Numbered as an editor shows them: blank lines are skipped but counted.
    let lines: Vec<(usize, &str)> = manifest
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l))
        .collect();
    let root = dir
        .canonicalize()
        .map_err(|e| ImportError::Manifest(format!("{}: {e}", dir.display())))?;
    let known = known_datasets();
    let fetched_at = jiff::Timestamp::now().to_string();
    let mut summary = ImportSummary::default();
    let mut metas = Vec::with_capacity(lines.len());
    for (i, &(number, line)) in lines.iter().enumerate() {
        progress(i + 1, lines.len());
        let at = format!("{} line {number}", manifest_path.display());
        let entry: ManifestLine = match serde_json::from_str(line) {
            Ok(e) => e,
            Err(e) => {
                summary.errors.push(format!("{at}: {e}"));
                continue;
            }
        };
        summary.files += 1;
        if let Err(e) = check_dataset(&known, &entry) {
            summary.errors.push(format!("{at}: {e}: not imported"));
            continue;
        }
        let file = match inside(&root, &entry.path) {
            Ok(f) => f,
            Err(e) => {
                summary
                    .errors
                    .push(format!("{at}: path {:?} {e}: not read", entry.path));
                continue;
            }
        };
        let bytes = match std::fs::read(&file) {
            Ok(b) => b,
            Err(e) => {
                summary
                    .errors
                    .push(format!("{at}: {}: {e}", file.display()));
                continue;
            }
        };
        let sha = raw::sha256_hex(&bytes);
        if !sha.eq_ignore_ascii_case(&entry.sha256) {
            summary.errors.push(format!(
                "{at}: {}: sha256 is {sha} but the manifest says {}: not imported",
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

/// How a raw dataset is partitioned: by game date (`2023-10-24`) or by season (`2023-24`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartitionKind {
    Date,
    Season,
}

/// A raw dataset some processor reads: `dataset` ending in `/` stands for every dataset under
/// it (`player_props/` covers `player_props/player_points`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownDataset {
    pub source: &'static str,
    pub dataset: &'static str,
    pub partition: PartitionKind,
}

impl KnownDataset {
    fn matches(&self, source: &str, dataset: &str) -> bool {
        source == self.source
            && if self.dataset.ends_with('/') {
                dataset
                    .strip_prefix(self.dataset)
                    .is_some_and(|rest| !rest.is_empty())
            } else {
                dataset == self.dataset
            }
    }
}

/// Every raw dataset the processors read, from their declarations (the one list there is):
/// a dataset read across a season window is partitioned by season, every other by date.
pub fn known_datasets() -> Vec<KnownDataset> {
    let mut known: Vec<KnownDataset> = Vec::new();
    for p in crate::backfill::processors_for(0..=u8::MAX) {
        for input in p.declaration().inputs {
            if let Input::Raw {
                source,
                dataset,
                window,
                ..
            } = *input
            {
                let k = KnownDataset {
                    source,
                    dataset,
                    partition: match window {
                        Window::Season => PartitionKind::Season,
                        _ => PartitionKind::Date,
                    },
                };
                if !known.contains(&k) {
                    known.push(k);
                }
            }
        }
    }
    known
}

/// The line's dataset is one a processor reads and its partition has that dataset's form.
fn check_dataset(known: &[KnownDataset], e: &ManifestLine) -> Result<(), String> {
    let Some(k) = known.iter().find(|k| k.matches(&e.source, &e.dataset)) else {
        let mut names: Vec<String> = known
            .iter()
            .map(|k| format!("{}.{}", k.source, k.dataset))
            .collect();
        names.sort();
        return Err(format!(
            "dataset {}.{} is not one the pipeline reads ({})",
            e.source,
            e.dataset,
            names.join(", ")
        ));
    };
    let p = e.partition.as_str();
    // The form processors look partitions up by, exactly: `2023-24`, not the SEASON_ID `22023`.
    let ok = match k.partition {
        PartitionKind::Date => GameDate::parse(p).is_ok_and(|d| d.to_string() == p),
        PartitionKind::Season => Season::parse(p).is_ok_and(|s| s.to_string() == p),
    };
    if ok {
        return Ok(());
    }
    Err(match k.partition {
        PartitionKind::Date => format!(
            "partition {p:?} of {}.{} is not a game date (YYYY-MM-DD, {} to {})",
            e.source,
            e.dataset,
            GameDate::MIN,
            GameDate::MAX
        ),
        PartitionKind::Season => format!(
            "partition {p:?} of {}.{} is not a season (YYYY-YY, e.g. 2023-24)",
            e.source, e.dataset
        ),
    })
}

/// The file a manifest path names, if it stays inside the archive `root` (canonical): the path
/// is relative, has no `..`, and what it resolves to (symlinks followed) is a regular file under
/// `root`. Only metadata is read here, never the file.
fn inside(root: &Path, path: &str) -> Result<PathBuf, String> {
    let rel = Path::new(path);
    if path.is_empty() {
        return Err("is empty".into());
    }
    for c in rel.components() {
        match c {
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir => {
                return Err("goes up with `..`: it must stay inside the archive".into());
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err("is absolute: it must be relative to the archive".into());
            }
        }
    }
    let file = root
        .join(rel)
        .canonicalize()
        .map_err(|e| format!("cannot be opened under {}: {e}", root.display()))?;
    if !file.starts_with(root) {
        return Err("leads out of the archive through a symlink".into());
    }
    match std::fs::metadata(&file) {
        Ok(m) if m.is_file() => Ok(file),
        Ok(_) => Err("is not a regular file".into()),
        Err(e) => Err(format!("cannot be opened: {e}")),
    }
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
