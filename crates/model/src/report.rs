//! The walk-forward evaluation report: every figure is computed on the SAME rows (played, with
//! a line, with an earlier game this season, predicted by every system), written as JSON,
//! markdown and an SVG chart (reliability of P(over), MAE by month).

use crate::anchor::Stage;
use crate::features::Offer;
use crate::metrics::{self, PickStats, ReliabilityBin};
use crate::pick;
use crate::record::{self, EvBucket, GradedPick, Record};
use crate::system::SystemKind;
use crate::walk::Predicted;
use nba_props_core::GameDate;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The schema version of the JSON report.
pub const SCHEMA_VERSION: u32 = 1;

/// One evaluated player-game.
#[derive(Debug, Clone)]
pub struct EvalRow {
    pub date: GameDate,
    pub actual: f64,
    pub line: f64,
    pub last_5: f64,
    pub last_10: f64,
    pub season: f64,
    /// The market's vig-free P(over) at the line, where a book offered it priced.
    pub p_over_market: Option<f64>,
    /// Per system of [`Inputs::systems`].
    pub predictions: Vec<Predicted>,
    /// The books' offers of the snapshot, which picks are priced at.
    pub offers: Vec<Offer>,
}

/// What the report is about.
pub struct Inputs<'a> {
    pub market: &'a str,
    pub from: GameDate,
    pub to: GameDate,
    pub systems: &'a [SystemKind],
    /// EV a pick needs at the offered price.
    pub min_ev: f64,
    pub retrain_every_days: u16,
    pub build: String,
    /// Why rows of the period are not in the comparison (reason → count).
    pub excluded: BTreeMap<String, usize>,
    pub retrainings: usize,
    /// The anchored system's second stage per training date.
    pub stages: Vec<(GameDate, Stage)>,
}

/// One system's figures beside the line's and the market's.
#[derive(Debug, Clone, Serialize)]
pub struct SystemFigures {
    pub mae: Option<f64>,
    pub mae_ratio_to_line: Option<f64>,
    /// Mean of (|system error| − |line error|) on the same rows, and its standard error.
    pub mae_minus_line: Option<f64>,
    pub mae_minus_line_se: Option<f64>,
    /// On the `n_market` rows with a market probability that did not push.
    pub brier: Option<f64>,
    pub log_loss: Option<f64>,
    pub auc: Option<f64>,
    pub brier_market: Option<f64>,
    pub log_loss_market: Option<f64>,
    pub auc_market: Option<f64>,
    /// Mean of (system's squared error − market's) on those rows, and its standard error.
    pub brier_minus_market: Option<f64>,
    pub brier_minus_market_se: Option<f64>,
    pub n_market: usize,
}

/// The anchored system's second stage of one training date.
#[derive(Debug, Clone, Serialize)]
pub struct StageRow {
    pub trained_for: String,
    #[serde(flatten)]
    pub stage: Stage,
}

#[derive(Debug, Clone, Serialize)]
pub struct Bucket {
    pub edge: String,
    #[serde(flatten)]
    pub stats: PickStats,
}

/// A system's picks at the books' real prices, made as `predict` makes them.
#[derive(Debug, Clone, Serialize)]
pub struct PicksEv {
    /// The picks (the best offer of a row, with EV ≥ `min_ev`), graded at their own line and price.
    pub picks: Record,
    /// The best offer of every row, by its EV (below `min_ev` too: does the EV come true?).
    pub by_ev: Vec<EvBucket>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Month {
    pub month: String,
    pub rows: usize,
    pub mae: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub market: String,
    pub from: String,
    pub to: String,
    pub build: String,
    pub retrain_every_days: u16,
    pub retrainings: usize,
    pub min_ev: f64,
    /// Rows every figure below is computed on.
    pub rows: usize,
    pub excluded: BTreeMap<String, usize>,
    /// MAE per system and per baseline (`last_5`, `last_10`, `season`).
    pub mae: BTreeMap<String, f64>,
    pub rmse: BTreeMap<String, f64>,
    pub mae_line: Option<f64>,
    pub rmse_line: Option<f64>,
    /// MAE of each system divided by the line's.
    pub mae_ratio_to_line: BTreeMap<String, f64>,
    /// Every row picked on the side of its edge, by |edge| bucket, per system, at −110.
    pub picks: BTreeMap<String, Vec<Bucket>>,
    /// Picks at the books' real prices per system: the record and the record by EV bucket.
    pub picks_ev: BTreeMap<String, PicksEv>,
    /// Brier score of P(over) on every row that did not push (0.5 where a system has none).
    pub brier: BTreeMap<String, f64>,
    /// Per system: MAE against the line's, and P(over) against the market's own probability on
    /// the same rows (those with a market probability).
    pub systems: BTreeMap<String, SystemFigures>,
    /// Rows with a market probability that did not push (the rows of `brier_market`).
    pub market_rows: usize,
    pub brier_market: Option<f64>,
    pub log_loss_market: Option<f64>,
    pub auc_market: Option<f64>,
    /// The anchored system's second stage (weight of the line, P(over) fit) per training date.
    pub anchored_stages: Vec<StageRow>,
    pub reliability: BTreeMap<String, Vec<ReliabilityBin>>,
    pub by_month: Vec<Month>,
    /// The system with the lowest MAE (the one phase 5 should publish).
    pub best_system: Option<String>,
    /// The main figures again, split by whether an injury report before tip-off covered the
    /// row's game ([`injury_split`]); empty until the caller adds it.
    pub by_injury_report: Vec<InjurySplit>,
}

const BUCKETS: [(f64, f64, &str); 5] = [
    (0.0, 1.0, "0-1"),
    (1.0, 2.0, "1-2"),
    (2.0, 3.0, "2-3"),
    (3.0, 5.0, "3-5"),
    (5.0, f64::INFINITY, "5+"),
];

fn mae_of(rows: &[EvalRow], f: impl Fn(&EvalRow) -> f64) -> Option<f64> {
    metrics::mae(&rows.iter().map(|r| (f(r), r.actual)).collect::<Vec<_>>())
}

fn rmse_of(rows: &[EvalRow], f: impl Fn(&EvalRow) -> f64) -> Option<f64> {
    metrics::rmse(&rows.iter().map(|r| (f(r), r.actual)).collect::<Vec<_>>())
}

/// A named predictor of a row's actual.
type Column = (String, Box<dyn Fn(&EvalRow) -> f64>);

/// Every column the errors are computed for: the systems, then the baselines.
fn columns(systems: &[SystemKind]) -> Vec<Column> {
    let mut out: Vec<Column> = systems
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let f: Box<dyn Fn(&EvalRow) -> f64> =
                Box::new(move |r: &EvalRow| r.predictions[i].value);
            (k.id().to_string(), f)
        })
        .collect();
    out.push(("last_5".into(), Box::new(|r| r.last_5)));
    out.push(("last_10".into(), Box::new(|r| r.last_10)));
    out.push(("season".into(), Box::new(|r| r.season)));
    out
}

pub fn build(inputs: Inputs<'_>, rows: &[EvalRow]) -> Report {
    let cols = columns(inputs.systems);
    let mut mae = BTreeMap::new();
    let mut rmse = BTreeMap::new();
    for (name, f) in &cols {
        if let Some(v) = mae_of(rows, f) {
            mae.insert(name.clone(), v);
        }
        if let Some(v) = rmse_of(rows, f) {
            rmse.insert(name.clone(), v);
        }
    }
    let mae_line = mae_of(rows, |r| r.line);
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        market: inputs.market.to_string(),
        from: inputs.from.to_string(),
        to: inputs.to.to_string(),
        build: inputs.build,
        retrain_every_days: inputs.retrain_every_days,
        retrainings: inputs.retrainings,
        min_ev: inputs.min_ev,
        rows: rows.len(),
        excluded: inputs.excluded,
        mae_ratio_to_line: BTreeMap::new(),
        mae,
        rmse,
        mae_line,
        rmse_line: rmse_of(rows, |r| r.line),
        picks: BTreeMap::new(),
        picks_ev: BTreeMap::new(),
        brier: BTreeMap::new(),
        systems: BTreeMap::new(),
        market_rows: 0,
        brier_market: None,
        log_loss_market: None,
        auc_market: None,
        anchored_stages: inputs
            .stages
            .iter()
            .map(|(t, stage)| StageRow {
                trained_for: t.to_string(),
                stage: *stage,
            })
            .collect(),
        reliability: BTreeMap::new(),
        by_month: Vec::new(),
        best_system: None,
        by_injury_report: Vec::new(),
    };
    for (i, k) in inputs.systems.iter().enumerate() {
        let id = k.id().to_string();
        if let (Some(m), Some(l)) = (report.mae.get(&id), mae_line) {
            report.mae_ratio_to_line.insert(id.clone(), m / l);
        }
        let edge = |r: &EvalRow| r.predictions[i].value - r.line;
        let p = |r: &EvalRow| r.predictions[i].p_over.unwrap_or(0.5);
        let best: Vec<GradedPick> = rows
            .iter()
            .filter_map(|r| {
                let predicted = &r.predictions[i];
                let best = pick::best_offer(&r.offers, r.line, &|line| predicted.p_over_at(line))?;
                let (correct, units) = pick::grade(best.side, best.line, best.price, r.actual);
                Some(GradedPick {
                    correct,
                    units,
                    price: best.price,
                    ev: best.ev,
                    // One snapshot per row here: the pick is made on the closing one.
                    clv_line: None,
                    clv_prob: None,
                })
            })
            .collect();
        let picked: Vec<GradedPick> = best
            .iter()
            .filter(|g| g.ev >= inputs.min_ev)
            .copied()
            .collect();
        report.picks_ev.insert(
            id.clone(),
            PicksEv {
                picks: Record::of(&picked),
                by_ev: record::by_ev(&best),
            },
        );
        let buckets = BUCKETS
            .iter()
            .map(|(lo, hi, name)| {
                let outcomes: Vec<Option<bool>> = rows
                    .iter()
                    .filter(|r| (*lo..*hi).contains(&edge(r).abs()) && edge(r) != 0.0)
                    .map(|r| {
                        let side = if edge(r) > 0.0 {
                            metrics::Pick::Over
                        } else {
                            metrics::Pick::Under
                        };
                        metrics::correct(side, r.actual, r.line)
                    })
                    .collect();
                Bucket {
                    edge: name.to_string(),
                    stats: PickStats::of(&outcomes),
                }
            })
            .collect();
        report.picks.insert(id.clone(), buckets);
        let probs: Vec<(f64, bool)> = rows
            .iter()
            .filter(|r| r.actual != r.line)
            .map(|r| (p(r), r.actual > r.line))
            .collect();
        if let Some(b) = metrics::brier(&probs) {
            report.brier.insert(id.clone(), b);
        }
        report
            .reliability
            .insert(id.clone(), metrics::reliability(&probs));
        let priced: Vec<&EvalRow> = rows
            .iter()
            .filter(|r| r.actual != r.line && r.p_over_market.is_some())
            .collect();
        let own: Vec<(f64, bool)> = priced.iter().map(|r| (p(r), r.actual > r.line)).collect();
        let market: Vec<(f64, bool)> = priced
            .iter()
            .map(|r| (r.p_over_market.unwrap_or(0.5), r.actual > r.line))
            .collect();
        let diffs: Vec<f64> = rows
            .iter()
            .map(|r| (r.predictions[i].value - r.actual).abs() - (r.line - r.actual).abs())
            .collect();
        let paired = metrics::paired_difference(&diffs);
        let outcome = |r: &EvalRow| f64::from(u8::from(r.actual > r.line));
        let brier_diffs: Vec<f64> = priced
            .iter()
            .map(|r| {
                (p(r) - outcome(r)).powi(2) - (r.p_over_market.unwrap_or(0.5) - outcome(r)).powi(2)
            })
            .collect();
        let brier_paired = metrics::paired_difference(&brier_diffs);
        report.market_rows = priced.len();
        report.brier_market = metrics::brier(&market);
        report.log_loss_market = metrics::log_loss(&market);
        report.auc_market = metrics::auc(&market);
        report.systems.insert(
            id.clone(),
            SystemFigures {
                mae: report.mae.get(&id).copied(),
                mae_ratio_to_line: report.mae_ratio_to_line.get(&id).copied(),
                mae_minus_line: paired.map(|(m, _)| m),
                mae_minus_line_se: paired.map(|(_, se)| se),
                brier: metrics::brier(&own),
                log_loss: metrics::log_loss(&own),
                auc: metrics::auc(&own),
                brier_market: report.brier_market,
                log_loss_market: report.log_loss_market,
                auc_market: report.auc_market,
                brier_minus_market: brier_paired.map(|(m, _)| m),
                brier_minus_market_se: brier_paired.map(|(_, se)| se),
                n_market: priced.len(),
            },
        );
    }
    let mut months: BTreeMap<String, Vec<EvalRow>> = BTreeMap::new();
    for r in rows {
        months
            .entry(r.date.to_string()[..7].to_string())
            .or_default()
            .push(r.clone());
    }
    for (month, rs) in months {
        let mut m = BTreeMap::new();
        for (name, f) in &cols {
            if let Some(v) = mae_of(&rs, f) {
                m.insert(name.clone(), v);
            }
        }
        if let Some(v) = mae_of(&rs, |r| r.line) {
            m.insert("line".into(), v);
        }
        report.by_month.push(Month {
            month,
            rows: rs.len(),
            mae: m,
        });
    }
    report.best_system = inputs
        .systems
        .iter()
        .filter_map(|k| Some((k.id(), *report.mae.get(k.id())?)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(id, _)| id.to_string());
    report
}

/// The main figures of one side of the split by injury information.
#[derive(Debug, Clone, Serialize)]
pub struct InjurySplit {
    /// `known` (a report before tip-off covered the game) or `unknown`.
    pub injury_report: String,
    pub rows: usize,
    /// MAE per system and per baseline, as in [`Report::mae`].
    pub mae: BTreeMap<String, f64>,
    pub mae_line: Option<f64>,
}

/// The report's rows split by `known` (one flag per row: whether injury information was known
/// for it), both sides always present so that an empty side is visible.
pub fn injury_split(systems: &[SystemKind], rows: &[EvalRow], known: &[bool]) -> Vec<InjurySplit> {
    let cols = columns(systems);
    [("known", true), ("unknown", false)]
        .into_iter()
        .map(|(name, side)| {
            let part: Vec<EvalRow> = rows
                .iter()
                .zip(known)
                .filter(|(_, k)| **k == side)
                .map(|(r, _)| r.clone())
                .collect();
            InjurySplit {
                injury_report: name.to_string(),
                rows: part.len(),
                mae: cols
                    .iter()
                    .filter_map(|(n, f)| Some((n.clone(), mae_of(&part, f)?)))
                    .collect(),
                mae_line: mae_of(&part, |r| r.line),
            }
        })
        .collect()
}

fn num(v: Option<&f64>) -> String {
    v.map_or("–".into(), |v| format!("{v:.3}"))
}

fn pct(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| format!("{:.1}%", 100.0 * v))
}

/// A rate with its standard error, in percent.
fn pm(v: Option<f64>, se: Option<f64>) -> String {
    match (v, se) {
        (Some(v), Some(se)) => format!("{:.1}% ± {:.1}", 100.0 * v, 100.0 * se),
        (v, _) => pct(v),
    }
}

impl Report {
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "# Walk-forward evaluation: {} {} .. {}\n",
            self.market, self.from, self.to
        );
        let _ = writeln!(
            s,
            "Build {}; retrained every {} days ({} trainings), each day predicted with models trained only on earlier rows. \
             Every figure is on the same **{} rows** (played, with a pre-tip line, with an earlier game this season).\n",
            self.build, self.retrain_every_days, self.retrainings, self.rows
        );
        if !self.excluded.is_empty() {
            let parts: Vec<String> = self
                .excluded
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            let _ = writeln!(s, "Left out of the comparison: {}.\n", parts.join(", "));
        }
        let _ = writeln!(
            s,
            "## Errors\n\n| predictor | MAE | RMSE | MAE / line MAE |\n|---|---|---|---|"
        );
        for (name, mae) in &self.mae {
            let _ = writeln!(
                s,
                "| {name} | {mae:.3} | {} | {} |",
                num(self.rmse.get(name)),
                self.mae_line
                    .map_or("–".into(), |l| format!("{:.3}", mae / l))
            );
        }
        let _ = writeln!(
            s,
            "| line | {} | {} | 1.000 |\n",
            num(self.mae_line.as_ref()),
            num(self.rmse_line.as_ref())
        );
        let _ = writeln!(
            s,
            "## Against the line and the market\n\nMAE difference to the line on the same {} rows (paired standard error); \
             P(over) on the **{} rows with a market probability** (the two prices with the vig removed) that did not push.\n\n\
             | system | MAE − line MAE | SE | Brier | Brier − market | SE | log loss | AUC |\n|---|---|---|---|---|---|---|---|",
            self.rows, self.market_rows
        );
        for (name, f) in &self.systems {
            let _ = writeln!(
                s,
                "| {name} | {} | {} | {} | {} | {} | {} | {} |",
                num(f.mae_minus_line.as_ref()),
                num(f.mae_minus_line_se.as_ref()),
                num(f.brier.as_ref()),
                f.brier_minus_market
                    .map_or("–".into(), |v| format!("{v:.4}")),
                f.brier_minus_market_se
                    .map_or("–".into(), |v| format!("{v:.4}")),
                num(f.log_loss.as_ref()),
                num(f.auc.as_ref())
            );
        }
        let _ = writeln!(
            s,
            "| market | – | – | {} | – | – | {} | {} |\n",
            num(self.brier_market.as_ref()),
            num(self.log_loss_market.as_ref()),
            num(self.auc_market.as_ref())
        );
        if !self.anchored_stages.is_empty() {
            let ws: Vec<f64> = self.anchored_stages.iter().map(|r| r.stage.w).collect();
            let (lo, hi) = ws
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), w| {
                    (a.min(*w), b.max(*w))
                });
            let fallbacks = self
                .anchored_stages
                .iter()
                .filter(|r| r.stage.rows == 0)
                .count();
            let market_fits = self
                .anchored_stages
                .iter()
                .filter(|r| r.stage.market_fit.is_some())
                .count();
            let _ = writeln!(
                s,
                "Anchored second stage: weight of the line w from {lo:.3} to {hi:.3} over {} training dates \
                 ({fallbacks} with too few earlier lined rows, w = 1); P(over) fitted against the market at {market_fits}.\n",
                ws.len()
            );
        }
        let _ = writeln!(
            s,
            "## Picks at the books' prices (best offer across books, EV ≥ {:.0}%)\n\n\
             Each pick is graded at its own line and price; N counts pushes (refunded).\n\n\
             | system | N | W-L-P | hit rate ± SE | break-even | ROI ± SE | Brier |\n|---|---|---|---|---|---|---|",
            100.0 * self.min_ev
        );
        for (name, p) in &self.picks_ev {
            let r = &p.picks;
            let _ = writeln!(
                s,
                "| {name} | {} | {}-{}-{} | {} | {} | {} | {} |",
                r.n,
                r.wins,
                r.losses,
                r.pushes,
                pm(r.hit_rate, r.hit_rate_se),
                pct(r.break_even),
                pm(r.roi, r.roi_se),
                num(self.brier.get(name))
            );
        }
        let _ = writeln!(s, "\n## The best offer of every row, by its EV\n");
        for (name, p) in &self.picks_ev {
            let _ = writeln!(
                s,
                "**{name}**\n\n| EV | N | hit rate ± SE | break-even | ROI ± SE |\n|---|---|---|---|---|"
            );
            for b in &p.by_ev {
                let r = &b.record;
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} |",
                    b.ev,
                    r.n,
                    pm(r.hit_rate, r.hit_rate_se),
                    pct(r.break_even),
                    pm(r.roi, r.roi_se)
                );
            }
            let _ = writeln!(s);
        }
        let _ = writeln!(
            s,
            "## Every row on the side of its edge, by |edge|, at −110\n"
        );
        for (name, buckets) in &self.picks {
            let _ = writeln!(
                s,
                "**{name}**\n\n| edge | N | hit rate | ROI |\n|---|---|---|---|"
            );
            for b in buckets {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} |",
                    b.edge,
                    b.stats.n,
                    pct(b.stats.hit_rate),
                    pct(b.stats.roi)
                );
            }
            let _ = writeln!(s);
        }
        let _ = writeln!(s, "## Reliability of P(over)\n");
        for (name, bins) in &self.reliability {
            let _ = writeln!(
                s,
                "**{name}**\n\n| P(over) | N | mean P | over rate |\n|---|---|---|---|"
            );
            for b in bins.iter().filter(|b| b.n > 0) {
                let _ = writeln!(
                    s,
                    "| {:.1}–{:.1} | {} | {} | {} |",
                    b.from,
                    b.to,
                    b.n,
                    pct(b.mean_p),
                    pct(b.over_rate)
                );
            }
            let _ = writeln!(s);
        }
        let _ = writeln!(s, "## MAE by month\n");
        let names: Vec<&String> = self
            .by_month
            .first()
            .map(|m| m.mae.keys().collect())
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "| month | N | {} |\n|---|---|{}",
            names
                .iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(" | "),
            "---|".repeat(names.len())
        );
        for m in &self.by_month {
            let cells: Vec<String> = names.iter().map(|n| num(m.mae.get(*n))).collect();
            let _ = writeln!(s, "| {} | {} | {} |", m.month, m.rows, cells.join(" | "));
        }
        if let Some(best) = &self.best_system {
            let _ = writeln!(s, "\nLowest MAE: **{best}**.");
        }
        self.injury_markdown(&mut s);
        s
    }

    /// The section of [`Report::by_injury_report`]: N and MAE per predictor and the line.
    fn injury_markdown(&self, s: &mut String) {
        if self.by_injury_report.is_empty() {
            return;
        }
        let names: Vec<&String> = self.mae.keys().collect();
        let _ = writeln!(
            s,
            "\n## By injury information\n\nKnown: an injury report captured before tip-off covered the player's game \
             (the who-plays features are set); unknown: none did (they are NULL).\n\n| injury report | N | {} | line |\n|---|---|{}---|",
            names
                .iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(" | "),
            "---|".repeat(names.len())
        );
        for g in &self.by_injury_report {
            let cells: Vec<String> = names.iter().map(|n| num(g.mae.get(*n))).collect();
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} |",
                g.injury_report,
                g.rows,
                cells.join(" | "),
                num(g.mae_line.as_ref())
            );
        }
    }

    /// Two panels: reliability of P(over) per system, and MAE by month (systems and the line).
    pub fn svg(&self) -> String {
        const COLORS: [&str; 7] = [
            "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#7f7f7f",
        ];
        let (w, h, pad) = (420.0, 320.0, 45.0);
        let mut s = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
            2.0 * w,
            h + 40.0
        );
        let plot = |s: &mut String, x0: f64, title: &str| {
            let _ = writeln!(
                s,
                "<text x=\"{}\" y=\"18\" font-size=\"13\">{title}</text>",
                x0 + pad
            );
            let _ = writeln!(
                s,
                "<rect x=\"{}\" y=\"{pad}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#444\"/>",
                x0 + pad,
                w - 2.0 * pad,
                h - 2.0 * pad
            );
        };
        // Panel 1: reliability.
        plot(
            &mut s,
            0.0,
            &format!("Reliability of P(over), {} rows", self.rows),
        );
        let px = |p: f64| pad + p * (w - 2.0 * pad);
        let py = |p: f64| h - pad - p * (h - 2.0 * pad);
        let _ = writeln!(
            s,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#aaa\" stroke-dasharray=\"4\"/>",
            px(0.0),
            py(0.0),
            px(1.0),
            py(1.0)
        );
        for t in [0.0, 0.5, 1.0] {
            let _ = writeln!(
                s,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{t}</text>",
                px(t),
                h - pad + 14.0
            );
            let _ = writeln!(
                s,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{t}</text>",
                pad - 4.0,
                py(t) + 4.0
            );
        }
        for (i, (name, bins)) in self.reliability.iter().enumerate() {
            let c = COLORS[i % COLORS.len()];
            let pts: Vec<String> = bins
                .iter()
                .filter_map(|b| Some(format!("{:.1},{:.1}", px(b.mean_p?), py(b.over_rate?))))
                .collect();
            let _ = writeln!(
                s,
                "<polyline fill=\"none\" stroke=\"{c}\" stroke-width=\"2\" points=\"{}\"/>",
                pts.join(" ")
            );
            let _ = writeln!(
                s,
                "<text x=\"{}\" y=\"{}\" fill=\"{c}\">{name}</text>",
                pad + 6.0,
                pad + 14.0 + 13.0 * i as f64
            );
        }
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">predicted P(over) → observed over rate</text>",
            w / 2.0,
            h - 8.0
        );
        // Panel 2: MAE by month.
        plot(&mut s, w, "MAE by month");
        let series: Vec<String> = self
            .by_month
            .first()
            .map(|m| {
                m.mae
                    .keys()
                    .filter(|k| !matches!(k.as_str(), "last_10" | "season"))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let values: Vec<f64> = self
            .by_month
            .iter()
            .flat_map(|m| m.mae.values().copied())
            .collect();
        let (lo, hi) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(*v), b.max(*v))
            });
        let (lo, hi) = if lo.is_finite() {
            (lo * 0.95, hi * 1.05)
        } else {
            (0.0, 1.0)
        };
        let n = self.by_month.len().max(2) as f64 - 1.0;
        let mx = |i: usize| w + pad + i as f64 / n * (w - 2.0 * pad);
        let my = |v: f64| h - pad - (v - lo) / (hi - lo).max(1e-9) * (h - 2.0 * pad);
        for (i, m) in self.by_month.iter().enumerate() {
            let _ = writeln!(
                s,
                "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                mx(i),
                h - pad + 14.0,
                &m.month[2..]
            );
        }
        for v in [lo, (lo + hi) / 2.0, hi] {
            let _ = writeln!(
                s,
                "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{v:.2}</text>",
                w + pad - 4.0,
                my(v) + 4.0
            );
        }
        for (i, name) in series.iter().enumerate() {
            let c = if name == "line" {
                "#000"
            } else {
                COLORS[i % COLORS.len()]
            };
            let pts: Vec<String> = self
                .by_month
                .iter()
                .enumerate()
                .filter_map(|(j, m)| Some(format!("{:.1},{:.1}", mx(j), my(*m.mae.get(name)?))))
                .collect();
            let _ = writeln!(
                s,
                "<polyline fill=\"none\" stroke=\"{c}\" stroke-width=\"2\" points=\"{}\"/>",
                pts.join(" ")
            );
            let _ = writeln!(
                s,
                "<text x=\"{}\" y=\"{}\" fill=\"{c}\">{name}</text>",
                w + pad + 6.0,
                pad + 14.0 + 13.0 * i as f64
            );
        }
        s.push_str("</svg>\n");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_figure_is_on_the_same_rows_and_the_json_has_the_agreed_fields() {
        let d = GameDate::parse("2024-01-10").unwrap();
        let row = |actual: f64, pred: f64, month: i32| EvalRow {
            date: d.add_days(month * 31),
            actual,
            line: 20.5,
            last_5: 18.0,
            last_10: 19.0,
            season: 20.0,
            p_over_market: (month == 0).then_some(0.5),
            predictions: vec![Predicted {
                value: pred,
                p_over: Some(if pred > 20.5 { 0.7 } else { 0.3 }),
                // Not anchored at the line: picks are priced by the spread alone.
                line: None,
                spread: crate::prob::Spread { a: 4.0, b: 0.0 },
            }],
            offers: vec![Offer {
                book: "fanduel".into(),
                line: 20.5,
                over_price: Some(120),
                under_price: Some(-150),
                snapshot_at: "2024-01-10T23:55:00Z".into(),
            }],
        };
        let rows = vec![row(25.0, 24.0, 0), row(15.0, 17.0, 0), row(22.0, 19.0, 1)];
        let r = build(
            Inputs {
                market: "pra",
                from: d,
                to: d.add_days(40),
                systems: &[SystemKind::Box],
                min_ev: 0.02,
                retrain_every_days: 7,
                build: "test".into(),
                excluded: BTreeMap::new(),
                retrainings: 2,
                stages: Vec::new(),
            },
            &rows,
        );
        assert_eq!(r.rows, 3);
        assert_eq!(r.mae["box"], (1.0 + 2.0 + 3.0) / 3.0);
        assert_eq!(r.mae["last_5"], (7.0 + 3.0 + 4.0) / 3.0);
        assert_eq!(r.mae_line, Some((4.5 + 5.5 + 1.5) / 3.0));
        // Picks at the offer's prices (sigma 2): 24 → OVER at +120 (won, +1.2); 17 → UNDER at
        // −150 (won, +100/150); 19 → UNDER at −150 (P 0.77, EV 0.29; 22 lost, −1).
        let picks = &r.picks_ev["box"];
        assert_eq!((picks.picks.n, picks.picks.wins), (3, 2));
        assert!((picks.picks.units - (1.2 + 100.0 / 150.0 - 1.0)).abs() < 1e-12);
        assert_eq!(picks.by_ev.iter().map(|b| b.record.n).sum::<usize>(), 3);
        assert_eq!(r.by_month.len(), 2);
        // Against the market: only the two rows of the first month have its probability; there
        // box says 0.7 on an over and 0.3 on an under, the market 0.5 on both.
        let g = &r.systems["box"];
        assert_eq!((r.market_rows, g.n_market), (2, 2));
        assert_eq!(r.brier_market, Some(0.25));
        assert!((g.brier.unwrap() - 0.09).abs() < 1e-12);
        assert_eq!((g.auc, r.auc_market), (Some(1.0), Some(0.5)));
        assert_eq!(
            g.mae_minus_line,
            Some((1.0 - 4.5 + 2.0 - 5.5 + 3.0 - 1.5) / 3.0)
        );
        assert_eq!(r.best_system.as_deref(), Some("box"));
        let json = serde_json::to_value(&r).unwrap();
        for field in [
            "rows",
            "mae",
            "mae_line",
            "picks",
            "picks_ev",
            "brier",
            "reliability",
            "systems",
            "brier_market",
        ] {
            assert!(json.get(field).is_some(), "{field}");
        }
        assert!(r.markdown().contains("| box | 2.000 |"));
        assert!(r.markdown().contains("| market | – | – | 0.250 |"));
        // (0.09 − 0.25 on each of the two rows): −0.16 with no spread.
        assert!((g.brier_minus_market.unwrap() + 0.16).abs() < 1e-12);
        assert!(g.brier_minus_market_se.unwrap().abs() < 1e-12);
        let svg = r.svg();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(
            svg.matches("<polyline").count(),
            1 + 3,
            "reliability: box; by month: box, last_5, line"
        );

        // The split by injury information: each side's N and MAE from its own rows only.
        let mut r = r;
        r.by_injury_report = injury_split(&[SystemKind::Box], &rows, &[true, false, false]);
        let [known, unknown] = [&r.by_injury_report[0], &r.by_injury_report[1]];
        assert_eq!((known.injury_report.as_str(), known.rows), ("known", 1));
        assert_eq!(
            (unknown.injury_report.as_str(), unknown.rows),
            ("unknown", 2)
        );
        assert_eq!(known.mae["box"], 1.0);
        assert_eq!(unknown.mae["box"], (2.0 + 3.0) / 2.0);
        assert_eq!(unknown.mae_line, Some((5.5 + 1.5) / 2.0));
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["by_injury_report"][1]["rows"], 2);
        assert!(
            r.markdown()
                .contains("| known | 1 | 1.000 | 6.000 | 7.000 | 5.000 | 4.500 |"),
            "{}",
            r.markdown()
        );
    }
}
