//! Checks of the tables: against the schedule (missing partitions), against the runs that say
//! they wrote them (derived completion), against their natural keys (duplicates) and against
//! each other (team points vs box scores, feature quality).

use super::{Check, Ctx, Gap};
use crate::Result;
use nba_props_core::GameDate;
use nba_props_store::TableDef;
use nba_props_store::schema::{OUTPUT_TABLES, UNMATCHED_ROWS};
use std::collections::{BTreeMap, HashMap};

/// The processor of the graph that writes `table`.
fn writer<'g>(ctx: &Ctx<'g>, table: &str) -> Option<&'static str> {
    ctx.graph.nodes().iter().find_map(|n| {
        n.processor
            .declaration()
            .outputs
            .iter()
            .any(|t| t.name == table)
            .then_some(n.name)
    })
}

fn by_game_date(t: &TableDef) -> bool {
    t.partition == ["game_date"]
}

/// Rows per game date of `table` within the window.
async fn rows_per_date(ctx: &Ctx<'_>, table: &str) -> Result<HashMap<String, i64>> {
    let rows = ctx
        .store
        .db
        .query(
            &format!(
                "SELECT game_date, CAST(COUNT(*) AS BIGINT) FROM {table} \
                 WHERE game_date >= $1 AND game_date <= $2 GROUP BY game_date"
            ),
            &[ctx.from.to_string().into(), ctx.to.to_string().into()],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.text(0), r.i64(1).unwrap_or(0)))
        .collect())
}

/// Game dates of the window, past their writer's deadline, on which an expected table has no
/// row. Over the whole window: a date lost last week is as missing as yesterday's.
pub async fn missing_partitions(ctx: &Ctx<'_>) -> Result<Vec<Gap>> {
    let mut gaps = Vec::new();
    for table in &ctx.config.expected_tables {
        let Some(def) = OUTPUT_TABLES.iter().find(|t| t.name == table) else {
            return Err(crate::Error::Invalid(format!(
                "expected_tables: no table named {table}"
            )));
        };
        let Some(w) = writer(ctx, def.name) else {
            continue;
        };
        let have = rows_per_date(ctx, def.name).await?;
        for date in super::late::due_dates(ctx, w)? {
            if !have.contains_key(&date.to_string()) {
                gaps.push(Gap {
                    kind: "missing_partition",
                    processor: w.to_string(),
                    date,
                    detail: format!("{} has no rows for {date}, a game day", def.name),
                    dead_job: None,
                });
            }
        }
    }
    Ok(gaps)
}

pub async fn missing_partitions_check(ctx: &Ctx<'_>) -> Result<Check> {
    let gaps = missing_partitions(ctx).await?;
    Ok(Check::failing_if_any(
        "missing_partitions",
        format!(
            "{} (table, game day) partitions missing over {} game days of {}..{} ({} tables expected)",
            gaps.len(),
            ctx.game_days.len(),
            ctx.from,
            ctx.to,
            ctx.config.expected_tables.len()
        ),
        gaps.iter().map(|g| g.detail.clone()).collect(),
        2.0,
    ))
}

/// Natural keys held by more than one row, per table (and per game date for tables partitioned
/// by it, within the window). Must be 0: the tables declare these keys as primary keys, so any
/// is a schema that lost its constraint or a write that went around it.
pub async fn duplicate_keys(ctx: &Ctx<'_>) -> Result<Check> {
    let db = &ctx.store.db;
    let mut concerned = Vec::new();
    let mut total = 0i64;
    for t in OUTPUT_TABLES.iter().chain([&&UNMATCHED_ROWS]) {
        let key = t.key.join(", ");
        if key.is_empty() {
            continue;
        }
        if by_game_date(t) && !t.key.contains(&"game_date") {
            let rows = db
                .query(
                    &format!(
                        "SELECT game_date, CAST(COUNT(*) AS BIGINT) FROM \
                         (SELECT MIN(game_date) AS game_date FROM {} WHERE game_date >= $1 AND game_date <= $2 \
                          GROUP BY {key} HAVING COUNT(*) > 1) x GROUP BY game_date ORDER BY game_date",
                        t.name
                    ),
                    &[ctx.from.to_string().into(), ctx.to.to_string().into()],
                )
                .await?;
            for r in &rows {
                let n = r.i64(1).unwrap_or(0);
                total += n;
                concerned.push(format!(
                    "{} {}: {n} keys ({key}) duplicated",
                    t.name,
                    r.text(0)
                ));
            }
        } else {
            let rows = db
                .query(
                    &format!(
                        "SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT {key} FROM {} GROUP BY {key} HAVING COUNT(*) > 1) x",
                        t.name
                    ),
                    &[],
                )
                .await?;
            let n = rows.first().and_then(|r| r.i64(0)).unwrap_or(0);
            if n > 0 {
                total += n;
                concerned.push(format!("{}: {n} keys ({key}) duplicated", t.name));
            }
        }
    }
    Ok(Check::failing_if_any(
        "duplicate_keys",
        format!(
            "{total} duplicated natural keys across {} tables (must be 0)",
            OUTPUT_TABLES.len() + 1
        ),
        concerned,
        2.0,
    ))
}

/// Partitions whose latest successful run says it wrote rows the tables do not hold (or hold a
/// different number of): completion derived from the runs against the tables themselves.
/// Processors writing tables partitioned otherwise, or whose rows can move to another date
/// (`moves_by`), are left out: their counts are not per date.
pub async fn completion_mismatches(ctx: &Ctx<'_>) -> Result<Vec<Gap>> {
    let db = &ctx.store.db;
    let rows = db
        .query(
            "SELECT r.processor, r.partition_key, r.rows_written FROM runs r \
             WHERE r.status = 'succeeded' AND r.partition_key >= $1 AND r.partition_key <= $2 \
               AND r.run_id = (SELECT MAX(r2.run_id) FROM runs r2 WHERE r2.processor = r.processor \
                               AND r2.partition_key = r.partition_key AND r2.status = 'succeeded')",
            &[ctx.from.to_string().into(), ctx.to.to_string().into()],
        )
        .await?;
    let mut latest: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
    for r in &rows {
        latest
            .entry(r.text(0))
            .or_default()
            .push((r.text(1), r.i64(2).unwrap_or(0)));
    }
    let mut gaps = Vec::new();
    for node in ctx.graph.nodes() {
        let Some(runs) = latest.get(node.name) else {
            continue;
        };
        let outputs = node.processor.declaration().outputs;
        if outputs.is_empty()
            || !outputs
                .iter()
                .all(|t| by_game_date(t) && t.moves_by.is_none())
        {
            continue;
        }
        let mut held: HashMap<String, i64> = HashMap::new();
        for t in outputs {
            for (d, n) in rows_per_date(ctx, t.name).await? {
                *held.entry(d).or_default() += n;
            }
        }
        let names: Vec<&str> = outputs.iter().map(|t| t.name).collect();
        for (partition, written) in runs {
            let have = held.get(partition).copied().unwrap_or(0);
            let Ok(date) = GameDate::parse(partition) else {
                continue;
            };
            if have != *written {
                gaps.push(Gap {
                    kind: "completion_mismatch",
                    processor: node.name.to_string(),
                    date,
                    detail: format!(
                        "{} {partition}: the latest run wrote {written} rows, {} holds {have}",
                        node.name,
                        names.join(" + ")
                    ),
                    dead_job: None,
                });
            }
        }
    }
    Ok(gaps)
}

pub async fn completion_check(ctx: &Ctx<'_>) -> Result<Check> {
    let gaps = completion_mismatches(ctx).await?;
    Ok(Check::failing_if_any(
        "completion_vs_tables",
        format!(
            "{} partitions whose latest successful run disagrees with the table",
            gaps.len()
        ),
        gaps.iter().map(|g| g.detail.clone()).collect(),
        2.0,
    ))
}

/// Team points (team_offense_game_summary) against the sum of the team's player box scores
/// (player_game_summary), and against the schedule's final score where it has one.
pub async fn team_points(ctx: &Ctx<'_>) -> Result<Check> {
    let db = &ctx.store.db;
    let params = [ctx.from.to_string().into(), ctx.to.to_string().into()];
    let mut concerned: Vec<String> = db
        .query(
            "SELECT t.game_date, t.game_id, t.team, t.points, CAST(SUM(p.points) AS BIGINT) \
             FROM team_offense_game_summary t \
             JOIN player_game_summary p ON p.game_id = t.game_id AND p.team = t.team \
             WHERE t.game_date >= $1 AND t.game_date <= $2 \
             GROUP BY t.game_date, t.game_id, t.team, t.points HAVING t.points <> SUM(p.points) \
             ORDER BY t.game_date, t.game_id, t.team",
            &params,
        )
        .await?
        .iter()
        .map(|r| {
            format!(
                "{} game {} {}: team {} points, players {}",
                r.text(0),
                r.text(1),
                r.text(2),
                r.text(3),
                r.text(4)
            )
        })
        .collect();
    let schedule = db
        .query(
            "SELECT t.game_date, t.game_id, t.team, t.points, \
                    CASE WHEN t.team = s.home_team THEN s.home_score ELSE s.away_score END \
             FROM team_offense_game_summary t JOIN nbac_schedule s ON s.game_id = t.game_id \
             WHERE t.game_date >= $1 AND t.game_date <= $2 AND s.home_score IS NOT NULL \
               AND s.away_score IS NOT NULL \
               AND t.points <> CASE WHEN t.team = s.home_team THEN s.home_score ELSE s.away_score END \
             ORDER BY t.game_date, t.game_id, t.team",
            &params,
        )
        .await?;
    concerned.extend(schedule.iter().map(|r| {
        format!(
            "{} game {} {}: team {} points, schedule final {}",
            r.text(0),
            r.text(1),
            r.text(2),
            r.text(3),
            r.text(4)
        )
    }));
    let teams = db
        .query(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM team_offense_game_summary WHERE game_date >= $1 AND game_date <= $2",
            &params,
        )
        .await?
        .first()
        .and_then(|r| r.i64(0))
        .unwrap_or(0);
    Ok(Check::failing_if_any(
        "team_points",
        format!(
            "{} of {teams} team games whose points disagree with the box scores or the final score",
            concerned.len()
        ),
        concerned,
        1.0,
    ))
}

/// The share of low-quality feature rows per date (`quality_score` below the minimum): a date
/// above the configured share warns (early-season windows are short by nature).
pub async fn feature_quality(ctx: &Ctx<'_>, h: &crate::config::HealthSettings) -> Result<Check> {
    let rows = ctx
        .store
        .db
        .query(
            "SELECT game_date, CAST(COUNT(*) AS BIGINT), \
                    CAST(SUM(CASE WHEN quality_score < $3 THEN 1 ELSE 0 END) AS BIGINT), AVG(quality_score) \
             FROM feature_store WHERE game_date >= $1 AND game_date <= $2 GROUP BY game_date ORDER BY game_date",
            &[
                ctx.from.to_string().into(),
                ctx.to.to_string().into(),
                h.min_feature_quality.into(),
            ],
        )
        .await?;
    let (mut all, mut low) = (0i64, 0i64);
    let mut concerned = Vec::new();
    for r in &rows {
        let (n, l) = (r.i64(1).unwrap_or(0), r.i64(2).unwrap_or(0));
        all += n;
        low += l;
        if n > 0 && l as f64 / n as f64 > h.max_low_quality_share {
            concerned.push(format!(
                "feature_store {}: {l} of {n} rows below quality {} (mean {:.2})",
                r.text(0),
                h.min_feature_quality,
                r.f64(3).unwrap_or(0.0)
            ));
        }
    }
    let figure = format!(
        "{low} of {all} feature rows below quality {}; {} dates above {:.0}% low",
        h.min_feature_quality,
        concerned.len(),
        100.0 * h.max_low_quality_share
    );
    Ok(Check::warning_if_any(
        "feature_quality",
        figure,
        concerned,
        0.5,
    ))
}
