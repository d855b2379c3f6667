//! The pick record read back from `prediction_grades`: every graded pick at its own line and
//! price, summed up per market and system (`nba_props_model::record`), with its EV buckets. The
//! same figures behind `nba-props record`, the dashboard and `/api/v1/record`.

use nba_props_core::GameDate;
use nba_props_model::record::{self, EvBucket, GradedPick, Record};
use nba_props_store::Db;
use serde::Serialize;
use std::collections::BTreeMap;

/// The record of one (market, system).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarketRecord {
    pub market: String,
    pub system_id: String,
    #[serde(flatten)]
    pub record: Record,
    pub by_ev: Vec<EvBucket>,
}

/// Graded picks of the games dated `from..=to`, per market and system (sorted by both).
pub async fn between(
    db: &Db,
    from: GameDate,
    to: GameDate,
) -> Result<Vec<MarketRecord>, nba_props_store::Error> {
    let rows = db
        .query(
            "SELECT market, system_id, correct, units, pick_price, pick_ev, clv_line, clv_prob \
             FROM prediction_grades WHERE game_date >= $1 AND game_date <= $2 AND status = 'graded' \
             AND pick_price IS NOT NULL AND units IS NOT NULL",
            &[from.to_string().into(), to.to_string().into()],
        )
        .await?;
    let mut picks: BTreeMap<(String, String), Vec<GradedPick>> = BTreeMap::new();
    for r in &rows {
        picks
            .entry((r.text(0), r.text(1)))
            .or_default()
            .push(GradedPick {
                correct: r.bool(2),
                units: r.f64(3).unwrap_or(0.0),
                price: r.i64(4).unwrap_or(0),
                ev: r.f64(5).unwrap_or(f64::NAN),
                clv_line: r.f64(6),
                clv_prob: r.f64(7),
            });
    }
    Ok(picks
        .into_iter()
        .map(|((market, system_id), p)| MarketRecord {
            market,
            system_id,
            record: Record::of(&p),
            by_ev: record::by_ev(&p),
        })
        .collect())
}
