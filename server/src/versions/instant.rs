//! Instants as operators write and read them: in the rules' business-day zone
//! (`2027-02-10 00:00 UTC+8`), or RFC 3339 (`2027-02-10T00:00:00+08:00`, `…Z`).

use zailai::day::{civil_from_days, days_from_civil, Date};

const MINUTE: i64 = 60_000;
const DAY: i64 = 86_400_000;

/// `UTC+8`, `UTC-3:30`, `UTC`.
fn zone(offset_minutes: i32) -> String {
    let (sign, m) = if offset_minutes < 0 {
        ('-', -offset_minutes)
    } else {
        ('+', offset_minutes)
    };
    match (m / 60, m % 60) {
        (0, 0) => "UTC".to_owned(),
        (h, 0) => format!("UTC{sign}{h}"),
        (h, mm) => format!("UTC{sign}{h}:{mm:02}"),
    }
}

/// `ms` in the zone `offset_minutes` east of UTC: `2027-02-10 00:00 UTC+8` (seconds are shown
/// only when not zero).
pub fn format(ms: i64, offset_minutes: i32) -> String {
    let local = ms + i64::from(offset_minutes) * MINUTE;
    let day = local.div_euclid(DAY);
    let in_day = local.rem_euclid(DAY);
    let date = civil_from_days(day as zailai::Day);
    let (h, m, s) = (in_day / 3_600_000, in_day / MINUTE % 60, in_day / 1000 % 60);
    let ms_part = in_day % 1000;
    let time = match (s, ms_part) {
        (0, 0) => format!("{h:02}:{m:02}"),
        (_, 0) => format!("{h:02}:{m:02}:{s:02}"),
        _ => format!("{h:02}:{m:02}:{s:02}.{ms_part:03}"),
    };
    format!(
        "{:04}-{:02}-{:02} {time} {}",
        date.year,
        date.month,
        date.day,
        zone(offset_minutes)
    )
}

/// `HH:MM` or `HH:MM:SS` → ms in the day.
fn time_of_day(s: &str) -> Option<i64> {
    let parts: Vec<&str> = s.split(':').collect();
    let num = |p: &str, max: i64| {
        (p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<i64>().ok())
            .flatten()
            .filter(|n| *n <= max)
    };
    let (h, m, sec) = match parts.as_slice() {
        [h, m] => (num(h, 23)?, num(m, 59)?, 0),
        [h, m, s] => (num(h, 23)?, num(m, 59)?, num(s, 59)?),
        _ => return None,
    };
    Some(((h * 60 + m) * 60 + sec) * 1000)
}

/// `UTC`, `UTC+8`, `UTC-3:30` → minutes east of UTC.
fn parse_zone(s: &str) -> Option<i32> {
    let rest = s.strip_prefix("UTC")?;
    if rest.is_empty() {
        return Some(0);
    }
    let (sign, rest) = match rest.as_bytes()[0] {
        b'+' => (1, &rest[1..]),
        b'-' => (-1, &rest[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 14 && m < 60 && !rest.is_empty()).then_some(sign * (h * 60 + m))
}

/// `+08:00`, `-03:30`, `Z` → minutes east of UTC.
fn parse_rfc_offset(s: &str) -> Option<i32> {
    if s == "Z" || s == "z" {
        return Some(0);
    }
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (h, m) = s[1..].split_once(':')?;
    let ok = |p: &str| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit());
    if !ok(h) || !ok(m) {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 14 && m < 60).then_some(sign * (h * 60 + m))
}

fn instant(date: Date, in_day: i64, offset: i32) -> i64 {
    i64::from(days_from_civil(date.year, date.month, date.day)) * DAY + in_day
        - i64::from(offset) * MINUTE
}

/// Reads `2027-02-10 00:00 UTC+8` (the zone as `format` writes it) or RFC 3339
/// (`2027-02-10T00:00:00+08:00`, `2027-02-10T00:00:00Z`) as unix ms.
pub fn parse(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let bad = || {
        format!(
            "`{s}` is not an instant: write `2027-02-10 00:00 UTC+8` (the rules' zone) or RFC \
             3339 `2027-02-10T00:00:00+08:00`"
        )
    };
    let words: Vec<&str> = s.split(' ').collect();
    if let [date, time, zone] = words.as_slice() {
        let date = Date::parse(date).ok_or_else(bad)?;
        let t = time_of_day(time).ok_or_else(bad)?;
        let offset = parse_zone(zone).ok_or_else(bad)?;
        return Ok(instant(date, t, offset));
    }
    let (date, rest) = s.split_once(['T', 't']).ok_or_else(bad)?;
    let date = Date::parse(date).ok_or_else(bad)?;
    let split = rest.find(['Z', 'z', '+', '-']).ok_or_else(bad)?;
    let (time, offset) = rest.split_at(split);
    let (time, frac) = time.split_once('.').unwrap_or((time, ""));
    let frac_ms = match frac.len() {
        0 => 0,
        1..=9 if frac.bytes().all(|b| b.is_ascii_digit()) => format!("{frac:0<3}")[..3]
            .parse::<i64>()
            .map_err(|_| bad())?,
        _ => return Err(bad()),
    };
    if time.len() != 8 {
        return Err(bad());
    }
    let t = time_of_day(time).ok_or_else(bad)?;
    let offset = parse_rfc_offset(offset).ok_or_else(bad)?;
    Ok(instant(date, t + frac_ms, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2027-02-10 00:00 in Beijing is 2027-02-09 16:00 UTC.
    const NEW_YEAR_EVE_BJ: i64 = 1_802_217_600_000 - 8 * 3_600_000;

    #[test]
    fn the_rules_zone_reads_back_what_it_writes() {
        assert_eq!(format(NEW_YEAR_EVE_BJ, 480), "2027-02-10 00:00 UTC+8");
        assert_eq!(parse("2027-02-10 00:00 UTC+8"), Ok(NEW_YEAR_EVE_BJ));
        assert_eq!(format(NEW_YEAR_EVE_BJ, 0), "2027-02-09 16:00 UTC");
        assert_eq!(
            format(NEW_YEAR_EVE_BJ + 1_500, -210),
            "2027-02-09 12:30:01.500 UTC-3:30"
        );
        for ms in [NEW_YEAR_EVE_BJ, NEW_YEAR_EVE_BJ + 61_000, 86_400_000] {
            for zone in [480, 0, -210, 345] {
                let shown = format(ms, zone);
                if !shown.contains('.') {
                    assert_eq!(parse(&shown), Ok(ms), "{shown}");
                }
            }
        }
    }

    #[test]
    fn rfc_3339_is_read() {
        assert_eq!(parse("2027-02-10T00:00:00+08:00"), Ok(NEW_YEAR_EVE_BJ));
        assert_eq!(parse("2027-02-09T16:00:00Z"), Ok(NEW_YEAR_EVE_BJ));
        assert_eq!(parse("2027-02-09T16:00:00.25Z"), Ok(NEW_YEAR_EVE_BJ + 250));
        assert_eq!(parse("2027-02-09T12:30:00-03:30"), Ok(NEW_YEAR_EVE_BJ));
    }

    #[test]
    fn anything_else_is_refused_with_the_forms_it_takes() {
        for bad in [
            "2027-02-10",
            "2027-02-10 00:00",
            "2027-02-10 24:00 UTC+8",
            "2027-02-30 00:00 UTC+8",
            "2027-02-10 00:00 CST",
            "2027-02-10T00:00+08:00",
            "2027-02-10T00:00:00",
            "2027-02-10T00:00:00+8",
            "tomorrow",
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.contains("UTC+8") && e.contains("RFC"), "{bad}: {e}");
        }
    }
}
