//! Embeds the git sha of the checkout into the binary, so every run, heartbeat and export can say
//! which code produced it (the old system ran images that were not the repository's code).
use std::process::Command;

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(&root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let sha = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
        .map(|s| !s.is_empty())
        .unwrap_or(false);
    let sha = if dirty { format!("{sha}-dirty") } else { sha };
    println!("cargo:rustc-env=NBA_PROPS_GIT_SHA={sha}");
    // Rebuild when HEAD moves or the index changes (commit, checkout, staging).
    for path in [".git/HEAD", ".git/index"] {
        let p = root.join(path);
        if p.exists() {
            println!("cargo:rerun-if-changed={}", p.display());
        }
    }
    if let Some(head_ref) = git(&["symbolic-ref", "-q", "HEAD"]) {
        let p = root.join(".git").join(head_ref);
        if p.exists() {
            println!("cargo:rerun-if-changed={}", p.display());
        }
    }
}
