//! Times as the store writes and compares them: RFC 3339 parsing (any offset) and UTC
//! formatting on the proleptic Gregorian calendar (Howard Hinnant's civil-date algorithms).
//! Every module that reads or writes a timestamp goes through here.

pub const DAY: i64 = 86_400;

/// SQL expression for "now" as RFC 3339 UTC with milliseconds — the form every stored time has.
pub(crate) const NOW_SQL: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/// Days since 1970-01-01 of a date (`days_from_civil`).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date (year, month, day) of a day counted from 1970-01-01 (`civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// An RFC 3339 time (`YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; `t` or a space for `T`) as
/// (unix seconds, milliseconds); a fraction beyond milliseconds is truncated. The error says
/// what is wrong, for messages that name the row.
pub fn parse(t: &str) -> Result<(i64, i64), &'static str> {
    let b = t.trim().as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = b.get(r)?;
        if s.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(s).ok()?.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return Err("expected YYYY-MM-DDTHH:MM:SS and an offset");
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return Err("expected T between the date and the time");
    }
    let bad = "expected YYYY-MM-DDTHH:MM:SS and an offset";
    let (year, month, day) = (
        digits(0..4).ok_or(bad)?,
        digits(5..7).ok_or(bad)?,
        digits(8..10).ok_or(bad)?,
    );
    let (hour, minute, second) = (
        digits(11..13).ok_or(bad)?,
        digits(14..16).ok_or(bad)?,
        digits(17..19).ok_or(bad)?,
    );
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return Err("a decimal point needs digits after it");
        }
        let fraction = &b[start..i];
        for k in 0..3 {
            millis = millis * 10 + fraction.get(k).map_or(0, |d| i64::from(d - b'0'));
        }
    }
    let offset_minutes = match &b[i..] {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hm = [*h1, *h2, *m1, *m2];
            if !hm.iter().all(u8::is_ascii_digit) {
                return Err("the offset must be ±HH:MM");
            }
            let h = i64::from(hm[0] - b'0') * 10 + i64::from(hm[1] - b'0');
            let m = i64::from(hm[2] - b'0') * 10 + i64::from(hm[3] - b'0');
            if h > 23 || m > 59 {
                return Err("the offset is out of range");
            }
            if *sign == b'+' {
                h * 60 + m
            } else {
                -(h * 60 + m)
            }
        }
        [] => return Err("no time zone: add Z or an offset such as +02:00"),
        _ => return Err("the offset must be Z or ±HH:MM"),
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&month) || day < 1 || day > month_days[(month - 1) as usize] {
        return Err("no such date");
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err("no such time of day");
    }
    let secs = days_from_civil(year, month, day) * DAY + hour * 3600 + minute * 60 + second
        - offset_minutes * 60;
    Ok((secs, millis))
}

/// `YYYY-MM-DDTHH:MM:SSZ` of unix seconds.
pub fn format_utc(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(DAY));
    let s = secs.rem_euclid(DAY);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// `YYYY-MM-DDTHH:MM:SS.fffZ` of unix seconds and milliseconds: the form the store writes
/// (`NOW_SQL`), so such times compare correctly as text.
pub fn format_utc_millis(secs: i64, millis: i64) -> String {
    let whole = format_utc(secs);
    format!("{}.{millis:03}Z", &whole[..whole.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip_and_match_known_days() {
        for (date, days) in [
            ((1970, 1, 1), 0),
            ((2000, 2, 29), 11_016),
            ((1969, 12, 31), -1),
            ((2026, 12, 1), 20_788),
        ] {
            assert_eq!(days_from_civil(date.0, date.1, date.2), days, "{date:?}");
            assert_eq!(civil_from_days(days), date);
        }
    }

    #[test]
    fn parses_offsets_to_utc_and_formats_back() {
        let (s, ms) = parse("2026-11-01 10:00:00.1234+02:00").expect("parse");
        assert_eq!(
            (format_utc(s), ms),
            ("2026-11-01T08:00:00Z".to_string(), 123)
        );
        assert_eq!(format_utc_millis(s, ms), "2026-11-01T08:00:00.123Z");
        assert!(parse("2026-02-30T00:00:00Z").is_err());
        assert!(parse("2026-11-01T10:00:00").is_err());
    }
}
