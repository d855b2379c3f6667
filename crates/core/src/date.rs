//! Game dates (calendar dates in US Eastern time, the NBA's own convention) and seasons.

use crate::ParseError;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
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
    pub fn new(date: Date) -> Self {
        Self(date)
    }

    /// Parses `YYYY-MM-DD`, or an ISO timestamp whose first ten characters are the date (the CDN's
    /// `gameDateEst` is written `2023-10-24T00:00:00Z` but is an Eastern date).
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let head = s.get(..10).unwrap_or(s);
        let ok = s.len() == 10 || s.as_bytes().get(10) == Some(&b'T');
        head.parse::<Date>()
            .ok()
            .filter(|_| ok)
            .map(Self)
            .ok_or_else(|| ParseError::new("game date", s, "an ISO date YYYY-MM-DD"))
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

    pub fn add_days(self, days: i32) -> Self {
        Self(
            self.0
                .checked_add(days.days())
                .expect("game dates stay far inside jiff's range"),
        )
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
            let d = next?;
            if d > end {
                return None;
            }
            next = Some(d.add_days(1));
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
    /// first digit is the season type).
    pub fn parse(s: &str) -> Result<Self, ParseError> {
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

    /// First and last date that [`Season::of_date`] maps to this season.
    pub fn date_range(self) -> (GameDate, GameDate) {
        let y = self.start_year;
        (
            GameDate(Date::constant(y, 8, 1)),
            GameDate(Date::constant(y + 1, 7, 31)),
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
