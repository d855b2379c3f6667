//! Alerts: rules over the health report and the grades, delivered to a webhook in Slack's
//! incoming-webhook format (`{"text": …}`) and to the log.
//!
//! - **Deduplicated** by (rule, key, Eastern day) in the `alerts` table: a condition that flaps
//!   (on, off, on again) is delivered once that day; later sightings only count.
//! - **Rate-limited**: at most `max_per_rule_per_hour` deliveries per rule in any hour; the rest
//!   are recorded as `rate_limited` and logged, never lost.
//!
//! Rules: `failure_rate` (failed runs above the limit), `late_work` (one per item and date),
//! `stale_heartbeats` (one per worker or processor), `health_score` (below the threshold),
//! `model_decay` (the graded MAE of the last days above the earlier MAE by the configured share).

use crate::config::AlertSettings;
use crate::health::{HealthReport, Status};
use crate::{Error, Result};
use nba_props_core::GameDate;
use nba_props_runtime::Clock;
use nba_props_store::Store;
use serde::Serialize;

/// One raised condition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub rule: &'static str,
    /// What it is about (`player_game_summary 2023-11-14`, a worker name, …).
    pub key: String,
    pub message: String,
}

/// The alerts a health report (and the grades) raise now.
pub async fn evaluate(
    store: &Store,
    clock: &dyn Clock,
    report: &HealthReport,
    s: &AlertSettings,
) -> Result<Vec<Alert>> {
    let mut out = Vec::new();
    if let Some(c) = report.get("failed_jobs")
        && c.status == Status::Fail
    {
        out.push(Alert {
            rule: "failure_rate",
            key: "runs".into(),
            message: format!("Failure rate too high: {}", c.figure),
        });
    }
    if let Some(c) = report.get("late_work") {
        for item in &c.concerned {
            let key = item.split(':').next().unwrap_or(item).to_string();
            out.push(Alert {
                rule: "late_work",
                key,
                message: format!("Late: {item}"),
            });
        }
    }
    if let Some(c) = report.get("stale_heartbeats") {
        for item in &c.concerned {
            let key = item.split(" (").next().unwrap_or(item).to_string();
            out.push(Alert {
                rule: "stale_heartbeats",
                key,
                message: format!("Heartbeat stopped: {item}"),
            });
        }
    }
    // No score (no game day in the window) is no alert: the failing checks alert on their own.
    if let Some(score) = report.score.filter(|&v| v < s.min_health_score) {
        let failing: Vec<&str> = report
            .checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .map(|c| c.name)
            .collect();
        out.push(Alert {
            rule: "health_score",
            key: "score".into(),
            message: format!(
                "Health score {} is below {} (failing: {})",
                score,
                s.min_health_score,
                failing.join(", ")
            ),
        });
    }
    out.extend(model_decay(store, clock, s).await?);
    Ok(out)
}

/// Per system and market: graded MAE of the last `decay_days` against the `3 × decay_days`
/// before, with at least 50 graded rows on each side.
async fn model_decay(store: &Store, clock: &dyn Clock, s: &AlertSettings) -> Result<Vec<Alert>> {
    let today = GameDate::today_at(crate::days::timestamp(clock.now_ms()));
    let days = s.decay_days.clamp(1, 120) as i32;
    let (start, split) = (today.add_days(-4 * days), today.add_days(-days));
    let rows = store
        .db
        .query(
            "SELECT system_id, market, \
                    AVG(CASE WHEN game_date >= $2 THEN abs_error END), \
                    CAST(SUM(CASE WHEN game_date >= $2 THEN 1 ELSE 0 END) AS BIGINT), \
                    AVG(CASE WHEN game_date < $2 THEN abs_error END), \
                    CAST(SUM(CASE WHEN game_date < $2 THEN 1 ELSE 0 END) AS BIGINT) \
             FROM prediction_grades WHERE status = 'graded' AND abs_error IS NOT NULL \
               AND game_date >= $1 AND game_date <= $3 GROUP BY system_id, market",
            &[
                start.to_string().into(),
                split.to_string().into(),
                today.to_string().into(),
            ],
        )
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let (recent, n_recent, before, n_before) =
                (r.f64(2)?, r.i64(3)?, r.f64(4)?, r.i64(5)?);
            (n_recent >= 50 && n_before >= 50 && recent > before * (1.0 + s.max_mae_increase))
                .then(|| Alert {
                    rule: "model_decay",
                    key: format!("{} {}", r.text(0), r.text(1)),
                    message: format!(
                        "Model decay: {} {} MAE {recent:.2} over the last {days} days vs {before:.2} before (+{:.0}%)",
                        r.text(0),
                        r.text(1),
                        100.0 * (recent / before - 1.0)
                    ),
                })
        })
        .collect())
}

/// What a delivery pass did with each alert.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Delivered {
    /// Sent to the webhook (or, without one, logged as delivered).
    pub sent: Vec<String>,
    /// Seen before today: counted, not sent again.
    pub duplicates: Vec<String>,
    pub rate_limited: Vec<String>,
    /// The webhook refused or could not be reached (recorded; retried the next day at most).
    pub failed: Vec<String>,
}

/// A client for the webhook (TLS through rustls with the ring provider, as the sources use).
pub fn client() -> Result<reqwest::Client> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| Error::Webhook(e.to_string()))
}

/// Records, deduplicates, rate-limits and delivers `alerts`.
pub async fn deliver(
    store: &Store,
    clock: &dyn Clock,
    s: &AlertSettings,
    http: &reqwest::Client,
    alerts: &[Alert],
) -> Result<Delivered> {
    let db = &store.db;
    let now = clock.now_ms();
    let day = GameDate::today_at(crate::days::timestamp(now)).to_string();
    let mut done = Delivered::default();
    for a in alerts {
        let label = format!("{} {}", a.rule, a.key);
        let seen = db
            .execute(
                "UPDATE alerts SET last_seen_at = $1, occurrences = occurrences + 1 \
                 WHERE rule = $2 AND alert_key = $3 AND day = $4",
                &[
                    now.into(),
                    a.rule.into(),
                    a.key.as_str().into(),
                    day.as_str().into(),
                ],
            )
            .await?;
        if seen > 0 {
            done.duplicates.push(label);
            continue;
        }
        let recent = db
            .query(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM alerts WHERE rule = $1 AND delivered_at >= $2",
                &[a.rule.into(), (now - 3_600_000).into()],
            )
            .await?
            .first()
            .and_then(|r| r.i64(0))
            .unwrap_or(0);
        let (delivery, delivered_at) = if recent >= s.max_per_rule_per_hour {
            tracing::warn!(rule = a.rule, key = %a.key, "Alert (rate-limited, not sent): {}", a.message);
            done.rate_limited.push(label);
            ("rate_limited".to_string(), None)
        } else {
            tracing::error!(rule = a.rule, key = %a.key, "ALERT: {}", a.message);
            match &s.webhook_url {
                None => {
                    done.sent.push(label);
                    ("log".to_string(), Some(now))
                }
                Some(url) => match post(http, url, a).await {
                    Ok(()) => {
                        done.sent.push(label);
                        ("webhook".to_string(), Some(now))
                    }
                    Err(e) => {
                        tracing::error!(rule = a.rule, key = %a.key, error = %e, "Alert webhook failed.");
                        done.failed.push(format!("{label}: {e}"));
                        (format!("failed: {e}"), None)
                    }
                },
            }
        };
        // A concurrent pass may have recorded the same alert meanwhile: the key keeps one row.
        // Two statements rather than a NULL-able parameter: PostgreSQL caches a statement's
        // parameter types, and a NULL bound first would type the column's parameter as text.
        let sql = match delivered_at {
            Some(_) => {
                "INSERT INTO alerts (rule, alert_key, day, message, first_at, last_seen_at, occurrences, delivered_at, delivery) \
                 VALUES ($1, $2, $3, $4, $5, $5, 1, $6, $7) ON CONFLICT DO NOTHING"
            }
            None => {
                "INSERT INTO alerts (rule, alert_key, day, message, first_at, last_seen_at, occurrences, delivered_at, delivery) \
                 VALUES ($1, $2, $3, $4, $5, $5, 1, NULL, $6) ON CONFLICT DO NOTHING"
            }
        };
        let mut params: Vec<nba_props_store::Value> = vec![
            a.rule.into(),
            a.key.as_str().into(),
            day.as_str().into(),
            a.message.as_str().into(),
            now.into(),
        ];
        if let Some(at) = delivered_at {
            params.push(at.into());
        }
        params.push(delivery.into());
        db.execute(sql, &params).await?;
    }
    Ok(done)
}

async fn post(http: &reqwest::Client, url: &str, a: &Alert) -> Result<()> {
    let body = serde_json::json!({
        "text": format!(":rotating_light: *{}* — {}", a.rule, a.message),
    });
    let resp = http
        .post(url)
        .json(&body)
        .send()
        .await
        .map_err(|e| Error::Webhook(e.without_url().to_string()))?;
    if !resp.status().is_success() {
        return Err(Error::Webhook(format!("HTTP {}", resp.status())));
    }
    Ok(())
}
