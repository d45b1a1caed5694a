//! Tables Arbiter writes for users (the corrected dataset, predictions, annotation events):
//! one format choice and one writer, through a checked, staged destination
//! ([`crate::destination`]) so a refused or failed write leaves nothing behind.

use std::path::Path;

use polars::prelude::*;

use crate::destination::{self, Staged};
use crate::error::{Error, Result};
use crate::store::Project;

/// A table file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Parquet,
    Csv,
    Jsonl,
}

impl TableFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            TableFormat::Parquet => "parquet",
            TableFormat::Csv => "csv",
            TableFormat::Jsonl => "jsonl",
        }
    }

    /// The format a file name asks for (`.parquet`, `.csv`, `.jsonl`/`.ndjson`), if any.
    pub fn of_path(path: &Path) -> Option<TableFormat> {
        let ext = path.extension()?.to_string_lossy().to_lowercase();
        match ext.as_str() {
            "parquet" | "pq" => Some(TableFormat::Parquet),
            "csv" => Some(TableFormat::Csv),
            "jsonl" | "ndjson" => Some(TableFormat::Jsonl),
            _ => None,
        }
    }

    /// [`TableFormat::of_path`], refusing other names with the formats `allowed`.
    pub fn from_path(path: &Path, allowed: &[TableFormat]) -> Result<TableFormat> {
        match TableFormat::of_path(path).filter(|f| allowed.contains(f)) {
            Some(f) => Ok(f),
            None => {
                let names: Vec<String> =
                    allowed.iter().map(|f| format!(".{}", f.as_str())).collect();
                let listed = match names.split_last() {
                    Some((last, [])) => last.clone(),
                    Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                    None => String::new(),
                };
                Err(Error::InvalidArgument(format!(
                    "{}: use a {listed} file name; nothing was written",
                    path.display()
                )))
            }
        }
    }
}

/// Write `df` as `format` into a staged file (the caller commits it).
pub fn write_staged(df: &mut DataFrame, format: TableFormat, staged: &Staged) -> Result<()> {
    let file = staged.file()?;
    let written = match format {
        TableFormat::Csv => CsvWriter::new(file).finish(df),
        TableFormat::Parquet => ParquetWriter::new(file).finish(df).map(|_| ()),
        TableFormat::Jsonl => JsonWriter::new(file)
            .with_json_format(JsonFormat::JsonLines)
            .finish(df),
    };
    written.map_err(|e| destination::write_err(staged.target(), io_error(e)))
}

/// A table that could not be assembled for writing to `out`: a failed write of `out` (the
/// columns are built by Arbiter, so this is never the user's input).
pub(crate) fn build_err(out: &Path, e: PolarsError) -> Error {
    destination::write_err(
        out,
        std::io::Error::other(format!("building the table: {e}")),
    )
}

/// Polars' error as an I/O error, keeping the kind of the one underneath (a full disk stays a
/// full disk, so the message says so).
fn io_error(e: PolarsError) -> std::io::Error {
    match e {
        PolarsError::IO { error, .. } => std::io::Error::new(error.kind(), error.to_string()),
        other => std::io::Error::other(other.to_string()),
    }
}

/// Write `df` to `out` in the format its name asks for (one of `allowed`): the destination
/// checked for `project`, written to a temporary and renamed into place. Returns the format.
pub fn write(
    project: Option<&Project>,
    df: &mut DataFrame,
    out: &Path,
    allowed: &[TableFormat],
) -> Result<TableFormat> {
    let format = TableFormat::from_path(out, allowed)?;
    let example = format!("table.{}", format.as_str());
    let staged = Staged::begin(project, out, destination::Kind::File, &example)?;
    write_staged(df, format, &staged)?;
    staged.commit()?;
    Ok(format)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn a_full_disk_under_polars_is_reported_as_a_full_disk() {
        let e = PolarsError::IO {
            error: std::sync::Arc::new(std::io::Error::from(std::io::ErrorKind::StorageFull)),
            msg: None,
        };
        let err = destination::write_err(Path::new("out.csv"), io_error(e));
        assert_eq!(err.code(), ErrorCode::Io);
        assert!(err.to_string().contains("the disk is full"), "{err}");
    }

    #[test]
    fn a_table_that_cannot_be_built_is_a_failed_write_not_bad_input() {
        let e = DataFrame::new(
            2,
            vec![
                Column::new("a".into(), [1i64, 2]),
                Column::new("b".into(), [1i64]),
            ],
        )
        .expect_err("columns of different lengths");
        let err = build_err(Path::new("out.csv"), e);
        assert_eq!(err.code(), ErrorCode::Io);
        let text = err.to_string();
        assert!(
            text.starts_with("out.csv: ") && text.contains("building the table"),
            "{text}"
        );
    }
}
