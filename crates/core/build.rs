//! Embeds the git sha of the checkout into the binary, so every run, heartbeat and export can say
//! which code produced it (the old system ran images that were not the repository's code).
use std::process::Command;

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let git = |args: &[&str]| {
        // Read-only: a plain `git status` refreshes and rewrites the index, whose new mtime would
        // make cargo rerun this script and rebuild every crate on the next build.
        Command::new("git")
            .arg("--no-optional-locks")
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
    // Rebuild when HEAD moves or the index changes (commit, checkout, staging). Asked of git,
    // not assumed: in a worktree `.git` is a file and HEAD, the index and the refs live elsewhere.
    let git_dir = git(&["rev-parse", "--absolute-git-dir"]);
    let common_dir = git(&["rev-parse", "--path-format=absolute", "--git-common-dir"]);
    let mut watched = Vec::new();
    if let Some(dir) = &git_dir {
        watched.push(std::path::Path::new(dir).join("HEAD"));
        watched.push(std::path::Path::new(dir).join("index"));
    }
    if let (Some(dir), Some(head_ref)) = (&common_dir, git(&["symbolic-ref", "-q", "HEAD"])) {
        watched.push(std::path::Path::new(dir).join(head_ref));
        watched.push(std::path::Path::new(dir).join("packed-refs"));
    }
    for p in watched.iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", p.display());
    }
    // Outside a git checkout (a source tarball) there is nothing to watch but this script.
    println!("cargo:rerun-if-changed=build.rs");
}
