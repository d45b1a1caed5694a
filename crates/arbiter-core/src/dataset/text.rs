//! Text manifests read with a row and line for every problem: CSV/TSV files are checked for
//! structure before polars parses them (UTF-8 text, balanced quotes, the header's number of
//! fields on every row, no duplicate column names), and JSON Lines are parsed here, one object
//! per line. Every column is read as text first and typed afterwards (integer, float, boolean,
//! else text), so an id such as `007` or `9223372036854775808` stays exactly as written.

use std::collections::HashMap;
use std::path::Path;

use polars::prelude::*;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::error::{Error, Problem, Result};

/// Stop listing after this many problems (the message shows the first few anyway).
const MAX_PROBLEMS: usize = 1000;

fn read_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn invalid(path: &Path, problems: Vec<Problem>) -> Error {
    Error::InvalidSource {
        path: path.to_path_buf(),
        problems,
    }
}

/// Header names that appear more than once, as problems.
fn duplicate_names(names: &[String]) -> Vec<Problem> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut problems = Vec::new();
    for (i, n) in names.iter().enumerate() {
        if let Some(first) = seen.insert(n.as_str(), i) {
            problems.push(Problem::general(format!(
                "column {n:?} appears twice in the header (columns {} and {}); give every column its own name",
                first + 1,
                i + 1
            )));
        }
    }
    problems
}

/// Check a CSV (or TSV, `sep`) file's structure before it is parsed; returns the header.
/// Every problem names its row (the header not counted) and line.
pub fn check_csv(path: &Path, bytes: &[u8], sep: u8) -> Result<Vec<String>> {
    // One pass over the whole file first; rows are checked one by one only when it fails.
    let all_utf8 = std::str::from_utf8(bytes).is_ok();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sep)
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut problems: Vec<Problem> = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut header: Option<Vec<String>> = None;
    let mut row = 0usize;
    loop {
        let start = reader.position().byte() as usize;
        let line = reader.position().line() as usize;
        let more = reader
            .read_byte_record(&mut record)
            .map_err(|e| read_err(path, format!("not a readable CSV file: {e}")))?;
        if !more {
            break;
        }
        let end = reader.position().byte() as usize;
        let raw = &bytes[start.min(bytes.len())..end.min(bytes.len())];
        let at = |message: String| match row {
            0 => Problem {
                row: None,
                line: Some(line),
                message: format!("the header: {message}"),
            },
            r => Problem {
                row: Some(r),
                line: Some(line),
                message,
            },
        };
        if memchr_count(raw, b'"') % 2 == 1 {
            problems.push(at(
                "a quote (\") opens here and is never closed, so the rest of the file would be read as one field; close or remove it".into(),
            ));
            break;
        }
        if let Some(e) = (!all_utf8)
            .then(|| std::str::from_utf8(record.as_slice()).err())
            .flatten()
        {
            let (field, _) = (0..record.len())
                .map(|f| (f, std::str::from_utf8(&record[f])))
                .find(|(_, r)| r.is_err())
                .unwrap_or((0, Ok("")));
            let bad = record.as_slice().get(e.valid_up_to()).copied().unwrap_or(0);
            let column = header
                .as_ref()
                .and_then(|h| h.get(field))
                .map_or(String::new(), |name| format!(" ({name:?})"));
            problems.push(at(format!(
                "field {}{column} is not UTF-8 text (byte 0x{bad:02x}); save the file as UTF-8",
                field + 1
            )));
        } else if let Some(h) = &header {
            if record.len() != h.len() {
                let what = if record.len() < h.len() {
                    "missing field(s)"
                } else {
                    "extra field(s)"
                };
                problems.push(at(format!(
                    "{} field(s), but the header has {} ({what}); every row needs one field per column (an empty field is written as nothing between two separators)",
                    record.len(),
                    h.len()
                )));
            }
        }
        if row == 0 {
            let names: Vec<String> = record
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            problems.extend(duplicate_names(&names));
            header = Some(names);
        }
        if problems.len() >= MAX_PROBLEMS {
            problems.push(Problem::general(format!(
                "(stopped checking after {MAX_PROBLEMS} problems)"
            )));
            break;
        }
        row += 1;
    }
    let Some(header) = header else {
        return Err(invalid(
            path,
            vec![Problem::general("the file is empty: no header and no rows")],
        ));
    };
    if !problems.is_empty() {
        return Err(invalid(path, problems));
    }
    Ok(header)
}

/// How many times `b` occurs in `bytes`.
fn memchr_count(bytes: &[u8], b: u8) -> usize {
    bytes.iter().filter(|&&x| x == b).count()
}

/// Read a CSV (or TSV) file already checked by [`check_csv`], with `header` its column names:
/// the `text_cols` (id, path, label) as text, the others typed by polars' inference (fast,
/// parallel); when a value defeats that inference (an integer too wide for i64, say), every
/// column is read as text and typed by [`type_column`] instead.
pub fn read_csv(path: &Path, sep: u8, header: &[String], text_cols: &[&str]) -> Result<DataFrame> {
    let mut overwrite = Schema::default();
    for c in header {
        if text_cols.contains(&c.as_str()) {
            overwrite.with_column(c.as_str().into(), DataType::String);
        }
    }
    let inferred = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(10_000))
        .with_schema_overwrite(Some(Arc::new(overwrite)))
        .map_parse_options(|p| p.with_separator(sep))
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(|r| r.finish());
    match inferred {
        Ok(df) => Ok(df),
        Err(_) => read_csv_as_text(path, sep, text_cols),
    }
}

/// [`read_csv`]'s careful path: every column as text, then typed by [`type_column`].
fn read_csv_as_text(path: &Path, sep: u8, text_cols: &[&str]) -> Result<DataFrame> {
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .map_parse_options(|p| p.with_separator(sep))
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(|r| r.finish())
        .map_err(|e| read_err(path, format!("not a readable CSV file: {}", first_line(&e))))?;
    let columns = df
        .columns()
        .iter()
        .map(|c| {
            if text_cols.contains(&c.name().as_str()) {
                Ok(c.clone())
            } else {
                type_column(c.as_materialized_series()).map(Column::from)
            }
        })
        .collect::<PolarsResult<Vec<Column>>>()
        .map_err(|e| read_err(path, first_line(&e)))?;
    DataFrame::new(df.height(), columns).map_err(|e| read_err(path, first_line(&e)))
}

fn first_line(e: &dyn std::fmt::Display) -> String {
    e.to_string()
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .to_string()
}

/// A text column typed as the values allow: integers (within i64), else floats, else
/// booleans (`true`/`false` in any case), else text. Integers too wide for i64 stay text
/// (never rounded through a float).
fn type_column(s: &Series) -> PolarsResult<Series> {
    let ca = s.str()?;
    let mut all_int = true;
    let mut all_float = true;
    let mut all_bool = true;
    let mut any = false;
    for v in ca.iter().flatten() {
        any = true;
        let t = v.trim();
        if all_int && !is_integer(t) {
            all_int = false;
        }
        if all_float && t.parse::<f64>().is_err() {
            all_float = false;
        }
        if all_bool && !t.eq_ignore_ascii_case("true") && !t.eq_ignore_ascii_case("false") {
            all_bool = false;
        }
        if !all_int && !all_float && !all_bool {
            break;
        }
    }
    if !any {
        return Ok(s.clone());
    }
    if all_int {
        let parsed: Vec<Option<i64>> = ca
            .iter()
            .map(|v| v.and_then(|t| t.trim().parse().ok()))
            .collect();
        if parsed
            .iter()
            .zip(ca.iter())
            .all(|(p, v)| p.is_some() == v.is_some())
        {
            return Ok(Series::new(s.name().clone(), parsed));
        }
        // Wider than i64: an identifier, kept as written.
        return Ok(s.clone());
    }
    if all_float {
        let parsed: Vec<Option<f64>> = ca
            .iter()
            .map(|v| v.and_then(|t| t.trim().parse().ok()))
            .collect();
        return Ok(Series::new(s.name().clone(), parsed));
    }
    if all_bool {
        let parsed: Vec<Option<bool>> = ca
            .iter()
            .map(|v| v.map(|t| t.trim().eq_ignore_ascii_case("true")))
            .collect();
        return Ok(Series::new(s.name().clone(), parsed));
    }
    Ok(s.clone())
}

fn is_integer(t: &str) -> bool {
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// One JSON object's members in the order written, values left unparsed.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Members<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(
                self,
                mut map: M,
            ) -> std::result::Result<Self::Value, M::Error> {
                let mut out: Vec<(String, &'a RawValue)> = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, &'a RawValue>()? {
                    if out.iter().any(|(seen, _)| *seen == k) {
                        return Err(serde::de::Error::custom(format!(
                            "key {k:?} appears twice in the object"
                        )));
                    }
                    out.push((k, v));
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// A JSON value's text for a text column: strings as they are, numbers and booleans as
/// written (so `9223372036854775808` stays exact); `None` for null.
fn raw_text(raw: &RawValue) -> std::result::Result<Option<String>, String> {
    let t = raw.get();
    match t.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(t)
            .map(Some)
            .map_err(|e| e.to_string()),
        Some(b'n') => Ok(None),
        Some(b'{') | Some(b'[') => {
            Err("is a JSON object or list; give a string or a number".into())
        }
        _ => Ok(Some(t.to_string())),
    }
}

/// Read a JSON Lines file: one object per line (blank lines skipped), columns in order of
/// first appearance. `text_cols` (id, path, label) are read as text; the other columns are
/// typed from their values: numbers (integers within i64, else floats), booleans, else text
/// (a string as it is, anything else as its JSON). Every problem names its line.
pub fn read_jsonl(path: &Path, bytes: &[u8], text_cols: &[&str]) -> Result<DataFrame> {
    let mut names: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    // Per column: per row, the raw value (None: missing or null).
    let mut cols: Vec<Vec<Option<&RawValue>>> = Vec::new();
    let mut problems: Vec<Problem> = Vec::new();
    let mut rows = 0usize;
    // The line of each row (blank lines are skipped, so rows and lines differ).
    let mut lines: Vec<usize> = Vec::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line_no = i + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        lines.push(line_no);
        let at = |message: String| Problem {
            row: Some(rows + 1),
            line: Some(line_no),
            message,
        };
        let text = match std::str::from_utf8(line) {
            Ok(t) => t,
            Err(e) => {
                let bad = line.get(e.valid_up_to()).copied().unwrap_or(0);
                problems.push(at(format!(
                    "not UTF-8 text (byte 0x{bad:02x} at column {}); save the file as UTF-8",
                    e.valid_up_to() + 1
                )));
                rows += 1;
                continue;
            }
        };
        let members: Members = match serde_json::from_str(text) {
            Ok(m) => m,
            Err(e) => {
                let text = e.to_string();
                let what = text
                    .rsplit_once(" at line ")
                    .map_or(text.as_str(), |(what, _)| what);
                problems.push(at(format!(
                    "not a JSON object: {what} (at column {}); each line must hold one object such as {{\"id\": \"a\", \"label\": \"cat\"}}",
                    e.column()
                )));
                rows += 1;
                if problems.len() >= MAX_PROBLEMS {
                    break;
                }
                continue;
            }
        };
        for (k, v) in members.0 {
            let c = *index.entry(k.clone()).or_insert_with(|| {
                names.push(k);
                cols.push(vec![None; rows]);
                cols.len() - 1
            });
            let col = &mut cols[c];
            col.resize(rows, None);
            col.push((v.get() != "null").then_some(v));
        }
        rows += 1;
        for col in &mut cols {
            col.resize(rows, None);
        }
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
    }
    if rows == 0 && problems.is_empty() {
        return Err(invalid(
            path,
            vec![Problem::general("the file holds no JSON objects")],
        ));
    }
    let mut columns = Vec::with_capacity(names.len());
    for (name, values) in names.iter().zip(&cols) {
        let series = if text_cols.contains(&name.as_str()) {
            let mut out = Vec::with_capacity(values.len());
            for (r, v) in values.iter().enumerate() {
                match v.map(raw_text).transpose() {
                    Ok(t) => out.push(t.flatten()),
                    Err(why) => {
                        problems.push(Problem {
                            row: Some(r + 1),
                            line: lines.get(r).copied(),
                            message: format!("{name:?} {why}"),
                        });
                        out.push(None);
                    }
                }
            }
            Series::new(name.as_str().into(), out)
        } else {
            json_series(name, values)
        };
        columns.push(Column::from(series));
    }
    if !problems.is_empty() {
        problems.truncate(MAX_PROBLEMS);
        return Err(invalid(path, problems));
    }
    DataFrame::new(rows, columns).map_err(|e| read_err(path, first_line(&e)))
}

/// A JSON column typed from its values (see [`read_jsonl`]).
fn json_series(name: &str, values: &[Option<&RawValue>]) -> Series {
    let parsed: Vec<Option<serde_json::Value>> = values
        .iter()
        .map(|v| v.and_then(|v| serde_json::from_str(v.get()).ok()))
        .collect();
    let present = || parsed.iter().flatten();
    if present().all(|v| v.is_i64()) {
        let out: Vec<Option<i64>> = parsed
            .iter()
            .map(|v| v.as_ref().and_then(|v| v.as_i64()))
            .collect();
        return Series::new(name.into(), out);
    }
    if present().all(serde_json::Value::is_number) {
        let out: Vec<Option<f64>> = parsed
            .iter()
            .map(|v| v.as_ref().and_then(|v| v.as_f64()))
            .collect();
        return Series::new(name.into(), out);
    }
    if present().all(serde_json::Value::is_boolean) {
        let out: Vec<Option<bool>> = parsed
            .iter()
            .map(|v| v.as_ref().and_then(|v| v.as_bool()))
            .collect();
        return Series::new(name.into(), out);
    }
    let out: Vec<Option<String>> = parsed
        .iter()
        .map(|v| {
            v.as_ref().map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
        })
        .collect();
    Series::new(name.into(), out)
}

#[cfg(test)]
mod tests;
