//! Time as the runtime sees it: milliseconds since the Unix epoch from an injected clock, so
//! tests can drive a simulated week while production reads the system clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    fn now_ms(&self) -> i64;
}

/// The system clock (production). Leases compare instants written by different machines, so
/// the machines of one PostgreSQL deployment need synchronised clocks (NTP).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        jiff::Timestamp::now().as_millisecond()
    }
}

/// A clock that moves only when told to (tests and simulations).
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn at(ms: i64) -> Self {
        Self(Arc::new(AtomicI64::new(ms)))
    }
    pub fn set(&self, ms: i64) {
        self.0.store(ms, Ordering::SeqCst);
    }
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A clock that starts at a chosen instant and runs `speed` times as fast as the wall clock:
/// a replay of past days (`serve --replay-from`, the replay server). It reads the monotonic
/// clock, so a change of the system time does not move it.
#[derive(Debug, Clone)]
pub struct AcceleratedClock {
    start_ms: i64,
    speed: f64,
    wall_start: std::time::Instant,
}

impl AcceleratedClock {
    /// Starts now at `start_ms`; `speed` below 0 or not finite is taken as 1.
    pub fn starting_at(start_ms: i64, speed: f64) -> Self {
        let speed = if speed.is_finite() && speed >= 0.0 {
            speed
        } else {
            1.0
        };
        Self {
            start_ms,
            speed,
            wall_start: std::time::Instant::now(),
        }
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }
}

impl Clock for AcceleratedClock {
    fn now_ms(&self) -> i64 {
        let wall = self.wall_start.elapsed().as_secs_f64() * 1000.0;
        self.start_ms + (wall * self.speed) as i64
    }
}

/// An instant for people: RFC 3339 in UTC, or "-" for none.
pub fn format_ms(ms: Option<i64>) -> String {
    ms.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| "-".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_accelerated_clock_starts_where_asked_and_runs_speed_times_faster() {
        let start = 1_704_690_000_000; // 2024-01-08T05:00:00Z
        let clock = AcceleratedClock::starting_at(start, 600.0);
        let first = clock.now_ms();
        assert!((start..start + 60_000).contains(&first), "{first}");
        let wall = std::time::Instant::now();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let simulated = clock.now_ms() - first;
        let elapsed = wall.elapsed().as_millis() as i64;
        // At least 600 × the 20 ms slept; never more than 600 × what really elapsed (+ slack).
        assert!(simulated >= 600 * 20, "{simulated}");
        assert!(
            simulated <= 600 * (elapsed + 2),
            "{simulated} vs {elapsed} ms"
        );
        let stopped = AcceleratedClock::starting_at(start, 0.0);
        assert_eq!(stopped.now_ms(), start, "speed 0 holds the instant");
    }
}
