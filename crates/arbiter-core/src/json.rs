//! JSON columns: values written as JSON text and read back, with errors that say so.

use crate::error::{Error, Result};

/// A value as the JSON text of a column. A value that cannot be written as JSON fails the write
/// (a conversion error, as rusqlite reports one) rather than storing an empty or `null` column.
pub(crate) fn json_text<T: serde::Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|e| Error::Db(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))
}

/// Column `index`'s JSON `text` read back. Damaged text is an error (a conversion error naming
/// the column, as rusqlite reports one), never read as empty: the reader sees what happened.
pub(crate) fn from_json_column<T: serde::de::DeserializeOwned>(
    text: &str,
    index: usize,
) -> rusqlite::Result<T> {
    serde_json::from_str(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(e))
    })
}
