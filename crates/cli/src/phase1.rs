//! Phase 1 as jobs: one processor per source dataset (`nbacom.schedule`, …) that fetches the
//! dataset for its date into the raw store. Its output is the set of payloads it stored (their
//! hashes are its fingerprint), so a fetch that brings something new triggers the phase 2
//! processors that read the dataset, and one that brings nothing new triggers nothing.

use nba_props_core::GameDate;
use nba_props_pipeline::processor::{BoxFuture, Ctx, Declaration, Output, ProcessError, Processor};
use nba_props_runtime::Graph;
use nba_props_runtime::dag::SourceNode;
use nba_props_sources::{DatasetInfo, datasets};
use nba_props_sources::{SourceError, Sources};
use std::sync::Arc;

struct Fetch {
    decl: &'static Declaration,
    info: &'static DatasetInfo,
    sources: Arc<Sources>,
}

impl Processor for Fetch {
    fn declaration(&self) -> &'static Declaration {
        self.decl
    }

    fn run<'a>(
        &'a self,
        ctx: &'a Ctx,
        date: GameDate,
    ) -> BoxFuture<'a, Result<Output, ProcessError>> {
        Box::pin(async move {
            let report = self
                .sources
                .scrape(&ctx.store, self.info.name, date)
                .await
                .map_err(|e| {
                    let message = format!("{} {date}: {e}", self.info.name);
                    // A missing key or a bad configuration fails every time; the network,
                    // the server and the quota may come back.
                    match e {
                        SourceError::MissingKey { .. }
                        | SourceError::UnknownDataset(_)
                        | SourceError::Config(_) => ProcessError::Data(message),
                        _ => ProcessError::Unavailable(message),
                    }
                })?;
            let mut out = Output::default();
            for s in &report.stored {
                out.fingerprint.push(format!(
                    "{}/{}/{} {}",
                    s.source, s.dataset, s.partition, s.sha256
                ));
                out.inputs.push(s.sha256.clone());
            }
            for f in &report.fallbacks {
                out.notes.push(format!(
                    "{} served by {} ({})",
                    f.item, f.served_by, f.primary_error
                ));
            }
            out.notes.extend(report.notes);
            Ok(out)
        })
    }
}

/// The fetch processors of every source dataset, sharing one fetch layer (its rate limits,
/// breakers and quota apply across all of them).
pub fn nodes(sources: Arc<Sources>) -> Vec<SourceNode> {
    datasets()
        .iter()
        .map(|info| {
            // Declarations are static everywhere else; these are made once per process.
            let decl: &'static Declaration = Box::leak(Box::new(Declaration {
                name: info.name,
                phase: 1,
                inputs: &[],
                outputs: &[],
            }));
            let fetch = Fetch {
                decl,
                info,
                sources: sources.clone(),
            };
            SourceNode {
                processor: Box::new(fetch),
                source: info.source,
                dataset: info.raw_dataset,
            }
        })
        .collect()
}

/// Every processor of phases 1 to 6.
pub fn graph(config: &crate::config::Config) -> anyhow::Result<Graph> {
    nba_props_sources::install_crypto_provider();
    let sources = Arc::new(Sources::new(config.sources()?)?);
    Ok(Graph::with_sources(
        nba_props_pipeline::backfill::processors_for(2..=9),
        nodes(sources),
    ))
}
