//! Where the real data of `../shared/data` lives, for tests and benchmarks.

use std::path::PathBuf;

/// `<project root>/../shared/data`, or `None` (after saying so loudly on stderr) when it is absent,
/// so a test over real data skips instead of passing silently.
pub fn shared_data_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if dir.join("archive/manifest.jsonl").is_file() {
        Some(dir.canonicalize().unwrap_or(dir))
    } else {
        eprintln!(
            "SKIPPED: the real data directory {} is absent; tests over real data did not run",
            dir.display()
        );
        None
    }
}
