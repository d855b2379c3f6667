//! Train/serve parity: for each model that predicted a date, the share of NULLs of every model
//! feature in the rows it trained on against the share in the date's prediction rows. A feature
//! the model learned from (mostly present in training) that is missing for nearly every player
//! it predicted means the live path did not fill it: the model runs on an input it has only
//! seen as NaN in a few rows, and its predictions are not the ones the backtest measured.

use crate::Result;
use nba_props_core::GameDate;
use nba_props_model::features::{FEATURE_COLUMNS, FEATURE_VERSION};
use nba_props_store::{Db, Value};
use serde::Serialize;
use std::collections::HashMap;

/// A feature counts as present in training when at most this share of the training rows have
/// it NULL. Half leaves room for features that exist only for some players (`pts_vs_opponent`
/// before a first meeting) while excluding ones the model rarely saw.
pub const MAX_TRAINING_NULL_SHARE: f64 = 0.50;

/// A feature counts as absent live when at least this share of the date's prediction rows have
/// it NULL. Not 100%: one stray value (a single game whose line arrived) must not hide a source
/// that is missing for everyone else.
pub const MIN_LIVE_NULL_SHARE: f64 = 0.95;

/// One feature's NULL shares (None when there are no rows to measure).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureShares {
    pub feature: &'static str,
    pub training_null_share: Option<f64>,
    pub live_null_share: Option<f64>,
    /// Present in training and absent live.
    pub missing_live: bool,
}

/// One model that predicted the date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelParity {
    pub system_id: String,
    pub market: String,
    /// `predictions.model_version` (= `model_registry.version`).
    pub model_version: String,
    pub train_from: Option<String>,
    pub train_to: Option<String>,
    /// Played `feature_store` rows of the model's feature version in the training window.
    pub training_rows: i64,
    /// `feature_store` rows of the date for the players the model predicted.
    pub live_rows: i64,
    pub features: Vec<FeatureShares>,
}

impl ModelParity {
    /// The features present in training and absent live.
    pub fn missing_live(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.features
            .iter()
            .filter(|f| f.missing_live)
            .map(|f| f.feature)
    }
}

/// The parity of every model that predicted `date`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParityReport {
    #[serde(serialize_with = "as_text")]
    pub date: GameDate,
    pub max_training_null_share: f64,
    pub min_live_null_share: f64,
    pub models: Vec<ModelParity>,
    /// Predictions that cannot be checked: their model has no `model_registry` row, or their
    /// feature version is not the one the model crate's feature list describes.
    pub unchecked: Vec<String>,
}

fn as_text<S: serde::Serializer>(d: &GameDate, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(d)
}

impl ParityReport {
    /// Every failure in words: `gbm pra (model 0123…): spread NULL in 100% live, 2% in training`,
    /// then the predictions that could not be checked.
    pub fn failures(&self) -> Vec<String> {
        let mut out = Vec::new();
        for m in &self.models {
            for f in m.features.iter().filter(|f| f.missing_live) {
                out.push(format!(
                    "{} {} (model {}): {} NULL in {:.0}% of {} prediction rows of {}, {:.0}% of {} training rows",
                    m.system_id,
                    m.market,
                    m.model_version,
                    f.feature,
                    100.0 * f.live_null_share.unwrap_or(1.0),
                    m.live_rows,
                    self.date,
                    100.0 * f.training_null_share.unwrap_or(0.0),
                    m.training_rows,
                ));
            }
        }
        out.extend(self.unchecked.iter().cloned());
        out
    }

    pub fn ok(&self) -> bool {
        self.unchecked.is_empty()
            && self
                .models
                .iter()
                .all(|m| m.missing_live().next().is_none())
    }

    /// The distinct features missing live, over every model.
    pub fn missing_features(&self) -> Vec<&'static str> {
        let mut all: Vec<&'static str> =
            self.models.iter().flat_map(|m| m.missing_live()).collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// `SELECT COUNT(*), then per feature the count of NULLs`, over `from_where`.
fn null_counts_sql(from_where: &str) -> String {
    let nulls: Vec<String> = FEATURE_COLUMNS
        .iter()
        .map(|c| format!("CAST(SUM(CASE WHEN f.{c} IS NULL THEN 1 ELSE 0 END) AS BIGINT)"))
        .collect();
    format!(
        "SELECT CAST(COUNT(*) AS BIGINT), {} {from_where}",
        nulls.join(", ")
    )
}

/// Rows, then NULLs per feature in [`FEATURE_COLUMNS`] order.
type NullCounts = (i64, Vec<i64>);

/// A registry row's `train_from`, `train_to`.
type TrainingWindow = (Option<String>, Option<String>);

/// The rows of `from_where` (a FROM and WHERE over `feature_store f`) and their NULLs.
async fn null_counts(db: &Db, from_where: &str, params: &[Value]) -> Result<NullCounts> {
    let rows = db.query(&null_counts_sql(from_where), params).await?;
    let r = &rows[0];
    let n = r.i64(0).unwrap_or(0);
    Ok((
        n,
        (0..FEATURE_COLUMNS.len())
            .map(|i| r.i64(1 + i).unwrap_or(0))
            .collect(),
    ))
}

fn share(nulls: i64, rows: i64) -> Option<f64> {
    (rows > 0).then(|| nulls as f64 / rows as f64)
}

/// Checks every model that predicted `date`.
pub async fn check(db: &Db, date: GameDate) -> Result<ParityReport> {
    let day = date.to_string();
    let predicted = db
        .query(
            "SELECT DISTINCT p.system_id, p.market, p.model_version, p.feature_version, \
                    r.train_from, r.train_to, r.version \
             FROM predictions p LEFT JOIN model_registry r ON r.system_id = p.system_id \
                  AND r.market = p.market AND r.version = p.model_version \
                  AND r.feature_version = p.feature_version \
             WHERE p.game_date = $1 ORDER BY p.system_id, p.market, p.model_version",
            &[day.as_str().into()],
        )
        .await?;
    let mut training_cache: HashMap<TrainingWindow, NullCounts> = HashMap::new();
    let mut models = Vec::new();
    let mut unchecked = Vec::new();
    for p in &predicted {
        let (system_id, market, version, feature_version) =
            (p.text(0), p.text(1), p.text(2), p.text(3));
        if feature_version != FEATURE_VERSION {
            unchecked.push(format!(
                "{system_id} {market} (model {version}): feature version {feature_version}, \
                 but the model features listed are those of {FEATURE_VERSION}"
            ));
            continue;
        }
        if p.str(6).is_none() {
            unchecked.push(format!(
                "{system_id} {market} (model {version}): no model_registry row, so no training window to compare with"
            ));
            continue;
        }
        let (train_from, train_to) = (p.str(4).map(str::to_string), p.str(5).map(str::to_string));
        // The rows `train` learned from: the feature version's rows of the window whose player
        // played (phase 5 reads an actual only where the box score has points).
        let key = (train_from.clone(), train_to.clone());
        let (training_rows, training_nulls) = match training_cache.get(&key) {
            Some(c) => c.clone(),
            None => {
                let counts = match (&train_from, &train_to) {
                    (Some(from), Some(to)) => {
                        null_counts(
                            db,
                            "FROM feature_store f JOIN player_game_summary g \
                               ON g.game_id = f.game_id AND g.player_id = f.player_id \
                             WHERE f.feature_version = $1 AND f.game_date >= $2 AND f.game_date <= $3 \
                               AND g.points IS NOT NULL",
                            &[
                                FEATURE_VERSION.into(),
                                from.as_str().into(),
                                to.as_str().into(),
                            ],
                        )
                        .await?
                    }
                    // A model trained on no rows (registry window NULL) learned from nothing.
                    _ => (0, vec![0; FEATURE_COLUMNS.len()]),
                };
                training_cache.insert(key, counts.clone());
                counts
            }
        };
        let (live_rows, live_nulls) = null_counts(
            db,
            "FROM feature_store f WHERE f.feature_version = $1 AND f.game_date = $2 AND EXISTS ( \
               SELECT 1 FROM predictions p WHERE p.game_id = f.game_id AND p.player_id = f.player_id \
               AND p.game_date = $2 AND p.system_id = $3 AND p.market = $4 AND p.model_version = $5)",
            &[
                FEATURE_VERSION.into(),
                day.as_str().into(),
                system_id.as_str().into(),
                market.as_str().into(),
                version.as_str().into(),
            ],
        )
        .await?;
        if live_rows == 0 {
            unchecked.push(format!(
                "{system_id} {market} (model {version}): no feature_store rows of {date} for the players it predicted"
            ));
            continue;
        }
        let features = FEATURE_COLUMNS
            .iter()
            .enumerate()
            .map(|(i, &feature)| {
                let training_null_share = share(training_nulls[i], training_rows);
                let live_null_share = share(live_nulls[i], live_rows);
                FeatureShares {
                    feature,
                    training_null_share,
                    live_null_share,
                    missing_live: training_null_share.is_some_and(|s| s <= MAX_TRAINING_NULL_SHARE)
                        && live_null_share.is_some_and(|s| s >= MIN_LIVE_NULL_SHARE),
                }
            })
            .collect();
        models.push(ModelParity {
            system_id,
            market,
            model_version: version,
            train_from,
            train_to,
            training_rows,
            live_rows,
            features,
        });
    }
    Ok(ParityReport {
        date,
        max_training_null_share: MAX_TRAINING_NULL_SHARE,
        min_live_null_share: MIN_LIVE_NULL_SHARE,
        models,
        unchecked,
    })
}

/// The latest game date of `from..=to` with predictions, if any.
pub async fn latest_predicted_date(
    db: &Db,
    from: GameDate,
    to: GameDate,
) -> Result<Option<GameDate>> {
    let rows = db
        .query(
            "SELECT MAX(game_date) FROM predictions WHERE game_date >= $1 AND game_date <= $2",
            &[from.to_string().into(), to.to_string().into()],
        )
        .await?;
    rows.first()
        .and_then(|r| r.str(0))
        .map(|d| {
            GameDate::parse(d)
                .map_err(|e| crate::Error::Invalid(format!("predictions.game_date {d:?}: {e}")))
        })
        .transpose()
}
