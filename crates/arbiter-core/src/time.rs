//! Times as the store writes and compares them: RFC 3339 parsing (any offset) to UTC and UTC
//! formatting, with `jiff` doing the calendar and the offsets. Every module that reads or
//! writes a timestamp goes through here.

pub const DAY: i64 = 86_400;

/// SQL expression for "now" as RFC 3339 UTC with milliseconds — the form every stored time has.
pub(crate) const NOW_SQL: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/// An RFC 3339 time (`YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; `t` or a space for `T`) as
/// (unix seconds, milliseconds); a fraction beyond milliseconds is truncated. The error says
/// what is wrong, for messages that name the row.
pub fn parse(t: &str) -> Result<(i64, i64), &'static str> {
    let t = t.trim();
    let b = t.as_bytes();
    // The shape first, so the common mistakes get their own words; jiff checks the rest.
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return Err("expected YYYY-MM-DDTHH:MM:SS and an offset");
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return Err("expected T between the date and the time");
    }
    let zone = t[19..].trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    if zone.is_empty() {
        return Err("no time zone: add Z or an offset such as +02:00");
    }
    if !(zone.eq_ignore_ascii_case("z")
        || (zone.len() == 6
            && matches!(zone.as_bytes()[0], b'+' | b'-')
            && zone.as_bytes()[3] == b':'))
    {
        return Err("the offset must be Z or ±HH:MM");
    }
    let iso = format!("{}T{}", &t[..10], &t[11..]);
    let ts: jiff::Timestamp = iso
        .parse()
        .map_err(|_| "no such date or time of day, or an offset out of range")?;
    // Milliseconds rounded down (toward the past), also before 1970.
    let ms = i64::try_from(ts.as_nanosecond().div_euclid(1_000_000))
        .map_err(|_| "the time is out of range")?;
    Ok((ms.div_euclid(1000), ms.rem_euclid(1000)))
}

fn timestamp(secs: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(secs).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// The UTC year of unix seconds.
pub fn year_utc(secs: i64) -> i64 {
    i64::from(timestamp(secs).to_zoned(jiff::tz::TimeZone::UTC).year())
}

/// Now, as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn now_utc() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// `YYYY-MM-DDTHH:MM:SSZ` of unix seconds.
pub fn format_utc(secs: i64) -> String {
    timestamp(secs).strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
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
    fn parses_offsets_to_utc_and_formats_back() {
        let (s, ms) = parse("2026-11-01 10:00:00.1234+02:00").expect("parse");
        assert_eq!(
            (format_utc(s), ms),
            ("2026-11-01T08:00:00Z".to_string(), 123)
        );
        assert_eq!(format_utc_millis(s, ms), "2026-11-01T08:00:00.123Z");
        assert!(parse("2026-02-30T00:00:00Z").is_err());
        assert_eq!(
            parse("2026-11-01T10:00:00"),
            Err("no time zone: add Z or an offset such as +02:00")
        );
        // Known days, before and after 1970, and a leap day.
        for (t, secs) in [
            ("1970-01-01T00:00:00Z", 0),
            ("2000-02-29T00:00:00Z", 11_016 * DAY),
            ("1969-12-31T00:00:00Z", -DAY),
            ("2026-12-01T00:00:00Z", 20_788 * DAY),
        ] {
            assert_eq!(parse(t), Ok((secs, 0)), "{t}");
            assert_eq!(format_utc(secs), t);
        }
        assert_eq!(parse("1969-12-31T23:59:59.9995Z"), Ok((-1, 999)));
        assert_eq!(
            year_utc(parse("2026-01-01T01:00:00+02:00").expect("p").0),
            2025
        );
    }
}
