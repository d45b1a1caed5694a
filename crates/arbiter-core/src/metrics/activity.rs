//! Progress and throughput over time, from the annotation events' own timestamps (not from the
//! report history, which only has the moments someone looked).
//!
//! - **Buckets** are UTC and contiguous from the one holding the first event to the one holding
//!   the last (empty buckets included, so a gap shows as zero). Their size follows the span
//!   between the first and the last event: up to 2 days → `hour`; up to 90 days → `day`; longer
//!   → `week` (weeks start on Monday 00:00 UTC). That keeps a chart at ≤ 49 hourly, ≤ 91 daily
//!   or a few dozen weekly bars.
//! - **labels**: label events per bucket (overall and per annotator, reviewers' overrides
//!   included), undone (retracted) labels left out — the same count as the report's
//!   `progress.annotations`.
//! - **decided**: items decided by the end of each bucket, cumulative, by the time of the event
//!   their *current* decision rests on (`Decision::decided_at`). An item that was decided and
//!   later fell into conflict is not counted at all: the curve is today's decisions, dated.
//!
//! Timestamps are RFC 3339 (`2026-11-22T09:30:00.123Z`, or with a `±hh:mm` offset from an
//! import); one that cannot be read is skipped and counted in `skipped`.

use std::collections::BTreeMap;

use rusqlite::Connection;
use serde::Serialize;

use crate::decide::{Decision, Status};
use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activity {
    /// `hour`, `day` or `week`; `None` when there is no event.
    pub bucket: Option<Bucket>,
    /// Each bucket's start, RFC 3339 UTC (`2026-11-22T09:00:00Z`), oldest first.
    pub starts: Vec<String>,
    /// Labels given in each bucket.
    pub labels: Vec<u64>,
    /// Per annotator: labels given in each bucket (same length as `starts`).
    pub per_annotator: BTreeMap<String, Vec<u64>>,
    /// Items decided by the end of each bucket (cumulative).
    pub decided: Vec<u64>,
    /// Events or decisions whose timestamp could not be read.
    pub skipped: u64,
}

const HOUR: i64 = 3600;
const DAY: i64 = crate::time::DAY;
const WEEK: i64 = 7 * DAY;

/// The bucket size for events spanning `span` seconds.
pub fn bucket_for(span: i64) -> (Bucket, i64) {
    if span <= 2 * DAY {
        (Bucket::Hour, HOUR)
    } else if span <= 90 * DAY {
        (Bucket::Day, DAY)
    } else {
        (Bucket::Week, WEEK)
    }
}

/// The size of an activity bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Bucket {
    Hour,
    Day,
    Week,
}

impl Bucket {
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Hour => "hour",
            Bucket::Day => "day",
            Bucket::Week => "week",
        }
    }
}

impl std::str::FromStr for Bucket {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Bucket> {
        match s {
            "hour" => Ok(Bucket::Hour),
            "day" => Ok(Bucket::Day),
            "week" => Ok(Bucket::Week),
            o => Err(crate::Error::InvalidArgument(format!(
                "bucket {o:?}: use hour, day or week"
            ))),
        }
    }
}

/// Start of the bucket of size `size` holding `t` (unix seconds); weeks start on Monday
/// (1970-01-01 was a Thursday, so Monday-aligned weeks are offset by 4 days).
fn bucket_start(t: i64, size: i64) -> i64 {
    let offset = if size == WEEK { 4 * DAY } else { 0 };
    (t - offset).div_euclid(size) * size + offset
}

/// Unix seconds of an RFC 3339 time ([`crate::time::parse`]), fractions dropped.
pub fn parse_time(s: &str) -> Option<i64> {
    crate::time::parse(s).ok().map(|(secs, _)| secs)
}

/// RFC 3339 UTC of unix seconds: `2026-11-22T09:00:00Z`.
pub fn format_time(t: i64) -> String {
    crate::time::format_utc(t)
}

/// Bucket (annotator, time) label events and decision times; pure, for tests.
pub fn bucketize(events: &[(String, i64)], decided_at: &[i64], skipped: u64) -> Activity {
    let times = events.iter().map(|e| e.1).chain(decided_at.iter().copied());
    let (Some(first), Some(last)) = (times.clone().min(), times.max()) else {
        return Activity {
            bucket: None,
            starts: vec![],
            labels: vec![],
            per_annotator: BTreeMap::new(),
            decided: vec![],
            skipped,
        };
    };
    let (name, size) = bucket_for(last - first);
    let origin = bucket_start(first, size);
    let n = ((bucket_start(last, size) - origin) / size + 1) as usize;
    let index = |t: i64| ((bucket_start(t, size) - origin) / size) as usize;
    let mut labels = vec![0u64; n];
    let mut per_annotator: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for (who, t) in events {
        let i = index(*t);
        labels[i] += 1;
        per_annotator
            .entry(who.clone())
            .or_insert_with(|| vec![0; n])[i] += 1;
    }
    let mut decided = vec![0u64; n];
    for t in decided_at {
        decided[index(*t)] += 1;
    }
    for i in 1..n {
        decided[i] += decided[i - 1];
    }
    Activity {
        bucket: Some(name),
        starts: (0..n)
            .map(|i| format_time(origin + i as i64 * size))
            .collect(),
        labels,
        per_annotator,
        decided,
        skipped,
    }
}

/// The project's activity over time (see the module docs).
pub(crate) fn activity(conn: &Connection, decisions: &[Decision]) -> Result<Activity> {
    let mut stmt = conn.prepare(
        "SELECT w.name, a.created_at FROM annotations a JOIN annotators w ON w.id = a.annotator_id
         WHERE a.kind = 'label' AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id)",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut skipped = 0u64;
    let mut events = Vec::new();
    for row in rows {
        let (who, at) = row?;
        match parse_time(&at) {
            Some(t) => events.push((who, t)),
            None => skipped += 1,
        }
    }
    let mut decided_at = Vec::new();
    for d in decisions.iter().filter(|d| d.status == Status::Decided) {
        match d.decided_at.as_deref().and_then(parse_time) {
            Some(t) => decided_at.push(t),
            None => skipped += 1,
        }
    }
    Ok(bucketize(&events, &decided_at, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_and_format_round_trip() {
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_time("2000-03-01T00:00:00.5Z"), Some(951_868_800));
        assert_eq!(
            parse_time("2026-11-22T11:30:00+02:00"),
            parse_time("2026-11-22T09:30:00Z")
        );
        assert_eq!(
            parse_time("2026-11-22T09:30:00-01:30"),
            parse_time("2026-11-22T11:00:00Z")
        );
        for bad in [
            "",
            "2026-11-22",
            "2026-13-01T00:00:00Z",
            "2026-11-22T09:30:00",
            "x",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
        for t in [0, 951_868_800, 1_795_000_000, -86_400] {
            assert_eq!(parse_time(&format_time(t)), Some(t));
        }
        assert_eq!(format_time(1_795_000_000), "2026-11-18T11:06:40Z");
    }

    #[test]
    fn bucket_size_follows_the_span() {
        assert_eq!(bucket_for(0).0.as_str(), "hour");
        assert_eq!(bucket_for(2 * DAY).0.as_str(), "hour");
        assert_eq!(bucket_for(2 * DAY + 1).0.as_str(), "day");
        assert_eq!(bucket_for(90 * DAY).0.as_str(), "day");
        assert_eq!(bucket_for(90 * DAY + 1).0.as_str(), "week");
        // Weeks start on Monday: 2026-11-16 is a Monday.
        let monday = parse_time("2026-11-16T00:00:00Z").expect("t");
        let sunday_night = parse_time("2026-11-22T23:59:59Z").expect("t");
        assert_eq!(bucket_start(sunday_night, WEEK), monday);
        assert_eq!(bucket_start(monday, WEEK), monday);
    }

    #[test]
    fn labels_per_bucket_and_cumulative_decisions() {
        let t = |s: &str| parse_time(s).expect(s);
        let ev = |who: &str, s: &str| (who.to_string(), t(s));
        let events = [
            ev("ana", "2026-11-22T09:05:00Z"),
            ev("ana", "2026-11-22T09:55:00Z"),
            ev("ben", "2026-11-22T09:30:00Z"),
            ev("ben", "2026-11-22T12:00:00Z"),
        ];
        let decided = [t("2026-11-22T09:55:00Z"), t("2026-11-22T12:00:00Z")];
        let a = bucketize(&events, &decided, 1);
        assert_eq!(a.bucket.map(Bucket::as_str), Some("hour"));
        assert_eq!(
            a.starts,
            [
                "2026-11-22T09:00:00Z",
                "2026-11-22T10:00:00Z",
                "2026-11-22T11:00:00Z",
                "2026-11-22T12:00:00Z"
            ]
        );
        assert_eq!(a.labels, [3, 0, 0, 1]);
        assert_eq!(a.per_annotator["ana"], [2, 0, 0, 0]);
        assert_eq!(a.per_annotator["ben"], [1, 0, 0, 1]);
        assert_eq!(a.decided, [1, 1, 1, 2]);
        assert_eq!(a.skipped, 1);
        // Ten days: daily buckets.
        let long = bucketize(
            &[
                ev("ana", "2026-11-01T23:00:00Z"),
                ev("ana", "2026-11-11T01:00:00Z"),
            ],
            &[],
            0,
        );
        assert_eq!(long.bucket.map(Bucket::as_str), Some("day"));
        assert_eq!(long.starts.len(), 11);
        assert_eq!(long.starts[0], "2026-11-01T00:00:00Z");
        assert_eq!(long.labels.iter().sum::<u64>(), 2);
        assert_eq!(bucketize(&[], &[], 0).bucket, None);
    }
}
