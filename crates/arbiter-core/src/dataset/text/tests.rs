//! Text manifests: every malformed file refused with its row and line in one short message,
//! and values read exactly as written — through a real import, so "nothing was imported" is
//! checked too.

use std::sync::atomic::AtomicBool;

use crate::dataset::{self, ImportOptions};
use crate::store::Project;

/// Import `text` written to a file named `name` into a new project with labels a, b: the
/// import's outcome (error text or the version's items as `id|label|metadata`) and the
/// number of dataset versions afterwards.
fn import_text(name: &str, text: &[u8]) -> (Result<Vec<String>, String>, i64) {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join(name);
    std::fs::write(&file, text).expect("write");
    let mut p = Project::create(
        &dir.path().join("p"),
        None,
        &[
            crate::schema::LabelSpec::named("a"),
            crate::schema::LabelSpec::named("b"),
        ],
    )
    .expect("project");
    let out = dataset::import(
        &mut p,
        &ImportOptions {
            source: file,
            ..Default::default()
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .map_err(|e| e.to_string())
    .map(|s| {
        let v = dataset::resolve(&p, &s.dataset).expect("version");
        let mut stmt = p
            .conn()
            .prepare(
                "SELECT i.ext_id, COALESCE(l.name, '-'), COALESCE(i.metadata, '-') FROM items i
                 LEFT JOIN labels l ON l.id = i.label_id WHERE i.version_id = ?1 ORDER BY i.id",
            )
            .expect("prepare");
        stmt.query_map([v.id], |r| {
            Ok(format!(
                "{}|{}|{}",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?
            ))
        })
        .expect("query")
        .map(|r| r.expect("row"))
        .collect()
    });
    let versions: i64 = p
        .conn()
        .query_row("SELECT COUNT(*) FROM dataset_versions", [], |r| r.get(0))
        .expect("count");
    (out, versions)
}

/// A refused file: the message holds every `needle`, is at most `max_lines` long, and
/// nothing was imported.
fn refused(name: &str, text: &[u8], needles: &[&str], max_lines: usize) {
    let (out, versions) = import_text(name, text);
    let e = out.expect_err(name);
    for n in needles {
        assert!(e.contains(n), "{name}: {e:?} should contain {n:?}");
    }
    assert!(
        e.lines().count() <= max_lines,
        "{name}: {} lines: {e}",
        e.lines().count()
    );
    assert!(
        !e.contains("truncate_ragged_lines") && !e.contains("Consider"),
        "{e}"
    );
    assert_eq!(versions, 0, "{name}: nothing imported");
}

#[test]
fn malformed_csv_rows_are_refused_with_their_row_and_line() {
    refused(
        "missing.csv",
        b"id,label,x\n1,a,1\n2\n3,b,2\n",
        &["row 2 (line 3): 1 field(s), but the header has 3 (missing field(s))"],
        3,
    );
    refused(
        "extra.csv",
        b"id,label,x\n1,a,1\n2,b,2,9\n",
        &["row 2 (line 3): 4 field(s), but the header has 3 (extra field(s))"],
        3,
    );
    // An unbalanced quote: one line naming where it opens — not the file's contents.
    let mut long = b"id,label,x\n1,a,1\n\"2,b,2\n".to_vec();
    for i in 3..900 {
        long.extend_from_slice(format!("{i},a,{i}\n").as_bytes());
    }
    refused(
        "quote.csv",
        &long,
        &["row 2 (line 3): a quote (\") opens here and is never closed"],
        3,
    );
    refused(
        "latin1.csv",
        b"id,label,x\n1,a,1\n2,b\xff,2\n",
        &["row 2 (line 3): field 2 (\"label\") is not UTF-8 text (byte 0xff)"],
        3,
    );
    refused(
        "dup.csv",
        b"id,label,x,x\n1,a,1,2\n",
        &["column \"x\" appears twice in the header (columns 3 and 4)"],
        3,
    );
    // A quoted field may hold the separator, quotes and a newline: not a problem, and the
    // line numbers of later rows count the newline.
    refused(
        "quoted.csv",
        b"id,label,note\n1,a,\"x, \"\"y\"\"\nz\"\n2\n",
        &["row 2 (line 4): 1 field(s)"],
        3,
    );
}

#[test]
fn malformed_jsonl_lines_are_refused_with_their_line() {
    refused(
        "comma.jsonl",
        b"{\"id\":\"1\",\"label\":\"a\"}\n\n{\"id\":2,\"label\":\"b\",}\n",
        &["row 2 (line 3): not a JSON object: trailing comma (at column 21)"],
        3,
    );
    refused(
        "latin1.jsonl",
        b"{\"id\":\"1\",\"label\":\"a\"}\n{\"id\":\"2\",\"label\":\"\xe9\"}\n",
        &["row 2 (line 2): not UTF-8 text (byte 0xe9 at column 20)"],
        3,
    );
    refused(
        "twice.jsonl",
        b"{\"id\":\"1\",\"label\":\"a\",\"label\":\"b\"}\n",
        &["row 1 (line 1): not a JSON object: key \"label\" appears twice"],
        3,
    );
    refused(
        "object_id.jsonl",
        b"{\"id\":\"1\"}\n{\"id\":{\"x\":1}}\n",
        &["row 2 (line 2): \"id\" is a JSON object or list"],
        3,
    );
}

#[test]
fn ids_and_values_are_read_exactly_as_written() {
    // Ids wider than i64 and with leading zeros stay text, in CSV and JSON Lines; a metadata
    // column of such integers stays text too (never rounded through a float); numbers and
    // booleans are typed.
    let (csv, _) = import_text(
        "ids.csv",
        b"id,label,code,flag,score\n9223372036854775808,a,18446744073709551616,true,1\n007,b,2,FALSE,2.5\n",
    );
    assert_eq!(
        csv.expect("csv"),
        [
            r#"9223372036854775808|a|{"code":"18446744073709551616","flag":true}"#,
            r#"007|b|{"code":"2","flag":false}"#,
        ]
    );
    let (jsonl, _) = import_text(
        "ids.jsonl",
        b"{\"id\": 9223372036854775808, \"label\": \"a\", \"n\": 1}\n\n{\"id\": \"007\", \"label\": null, \"n\": 2, \"tag\": \"x\"}\n",
    );
    assert_eq!(
        jsonl.expect("jsonl"),
        [r#"9223372036854775808|a|-"#, r#"007|-|{"tag":"x"}"#]
    );
}
