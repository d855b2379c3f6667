//! What the command-line tests share: the real data, the binary, a small archive cut from it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn shared_data() -> Option<PathBuf> {
    nba_props_pipeline::testdata::shared_data_dir()
}

/// Runs the binary on its own data directory (SQLite), with no database or archive inherited
/// from the environment.
pub fn nba_props(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nba-props"))
        .args(args)
        .env("NBA_PROPS_DATA_DIR", data_dir)
        .env_remove("NBA_PROPS_DATABASE_URL")
        .env_remove("NBA_PROPS_ARCHIVE_DIR")
        .current_dir(data_dir)
        .output()
        .expect("run nba-props")
}

/// The 2023-24 schedule and the box scores of 2023-12-01..03, as an archive of their own.
pub fn small_archive(data: &Path, dir: &Path) -> PathBuf {
    let out = dir.join("archive");
    let manifest = std::fs::read_to_string(data.join("archive/manifest.jsonl")).unwrap();
    let mut lines = Vec::new();
    for line in manifest.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let (path, part) = (
            v["path"].as_str().unwrap(),
            v["partition"].as_str().unwrap(),
        );
        if path == "nbacom/schedule/2023-24.json"
            || (path.contains("leaguegamelog") && ("2023-12-01"..="2023-12-03").contains(&part))
        {
            std::fs::create_dir_all(out.join(path).parent().unwrap()).unwrap();
            std::fs::copy(data.join("archive").join(path), out.join(path)).unwrap();
            lines.push(line.to_string());
        }
    }
    std::fs::write(out.join("manifest.jsonl"), lines.join("\n") + "\n").unwrap();
    out
}
