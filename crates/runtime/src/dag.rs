//! The processor graph, derived from the processors' declarations and nothing else: who reads
//! whose output (the edges along which a success triggers work), and, for each processor, which
//! upstream processors on which day offsets must have no pending work before one of its jobs
//! may run (so cross-date lookbacks are satisfied in backfills and in the daily flow alike).

use nba_props_pipeline::processor::{Input, Processor, Window, dependency_order};
use nba_props_pipeline::runner::can_group;
use std::collections::HashMap;
use std::sync::Arc;

/// A processor reads `from`'s output through `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub to: &'static str,
    /// The phase of `to`.
    pub phase: u8,
    pub window: Window,
}

/// A job of the processor dated D waits while `processor` has pending work dated within
/// `D + from ..= D + to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    pub processor: &'static str,
    pub from: i32,
    pub to: i32,
}

pub struct Node {
    pub processor: Arc<dyn Processor>,
    pub name: &'static str,
    pub phase: u8,
    /// Processors that read this one's output.
    pub downstream: Vec<Edge>,
    /// Every ancestor (transitively) with the day offsets its pending work blocks.
    pub waits_for: Vec<Wait>,
    /// The ancestors reached through critical inputs only, with the day offsets where a dead
    /// job is a hole in this processor's input: its jobs wait until the hole is fixed. An
    /// optional input (the schedule's box scores) or a phase 1 fetch (which leaves the raw
    /// store as it was) is read as it is.
    pub holes: Vec<Wait>,
    /// Whether several partitions may share one output transaction.
    pub groupable: bool,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("name", &self.name)
            .field("downstream", &self.downstream)
            .field("waits_for", &self.waits_for)
            .finish()
    }
}

/// A phase 1 processor: it fetches raw dataset `source`/`dataset` for its date into the raw
/// store. Processors that declare a raw input of that dataset are downstream of it.
pub struct SourceNode {
    pub processor: Box<dyn Processor>,
    pub source: &'static str,
    pub dataset: &'static str,
}

/// Whether a raw input (`dataset` ending in `/` names every dataset under it) is `node`'s.
fn reads(node: &SourceNode, source: &str, dataset: &str) -> bool {
    node.source == source
        && (node.dataset == dataset
            || (dataset.ends_with('/') && node.dataset.starts_with(dataset)))
}

/// The window of a raw input seen from the fetches: a fetch for date D may store partitions of
/// neighbouring dates (the Odds API files events by their UTC start, so a late game of D lands
/// on D+1), so a day is added on each side of a window of days.
fn fetch_window(w: Window) -> Window {
    match w {
        Window::Days { before, after } => Window::Days {
            before: before + 1,
            after: after + 1,
        },
        other => other,
    }
}

#[derive(Debug)]
pub struct Graph {
    /// In dependency order: a processor comes after every processor whose output it reads.
    nodes: Vec<Node>,
    by_name: HashMap<&'static str, usize>,
}

impl Graph {
    pub fn new(processors: Vec<Box<dyn Processor>>) -> Graph {
        Self::with_sources(processors, Vec::new())
    }

    /// The graph of `processors` fed by the phase 1 fetches `sources`.
    pub fn with_sources(processors: Vec<Box<dyn Processor>>, sources: Vec<SourceNode>) -> Graph {
        let ordered = dependency_order(processors);
        let writers: HashMap<&'static str, &'static str> = ordered
            .iter()
            .flat_map(|p| {
                let d = p.declaration();
                d.outputs.iter().map(move |t| (t.name, d.name))
            })
            .collect();
        let mut nodes: Vec<Node> = Vec::with_capacity(sources.len() + ordered.len());
        let mut by_name = HashMap::new();
        let fetchers: Vec<(&'static str, &'static str, &'static str)> = sources
            .iter()
            .map(|s| (s.processor.declaration().name, s.source, s.dataset))
            .collect();
        for s in sources {
            let decl = s.processor.declaration();
            let mut downstream = Vec::new();
            for p in &ordered {
                for input in p.declaration().inputs {
                    if let Input::Raw {
                        source,
                        dataset,
                        window,
                        ..
                    } = input
                        && reads(&s, source, dataset)
                    {
                        let edge = Edge {
                            to: p.declaration().name,
                            phase: p.declaration().phase,
                            window: fetch_window(*window),
                        };
                        if !downstream.contains(&edge) {
                            downstream.push(edge);
                        }
                    }
                }
            }
            by_name.insert(decl.name, nodes.len());
            nodes.push(Node {
                groupable: false,
                processor: Arc::from(s.processor),
                name: decl.name,
                phase: decl.phase,
                downstream,
                waits_for: Vec::new(),
                holes: Vec::new(),
            });
        }
        for p in ordered {
            let decl = p.declaration();
            let mut waits: HashMap<&'static str, (i32, i32)> = HashMap::new();
            let mut holes: HashMap<&'static str, (i32, i32)> = HashMap::new();
            for input in decl.inputs {
                if let Input::Raw {
                    source,
                    dataset,
                    window,
                    ..
                } = input
                {
                    let (lo, hi) = fetch_window(*window).offsets();
                    for (name, s, ds) in &fetchers {
                        if *s == *source
                            && (*ds == *dataset
                                || (dataset.ends_with('/') && ds.starts_with(dataset)))
                        {
                            widen(&mut waits, name, lo, hi);
                        }
                    }
                    continue;
                }
                let Input::Table {
                    name,
                    window,
                    critical,
                } = input
                else {
                    continue;
                };
                let Some(&writer) = writers.get(name) else {
                    continue;
                };
                let (lo, hi) = window.offsets();
                widen(&mut waits, writer, lo, hi);
                if *critical {
                    widen(&mut holes, writer, lo, hi);
                }
                if let Some(&i) = by_name.get(writer) {
                    let upstream: &Node = &nodes[i];
                    for w in &upstream.waits_for {
                        widen(&mut waits, w.processor, lo + w.from, hi + w.to);
                    }
                    if *critical {
                        for w in &upstream.holes {
                            widen(&mut holes, w.processor, lo + w.from, hi + w.to);
                        }
                    }
                }
            }
            let sorted = |m: HashMap<&'static str, (i32, i32)>| {
                let mut v: Vec<Wait> = m
                    .into_iter()
                    .map(|(processor, (from, to))| Wait {
                        processor,
                        from,
                        to,
                    })
                    .collect();
                v.sort_by_key(|w| w.processor);
                v
            };
            let (waits_for, holes) = (sorted(waits), sorted(holes));
            by_name.insert(decl.name, nodes.len());
            nodes.push(Node {
                groupable: can_group(p.as_ref()),
                processor: Arc::from(p),
                name: decl.name,
                phase: decl.phase,
                downstream: Vec::new(),
                waits_for,
                holes,
            });
        }
        // Edges: every table input of a processor is an edge from the table's writer.
        for i in 0..nodes.len() {
            let decl = nodes[i].processor.declaration();
            for input in decl.inputs {
                let Input::Table { name, window, .. } = input else {
                    continue;
                };
                if let Some(&j) = writers.get(name).and_then(|w| by_name.get(w)) {
                    let edge = Edge {
                        to: decl.name,
                        phase: decl.phase,
                        window: *window,
                    };
                    if !nodes[j].downstream.contains(&edge) {
                        nodes[j].downstream.push(edge);
                    }
                }
            }
        }
        Graph { nodes, by_name }
    }

    /// Every processor of phases 2 and later.
    pub fn all() -> Graph {
        Graph::new(nba_props_pipeline::backfill::processors_for(2..=9))
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    pub fn node(&self, name: &str) -> Option<&Node> {
        self.by_name.get(name).map(|&i| &self.nodes[i])
    }

    /// The node's place in dependency order (claims try upstream processors first).
    pub fn rank(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }
}

fn widen(waits: &mut HashMap<&'static str, (i32, i32)>, p: &'static str, lo: i32, hi: i32) {
    let e = waits.entry(p).or_insert((lo, hi));
    e.0 = e.0.min(lo);
    e.1 = e.1.max(hi);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The real processors: features wait for the box scores of the whole history, and a box
    /// score change reaches the schedule of the whole season.
    #[test]
    fn the_graph_of_the_real_processors() {
        let g = Graph::all();
        let fs = g
            .node("feature_store")
            .expect("feature_store is a processor");
        let wait = |n: &Node, p: &str| n.waits_for.iter().find(|w| w.processor == p).copied();
        let pgs = wait(fs, "player_game_summary").expect("features wait for summaries");
        assert_eq!(pgs.to, -1, "a feature date never waits for its own games");
        assert!(pgs.from <= -365);
        let boxes = wait(fs, "nbac_player_boxscores").expect("and for box scores, transitively");
        assert!(boxes.from <= pgs.from);
        assert!(wait(fs, "upcoming_player_game_context").is_some_and(|w| w.from == 0 && w.to == 0));
        // A dead box-score date is a hole in the features of the dates after it (through the
        // summaries), not in those before it (the schedule reads box scores only optionally).
        let hole = fs
            .holes
            .iter()
            .find(|w| w.processor == "nbac_player_boxscores")
            .expect("features have the box scores as a critical ancestor");
        assert_eq!(hole.to, -1, "{hole:?}");
        assert!(
            fs.holes
                .iter()
                .all(|w| w.processor != "nbac_schedule" || w.to <= 0)
        );
        let schedule = g.node("nbac_schedule").unwrap();
        assert!(schedule.holes.is_empty(), "{:?}", schedule.holes);
        let boxscores = g.node("nbac_player_boxscores").unwrap();
        assert!(
            boxscores.waits_for.is_empty(),
            "phase 2 roots wait for nothing"
        );
        assert!(boxscores.downstream.contains(&Edge {
            to: "nbac_schedule",
            phase: 2,
            window: Window::Season
        }));
        // Dependency order: every upstream ranks before its downstream.
        for n in g.nodes() {
            for e in &n.downstream {
                assert!(g.rank(n.name) < g.rank(e.to), "{} before {}", n.name, e.to);
            }
        }
    }
}
