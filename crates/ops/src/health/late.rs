//! Late work: every (dataset or processor, game date) has an `expected_by` instant from the
//! configured deadlines; work not done by then is late. Days without games expect nothing.
//!
//! Done means: for a processor, a succeeded job (a success without input counts: nothing was
//! there to read) or a succeeded run of the partition; for a source dataset (`source.dataset`),
//! a payload of that date in the raw store (fetched by its job or imported).
//!
//! A source dataset whose first payload of a date arrived after the deadline was late even
//! though it is done now: [`arrived_late`] lists those, so a scheduler that runs late every day
//! is seen before the day it misses altogether.

use super::{Check, Ctx, Gap};
use crate::Result;
use nba_props_core::GameDate;
use nba_props_runtime::clock::format_ms;
use std::collections::{BTreeMap, BTreeSet};

async fn done(ctx: &Ctx<'_>, item: &str) -> Result<BTreeSet<String>> {
    let db = &ctx.store.db;
    let (from, to) = (ctx.from.to_string(), ctx.to.to_string());
    let mut out: BTreeSet<String> = db
        .query(
            "SELECT partition_key FROM jobs WHERE processor = $1 AND state = 'succeeded' \
                 AND day >= $2 AND day <= $3 \
             UNION SELECT partition_key FROM runs WHERE processor = $1 AND status = 'succeeded' \
                 AND partition_key >= $4 AND partition_key <= $5",
            &[
                item.into(),
                nba_props_runtime::day_number(ctx.from).into(),
                nba_props_runtime::day_number(ctx.to).into(),
                from.as_str().into(),
                to.as_str().into(),
            ],
        )
        .await?
        .iter()
        .map(|r| r.text(0))
        .collect();
    out.extend(first_arrivals(ctx, item).await?.into_keys());
    Ok(out)
}

/// Every configured (item, game date) of the window past its deadline and not done.
pub async fn late_work(ctx: &Ctx<'_>) -> Result<Vec<Gap>> {
    let mut gaps = Vec::new();
    for d in &ctx.config.deadlines {
        let done = done(ctx, &d.item).await?;
        for &date in &ctx.game_days {
            let due = d.expected_by(date)?;
            if due <= ctx.now && !done.contains(&date.to_string()) {
                gaps.push(Gap {
                    kind: "late",
                    processor: d.item.clone(),
                    date,
                    detail: format!(
                        "expected by {} ({} h late)",
                        format_ms(Some(due)),
                        (ctx.now - due) / 3_600_000
                    ),
                    dead_job: None,
                });
            }
        }
    }
    Ok(gaps)
}

/// The dates of `item` (`source.dataset`; nothing for a processor) the raw store holds, each
/// with when its first payload arrived, in ms since the epoch: its capture time when the source
/// gave one, else its fetch (or import) time (`None` if neither reads as an instant).
async fn first_arrivals(ctx: &Ctx<'_>, item: &str) -> Result<BTreeMap<String, Option<i64>>> {
    let Some((source, dataset)) = item.split_once('.') else {
        return Ok(BTreeMap::new());
    };
    // Odds API props are stored per market (`player_props/<market>`).
    let rows = ctx
        .store
        .db
        .query(
            "SELECT partition_key, COALESCE(captured_at, fetched_at) FROM raw_payloads WHERE source = $1 \
                 AND (dataset = $2 OR dataset LIKE $3) AND partition_key >= $4 AND partition_key <= $5",
            &[
                source.into(),
                dataset.into(),
                format!("{dataset}/%").into(),
                ctx.from.to_string().into(),
                ctx.to.to_string().into(),
            ],
        )
        .await?;
    let mut first: BTreeMap<String, Option<i64>> = BTreeMap::new();
    for r in &rows {
        let at = r
            .text(1)
            .parse::<jiff::Timestamp>()
            .ok()
            .map(|t| t.as_millisecond());
        let slot = first.entry(r.text(0)).or_insert(at);
        *slot = match (*slot, at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    Ok(first)
}

/// Source datasets of the window done now but first stored after their deadline. An arrival
/// after the clock's instant (an archive imported into a replay) says nothing about lateness.
pub async fn arrived_late(ctx: &Ctx<'_>) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for d in &ctx.config.deadlines {
        let arrivals = first_arrivals(ctx, &d.item).await?;
        for &date in &ctx.game_days {
            let due = d.expected_by(date)?;
            let Some(&Some(at)) = arrivals.get(&date.to_string()) else {
                continue;
            };
            if due < at && at <= ctx.now {
                out.push(format!(
                    "{} {date}: arrived {}, {} min after its deadline {}",
                    d.item,
                    format_ms(Some(at)),
                    (at - due) / 60_000,
                    format_ms(Some(due)),
                ));
            }
        }
    }
    Ok(out)
}

/// Warns about work that was late but is done now.
pub async fn arrivals_check(ctx: &Ctx<'_>) -> Result<Check> {
    let late = arrived_late(ctx).await?;
    Ok(Check::warning_if_any(
        "late_arrivals",
        format!(
            "{} (source dataset, date) pairs stored after their deadline, done now",
            late.len()
        ),
        late,
        0.5,
    ))
}

pub async fn check(ctx: &Ctx<'_>) -> Result<Check> {
    let gaps = late_work(ctx).await?;
    let concerned: Vec<String> = gaps
        .iter()
        .map(|g| format!("{} {}: {}", g.processor, g.date, g.detail))
        .collect();
    Ok(Check::failing_if_any(
        "late_work",
        format!(
            "{} (item, date) pairs past their deadline and not done, of {} items with deadlines over {} game days",
            gaps.len(),
            ctx.config.deadlines.len(),
            ctx.game_days.len()
        ),
        concerned,
        2.0,
    ))
}

/// The game dates of `ctx` on which `item`'s deadline passed (for the missing-partition check).
pub fn due_dates(ctx: &Ctx<'_>, item: &str) -> Result<Vec<GameDate>> {
    let mut out = Vec::new();
    for &date in &ctx.game_days {
        if ctx.expected_by(item, date)? <= ctx.now {
            out.push(date);
        }
    }
    Ok(out)
}
