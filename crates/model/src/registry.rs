//! Model files and the `model_registry` table. A file is stored once under its sha256
//! (`<data dir>/models/<sha256>.json`) and read back only when its bytes still hash to that
//! address, so a registry row can never point at a model other than the one it describes.

use crate::system::Trained;
use crate::{Error, Result};
use nba_props_store::Value;
use nba_props_store::schema::MODEL_REGISTRY;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Model files under one directory, addressed by content.
#[derive(Debug, Clone)]
pub struct ModelStore {
    dir: PathBuf,
}

/// How registry versions abbreviate a file's sha256.
pub const VERSION_CHARS: usize = 16;

impl ModelStore {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The models directory beside a data directory's raw store (`<data dir>/models`).
    pub fn beside_raw(raw_dir: &Path) -> Self {
        Self::new(raw_dir.parent().unwrap_or(raw_dir).join("models"))
    }

    pub fn path(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}.json"))
    }

    /// Writes the bytes under their hash (once; an existing file with those bytes is kept).
    pub fn put(&self, bytes: &[u8]) -> Result<String> {
        let sha = hex::encode(Sha256::digest(bytes));
        let path = self.path(&sha);
        let err = |e: std::io::Error| Error::File {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        if self.get(&sha).is_ok() {
            return Ok(sha);
        }
        std::fs::create_dir_all(&self.dir).map_err(err)?;
        // Write beside it and rename, so a reader never sees half a file. The temporary name is
        // unique per write: two partitions of one backfill may store the same model at once.
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir).map_err(err)?;
        std::io::Write::write_all(&mut tmp, bytes).map_err(err)?;
        tmp.persist(&path).map_err(|e| err(e.error))?;
        Ok(sha)
    }

    /// The file's bytes, checked against its address.
    pub fn get(&self, sha256: &str) -> Result<Vec<u8>> {
        let path = self.path(sha256);
        let bytes = std::fs::read(&path).map_err(|e| Error::File {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let actual = hex::encode(Sha256::digest(&bytes));
        if actual != sha256 {
            return Err(Error::File {
                path: path.display().to_string(),
                message: format!(
                    "content hash is {actual}, expected {sha256}: the file was changed"
                ),
            });
        }
        Ok(bytes)
    }

    /// Stores a trained model; returns its sha256.
    pub fn save(&self, model: &Trained) -> Result<String> {
        self.put(&model.to_json())
    }

    pub fn load(&self, sha256: &str) -> Result<Trained> {
        let bytes = self.get(sha256)?;
        Trained::from_json(&bytes, &self.path(sha256).display().to_string())
    }
}

/// `model_id` of a system's models for a market: `gbm.pra`.
pub fn model_id(model: &Trained) -> String {
    format!("{}.{}", model.kind.id(), model.market)
}

/// The registry version of a model file.
pub fn version(sha256: &str) -> String {
    sha256[..VERSION_CHARS.min(sha256.len())].to_string()
}

/// A `model_registry` row, in column order; `first_used` is the first game date it predicts.
pub fn registry_row(model: &Trained, sha256: &str, first_used: &str, enabled: bool) -> Vec<Value> {
    let metrics = serde_json::json!({
        "validation_rows": model.validation.rows,
        "validation_mae": model.validation.mae,
        "validation_baseline_mae": model.validation.baseline_mae,
        "spread": model.spread,
        "params": model.params,
        "stage": model.stage(),
        "box_trained_for": model.anchored_box().map(|b| b.trained_for.as_str()),
    });
    let row: Vec<Value> = vec![
        model_id(model).into(),
        version(sha256).into(),
        first_used.into(),
        model.trained_for.as_str().into(),
        model.kind.id().into(),
        model.kind.version().into(),
        model.market.as_str().into(),
        crate::features::FEATURE_VERSION.into(),
        model.train_from.clone().into(),
        model.train_to.clone().into(),
        (model.train_rows as i64).into(),
        metrics.to_string().into(),
        sha256.into(),
        format!("models/{sha256}.json").into(),
        enabled.into(),
    ];
    debug_assert_eq!(row.len(), MODEL_REGISTRY.columns.len());
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_addressed_by_hash_and_a_changed_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = ModelStore::new(dir.path().join("models"));
        let sha = store.put(b"{\"model\": 1}").unwrap();
        assert_eq!(store.put(b"{\"model\": 1}").unwrap(), sha, "stored once");
        assert_eq!(store.get(&sha).unwrap(), b"{\"model\": 1}");
        std::fs::write(store.path(&sha), b"{\"model\": 2}").unwrap();
        let err = store.get(&sha).unwrap_err().to_string();
        assert!(err.contains("content hash"), "{err}");
        assert!(store.get("00ff").is_err());
    }

    #[test]
    fn the_same_model_stored_by_many_threads_at_once_is_stored_once_without_error() {
        // Two partitions of a backfill once raced on one temporary name: the second rename
        // found nothing to move and the partition failed.
        let bytes = vec![b'7'; 1 << 20];
        for _round in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let store = ModelStore::new(dir.path().join("models"));
            let start = std::sync::Barrier::new(8);
            let shas: Vec<String> = std::thread::scope(|s| {
                let hs: Vec<_> = (0..8)
                    .map(|_| {
                        s.spawn(|| {
                            start.wait();
                            store.put(&bytes)
                        })
                    })
                    .collect();
                hs.into_iter().map(|h| h.join().unwrap().unwrap()).collect()
            });
            assert!(shas.iter().all(|x| *x == shas[0]));
            assert_eq!(store.get(&shas[0]).unwrap(), bytes);
            let files = std::fs::read_dir(dir.path().join("models"))
                .unwrap()
                .count();
            assert_eq!(files, 1, "no temporary file left behind");
        }
    }
}
