//! Business days: civil dates in the program's configured zone.
//!
//! A `Day` is the number of days since 1970-01-01 of the *business* calendar: the epoch
//! milliseconds are shifted by the configured UTC offset and day-start hour, then floored.
//! The civil-date arithmetic (days ↔ dates, month lengths, adding months) is chrono's
//! `NaiveDate`, without its clock: time still comes from the caller.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

const MS_PER_DAY: i64 = 86_400_000;

/// Days since 1970-01-01 in the business calendar.
pub type Day = i32;

/// A calendar month as `year * 12 + (month - 1)`, so months compare and subtract simply.
pub type MonthIndex = i32;

/// Earliest and latest years accepted anywhere a date is parsed or computed.
pub const MIN_YEAR: i32 = 1970;
pub const MAX_YEAR: i32 = 9999;

/// A civil date (`YYYY-MM-DD` in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

/// The business-day clock: which civil day an instant belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusinessClock {
    /// Offset from UTC in minutes (UTC+8 is 480).
    pub utc_offset_minutes: i32,
    /// Hour (0–23) at which a business day starts, in the configured zone.
    pub day_start_hour: u8,
}

impl BusinessClock {
    /// The business day of `now` (epoch milliseconds).
    pub fn day_of(&self, now_ms: i64) -> Day {
        let shift = i64::from(self.utc_offset_minutes) * 60_000
            - i64::from(self.day_start_hour) * 3_600_000;
        let local = now_ms.saturating_add(shift);
        // Clamp into the supported range so arithmetic on days never overflows.
        let days = local.div_euclid(MS_PER_DAY);
        days.clamp(i64::from(MIN_DAY), i64::from(MAX_DAY)) as Day
    }

    /// The epoch milliseconds at which business day `day` starts.
    pub fn start_of(&self, day: Day) -> i64 {
        let shift = i64::from(self.utc_offset_minutes) * 60_000
            - i64::from(self.day_start_hour) * 3_600_000;
        i64::from(day) * MS_PER_DAY - shift
    }
}

/// 1970-01-01.
pub const MIN_DAY: Day = 0;
/// 9999-12-31.
pub const MAX_DAY: Day = 2_932_896;

/// 1970-01-01 counted as chrono counts days from the common era (0001-01-01 is day 1).
const UNIX_EPOCH_FROM_CE: i32 = 719_163;

/// The first of a month; `y` within 1970–9999 and `m` within 1–12, which chrono always holds.
fn first_of(y: i32, m: u8) -> NaiveDate {
    NaiveDate::from_ymd_opt(y.clamp(MIN_YEAR, MAX_YEAR), u32::from(m.clamp(1, 12)), 1)
        .unwrap_or_default()
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian). Inputs are clamped into
/// 1970–9999, months 1–12 and days 1–31 (a day past the month's end runs into the next
/// month); use [`Date::new`] to reject impossible dates.
pub fn days_from_civil(y: i32, m: u8, d: u8) -> Day {
    first_of(y, m).num_days_from_ce() - UNIX_EPOCH_FROM_CE + i32::from(d.clamp(1, 31)) - 1
}

/// A day number as chrono's date, clamped into 1970-01-01 … 9999-12-31.
fn naive(z: Day) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(z.clamp(MIN_DAY, MAX_DAY) + UNIX_EPOCH_FROM_CE)
        .unwrap_or_default()
}

/// The civil date of a day number, clamped into 1970-01-01 … 9999-12-31.
pub fn civil_from_days(z: Day) -> Date {
    let date = naive(z);
    Date {
        year: date.year(),
        month: date.month() as u8,
        day: date.day() as u8,
    }
}

pub fn is_leap(y: i32) -> bool {
    NaiveDate::from_ymd_opt(y, 2, 29).is_some()
}

pub fn days_in_month(y: i32, m: u8) -> u8 {
    let first = first_of(y, m);
    match first.checked_add_months(Months::new(1)) {
        Some(next) => (next - first).num_days() as u8,
        None => 31, // December 9999: the next month is outside chrono's calendar here
    }
}

/// Monday = 0 … Sunday = 6.
pub fn weekday(day: Day) -> u8 {
    // 1970-01-01 was a Thursday (3). Plain arithmetic, so days before 1970 (a grid's leading
    // cells) have their weekday too.
    ((i64::from(day) + 3).rem_euclid(7)) as u8
}

/// Column of `day` in a week that starts on `first_weekday` (Sunday = 0, as in the rules):
/// 0 for the first day of the week … 6 for the last.
pub fn week_column(day: Day, first_weekday: u8) -> i32 {
    (i32::from(weekday(day)) + 1 - i32::from(first_weekday)).rem_euclid(7)
}

impl Date {
    /// A checked constructor: `None` for impossible dates or years outside 1970–9999.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return None;
        }
        NaiveDate::from_ymd_opt(year, u32::from(month), u32::from(day))?;
        Some(Date { year, month, day })
    }

    pub fn to_day(self) -> Day {
        days_from_civil(self.year, self.month, self.day)
    }

    pub fn from_day(day: Day) -> Date {
        civil_from_days(day)
    }

    pub fn month_index(self) -> MonthIndex {
        self.year * 12 + i32::from(self.month) - 1
    }

    /// The same day `months` later, clamped to the end of the target month
    /// (29 Feb + 12 months = 28 Feb).
    pub fn add_months(self, months: u32) -> Date {
        // At most to December 9999, the last month dates are computed in.
        let room = (MAX_YEAR * 12 + 11 - self.month_index()).max(0) as u32;
        NaiveDate::from_ymd_opt(self.year, u32::from(self.month), u32::from(self.day))
            .and_then(|d| d.checked_add_months(Months::new(months.min(room))))
            .map_or(self, |d| Date {
                year: d.year(),
                month: d.month() as u8,
                day: d.day() as u8,
            })
    }

    /// Parses `YYYY-MM-DD` strictly (four-digit year, two-digit month and day).
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<i32> {
            let part = s.get(r)?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        Date::new(num(0..4)?, num(5..7)? as u8, num(8..10)? as u8)
    }
}

/// Day number to `YYYY-MM-DD`.
pub fn format_day(day: Day) -> String {
    Date::from_day(day).to_string()
}

/// First and last day of a month index.
pub fn month_bounds(idx: MonthIndex) -> (Day, Day) {
    let year = idx.div_euclid(12);
    let month = (idx.rem_euclid(12) + 1) as u8;
    let first = days_from_civil(year, month, 1);
    (first, first + i32::from(days_in_month(year, month)) - 1)
}

pub fn month_of(day: Day) -> MonthIndex {
    Date::from_day(day).month_index()
}

impl Date {
    /// `YYYY-MM-DD` into a buffer, without the formatting machinery (views write thousands of
    /// dates; `write!` with padding is several times slower, in wasm above all). Years outside
    /// 0–9999 (clamped instants never make them) fall back to `Display`.
    pub(crate) fn ascii(self) -> Option<[u8; 10]> {
        let y = u32::try_from(self.year).ok().filter(|&y| y <= 9999)?;
        let digit = |n: u32| b'0' + (n % 10) as u8;
        let (m, d) = (u32::from(self.month), u32::from(self.day));
        Some([
            digit(y / 1000),
            digit(y / 100),
            digit(y / 10),
            digit(y),
            b'-',
            digit(m / 10),
            digit(m),
            b'-',
            digit(d / 10),
            digit(d),
        ])
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ascii() {
            // The buffer is ASCII digits and dashes.
            Some(b) => f.write_str(std::str::from_utf8(&b).unwrap_or_default()),
            None => write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day),
        }
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.ascii() {
            Some(b) => s.serialize_str(std::str::from_utf8(&b).unwrap_or_default()),
            None => s.collect_str(self),
        }
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{s}` is not a date: expected YYYY-MM-DD between 1970 and 9999"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UTC8: BusinessClock = BusinessClock {
        utc_offset_minutes: 480,
        day_start_hour: 0,
    };

    fn ms(y: i32, m: u8, d: u8, h: i64, min: i64, s: i64) -> i64 {
        // UTC instant of a wall-clock time in UTC+8.
        i64::from(days_from_civil(y, m, d)) * MS_PER_DAY + ((h - 8) * 3600 + min * 60 + s) * 1000
    }

    #[test]
    fn civil_round_trip_over_centuries() {
        for z in (MIN_DAY..MAX_DAY).step_by(97) {
            let d = civil_from_days(z);
            assert_eq!(days_from_civil(d.year, d.month, d.day), z);
            assert!(Date::new(d.year, d.month, d.day).is_some());
        }
    }

    #[test]
    fn midnight_edge_in_utc8() {
        let before = UTC8.day_of(ms(2026, 3, 1, 23, 59, 59));
        let after = UTC8.day_of(ms(2026, 3, 2, 0, 0, 0));
        assert_eq!(format_day(before), "2026-03-01");
        assert_eq!(format_day(after), "2026-03-02");
        assert_eq!(UTC8.start_of(after), ms(2026, 3, 2, 0, 0, 0));
    }

    #[test]
    fn four_am_day_start_keeps_late_night_in_previous_day() {
        let clock = BusinessClock {
            utc_offset_minutes: 480,
            day_start_hour: 4,
        };
        assert_eq!(
            format_day(clock.day_of(ms(2026, 5, 10, 3, 59, 59))),
            "2026-05-09"
        );
        assert_eq!(
            format_day(clock.day_of(ms(2026, 5, 10, 4, 0, 0))),
            "2026-05-10"
        );
        assert_eq!(
            clock.start_of(clock.day_of(ms(2026, 5, 10, 12, 0, 0))),
            ms(2026, 5, 10, 4, 0, 0)
        );
    }

    #[test]
    fn month_and_year_ends() {
        assert_eq!(
            format_day(UTC8.day_of(ms(2026, 12, 31, 23, 59, 59))),
            "2026-12-31"
        );
        assert_eq!(
            format_day(UTC8.day_of(ms(2027, 1, 1, 0, 0, 0))),
            "2027-01-01"
        );
        assert_eq!(
            format_day(UTC8.day_of(ms(2026, 4, 30, 23, 59, 59))),
            "2026-04-30"
        );
        // Midnight UTC is 08:00 in UTC+8: same business day.
        assert_eq!(
            format_day(UTC8.day_of(ms(2026, 4, 30, 8, 0, 0))),
            "2026-04-30"
        );
    }

    #[test]
    fn leap_day_and_clamped_expiry() {
        assert!(Date::parse("2028-02-29").is_some());
        assert!(Date::parse("2027-02-29").is_none());
        assert!(Date::parse("2100-02-29").is_none());
        assert!(Date::parse("2000-02-29").is_some());
        let leap = Date::parse("2028-02-29").unwrap();
        assert_eq!(leap.add_months(12).to_string(), "2029-02-28");
        assert_eq!(leap.add_months(48).to_string(), "2032-02-29");
        let jan31 = Date::parse("2026-01-31").unwrap();
        assert_eq!(jan31.add_months(1).to_string(), "2026-02-28");
    }

    #[test]
    fn parse_rejects_malformed() {
        for bad in [
            "2026-1-01",
            "2026/01/01",
            "20260101",
            "2026-13-01",
            "2026-00-10",
            "+026-01-01",
            "1969-12-31",
            "",
        ] {
            assert!(Date::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn known_day_numbers_and_days_past_a_months_end() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2026, 11, 24), 20_781);
        // A clamped day 31 of February runs into March, as the formula it replaced did.
        assert_eq!(days_from_civil(2026, 2, 31), days_from_civil(2026, 3, 3));
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(9999, 12), 31);
        assert_eq!(
            Date::new(9999, 12, 31).unwrap().add_months(5).to_string(),
            "9999-12-31"
        );
        assert_eq!(
            Date::new(9999, 10, 31).unwrap().add_months(1).to_string(),
            "9999-11-30"
        );
    }

    #[test]
    fn weekdays() {
        assert_eq!(weekday(days_from_civil(2026, 11, 24)), 1); // Tuesday
        assert_eq!(weekday(0), 3); // Thursday
    }

    #[test]
    fn extreme_days_and_dates_are_clamped_not_panicking() {
        assert_eq!(civil_from_days(i32::MIN).to_string(), "1970-01-01");
        assert_eq!(civil_from_days(i32::MAX).to_string(), "9999-12-31");
        assert_eq!(
            days_from_civil(i32::MAX, 255, 255),
            days_from_civil(9999, 12, 31)
        );
        assert_eq!(days_from_civil(9999, 12, 31), MAX_DAY);
    }

    #[test]
    fn extreme_instants_are_clamped_not_panicking() {
        assert_eq!(UTC8.day_of(i64::MIN), MIN_DAY);
        assert_eq!(UTC8.day_of(i64::MAX), MAX_DAY);
    }
}
