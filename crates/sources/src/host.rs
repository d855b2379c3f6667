//! Per-host state shared by every request to that host: the rate limiter, the concurrency
//! semaphore and the circuit breaker.
//!
//! # Architecture
//!
//! ```text
//!  request ─▶ breaker.check() ─▶ semaphore.acquire() ─▶ limiter.until_ready() ─▶ HTTP
//!                 │ open: fail fast                       (one token per 1/rate s,
//!                 ▼                                         no burst: never above rate)
//!            CircuitOpen error
//!  outcome ─▶ breaker.success() / breaker.failure()  (5xx, timeouts, connect errors count)
//! ```
//!
//! The limiter is a governor GCRA bucket of capacity one, so two requests are always at least
//! `1/rate` apart: retries and concurrent scrapers of the same host queue on the same bucket.
//! The breaker opens after `breaker_threshold` consecutive failing attempts; while open, calls
//! fail at once with the time left; after the cooldown one call is let through (half-open) and
//! its outcome closes or re-opens the breaker.

use crate::config::HostConfig;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Limiter, semaphore and breaker of one host.
#[derive(Debug)]
pub struct HostState {
    /// Host name as shown in errors (`stats.nba.com`, `127.0.0.1:4321`).
    pub host: String,
    limiter: DefaultDirectRateLimiter,
    pub(crate) permits: Semaphore,
    breaker: Mutex<Breaker>,
    threshold: u32,
    cooldown: Duration,
}

#[derive(Debug, Default)]
struct Breaker {
    consecutive_failures: u32,
    open_until: Option<Instant>,
}

/// Why a call may not go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Open {
    pub failures: u32,
    pub retry_in: Duration,
}

impl HostState {
    /// Builds the state from a host's configuration; `None` when the rate is not a positive
    /// finite number.
    pub fn new(host: String, cfg: &HostConfig) -> Option<Self> {
        if !(cfg.rate_per_second.is_finite() && cfg.rate_per_second > 0.0) {
            return None;
        }
        let period = Duration::try_from_secs_f64(1.0 / cfg.rate_per_second).ok()?;
        let quota =
            Quota::with_period(period.max(Duration::from_nanos(1)))?.allow_burst(NonZeroU32::MIN);
        Some(Self {
            host,
            limiter: RateLimiter::direct(quota),
            permits: Semaphore::new(cfg.concurrency.clamp(1, Semaphore::MAX_PERMITS)),
            breaker: Mutex::new(Breaker::default()),
            threshold: cfg.breaker_threshold.max(1),
            cooldown: Duration::from_millis(cfg.breaker_cooldown_ms),
        })
    }

    /// Waits for this host's next rate-limit slot.
    pub async fn until_ready(&self) {
        self.limiter.until_ready().await;
    }

    /// Refuses the call while the breaker is open; lets one trial through once it half-opens.
    pub fn check(&self) -> Result<(), Open> {
        let mut b = self.breaker.lock().unwrap_or_else(|e| e.into_inner());
        let Some(until) = b.open_until else {
            return Ok(());
        };
        let now = Instant::now();
        if now < until {
            return Err(Open {
                failures: b.consecutive_failures,
                retry_in: until - now,
            });
        }
        // Half-open: this call is the trial. Others keep failing fast for another cooldown; if
        // the trial is never reported (its future was dropped) the next cooldown allows another.
        b.open_until = Some(now + self.cooldown);
        Ok(())
    }

    /// Records a successful attempt (any answer that says the host is healthy): closes the
    /// breaker.
    pub fn success(&self) {
        let mut b = self.breaker.lock().unwrap_or_else(|e| e.into_inner());
        *b = Breaker::default();
    }

    /// Records a failing attempt; opens the breaker at the threshold.
    pub fn failure(&self) {
        let mut b = self.breaker.lock().unwrap_or_else(|e| e.into_inner());
        b.consecutive_failures = b.consecutive_failures.saturating_add(1);
        if b.consecutive_failures >= self.threshold {
            b.open_until = Some(Instant::now() + self.cooldown);
        }
    }

    /// True while the breaker refuses calls.
    pub fn is_open(&self) -> bool {
        let b = self.breaker.lock().unwrap_or_else(|e| e.into_inner());
        b.open_until.is_some_and(|u| Instant::now() < u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(threshold: u32, cooldown_ms: u64) -> HostState {
        let cfg = HostConfig {
            breaker_threshold: threshold,
            breaker_cooldown_ms: cooldown_ms,
            ..HostConfig::default()
        };
        HostState::new("h".into(), &cfg).unwrap()
    }

    #[test]
    fn breaker_opens_at_threshold_and_half_opens_after_cooldown() {
        let s = state(2, 30);
        s.failure();
        assert!(s.check().is_ok());
        s.failure();
        let open = s.check().unwrap_err();
        assert_eq!(open.failures, 2);
        std::thread::sleep(Duration::from_millis(40));
        assert!(s.check().is_ok(), "half-open lets one trial through");
        assert!(s.check().is_err(), "only one trial at a time");
        s.success();
        assert!(s.check().is_ok());
        assert!(!s.is_open());
        // A trial whose outcome is never reported does not keep the breaker shut for good.
        s.failure();
        s.failure();
        std::thread::sleep(Duration::from_millis(40));
        assert!(s.check().is_ok(), "trial");
        assert!(s.check().is_err());
        std::thread::sleep(Duration::from_millis(40));
        assert!(s.check().is_ok(), "another trial after another cooldown");
    }

    #[test]
    fn bad_rates_are_refused() {
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e-300] {
            let cfg = HostConfig {
                rate_per_second: rate,
                ..HostConfig::default()
            };
            assert!(HostState::new("h".into(), &cfg).is_none(), "{rate}");
        }
    }
}
