//! Metrics: inter-annotator agreement (pure functions over (item, annotator, label) triples),
//! model quality, the project report (progress, activity over time, annotators' pace and
//! accuracy against reviewer decisions) and the agreement history.

pub mod activity;
pub mod agreement;
pub mod gold;
pub mod periods;
pub mod quality;
pub mod target;

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;
use agreement::Rating;

/// The project's ratings for agreement: each annotator's latest live (not retracted) label per
/// item; reviewers' overrides are decisions, not independent ratings, and are left out.
pub fn project_ratings(project: &crate::Project, version_id: Option<i64>) -> Result<Vec<Rating>> {
    ratings_in(project.conn(), version_id)
}

/// [`project_ratings`] on a connection or transaction the core already holds.
pub(crate) fn ratings_in(conn: &Connection, version_id: Option<i64>) -> Result<Vec<Rating>> {
    let mut stmt = conn.prepare(
        "SELECT i.ext_id, w.name, l.name FROM annotations a
         JOIN items i ON i.id = a.item_id JOIN annotators w ON w.id = a.annotator_id JOIN labels l ON l.id = a.label_id
         WHERE a.kind = 'label' AND a.source != 'override' AND (?1 IS NULL OR i.version_id = ?1)
           AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id)
         ORDER BY a.created_at, a.uid",
    )?;
    let rows = stmt.query_map([version_id], |r| {
        Ok(Rating {
            item: r.get(0)?,
            annotator: r.get(1)?,
            label: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The project's agreement scale: [`agreement::Scale::Ordinal`] in the schema's label order
/// when the project marks its labels ordinal (`project.ordinal_labels`), else nominal.
pub fn project_scale(project: &crate::Project) -> Result<agreement::Scale> {
    project_scale_in(project.conn())
}

/// [`project_scale`] on a connection or transaction the core already holds.
pub(crate) fn project_scale_in(conn: &Connection) -> Result<agreement::Scale> {
    if !crate::schema::ordinal_in(conn)? {
        return Ok(agreement::Scale::Nominal);
    }
    Ok(agreement::Scale::Ordinal(
        crate::schema::labels_in(conn)?
            .into_iter()
            .map(|l| l.name)
            .collect(),
    ))
}

/// New ratings between two points of the agreement history: the history follows labeling
/// progress, not how often someone looks at the report.
pub const HISTORY_STEP: i64 = 25;

/// Record a computed agreement in the project's history when labeling has moved on: the
/// first time, then each time the ratings have changed by at least [`HISTORY_STEP`] since the
/// latest entry of the same scope (more views of the same state, or a few labels more, add
/// nothing).
pub fn record(
    project: &crate::Project,
    scope: &str,
    annotations: usize,
    report: &agreement::Report,
) -> Result<()> {
    if project.is_read_only() {
        // A project in a folder this user cannot write: its report is read, not recorded.
        return Ok(());
    }
    let conn = project.conn();
    let latest: Option<i64> = conn
        .query_row(
            "SELECT annotations FROM agreement_history WHERE scope = ?1 ORDER BY id DESC LIMIT 1",
            [scope],
            |r| r.get(0),
        )
        .optional()?;
    if latest.is_some_and(|l| (annotations as i64 - l).abs() < HISTORY_STEP) {
        return Ok(());
    }
    conn.execute(
        &format!("INSERT INTO agreement_history (at, scope, annotations, report) VALUES ({}, ?1, ?2, ?3)", crate::time::NOW_SQL),
        rusqlite::params![scope, annotations as i64, crate::store::json_text(report)?],
    )?;
    Ok(())
}

/// Ratings from a file of `item_id, annotator, label` (.csv or .jsonl), no project needed.
pub fn file_ratings(path: &std::path::Path) -> Result<Vec<Rating>> {
    let rows = crate::annotate::read_file(path)?;
    let mut problems = Vec::new();
    let csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    for (i, r) in rows.iter().enumerate() {
        if r.item_id.trim().is_empty() || r.annotator.trim().is_empty() || r.label.trim().is_empty()
        {
            problems.push(crate::error::Problem {
                row: Some(i + 1),
                line: Some(if csv { i + 2 } else { i + 1 }),
                message: "item_id, annotator and label must all be given".into(),
            });
        }
    }
    if !problems.is_empty() {
        return Err(crate::Error::InvalidAnnotations {
            path: path.to_path_buf(),
            problems,
        });
    }
    Ok(rows
        .into_iter()
        .map(|r| Rating {
            item: r.item_id.trim().into(),
            annotator: r.annotator.trim().into(),
            label: r.label.trim().into(),
        })
        .collect())
}

/// Labeling progress over the project.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ProgressSummary {
    pub items: u64,
    pub annotated: u64,
    pub decided: u64,
    pub conflicts: u64,
    pub pending: u64,
    pub annotations: u64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AnnotatorPace {
    pub annotator: String,
    pub role: crate::annotators::Role,
    pub labels: u64,
    pub last_hour: u64,
    /// Median seconds spent per labeled item (when the UI recorded it).
    pub median_seconds: Option<f64>,
    /// Agreement with the others' majority (from the agreement report).
    pub kappa_vs_others: Option<f64>,
    /// Accuracy against reviewer decisions: over the items a reviewer's override decided that
    /// this annotator labeled, the share whose label (the annotator's latest live one) equals
    /// the decided label, with a 95% Wilson interval. Not a gold standard: reviewers see
    /// mostly the hard and disputed items.
    pub vs_reviewers: quality::Estimate,
    /// Accuracy on gold items: over the gold items this annotator labeled, the share whose
    /// label (the latest live one) equals the answer, with a 95% Wilson interval.
    pub gold: quality::Estimate,
}

/// Everything `arbiter report` and the dashboard show.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProjectReport {
    pub progress: ProgressSummary,
    pub agreement: agreement::Report,
    pub model_quality: Option<quality::Quality>,
    /// Decided label → reason code → count.
    pub reasons_by_class:
        std::collections::BTreeMap<String, std::collections::BTreeMap<String, u64>>,
    pub annotators: Vec<AnnotatorPace>,
    /// Whether the schema marks the labels ordinal (the agreement's `scale` follows it).
    pub ordinal_labels: bool,
    /// Labels and decided items over time, from the annotation events' timestamps.
    pub activity: activity::Activity,
    /// The gold scores in full: per annotator, the confusion matrix and the items missed (the
    /// answers: for leads).
    pub gold: gold::Scores,
    /// The agreement target checked on `agreement` (null when no target is set).
    pub target: Option<target::Verdict>,
    /// The schema version (label definitions, guidelines, reasons: the same on every replica
    /// holding the same events) and the agreement before and after each guideline change.
    pub schema_version: i64,
    pub guideline_periods: Vec<periods::GuidelinePeriod>,
}

/// Build the project report (model quality for `run`, else the latest finished run), and
/// record its agreement in the project's history ([`record`]: once per state).
pub fn report(project: &crate::Project, run: Option<i64>) -> Result<ProjectReport> {
    let (report, history) = report_unrecorded(project, run)?;
    history.record(project)?;
    Ok(report)
}

/// An agreement the project's history may record ([`record`]; [`report`] does, once built).
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub scope: String,
    pub annotations: usize,
    pub agreement: agreement::Report,
}

impl HistoryEntry {
    /// Record it if labeling has moved on since the latest entry ([`record`]).
    pub fn record(&self, project: &crate::Project) -> Result<()> {
        record(project, &self.scope, self.annotations, &self.agreement)
    }
}

/// [`report`] without recording the agreement in the history: for a connection that only
/// reads (a served project's reader), which hands the entry to the writer.
pub fn report_unrecorded(
    project: &crate::Project,
    run: Option<i64>,
) -> Result<(ProjectReport, HistoryEntry)> {
    let conn = project.conn();
    let root = project.root();
    use std::collections::BTreeMap;
    let decisions = crate::decide::decisions_in(conn, None)?;
    let items: i64 = conn.query_row(
        "SELECT COALESCE(SUM(item_count), 0) FROM dataset_versions v WHERE v.version = (SELECT MAX(version) FROM dataset_versions w WHERE w.dataset_id = v.dataset_id)",
        [],
        |r| r.get(0),
    )?;
    let annotations: i64 = conn.query_row(
        // Undone labels are not labels given (the dashboard shows this beside per-annotator counts).
        "SELECT COUNT(*) FROM annotations a WHERE a.kind = 'label' AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id)",
        [],
        |r| r.get(0),
    )?;
    let count =
        |s: crate::decide::Status| decisions.iter().filter(|d| d.status == s).count() as u64;
    let progress = ProgressSummary {
        items: items as u64,
        annotated: decisions.len() as u64,
        decided: count(crate::decide::Status::Decided),
        conflicts: count(crate::decide::Status::Conflict),
        pending: count(crate::decide::Status::Pending),
        annotations: annotations as u64,
    };
    let ratings = project_ratings(project, None)?;
    let scale = project_scale_in(conn)?;
    let ordinal_labels = matches!(scale, agreement::Scale::Ordinal(_));
    let agreement =
        agreement::report_with_intervals(&ratings, &scale, target::RESAMPLES, target::SEED);
    let target = target::target_in(conn)?.map(|t| target::check(&t, &agreement));
    let run = match run {
        Some(r) => Some(r),
        None => conn
            .query_row(
                "SELECT id FROM runs WHERE status = 'done' ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?,
    };
    let model_quality = run.map(|r| quality::quality(conn, root, r)).transpose()?;
    let mut reasons_by_class: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    {
        let decided: std::collections::HashMap<i64, String> = decisions
            .iter()
            .filter_map(|d| Some((d.item, d.label.clone()?)))
            .collect();
        let mut stmt = conn.prepare(
            "SELECT a.item_id, r.code FROM annotations a JOIN reasons r ON r.id = a.reason_id
             WHERE NOT EXISTS (SELECT 1 FROM annotations x WHERE x.retracts = a.id)",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (item, code) = row?;
            let class = decided
                .get(&item)
                .cloned()
                .unwrap_or_else(|| "(undecided)".into());
            *reasons_by_class
                .entry(class)
                .or_default()
                .entry(code)
                .or_default() += 1;
        }
    }
    let vs_reviewers = accuracy_vs_reviewers(conn, &decisions)?;
    let gold = gold::scores_in(conn)?;
    let mut annotators = Vec::new();
    for a in crate::annotators::annotators_in(conn)? {
        let (last_hour, labels) = crate::review::pace_in(conn, &a.name)?;
        let mut secs: Vec<f64> = conn
            .prepare(
                "SELECT a.seconds FROM annotations a JOIN annotators w ON w.id = a.annotator_id
                 WHERE w.name = ?1 AND a.kind = 'label' AND a.seconds IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id)",
            )?
            .query_map([&a.name], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        secs.sort_by(f64::total_cmp);
        let median_seconds = (!secs.is_empty()).then(|| {
            let m = secs.len() / 2;
            if secs.len() % 2 == 1 {
                secs[m]
            } else {
                (secs[m - 1] + secs[m]) / 2.0
            }
        });
        let (correct, n) = vs_reviewers.get(&a.name).copied().unwrap_or((0, 0));
        annotators.push(AnnotatorPace {
            vs_reviewers: quality::Estimate::of(correct, n),
            gold: gold
                .annotators
                .iter()
                .find(|g| g.annotator == a.name)
                .map_or_else(|| quality::Estimate::of(0, 0), |g| g.estimate.clone()),
            kappa_vs_others: agreement
                .per_annotator
                .get(&a.name)
                .and_then(|x| x.kappa.value),
            annotator: a.name,
            role: a.role,
            labels,
            last_hour,
            median_seconds,
        });
    }
    let activity = activity::activity(conn, &decisions)?;
    // Recorded once the whole report is built: a report that fails records nothing.
    let history = HistoryEntry {
        scope: "project".into(),
        annotations: ratings.len(),
        agreement: agreement.clone(),
    };
    Ok((
        ProjectReport {
            progress,
            agreement,
            model_quality,
            reasons_by_class,
            annotators,
            ordinal_labels,
            activity,
            gold,
            target,
            schema_version: crate::schema::schema_version_in(conn)?,
            guideline_periods: periods::guideline_periods(conn)?,
        },
        history,
    ))
}

/// Per annotator: (labels equal to the decided label, items) over the items whose decision
/// is a reviewer's override, counting each annotator's latest live non-override label per item.
fn accuracy_vs_reviewers(
    conn: &Connection,
    decisions: &[crate::decide::Decision],
) -> Result<std::collections::HashMap<String, (usize, usize)>> {
    use std::collections::HashMap;
    let overridden: HashMap<i64, &str> = decisions
        .iter()
        .filter(|d| d.rule == Some(crate::decide::How::Override))
        .filter_map(|d| Some((d.item, d.label.as_deref()?)))
        .collect();
    let mut latest: HashMap<(i64, String), String> = HashMap::new();
    if !overridden.is_empty() {
        let mut stmt = conn.prepare(
            "SELECT a.item_id, w.name, l.name FROM annotations a
             JOIN annotators w ON w.id = a.annotator_id JOIN labels l ON l.id = a.label_id
             WHERE a.kind = 'label' AND a.source != 'override'
               AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id)
             ORDER BY a.created_at, a.uid",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (item, who, label) = row?;
            if overridden.contains_key(&item) {
                latest.insert((item, who), label);
            }
        }
    }
    let mut out: HashMap<String, (usize, usize)> = HashMap::new();
    for ((item, who), label) in latest {
        let e = out.entry(who).or_default();
        e.0 += usize::from(overridden[&item] == label);
        e.1 += 1;
    }
    Ok(out)
}

/// The recorded agreement history, oldest first: (time, scope, annotations, report JSON).
pub fn history(project: &crate::Project) -> Result<Vec<(String, String, i64, serde_json::Value)>> {
    let conn = project.conn();
    let mut stmt =
        conn.prepare("SELECT at, scope, annotations, report FROM agreement_history ORDER BY id")?;
    let rows = stmt.query_map([], |r| {
        let text: String = r.get(3)?;
        let report = crate::store::from_json_column(&text, 3)?;
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, report))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests;
