//! The build this binary is: version and git sha, embedded at compile time.

/// Version and git sha of the running code. Runs, heartbeats and exports carry it so a drift
/// check can compare what ran with what the repository holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildInfo {
    pub version: &'static str,
    pub git_sha: &'static str,
}

impl BuildInfo {
    /// The build of this binary.
    pub const fn current() -> Self {
        Self {
            version: env!("CARGO_PKG_VERSION"),
            git_sha: env!("NBA_PROPS_GIT_SHA"),
        }
    }
}

impl std::fmt::Display for BuildInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}+{}", self.version, self.git_sha)
    }
}
