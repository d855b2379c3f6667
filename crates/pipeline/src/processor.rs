//! What a processor is: a declaration (name, phase, inputs, output tables) and a transform from
//! its inputs for one game date to the rows of that partition. The runner derives the order of
//! processors from the declarations; nothing else lists the phases.

use crate::parse::{ParseError, Source};
use nba_props_core::{BuildInfo, GameDate, Season};
use nba_props_store::{RawMeta, Store, TableDef, Value, raw};
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Something a processor reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Raw payloads of a source dataset (`dataset` ending in `/` means every dataset under it),
    /// fetched for the dates of `window`.
    Raw {
        source: &'static str,
        dataset: &'static str,
        critical: bool,
        window: Window,
    },
    /// A table another processor writes, read on the game dates of `window`.
    Table {
        name: &'static str,
        critical: bool,
        window: Window,
    },
}

impl Input {
    pub fn window(&self) -> Window {
        match self {
            Input::Raw { window, .. } | Input::Table { window, .. } => *window,
        }
    }
}

/// Which dates of an input a run for date D reads. The runtime derives from it both the order
/// of work (a run waits until no upstream work is pending on these dates) and what a change
/// re-runs (a changed upstream date re-runs every date whose window holds it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// D only.
    Date,
    /// From `before` days before D to `after` days after it, both included.
    Days { before: u16, after: u16 },
    /// Every date strictly before D, back to the start of the previous season (rolling history
    /// with its bootstrap from the season before).
    History,
    /// Every date of D's season (1 August to 31 July).
    Season,
}

impl Window {
    /// The dates read by a run for `date`, both ends included.
    pub fn range(self, date: GameDate) -> (GameDate, GameDate) {
        match self {
            Window::Date => (date, date),
            Window::Days { before, after } => (
                date.add_days(-i32::from(before)),
                date.add_days(i32::from(after)),
            ),
            Window::History => (
                Season::new(date.season().start_year() - 1).date_range().0,
                date.add_days(-1),
            ),
            Window::Season => date.season().date_range(),
        }
    }

    /// The run dates whose window holds `upstream`, both ends included (the inverse of
    /// [`Window::range`]).
    pub fn dependents(self, upstream: GameDate) -> (GameDate, GameDate) {
        match self {
            Window::Date => (upstream, upstream),
            Window::Days { before, after } => (
                upstream.add_days(-i32::from(after)),
                upstream.add_days(i32::from(before)),
            ),
            Window::History => (
                upstream.add_days(1),
                Season::new(upstream.season().start_year() + 1)
                    .date_range()
                    .1,
            ),
            Window::Season => upstream.season().date_range(),
        }
    }

    /// The widest day offsets (relative to D) this window can reach, for composing windows
    /// along a chain of processors; conservative (a season is taken as 366 days).
    pub fn offsets(self) -> (i32, i32) {
        match self {
            Window::Date => (0, 0),
            Window::Days { before, after } => (-i32::from(before), i32::from(after)),
            Window::History => (-(366 + 365), -1),
            Window::Season => (-366, 366),
        }
    }
}

/// A processor's declaration.
#[derive(Debug)]
pub struct Declaration {
    pub name: &'static str,
    pub phase: u8,
    pub inputs: &'static [Input],
    pub outputs: &'static [&'static TableDef],
}

/// A source row that could not be attached to a game or team; stored in `unmatched_rows`.
#[derive(Debug, Clone, PartialEq)]
pub struct Unmatched {
    pub payload_sha256: String,
    pub item: String,
    pub reason: String,
}

/// What a processor produced for one partition.
#[derive(Debug, Default)]
pub struct Output {
    /// Rows per output table, values in the table's column order.
    pub tables: Vec<(&'static TableDef, Vec<Vec<Value>>)>,
    pub unmatched: Vec<Unmatched>,
    /// The raw payloads (sha256) and tables that were read.
    pub inputs: Vec<String>,
    /// Things worth knowing that did not stop the run.
    pub notes: Vec<String>,
    /// Payloads that failed to parse; recorded and reported, the run used the others.
    pub bad_payloads: Vec<(RawMeta, ParseError)>,
    /// For processors whose output is not rows (phase 1 stores raw payloads): what identifies
    /// the output, folded into the run's output hash so that a change still triggers downstream.
    pub fingerprint: Vec<String>,
}

/// Why a processor produced nothing for a partition.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// No input exists for the partition (no games, not yet fetched): nothing was written.
    #[error("no input for this partition")]
    NoInput,
    /// Every payload of a critical input failed to parse (each is marked and reported).
    #[error("{}", .0.iter().map(|(_, e)| e.to_string()).collect::<Vec<_>>().join("; "))]
    BadInput(Vec<(RawMeta, ParseError)>),
    #[error(transparent)]
    Store(#[from] nba_props_store::Error),
    /// The input parsed but contradicts itself or the partition.
    #[error("{0}")]
    Data(String),
    /// Something outside may come back (a source that cannot be reached, a rate limit): worth
    /// trying again later.
    #[error("{0}")]
    Unavailable(String),
}

impl ProcessError {
    /// Whether running again later can succeed: only a storage failure of the passing kind (a
    /// lock, the connection, a full disk). Payloads that do not parse and data that contradicts
    /// itself fail the same way every time.
    pub fn is_retryable(&self) -> bool {
        match self {
            ProcessError::Store(e) => e.is_retryable(),
            ProcessError::Unavailable(_) => true,
            ProcessError::NoInput | ProcessError::BadInput(_) | ProcessError::Data(_) => false,
        }
    }
}

/// A processor of phases 2-6.
pub trait Processor: Send + Sync {
    fn declaration(&self) -> &'static Declaration;
    fn run<'a>(
        &'a self,
        ctx: &'a Ctx,
        date: GameDate,
    ) -> BoxFuture<'a, Result<Output, ProcessError>>;
}

/// (source, dataset) -> every index row of it.
type RawIndex = Arc<Mutex<HashMap<(String, String), Arc<Vec<RawMeta>>>>>;

/// Memoised reads: key -> (version of the input they were read at, value).
type Memo = Arc<Mutex<HashMap<String, (String, Arc<dyn Any + Send + Sync>)>>>;

/// Reads that a worker's batches of one processor share: each memoised read is kept with the
/// version of the table it read (its writer's latest finish position), so it is reused until
/// that table changes; the raw index is kept until a raw payload arrives.
#[derive(Clone, Default)]
pub struct BatchReads {
    raw_index: RawIndex,
    raw_version: Arc<Mutex<String>>,
    memo: Memo,
}

/// What a runtime batch knows about its inputs.
#[derive(Debug, Clone)]
pub struct BatchInputs {
    /// Table -> version; a read of a table without a version is never shared across batches.
    pub versions: HashMap<String, String>,
    /// The raw store's version (e.g. its payload count).
    pub raw_version: String,
    /// The first and last date of the batch: reads of same-date inputs cover only these.
    pub dates: (GameDate, GameDate),
}

/// Runs CPU-bound work (a model's training) on this thread; on the multi-threaded runtime the
/// runtime first hands its other tasks (a job's lease renewal) to another thread.
pub fn cpu_bound<T>(work: impl FnOnce() -> T) -> T {
    let multi = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if multi {
        tokio::task::block_in_place(work)
    } else {
        work()
    }
}

/// Shared reads beyond this many are dropped (reads of earlier batches' date ranges).
const MEMO_ENTRIES: usize = 64;

type Parsed = Result<Arc<dyn Any + Send + Sync>, ParseError>;

/// What processors share while running: the store, the build, and a cache of parsed payloads
/// (a season's schedule is read by every date of the season; it is parsed once).
pub struct Ctx {
    pub store: Store,
    pub build: BuildInfo,
    parsed: Arc<Mutex<HashMap<(String, &'static str), Parsed>>>,
    /// Payloads whose parse failed (in this process or, per the `raw_parse_failures` table, before
    /// it started), so a run clears a failure mark only when there is one.
    failed: Mutex<Option<std::collections::HashSet<String>>>,
    /// With `snapshot_raw_index`, each dataset's raw index is read once and answered from memory:
    /// a backfill over a fixed archive makes one query per dataset instead of one per date.
    raw_index: Option<RawIndex>,
    /// Reads shared by the dates of a batch (see [`Ctx::memo`]).
    memo: Memo,
    /// Set for runtime batches: input versions and the batch's dates.
    inputs: Option<Arc<BatchInputs>>,
    /// One load per memo key at a time: a backfill's concurrent batches of a processor would
    /// otherwise each read the same season at once.
    gates: Gates,
}

type Gates = Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>;

const PARSE_CACHE_ENTRIES: usize = 2048;

impl Ctx {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            build: BuildInfo::current(),
            parsed: Arc::new(Mutex::new(HashMap::new())),
            failed: Mutex::new(None),
            raw_index: None,
            memo: Memo::default(),
            inputs: None,
            gates: Gates::default(),
        }
    }

    /// A batch context for jobs the runtime claimed together (their inputs were complete when
    /// they were claimed). It shares this context's parse cache, which is keyed by content hash
    /// and so never stale, and the reads in `reads` whose input version is still `inputs`'s.
    pub fn for_batch(&self, reads: &BatchReads, inputs: BatchInputs) -> Ctx {
        {
            let mut v = reads.raw_version.lock().expect("raw version lock");
            if *v != inputs.raw_version {
                reads.raw_index.lock().expect("raw index lock").clear();
                *v = inputs.raw_version.clone();
            }
        }
        Ctx {
            store: self.store.clone(),
            build: self.build,
            parsed: self.parsed.clone(),
            failed: Mutex::new(None),
            raw_index: Some(reads.raw_index.clone()),
            memo: reads.memo.clone(),
            inputs: Some(Arc::new(inputs)),
            gates: self.gates.clone(),
        }
    }

    /// The dates of a runtime batch (`None` in an in-process backfill, which shares reads
    /// across its whole range).
    pub fn batch_dates(&self) -> Option<(GameDate, GameDate)> {
        self.inputs.as_ref().map(|i| i.dates)
    }

    /// A batch context (a backfill): inputs are complete before the processors that read them
    /// run, so reads may be shared across dates.
    pub fn is_batch(&self) -> bool {
        self.raw_index.is_some()
    }

    /// In a batch context, loads once per key and shares the result; otherwise loads every time.
    /// Only for inputs no processor of the batch writes after the first read (processors run one
    /// after the other, so tables of earlier processors qualify). In a runtime batch a read
    /// made through `memo` is not shared with later batches: use [`Ctx::memo_of`].
    pub async fn memo<T, F, Fut>(&self, key: &str, load: F) -> Result<Arc<T>, ProcessError>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, ProcessError>>,
    {
        self.memo_of("", key, load).await
    }

    /// [`Ctx::memo`] of a read of `table`: in a runtime batch it is shared with later batches
    /// until the table's version changes.
    pub async fn memo_of<T, F, Fut>(
        &self,
        table: &str,
        key: &str,
        load: F,
    ) -> Result<Arc<T>, ProcessError>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, ProcessError>>,
    {
        if !self.is_batch() {
            return Ok(Arc::new(load().await?));
        }
        let version = match &self.inputs {
            None => String::new(),
            Some(inputs) => match inputs.versions.get(table) {
                Some(v) => v.clone(),
                // Unversioned: valid for this batch only.
                None => format!("batch:{:p}", Arc::as_ptr(inputs)),
            },
        };
        let hit = || {
            let cached = self.memo.lock().expect("memo lock").get(key).cloned();
            match cached {
                Some((v, any)) if v == version => any.downcast::<T>().ok(),
                _ => None,
            }
        };
        if let Some(hit) = hit() {
            return Ok(hit);
        }
        let gate = self.gate(key);
        let _loading = gate.lock().await;
        // Another task may have loaded it while this one waited.
        if let Some(hit) = hit() {
            return Ok(hit);
        }
        let value = Arc::new(load().await?);
        self.remember(key, version, value.clone());
        Ok(value)
    }

    /// [`Ctx::memo_of`] for a read that can be brought up to date: when the cached value was read
    /// at an older version of `table`, `update` gets it with that version and the current one and
    /// may return the value patched (`None`: read it again with `load`). A worker that keeps
    /// running then reads only what changed since its last batch, not the whole history again.
    pub async fn memo_updated<T, F, Fut, U, UFut>(
        &self,
        table: &str,
        key: &str,
        load: F,
        update: U,
    ) -> Result<Arc<T>, ProcessError>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, ProcessError>>,
        U: FnOnce(Arc<T>, String, String) -> UFut,
        UFut: Future<Output = Result<Option<T>, ProcessError>>,
    {
        let version = self
            .inputs
            .as_ref()
            .and_then(|i| i.versions.get(table))
            .cloned();
        let (Some(version), true) = (version, self.is_batch()) else {
            return self.memo_of(table, key, load).await;
        };
        let gate = self.gate(key);
        let _loading = gate.lock().await;
        let cached = self.memo.lock().expect("memo lock").get(key).cloned();
        let value = match cached {
            Some((v, any)) if v == version => match any.downcast::<T>() {
                Ok(hit) => return Ok(hit),
                Err(_) => Arc::new(load().await?),
            },
            Some((old, any)) => match any.downcast::<T>() {
                Ok(stale) => match update(stale, old, version.clone()).await? {
                    Some(patched) => Arc::new(patched),
                    None => Arc::new(load().await?),
                },
                Err(_) => Arc::new(load().await?),
            },
            None => Arc::new(load().await?),
        };
        self.remember(key, version, value.clone());
        Ok(value)
    }

    fn gate(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut gates = self.gates.lock().expect("gates lock");
        if gates.len() >= MEMO_ENTRIES && !gates.contains_key(key) {
            // Gates nobody holds are dropped with the memo entries they guarded.
            gates.retain(|_, g| Arc::strong_count(g) > 1);
        }
        gates.entry(key.to_string()).or_default().clone()
    }

    fn remember<T: Send + Sync + 'static>(&self, key: &str, version: String, value: Arc<T>) {
        let mut memo = self.memo.lock().expect("memo lock");
        if memo.len() >= MEMO_ENTRIES {
            memo.clear();
        }
        memo.insert(key.to_string(), (version, value));
    }

    /// A context for a batch run: payloads stored after the first look at a dataset are not seen.
    pub fn snapshot_raw_index(mut self) -> Self {
        self.raw_index = Some(RawIndex::default());
        self
    }

    /// Loads the recorded parse failures once; call before `had_parse_failure`.
    pub async fn load_parse_failures(&self) -> Result<(), ProcessError> {
        if self.failed.lock().expect("failure set lock").is_some() {
            return Ok(());
        }
        let rows = self
            .store
            .db
            .query("SELECT DISTINCT sha256 FROM raw_parse_failures", &[])
            .await?;
        let set = rows.iter().map(|r| r.text(0)).collect();
        self.failed
            .lock()
            .expect("failure set lock")
            .get_or_insert(set);
        Ok(())
    }

    /// Whether this payload failed to parse at some point (unknown before `load_parse_failures`:
    /// then every input counts as possibly failed).
    pub fn had_parse_failure(&self, sha256: &str) -> bool {
        self.failed
            .lock()
            .expect("failure set lock")
            .as_ref()
            .is_none_or(|set| set.contains(sha256))
    }

    pub async fn payloads(
        &self,
        source: &str,
        dataset: &str,
        partitions: &[String],
    ) -> Result<Vec<RawMeta>, ProcessError> {
        let Some(index) = &self.raw_index else {
            return Ok(raw::list(&self.store.db, source, dataset, partitions).await?);
        };
        let key = (source.to_string(), dataset.to_string());
        let cached = index.lock().expect("raw index lock").get(&key).cloned();
        let all = match cached {
            Some(all) => all,
            None => {
                let all = Arc::new(raw::list_all(&self.store.db, source, dataset).await?);
                index
                    .lock()
                    .expect("raw index lock")
                    .insert(key, all.clone());
                all
            }
        };
        Ok(all
            .iter()
            .filter(|m| partitions.contains(&m.partition_key))
            .cloned()
            .collect())
    }

    /// Reads and parses a payload once per run of the program; the result (or the parse error)
    /// is cached by content hash.
    pub fn parse<T: Send + Sync + 'static>(
        &self,
        meta: &RawMeta,
        parser: fn(&[u8], &Source) -> Result<T, ParseError>,
    ) -> Result<Result<Arc<T>, ParseError>, ProcessError> {
        let key = (meta.sha256.clone(), std::any::type_name::<T>());
        let cached = self
            .parsed
            .lock()
            .expect("parse cache lock")
            .get(&key)
            .cloned();
        let parsed = match cached {
            Some(p) => p,
            None => {
                let bytes = self.store.raw.get(&meta.sha256)?;
                let dataset = format!("{}/{}", meta.source, meta.dataset);
                let src = Source {
                    file: &meta.origin_path,
                    dataset: &dataset,
                };
                let p: Parsed =
                    parser(&bytes, &src).map(|v| Arc::new(v) as Arc<dyn Any + Send + Sync>);
                if p.is_err()
                    && let Some(set) = self.failed.lock().expect("failure set lock").as_mut()
                {
                    set.insert(meta.sha256.clone());
                }
                let mut cache = self.parsed.lock().expect("parse cache lock");
                if cache.len() >= PARSE_CACHE_ENTRIES {
                    cache.clear();
                }
                cache.insert(key, p.clone());
                p
            }
        };
        Ok(parsed.map(|any| {
            any.downcast::<T>()
                .expect("cache entries are keyed by type")
        }))
    }
}

/// Orders processors so that every table is written before a processor that reads it.
pub fn dependency_order(processors: Vec<Box<dyn Processor>>) -> Vec<Box<dyn Processor>> {
    let mut pending = processors;
    let mut ordered: Vec<Box<dyn Processor>> = Vec::new();
    while !pending.is_empty() {
        let ready = pending.iter().position(|p| {
            p.declaration().inputs.iter().all(|input| match input {
                Input::Table { name, .. } => !pending
                    .iter()
                    .any(|other| other.declaration().outputs.iter().any(|t| t.name == *name)),
                Input::Raw { .. } => true,
            })
        });
        // A cycle would be a bug in the declarations; run the rest in declared order.
        let next = ready.unwrap_or(0);
        ordered.push(pending.remove(next));
    }
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;

    fn within(d: GameDate, (lo, hi): (GameDate, GameDate)) -> bool {
        lo <= d && d <= hi
    }

    /// `dependents` must be the exact inverse of `range`: a run for `d` reads `u` exactly when a
    /// change on `u` re-runs `d`. Checked across a season boundary, for every kind of window.
    #[test]
    fn dependents_invert_range_for_every_window() {
        let windows = [
            Window::Date,
            Window::Days {
                before: 1,
                after: 1,
            },
            Window::Days {
                before: 0,
                after: 1,
            },
            Window::History,
            Window::Season,
        ];
        let start = GameDate::parse("2023-07-20").unwrap();
        let dates: Vec<GameDate> = (0..800).step_by(7).map(|i| start.add_days(i)).collect();
        for w in windows {
            for &d in &dates {
                for &u in dates.iter().chain([d.add_days(-1), d.add_days(1)].iter()) {
                    assert_eq!(
                        within(u, w.range(d)),
                        within(d, w.dependents(u)),
                        "{w:?}: run {d}, upstream {u}"
                    );
                    let (lo, hi) = w.offsets();
                    if within(u, w.range(d)) {
                        let off = d.days_until(u);
                        assert!(
                            lo <= off && off <= hi,
                            "{w:?}: offset {off} outside {lo}..{hi}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn history_is_strictly_before_the_date() {
        let d = GameDate::parse("2024-01-15").unwrap();
        let (lo, hi) = Window::History.range(d);
        assert_eq!(hi, d.add_days(-1));
        assert_eq!(lo.to_string(), "2022-08-01");
    }
}
