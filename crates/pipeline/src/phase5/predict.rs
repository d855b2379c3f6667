//! `predict`: for each expected player of the date, each configured system and market, the
//! predicted value, the line (book or consensus, snapshot before tip-off), the edge, P(over),
//! the market's own P(over) and a recommendation: a pick at a real book's price when the best
//! offer across the snapshot's books has EV ≥ `min_ev` (`nba_props_model::pick`), else PASS.
//! No line → no edge, no P(over), no recommendation (all NULL); no price → no pick.
//!
//! Models: the one serving date D was trained for T = the schedule's training date of D, on
//! rows dated before T (so before D); the box-score model for the schedule's box date of T (at
//! most T), less often, and the anchored model of T embeds the box model it builds on. The
//! predict run of the first game date on or after a model's date writes its `model_registry`
//! row; other dates find the file through the registry (checked against its hash) or, in a
//! backfill, share it in memory. Training is deterministic, so a date that must retrain (no
//! registry row yet) gets the same model.

use super::data::{self, Rows};
use super::{Settings, settings};
use crate::phase3::load::f;
use crate::processor::{
    BoxFuture, Ctx, Declaration, Input, Output, ProcessError, Processor, Unmatched, Window,
};
use nba_props_core::{GameDate, Market};
use nba_props_model::features::FEATURE_VERSION;
use nba_props_model::metrics::Pick;
use nba_props_model::pick;
use nba_props_model::registry::{self, ModelStore};
use nba_props_model::system::{self, SystemKind, Trained};
use nba_props_model::walk::predict_with;
use nba_props_store::schema::{MODEL_REGISTRY, PREDICTION_EXCLUSIONS, PREDICTIONS};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

pub struct Predict;

static PREDICT: Declaration = Declaration {
    name: "predict",
    phase: 5,
    inputs: &[
        Input::Table {
            name: "feature_store",
            critical: true,
            window: Window::Date,
        },
        // Training rows: features and actuals of the two seasons before the date.
        Input::Table {
            name: "feature_store",
            critical: true,
            window: Window::History,
        },
        Input::Table {
            name: "player_game_summary",
            critical: true,
            window: Window::History,
        },
        Input::Table {
            name: "upcoming_player_game_context",
            critical: true,
            window: Window::History,
        },
        Input::Table {
            name: "odds_player_props",
            critical: false,
            window: Window::History,
        },
        Input::Table {
            name: "odds_player_props",
            critical: false,
            window: Window::Date,
        },
        Input::Table {
            name: "nbac_schedule",
            critical: true,
            window: Window::History,
        },
    ],
    outputs: &[&PREDICTIONS, &MODEL_REGISTRY, &PREDICTION_EXCLUSIONS],
};

/// A model that serves a date, and its file's sha256.
struct Served {
    model: Trained,
    sha256: String,
}

/// The models of one training date, or why a (system, market) has none.
type ServedModels = HashMap<(SystemKind, Market), Result<Served, String>>;

/// The registered model for (system, market, training date), if its file is intact.
async fn registered(
    ctx: &Ctx,
    files: &ModelStore,
    kind: SystemKind,
    market: Market,
    t: GameDate,
) -> Result<Option<Served>, ProcessError> {
    let rows = ctx
        .store
        .db
        .query(
            "SELECT file_sha256 FROM model_registry WHERE system_id = $1 AND system_version = $2 AND market = $3 \
             AND trained_for = $4 AND feature_version = $5 ORDER BY first_used",
            &[
                kind.id().into(),
                kind.version().into(),
                market.as_str().into(),
                t.to_string().into(),
                FEATURE_VERSION.into(),
            ],
        )
        .await?;
    let Some(sha) = rows.first().map(|r| r.text(0)) else {
        return Ok(None);
    };
    match files.load(&sha) {
        Ok(model) => Ok(Some(Served { model, sha256: sha })),
        Err(e) => {
            // A missing or changed file is retrained, never trusted; say so.
            tracing::warn!(error = %e, "A registered model file cannot be used; retraining.");
            Ok(None)
        }
    }
}

/// The models of the training dates a backfill used last. Two: batches running side by side
/// may straddle a week's boundary. A date that needs an older one finds it in the registry.
#[derive(Default)]
struct RecentModels(Mutex<VecDeque<(GameDate, Arc<ServedModels>)>>);

const RECENT_TRAINING_DATES: usize = 2;

impl RecentModels {
    fn get(&self, t: GameDate) -> Option<Arc<ServedModels>> {
        let recent = self.0.lock().expect("recent models lock");
        recent.iter().find(|(d, _)| *d == t).map(|(_, m)| m.clone())
    }

    fn put(&self, t: GameDate, models: Arc<ServedModels>) {
        let mut recent = self.0.lock().expect("recent models lock");
        recent.push_back((t, models));
        while recent.len() > RECENT_TRAINING_DATES {
            recent.pop_front();
        }
    }
}

/// Every configured (system, market) model serving training date `t`, shared by the dates
/// of a backfill that `t` serves. Each model is a few megabytes: only the latest training
/// dates' are kept (a whole backfill's would be gigabytes).
async fn serve_all(
    ctx: &Ctx,
    s: &'static Settings,
    files: &ModelStore,
    t: GameDate,
) -> Result<Arc<ServedModels>, ProcessError> {
    let recent = ctx
        .memo("phase5:recent_models", || async {
            Ok(RecentModels::default())
        })
        .await?;
    // One batch loads or trains the models of `t`; the others wait for them.
    let gate = ctx
        .memo(&format!("phase5:training:{t}"), || async {
            Ok(tokio::sync::Mutex::new(()))
        })
        .await?;
    let _training = gate.lock().await;
    if let Some(hit) = recent.get(t) {
        return Ok(hit);
    }
    let models = Arc::new(load_or_train(ctx, s, files, t).await?);
    recent.put(t, models.clone());
    Ok(models)
}

/// Box-score models a backfill trained or loaded last, by (market, box training date): every
/// anchored model of the weeks a box model serves builds on it.
#[derive(Default)]
struct RecentBoxModels(Mutex<Vec<(BoxKey, Arc<Trained>)>>);

/// A box-score model's market and training date.
type BoxKey = (Market, GameDate);

impl RecentBoxModels {
    fn get(&self, key: BoxKey) -> Option<Arc<Trained>> {
        let recent = self.0.lock().expect("recent box models lock");
        recent
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, m)| m.clone())
    }

    fn put(&self, key: BoxKey, model: Arc<Trained>) {
        let mut recent = self.0.lock().expect("recent box models lock");
        recent.retain(|(k, _)| *k != key);
        recent.push((key, model));
        // Two box dates per market, as for the training dates' models.
        while recent.len() > RECENT_TRAINING_DATES * Market::ALL.len() {
            recent.remove(0);
        }
    }
}

/// A box-score model for `market` trained for `box_for`, without training it: from this
/// backfill's recent ones, or inside the anchored model of an earlier training date that the
/// same box model served.
async fn known_box(
    ctx: &Ctx,
    s: &Settings,
    files: &ModelStore,
    recent: &RecentBoxModels,
    market: Market,
    box_for: GameDate,
    t: GameDate,
) -> Result<Option<Arc<Trained>>, ProcessError> {
    if let Some(hit) = recent.get((market, box_for)) {
        return Ok(Some(hit));
    }
    let every = i32::from(s.schedule.retrain_every_days.max(1));
    let mut earlier = t.add_days(-every);
    while earlier >= box_for {
        if let Some(hit) = registered(ctx, files, SystemKind::Anchored, market, earlier).await?
            && let Some(b) = hit.model.anchored_box()
            && b.trained_for == box_for.to_string()
        {
            return Ok(Some(Arc::new(b.clone_model())));
        }
        earlier = earlier.add_days(-every);
    }
    Ok(None)
}

/// The models of `t`: registered ones from their files, the others trained on one read of the
/// rows before `t`, independent ones (markets, systems) in parallel. Those rows (tens of
/// megabytes for two seasons) are dropped once the models exist.
async fn load_or_train(
    ctx: &Ctx,
    s: &'static Settings,
    files: &ModelStore,
    t: GameDate,
) -> Result<ServedModels, ProcessError> {
    let recent_boxes = ctx
        .memo("phase5:recent_box_models", || async {
            Ok(RecentBoxModels::default())
        })
        .await?;
    let mut served = ServedModels::new();
    let mut missing: Vec<(SystemKind, Market)> = Vec::new();
    for &market in &s.markets {
        for &kind in &s.systems {
            match registered(ctx, files, kind, market, t).await? {
                Some(hit) => {
                    served.insert((kind, market), Ok(hit));
                }
                None => missing.push((kind, market)),
            }
        }
    }
    if missing.is_empty() {
        return Ok(served);
    }
    let from = s.schedule.train_from(t);
    let (grace, line) = (s.tipoff_grace_minutes, &s.line);
    let rows = data::load(&ctx.store.db, from, t.add_days(-1), &s.markets, grace, line).await?;
    // Every market has the same rows (one per expected player-game), so one box date.
    let box_for = s
        .markets
        .first()
        .and_then(|m| rows.by_market.get(m))
        .and_then(|r| s.schedule.box_date(r, t))
        .unwrap_or(t);
    let mut boxes: HashMap<Market, Arc<Trained>> = HashMap::new();
    for &market in &s.markets {
        if missing.contains(&(SystemKind::Anchored, market))
            && let Some(b) = known_box(ctx, s, files, &recent_boxes, market, box_for, t).await?
        {
            boxes.insert(market, b);
        }
    }
    let examples = |market: Market| {
        rows.by_market
            .get(&market)
            .map(Vec::as_slice)
            .unwrap_or_default()
    };
    // Seconds of CPU: let the runtime move lease renewals and other jobs elsewhere.
    let trained: Vec<((SystemKind, Market), Result<Trained, String>)> =
        crate::processor::cpu_bound(|| {
            std::thread::scope(|scope| {
                let mut jobs = Vec::new();
                for &market in &s.markets {
                    let missing = &missing;
                    let wanted = move |k: SystemKind| missing.contains(&(k, market));
                    let known = boxes.get(&market).cloned();
                    if wanted(SystemKind::Anchored) {
                        let rows = examples(market);
                        let box_rows = s.schedule.training_rows(rows, box_for);
                        jobs.push(scope.spawn(move || {
                            let trained_now = known.is_none();
                            let b = match known {
                                Some(b) => Ok(b),
                                None => system::train(
                                    SystemKind::Box,
                                    market,
                                    &s.params,
                                    box_rows,
                                    box_for,
                                )
                                .map(Arc::new)
                                .map_err(|e| e.to_string()),
                            };
                            let anchored = b.clone().and_then(|b| {
                                system::anchor(&b, rows, t).map_err(|e| e.to_string())
                            });
                            let out = vec![((SystemKind::Anchored, market), anchored)];
                            (b.ok().filter(|_| trained_now), out)
                        }));
                    }
                    if wanted(SystemKind::Baseline) {
                        let rows = examples(market);
                        jobs.push(scope.spawn(move || {
                            let kind = SystemKind::Baseline;
                            let m = system::train(kind, market, &s.params, rows, t)
                                .map_err(|e| e.to_string());
                            (None, vec![((kind, market), m)])
                        }));
                    }
                }
                let mut out = Vec::new();
                for job in jobs {
                    let (new_box, models) = job.join().expect("a training thread does not panic");
                    if let Some(b) = new_box {
                        recent_boxes.put((b.market(), box_for), b);
                    }
                    out.extend(models);
                }
                out
            })
        });
    drop(rows);
    for (key, model) in trained {
        let model = match model {
            Ok(model) => match files.save(&model) {
                Ok(sha256) => Ok(Served { model, sha256 }),
                Err(e) => return Err(ProcessError::Data(e.to_string())),
            },
            Err(e) => Err(e),
        };
        served.insert(key, model);
    }
    Ok(served)
}

/// Whether `date` is the first game date (with features) on or after `since`.
async fn first_date_since(
    ctx: &Ctx,
    since: GameDate,
    date: GameDate,
) -> Result<bool, ProcessError> {
    Ok(ctx
        .store
        .db
        .query(
            "SELECT 1 FROM feature_store WHERE feature_version = $1 AND game_date >= $2 AND game_date < $3 LIMIT 1",
            &[FEATURE_VERSION.into(), since.to_string().into(), date.to_string().into()],
        )
        .await?
        .is_empty())
}

impl Processor for Predict {
    fn declaration(&self) -> &'static Declaration {
        &PREDICT
    }

    fn run<'a>(
        &'a self,
        ctx: &'a Ctx,
        date: GameDate,
    ) -> BoxFuture<'a, Result<Output, ProcessError>> {
        Box::pin(async move {
            let s = settings();
            let day = data::load(
                &ctx.store.db,
                date,
                date,
                &s.markets,
                s.tipoff_grace_minutes,
                &s.line,
            )
            .await?;
            if day.meta.is_empty()
                && !crate::phase3::load::has_rows(ctx, PREDICTIONS.name, date).await?
            {
                return Err(ProcessError::NoInput);
            }
            let t = s.schedule.training_date(date);
            // The predict run of the first game date a model serves registers it.
            let first_use = first_date_since(ctx, t, date).await?;
            let files = ModelStore::beside_raw(ctx.store.raw.dir());
            let mut out = Output {
                inputs: vec![
                    "feature_store".into(),
                    "player_game_summary".into(),
                    "upcoming_player_game_context".into(),
                    "odds_player_props".into(),
                    "nbac_schedule".into(),
                ],
                ..Output::default()
            };
            let models = serve_all(ctx, s, &files, t).await?;
            let mut predictions = Vec::new();
            let mut registry_rows = Vec::new();
            let exclusions = exclusion_rows(&day, &s.markets, date);
            for &market in &s.markets {
                // An OUT player is not predicted (his exclusion row says why).
                let (examples, metas): (Vec<_>, Vec<_>) = day
                    .by_market
                    .get(&market)
                    .into_iter()
                    .flatten()
                    .zip(&day.meta)
                    .filter(|(_, meta)| !meta.is_out())
                    .map(|(e, meta)| (e.clone(), meta))
                    .unzip();
                let examples = examples.as_slice();
                for &kind in &s.systems {
                    let served = match models.get(&(kind, market)) {
                        Some(Ok(served)) => served,
                        None => continue,
                        Some(Err(e)) => {
                            out.notes
                                .push(format!("{} {market}: no model ({e})", kind.id()));
                            continue;
                        }
                    };
                    if first_use {
                        registry_rows.push(registry::registry_row(
                            &served.model,
                            &served.sha256,
                            &date.to_string(),
                            true,
                        ));
                    }
                    let min_ev = s.min_ev(market);
                    let version = registry::version(&served.sha256);
                    for ((e, meta), p) in examples
                        .iter()
                        .zip(&metas)
                        .zip(predict_with(&served.model, examples))
                    {
                        let Some(p) = p else { continue };
                        let line = e.line.as_ref();
                        let edge = line.map(|l| p.value - l.value);
                        let picked = line.and_then(|l| {
                            pick::pick(&l.offers, l.value, &|x| p.p_over_at(x), min_ev)
                        });
                        let recommendation =
                            line.map(|_| picked.as_ref().map_or(Pick::Pass, |k| k.side));
                        predictions.push(vec![
                            e.game_id.as_str().into(),
                            e.player_id.into(),
                            kind.id().into(),
                            market.as_str().into(),
                            date.to_string().into(),
                            meta.player_name.as_str().into(),
                            meta.team.as_str().into(),
                            meta.opponent.as_str().into(),
                            kind.version().into(),
                            version.as_str().into(),
                            FEATURE_VERSION.into(),
                            f(Some(p.value)),
                            f(line.map(|l| l.value)),
                            line.map(|l| l.source.clone()).into(),
                            line.map(|l| l.books).into(),
                            line.map(|l| l.snapshot_at.clone()).into(),
                            f(edge),
                            f(p.p_over),
                            recommendation.map(|r| r.as_str()).into(),
                            f(line.and_then(|l| l.p_over_market)),
                            picked.as_ref().map(|k| k.book.clone()).into(),
                            f(picked.as_ref().map(|k| k.line)),
                            picked.as_ref().map(|k| k.price).into(),
                            f(picked.as_ref().map(|k| k.ev)),
                            picked.as_ref().map(|k| k.snapshot_at.clone()).into(),
                            meta.injury.as_ref().map(|i| i.status.clone()).into(),
                        ]);
                    }
                }
            }
            out.unmatched = day
                .lines
                .unmatched
                .iter()
                .map(|(game, name, reason)| Unmatched {
                    payload_sha256: "odds_player_props".into(),
                    item: format!("player {name:?} in game {game}"),
                    reason: reason.clone(),
                })
                .collect();
            let refused: Vec<String> = day
                .lines
                .refused_rows
                .iter()
                .map(|(why, n)| format!("{n} prop rows not used: {why}"))
                .collect();
            out.notes.extend(refused);
            out.tables = vec![
                (&PREDICTIONS, predictions),
                (&MODEL_REGISTRY, registry_rows),
                (&PREDICTION_EXCLUSIONS, exclusions),
            ];
            Ok(out)
        })
    }
}

/// One `prediction_exclusions` row per OUT player of the day and market.
fn exclusion_rows(
    day: &Rows,
    markets: &[Market],
    date: GameDate,
) -> Vec<Vec<nba_props_store::Value>> {
    let mut rows = Vec::new();
    for &market in markets {
        let examples = day.by_market.get(&market).into_iter().flatten();
        for (e, meta) in examples.zip(&day.meta) {
            let Some(injury) = meta.injury.as_ref().filter(|_| meta.is_out()) else {
                continue;
            };
            rows.push(vec![
                e.game_id.as_str().into(),
                e.player_id.into(),
                market.as_str().into(),
                date.to_string().into(),
                meta.player_name.as_str().into(),
                meta.team.as_str().into(),
                "out on the injury report".into(),
                injury.status.as_str().into(),
                injury.reason.clone().into(),
                injury.report_at.as_str().into(),
            ]);
        }
    }
    rows
}
