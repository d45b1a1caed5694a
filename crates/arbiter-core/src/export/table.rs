//! An export as a table: Parquet, CSV or JSON Lines, one column per field of [`Row`] (the
//! posterior columns only in `dawid-skene` mode, the split only when asked, the text only for
//! text items).

use super::{Format, Row};
use crate::destination;
use crate::error::Result;

/// Write the table into the staged temporary (renamed into place by the caller).
pub(super) fn write_table(
    rows: &[Row],
    texts: bool,
    format: Format,
    staged: &destination::Staged,
) -> Result<()> {
    use polars::prelude::*;
    let s = |f: &dyn Fn(&Row) -> Option<&str>| rows.iter().map(f).collect::<Vec<_>>();
    let mut columns = vec![
        Column::new(
            "item_id".into(),
            rows.iter().map(|r| r.item_id.as_str()).collect::<Vec<_>>(),
        ),
        Column::new("path".into(), s(&|r| r.path.as_deref())),
        Column::new("given_label".into(), s(&|r| r.given_label.as_deref())),
        Column::new("predicted".into(), s(&|r| r.predicted.as_deref())),
        Column::new(
            "confidence".into(),
            rows.iter().map(|r| r.confidence).collect::<Vec<_>>(),
        ),
        Column::new("final_label".into(), s(&|r| r.final_label.as_deref())),
        Column::new(
            "status".into(),
            rows.iter().map(|r| r.status).collect::<Vec<_>>(),
        ),
        Column::new("rule".into(), s(&|r| r.rule)),
        Column::new("deciders".into(), s(&|r| r.deciders.as_deref())),
        Column::new("reasons".into(), s(&|r| r.reasons.as_deref())),
        Column::new("flags".into(), s(&|r| r.flags.as_deref())),
        Column::new(
            "annotations".into(),
            rows.iter().map(|r| r.annotations).collect::<Vec<_>>(),
        ),
        Column::new(
            "item_agreement".into(),
            rows.iter().map(|r| r.item_agreement).collect::<Vec<_>>(),
        ),
        Column::new(
            "first_annotated".into(),
            s(&|r| r.first_annotated.as_deref()),
        ),
        Column::new("last_annotated".into(), s(&|r| r.last_annotated.as_deref())),
        Column::new("label".into(), s(&|r| r.label.as_deref())),
        Column::new(
            "label_source".into(),
            rows.iter().map(|r| r.label_source).collect::<Vec<_>>(),
        ),
        Column::new("notes".into(), s(&|r| r.notes.as_deref())),
    ];
    // Text items carry their text, after the path.
    if texts {
        columns.insert(2, Column::new("text".into(), s(&|r| r.text.as_deref())));
    }
    // Decisions by annotator quality (`dawid-skene`) carry their posteriors.
    if rows.iter().any(|r| r.posteriors.is_some()) {
        columns.push(Column::new(
            "posterior".into(),
            rows.iter().map(|r| r.posterior).collect::<Vec<_>>(),
        ));
        columns.push(Column::new(
            "posteriors".into(),
            s(&|r| r.posteriors.as_deref()),
        ));
    }
    if rows.iter().any(|r| r.split.is_some()) {
        columns.push(Column::new("split".into(), s(&|r| r.split.as_deref())));
    }
    let mut df = DataFrame::new(rows.len(), columns)
        .map_err(|e| crate::table::build_err(staged.target(), e))?;
    let format = match format {
        Format::Csv => crate::table::TableFormat::Csv,
        Format::Jsonl => crate::table::TableFormat::Jsonl,
        _ => crate::table::TableFormat::Parquet,
    };
    crate::table::write_staged(&mut df, format, staged)
}
