//! Game dates (calendar dates in US Eastern time, the NBA's own convention) and seasons.

use crate::ParseError;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use std::fmt;
use std::sync::LazyLock;

static EASTERN: LazyLock<TimeZone> = LazyLock::new(|| {
    TimeZone::get("America/New_York").expect("the bundled tz database has America/New_York")
});

/// The NBA's time zone; every game date and date word (`today`, `yesterday`) is resolved in it.
pub fn eastern() -> &'static TimeZone {
    &EASTERN
}

/// A game date: the calendar date in US Eastern time on which a game is played.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GameDate(Date);

impl GameDate {
    /// The earliest date [`GameDate::parse`] accepts (the league's first season began in 1946).
    pub const MIN: GameDate = GameDate(Date::constant(1946, 1, 1));
    /// The latest date [`GameDate::parse`] accepts.
    pub const MAX: GameDate = GameDate(Date::constant(2100, 12, 31));

    pub fn new(date: Date) -> Self {
        Self(date)
    }

    /// Parses `YYYY-MM-DD`, or an ISO timestamp whose first ten characters are the date (the CDN's
    /// `gameDateEst` is written `2023-10-24T00:00:00Z` but is an Eastern date). Dates outside
    /// [`GameDate::MIN`]..=[`GameDate::MAX`] are refused: no game is played there, and a date
    /// like 9999-12-31 would only overflow the arithmetic of windows built around it.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let head = s.get(..10).unwrap_or(s);
        let ok = s.len() == 10 || s.as_bytes().get(10) == Some(&b'T');
        let date = head
            .parse::<Date>()
            .ok()
            .filter(|_| ok)
            .map(Self)
            .ok_or_else(|| ParseError::new("game date", s, "an ISO date YYYY-MM-DD"))?;
        if !(Self::MIN..=Self::MAX).contains(&date) {
            return Err(ParseError::new(
                "game date",
                s,
                "a date from 1946-01-01 to 2100-12-31",
            ));
        }
        Ok(date)
    }

    /// The Eastern date of an instant (for example a UTC tip-off time).
    pub fn of_timestamp(ts: Timestamp) -> Self {
        Self(ts.to_zoned(EASTERN.clone()).date())
    }

    /// The Eastern date of today at the given instant.
    pub fn today_at(now: Timestamp) -> Self {
        Self::of_timestamp(now)
    }

    pub fn date(self) -> Date {
        self.0
    }

    /// `days` later (earlier when negative), saturating: a date inside
    /// [`GameDate::MIN`]..=[`GameDate::MAX`] stays inside it (a window of a million days from
    /// 2024 ends at 2100-12-31), and a date outside it never moves backwards. Never panics.
    pub fn add_days(self, days: i32) -> Self {
        let (lo, hi) = (self.min(Self::MIN), self.max(Self::MAX));
        match self.checked_add_days(days) {
            Some(d) => d.clamp(lo, hi),
            None if days < 0 => lo,
            None => hi,
        }
    }

    /// `days` later (earlier when negative), or `None` past the calendar's range (years
    /// -9999..=9999). Unlike [`GameDate::add_days`], not bounded to MIN..=MAX.
    pub fn checked_add_days(self, days: i32) -> Option<Self> {
        let span = Span::new().try_days(i64::from(days)).ok()?;
        self.0.checked_add(span).ok().map(Self)
    }

    /// Whole days from `self` to `other` (positive when `other` is later).
    pub fn days_until(self, other: GameDate) -> i32 {
        (other.0 - self.0).get_days()
    }

    pub fn season(self) -> Season {
        Season::of_date(self)
    }

    /// Every date from `self` to `end`, both included.
    pub fn through(self, end: GameDate) -> impl Iterator<Item = GameDate> {
        let mut next = Some(self);
        std::iter::from_fn(move || {
            let d = next.filter(|d| *d <= end)?;
            // Stops at `end` itself, so an `end` at the end of the calendar ends the walk.
            next = if d == end {
                None
            } else {
                d.checked_add_days(1)
            };
            Some(d)
        })
    }
}

impl fmt::Display for GameDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::str::FromStr for GameDate {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        Self::parse(s)
    }
}

/// An NBA season, named by the year it starts in: `2023-24` starts in October 2023. A date from
/// August onwards belongs to the season starting that year (summer league and the draft are not
/// games here, so the boundary only has to fall between the finals and the next pre-season).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Season {
    start_year: i16,
}

impl Season {
    pub fn new(start_year: i16) -> Self {
        Self { start_year }
    }

    pub fn start_year(self) -> i16 {
        self.start_year
    }

    pub fn of_date(date: GameDate) -> Self {
        let d = date.date();
        Self {
            start_year: if d.month() >= 8 {
                d.year()
            } else {
                d.year() - 1
            },
        }
    }

    /// Parses `2023-24` (the label used everywhere) or stats.nba.com's `SEASON_ID` (`22023`, whose
    /// first digit is the season type). Seasons start from 1945 (holding 1946-01-01) to 2100,
    /// the seasons of [`GameDate::MIN`]..=[`GameDate::MAX`].
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let season = Self::parse_unbounded(s)?;
        if !(1945..=2100).contains(&season.start_year) {
            return Err(ParseError::new(
                "season",
                s,
                "a season from 1945-46 to 2100-01 (the seasons of 1946-01-01 to 2100-12-31)",
            ));
        }
        Ok(season)
    }

    fn parse_unbounded(s: &str) -> Result<Self, ParseError> {
        let err = || {
            ParseError::new(
                "season",
                s,
                "YYYY-YY (e.g. 2023-24) or a SEASON_ID like 22023",
            )
        };
        let b = s.as_bytes();
        if b.len() == 7 && b[4] == b'-' {
            let start: i16 = s[..4].parse().map_err(|_| err())?;
            let end: i16 = s[5..].parse().map_err(|_| err())?;
            return if (start + 1) % 100 == end {
                Ok(Self { start_year: start })
            } else {
                Err(err())
            };
        }
        if b.len() == 5 && b.iter().all(u8::is_ascii_digit) {
            return Ok(Self {
                start_year: s[1..].parse().map_err(|_| err())?,
            });
        }
        Err(err())
    }

    /// First and last date that [`Season::of_date`] maps to this season (cut at the calendar's
    /// ends for a season at year 9999: never a panic).
    pub fn date_range(self) -> (GameDate, GameDate) {
        let y = self.start_year;
        (
            GameDate(Date::new(y, 8, 1).unwrap_or(if y < 0 { Date::MIN } else { Date::MAX })),
            GameDate(Date::new(y.saturating_add(1), 7, 31).unwrap_or(if y < 0 {
                Date::MIN
            } else {
                Date::MAX
            })),
        )
    }
}

impl fmt::Display for Season {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:02}", self.start_year, (self.start_year + 1) % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn season_boundaries_fall_in_summer() {
        let s = |d: &str| GameDate::parse(d).unwrap().season().to_string();
        assert_eq!(s("2023-10-24"), "2023-24");
        assert_eq!(s("2024-06-17"), "2023-24");
        assert_eq!(s("2024-07-31"), "2023-24");
        assert_eq!(s("2024-08-01"), "2024-25");
        assert_eq!(s("1999-12-31"), "1999-00");
    }

    #[test]
    fn season_parses_label_and_season_id() {
        assert_eq!(Season::parse("2023-24").unwrap(), Season::new(2023));
        assert_eq!(Season::parse("22023").unwrap(), Season::new(2023));
        assert_eq!(Season::parse("1999-00").unwrap(), Season::new(1999));
        assert!(Season::parse("2023-25").is_err());
        assert!(Season::parse("2023").is_err());
        assert!(Season::parse("").is_err());
    }

    #[test]
    fn late_tipoff_in_utc_is_the_previous_eastern_day() {
        // 10:30 pm ET on 2024-01-15 is 03:30 UTC on the 16th.
        let ts: Timestamp = "2024-01-16T03:30:00Z".parse().unwrap();
        assert_eq!(GameDate::of_timestamp(ts).to_string(), "2024-01-15");
        // Across the DST change: 2024-03-10 is EDT (UTC-4) by the evening.
        let ts: Timestamp = "2024-03-11T03:30:00Z".parse().unwrap();
        assert_eq!(GameDate::of_timestamp(ts).to_string(), "2024-03-10");
        let ts: Timestamp = "2024-03-11T04:30:00Z".parse().unwrap();
        assert_eq!(GameDate::of_timestamp(ts).to_string(), "2024-03-11");
    }

    #[test]
    fn game_date_accepts_cdn_midnight_timestamps_but_not_garbage() {
        assert_eq!(
            GameDate::parse("2023-10-24T00:00:00Z").unwrap().to_string(),
            "2023-10-24"
        );
        assert!(GameDate::parse("2023-10-24x").is_err());
        assert!(GameDate::parse("10/24/2023").is_err());
        assert!(GameDate::parse("").is_err());
        assert!(GameDate::parse("2023-02-30").is_err());
    }

    #[test]
    fn dates_outside_1946_to_2100_are_refused_with_the_range() {
        for bad in ["9999-12-31", "1945-12-31", "2101-01-01", "0001-01-01"] {
            let e = GameDate::parse(bad).unwrap_err().to_string();
            assert!(e.contains("1946-01-01 to 2100-12-31"), "{bad}: {e}");
        }
        assert_eq!(GameDate::parse("1946-01-01").unwrap(), GameDate::MIN);
        assert_eq!(GameDate::parse("2100-12-31").unwrap(), GameDate::MAX);
        for bad in ["9999-00", "29999", "1900-01", "2101-02"] {
            let e = Season::parse(bad).unwrap_err().to_string();
            assert!(e.contains("1945-46 to 2100-01"), "{bad}: {e}");
        }
        assert_eq!(Season::parse("1945-46").unwrap(), Season::new(1945));
        assert_eq!(Season::parse("2100-01").unwrap(), Season::new(2100));
    }

    #[test]
    fn add_days_saturates_instead_of_panicking() {
        let d = GameDate::parse("2024-01-15").unwrap();
        assert_eq!(d.add_days(i32::MAX), GameDate::MAX);
        assert_eq!(d.add_days(i32::MIN), GameDate::MIN);
        assert_eq!(d.add_days(-100_000_000), GameDate::MIN);
        assert_eq!(GameDate::MAX.add_days(1), GameDate::MAX);
        assert_eq!(d.add_days(-15).to_string(), "2023-12-31");
        assert_eq!(d.checked_add_days(i32::MAX), None);
        // A date outside the range (only `new` makes one) never moves backwards.
        let far = GameDate::new(Date::constant(9999, 12, 31));
        assert_eq!(far.add_days(1), far);
        assert_eq!(far.add_days(-1).to_string(), "9999-12-30");
        let _ = far.season().date_range();
        // A walk to the last date of the calendar ends.
        assert_eq!(far.add_days(-1).through(far).count(), 2);
        assert_eq!(GameDate::MAX.add_days(-2).through(GameDate::MAX).count(), 3);
    }

    #[test]
    fn through_includes_both_ends() {
        let a = GameDate::parse("2024-02-27").unwrap();
        let b = GameDate::parse("2024-03-01").unwrap();
        let days: Vec<String> = a.through(b).map(|d| d.to_string()).collect();
        assert_eq!(
            days,
            ["2024-02-27", "2024-02-28", "2024-02-29", "2024-03-01"]
        );
        assert_eq!(a.days_until(b), 3);
    }
}
