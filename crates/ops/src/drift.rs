//! Build drift: which builds (version + git sha, embedded at compile time) wrote the runs of a
//! window and which the workers run now, against this binary. Several at once is a mixed build:
//! outputs of different code side by side, or a deploy that did not reach every machine.

use crate::Result;
use nba_props_core::{BuildInfo, GameDate};
use nba_props_store::Store;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One build and where it was seen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BuildSeen {
    pub build: String,
    /// Runs of the window's partitions by this build.
    pub runs: i64,
    pub processors: Vec<String>,
    /// The first and last partition dates of those runs.
    pub first_date: Option<String>,
    pub last_date: Option<String>,
    /// Workers whose heartbeat names this build, and how many of them are not stopped.
    pub workers: Vec<String>,
    pub live_workers: usize,
    pub is_this_binary: bool,
}

impl BuildSeen {
    pub fn describe(&self) -> String {
        let mut s = format!("build {}", self.build);
        if self.is_this_binary {
            s.push_str(" (this binary)");
        }
        if self.runs > 0 {
            s.push_str(&format!(
                ": {} runs of {} on {}..{}",
                self.runs,
                super::health::list(&self.processors, 6),
                self.first_date.as_deref().unwrap_or("-"),
                self.last_date.as_deref().unwrap_or("-")
            ));
        }
        if !self.workers.is_empty() {
            s.push_str(&format!(
                "; workers {} ({} running)",
                super::health::list(&self.workers, 6),
                self.live_workers
            ));
        }
        s
    }
}

/// Builds of the runs on partitions `from..=to` and of every worker heartbeat.
pub async fn builds_seen(store: &Store, from: GameDate, to: GameDate) -> Result<Vec<BuildSeen>> {
    let db = &store.db;
    let mut by: BTreeMap<String, BuildSeen> = BTreeMap::new();
    let this = BuildInfo::current().to_string();
    let entry = |by: &mut BTreeMap<String, BuildSeen>, b: &str| -> BuildSeen {
        by.remove(b).unwrap_or(BuildSeen {
            build: b.to_string(),
            runs: 0,
            processors: Vec::new(),
            first_date: None,
            last_date: None,
            workers: Vec::new(),
            live_workers: 0,
            is_this_binary: b == this,
        })
    };
    let rows = db
        .query(
            "SELECT build, processor, CAST(COUNT(*) AS BIGINT), MIN(partition_key), MAX(partition_key) FROM runs \
             WHERE partition_key >= $1 AND partition_key <= $2 GROUP BY build, processor ORDER BY build, processor",
            &[from.to_string().into(), to.to_string().into()],
        )
        .await?;
    for r in &rows {
        let b = r.text(0);
        let mut e = entry(&mut by, &b);
        e.runs += r.i64(2).unwrap_or(0);
        e.processors.push(r.text(1));
        let (lo, hi) = (r.text(3), r.text(4));
        e.first_date = Some(e.first_date.map_or(lo.clone(), |f| f.min(lo)));
        e.last_date = Some(e.last_date.map_or(hi.clone(), |l| l.max(hi)));
        by.insert(b, e);
    }
    for w in nba_props_runtime::heartbeat::workers(db).await? {
        let mut e = entry(&mut by, &w.build);
        if w.state != "stopped" {
            e.live_workers += 1;
        }
        e.workers.push(w.worker);
        by.insert(w.build.clone(), e);
    }
    Ok(by.into_values().collect())
}

/// `nba-props drift`: the builds seen against this binary.
#[derive(Debug, Clone, Serialize)]
pub struct DriftReport {
    pub this_binary: String,
    pub builds: Vec<BuildSeen>,
    /// More than one build among the runs and the heartbeats.
    pub mixed: bool,
    /// Builds other than this binary.
    pub others: Vec<String>,
}

pub async fn report(store: &Store, from: GameDate, to: GameDate) -> Result<DriftReport> {
    let builds = builds_seen(store, from, to).await?;
    let distinct: BTreeSet<&str> = builds.iter().map(|b| b.build.as_str()).collect();
    Ok(DriftReport {
        this_binary: BuildInfo::current().to_string(),
        mixed: distinct.len() > 1,
        others: builds
            .iter()
            .filter(|b| !b.is_this_binary)
            .map(|b| b.build.clone())
            .collect(),
        builds,
    })
}
