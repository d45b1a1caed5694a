//! Agreement before and after each guideline version: the labels given between two changes of
//! the guidelines (a label's guideline text or its examples), each period's agreement computed
//! on its own ratings (each annotator's latest live label per item given within the period;
//! reviewers' overrides left out), nominal.

use std::collections::BTreeMap;

use rusqlite::Connection;
use serde::Serialize;

use super::agreement::{self, Rating};
use crate::error::Result;
use crate::identity::LabelDef;

/// One period between guideline changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuidelinePeriod {
    /// The schema version the period starts at (0: before any change).
    pub schema_version: i64,
    /// When the period starts (the change), null for the first; and when it ends.
    pub since: Option<String>,
    pub until: Option<String>,
    /// The labels whose guideline or examples changed at its start.
    pub changed: Vec<String>,
    pub ratings: usize,
    pub items: usize,
    pub krippendorff_alpha: Option<f64>,
    pub percent_agreement: Option<f64>,
}

/// The guideline changes, oldest first: (time, schema version after it, labels changed). A
/// label's first definition is not a change.
fn changes(conn: &Connection) -> Result<Vec<(String, i64, Vec<String>)>> {
    let mut stmt = conn.prepare(
        "SELECT key, value, at FROM setting_events
         WHERE (key >= 'label:' AND key < 'label;') OR (key >= 'reason:' AND key < 'reason;') OR key = 'ordinal_labels'
         ORDER BY at, uid",
    )?;
    let mut rows = stmt.query([])?;
    let mut seen: BTreeMap<String, (Option<String>, Vec<String>)> = BTreeMap::new();
    let mut out: Vec<(String, i64, Vec<String>)> = Vec::new();
    let mut version = 0i64;
    while let Some(r) = rows.next()? {
        version += 1;
        let key: String = r.get(0)?;
        let Some(name) = key.strip_prefix("label:") else {
            continue;
        };
        let text: String = r.get(1)?;
        let def: LabelDef = crate::store::from_json_column(&text, 1)?;
        let now = (def.guideline.clone(), def.examples.clone());
        let changed = seen.get(name).is_some_and(|before| *before != now);
        seen.insert(name.to_string(), now);
        if changed {
            let at: String = r.get(2)?;
            match out.last_mut() {
                // Several labels changed at the same moment: one change.
                Some(last) if last.0 == at => {
                    last.1 = version;
                    last.2.push(name.to_string());
                }
                _ => out.push((at, version, vec![name.to_string()])),
            }
        }
    }
    Ok(out)
}

/// The periods between guideline changes with their agreement; one period when the guidelines
/// never changed.
pub fn guideline_periods(conn: &Connection) -> Result<Vec<GuidelinePeriod>> {
    let changes = changes(conn)?;
    // Each label, oldest first, with its time.
    let mut stmt = conn.prepare(
        "SELECT i.ext_id, w.name, l.name, a.created_at FROM annotations a
         JOIN items i ON i.id = a.item_id JOIN annotators w ON w.id = a.annotator_id JOIN labels l ON l.id = a.label_id
         WHERE a.kind = 'label' AND a.source != 'override'
           AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id)
         ORDER BY a.created_at, a.uid",
    )?;
    let rows: Vec<(String, String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let bounds: Vec<Option<&str>> = std::iter::once(None)
        .chain(changes.iter().map(|c| Some(c.0.as_str())))
        .collect();
    let mut out = Vec::with_capacity(bounds.len());
    for (i, since) in bounds.iter().enumerate() {
        let until = changes.get(i).map(|c| c.0.as_str());
        // Each annotator's latest label per item within the period.
        let mut latest: BTreeMap<(&str, &str), &str> = BTreeMap::new();
        for (item, who, label, at) in &rows {
            let after = since.is_none_or(|s| at.as_str() >= s);
            let before = until.is_none_or(|u| at.as_str() < u);
            if after && before {
                latest.insert((item.as_str(), who.as_str()), label.as_str());
            }
        }
        let ratings: Vec<Rating> = latest
            .into_iter()
            .map(|((item, who), label)| Rating {
                item: item.into(),
                annotator: who.into(),
                label: label.into(),
            })
            .collect();
        let r = agreement::report_on(&ratings, &agreement::Scale::Nominal);
        let (version, changed) = match i {
            0 => (0, Vec::new()),
            _ => (changes[i - 1].1, changes[i - 1].2.clone()),
        };
        out.push(GuidelinePeriod {
            schema_version: version,
            since: since.map(str::to_string),
            until: until.map(str::to_string),
            changed,
            ratings: ratings.len(),
            items: r.items,
            krippendorff_alpha: r.krippendorff_alpha.nominal.value,
            percent_agreement: r.percent_agreement.value,
        });
    }
    Ok(out)
}
