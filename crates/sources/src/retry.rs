//! Which failures are worth another attempt, and how long to wait before it.
//!
//! As in lychee: a server error (5xx), 408 and 429 are retried, and so are timeouts and bodies
//! cut off mid-transfer; a client error (other 4xx) is final, and so is a refused connection or a
//! failed DNS lookup (the host is not there; retrying only delays the error).

use std::time::Duration;

/// The outcome of one attempt, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// An HTTP status was received.
    Status(u16),
    /// The connection could not be opened (refused, DNS, unreachable network).
    Connect,
    /// Connect, read or total timeout.
    Timeout,
    /// The body was cut off while being read.
    IncompleteBody,
    /// Anything else reqwest reports (TLS, redirects, builder errors).
    Other,
}

/// True when the attempt's failure may go away on its own.
pub fn should_retry(a: Attempt) -> bool {
    match a {
        Attempt::Status(s) => s == 408 || s == 429 || (500..=599).contains(&s),
        Attempt::Timeout | Attempt::IncompleteBody => true,
        Attempt::Connect | Attempt::Other => false,
    }
}

/// True when the failure counts against the host's circuit breaker: the host is failing, not the
/// request (a 404 for a report not yet published says nothing about the host's health).
pub fn counts_for_breaker(a: Attempt) -> bool {
    match a {
        Attempt::Status(s) => (500..=599).contains(&s),
        Attempt::Timeout | Attempt::IncompleteBody | Attempt::Connect => true,
        Attempt::Other => false,
    }
}

/// Exponential backoff with jitter: `base * 2^retry`, capped at `max`, then a random part of up
/// to half of it taken off (so many clients that failed together do not retry together).
/// `unit` in `[0, 1)` is the random draw; passing it in keeps this function pure.
pub fn backoff(retry: u32, base: Duration, max: Duration, unit: f64) -> Duration {
    let exp = base.saturating_mul(1u32.checked_shl(retry.min(20)).unwrap_or(u32::MAX));
    let capped = exp.min(max);
    let jitter = capped.mul_f64(unit.clamp(0.0, 1.0) * 0.5);
    capped.saturating_sub(jitter)
}

/// Parses `Retry-After`: delay seconds, or an HTTP date (relative to `now`). A date in the past
/// means "now"; an unreadable value is ignored.
pub fn parse_retry_after(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).ok();
    }
    let when = jiff::fmt::rfc2822::parse(v).ok()?.timestamp();
    let ms = when.as_millisecond() - now.as_millisecond();
    Some(Duration::from_millis(ms.max(0) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_follows_lychee() {
        for s in [500, 502, 503, 504, 599, 408, 429] {
            assert!(should_retry(Attempt::Status(s)), "{s} is retried");
        }
        for s in [200, 301, 400, 401, 403, 404, 410, 422] {
            assert!(!should_retry(Attempt::Status(s)), "{s} is final");
        }
        assert!(should_retry(Attempt::Timeout));
        assert!(should_retry(Attempt::IncompleteBody));
        assert!(!should_retry(Attempt::Connect));
        assert!(!should_retry(Attempt::Other));
    }

    #[test]
    fn breaker_ignores_client_errors() {
        assert!(counts_for_breaker(Attempt::Status(503)));
        assert!(counts_for_breaker(Attempt::Timeout));
        assert!(!counts_for_breaker(Attempt::Status(404)));
        assert!(!counts_for_breaker(Attempt::Status(429)));
    }

    #[test]
    fn backoff_doubles_caps_and_jitters_down() {
        let b = Duration::from_millis(100);
        let m = Duration::from_millis(1_000);
        assert_eq!(backoff(0, b, m, 0.0), b);
        assert_eq!(backoff(2, b, m, 0.0), Duration::from_millis(400));
        assert_eq!(backoff(10, b, m, 0.0), m);
        assert_eq!(backoff(u32::MAX, b, m, 0.0), m);
        assert_eq!(backoff(2, b, m, 0.999_999).as_millis(), 200);
        assert!(backoff(1, b, m, 0.5) < backoff(1, b, m, 0.0));
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now: jiff::Timestamp = "2015-10-21T07:28:00Z".parse().unwrap();
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after(" 0.5 ", now),
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
        assert_eq!(parse_retry_after("1e300", now), None);
        assert_eq!(parse_retry_after("NaN", now), None);
    }
}
