//! Text items: a manifest's text column, a folder of `.txt` files, rows given directly
//! ([`SourceTable::from_texts`]); every refusal (missing, empty, non-UTF-8, too long) names its
//! row or file and writes nothing; listings, search and exports carry the text.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use super::super::*;
use crate::items;

use crate::testutil::{import_texts as import_with, labeled_project as project};

fn datasets(p: &Project) -> usize {
    list(p).expect("list").len()
}

fn message(e: Error) -> String {
    e.to_string()
}

#[test]
fn a_text_column_imports_text_items_that_list_search_and_show() {
    let (d, mut p) = project(&[]);
    let csv = d.path().join("reviews.csv");
    std::fs::write(
        &csv,
        "id,body,label,stars\nr1,\"Great phone, the battery lasts\",pos,5\nr2,Screen cracked in a week,neg,1\nr3,\"Multi\nline, with ünïcode\",pos,4\n",
    )
    .expect("write");
    let s = import_with(&mut p, &csv, Some("body")).expect("import");
    assert_eq!((s.items, s.labeled), (3, 3));
    let v = resolve(&p, "reviews").expect("resolve");
    assert!(v.texts);
    assert_eq!(v.text_col.as_deref(), Some("body"));
    // The text is not a feature or metadata; other columns are.
    assert_eq!(v.feature_names, vec!["stars".to_string()]);
    let page = items::list(&p, v.id, &items::LabelFilter::All, 0, 10).expect("list");
    let snippets: Vec<Option<&str>> = page.items.iter().map(|i| i.snippet.as_deref()).collect();
    assert_eq!(
        snippets,
        vec![
            Some("Great phone, the battery lasts"),
            Some("Screen cracked in a week"),
            Some("Multi\nline, with ünïcode")
        ]
    );
    let detail = items::find(&p, v.id, "r3").expect("find");
    assert_eq!(detail.text.as_deref(), Some("Multi\nline, with ünïcode"));
    assert!(!detail.metadata.contains_key("body"));
    // Search matches the text (case-insensitively), not only the id.
    let q = |t: &str| items::Query {
        version_id: v.id,
        search: Some(t.into()),
        limit: 10,
        ..Default::default()
    };
    let found = items::query(&p, &q("CRACKED")).expect("query");
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].id, "r2");
    assert_eq!(
        found.items[0].snippet.as_deref(),
        Some("Screen cracked in a week")
    );
    assert_eq!(items::query(&p, &q("r1")).expect("q").total, 1);
    assert_eq!(items::query(&p, &q("100%")).expect("q").total, 0);
}

#[test]
fn a_long_text_is_listed_as_a_snippet_and_shown_whole() {
    let (d, mut p) = project(&["a"]);
    let long: String = "word ".repeat(400);
    let jsonl = d.path().join("docs.jsonl");
    std::fs::write(
        &jsonl,
        format!(
            "{}\n",
            serde_json::json!({"id": "x", "text": long, "label": "a"})
        ),
    )
    .expect("write");
    import_with(&mut p, &jsonl, Some("text")).expect("import");
    let v = resolve(&p, "docs").expect("resolve");
    let page = items::list(&p, v.id, &items::LabelFilter::All, 0, 10).expect("list");
    assert_eq!(
        page.items[0].snippet.as_deref().map(|s| s.chars().count()),
        Some(280)
    );
    assert_eq!(
        items::get(&p, page.items[0].rowid).expect("get").text,
        Some(long)
    );
}

#[test]
fn an_empty_or_missing_text_is_refused_naming_the_row_and_nothing_is_written() {
    let (d, mut p) = project(&["pos", "neg"]);
    let csv = d.path().join("bad.csv");
    std::fs::write(&csv, "id,body,label\na,fine,pos\nb,,neg\nc,\"   \",pos\n").expect("write");
    let e = message(import_with(&mut p, &csv, Some("body")).expect_err("refused"));
    assert!(e.contains("row 2 (line 3)"), "{e}");
    assert!(e.contains("row 3 (line 4)"), "{e}");
    assert!(e.contains("text column \"body\""), "{e}");
    assert_eq!(datasets(&p), 0);
    // A text column that does not exist is named with the columns there are.
    let e = message(import_with(&mut p, &csv, Some("content")).expect_err("no column"));
    assert!(e.contains("\"content\"") && e.contains("--text-col"), "{e}");
    // The id column cannot be the text.
    let e = message(import_with(&mut p, &csv, Some("id")).expect_err("id"));
    assert!(e.contains("id column"), "{e}");
    assert_eq!(datasets(&p), 0);
}

#[test]
fn a_text_above_the_limit_is_refused_naming_the_row() {
    let (d, mut p) = project(&[]);
    let jsonl = d.path().join("big.jsonl");
    let big = "x".repeat(MAX_TEXT_BYTES + 1);
    std::fs::write(
        &jsonl,
        format!(
            "{}\n{}\n",
            serde_json::json!({"id": "ok", "text": "small"}),
            serde_json::json!({"id": "huge", "text": big})
        ),
    )
    .expect("write");
    let e = message(import_with(&mut p, &jsonl, Some("text")).expect_err("refused"));
    assert!(
        e.contains("row 2") && e.contains("1000001 bytes") && e.contains("at most 1000000"),
        "{e}"
    );
    assert_eq!(datasets(&p), 0);
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, bytes).expect("write");
}

#[test]
fn a_folder_of_text_files_imports_labeled_by_sub_folder() {
    let (d, mut p) = project(&[]);
    let root = d.path().join("tickets");
    write(&root.join("billing/t1.txt"), b"I was charged twice");
    write(
        &root.join("billing/t2.txt"),
        "Refund of 12 \u{20ac} please".as_bytes(),
    );
    write(&root.join("bug/t3.txt"), b"The app crashes on start");
    write(&root.join("bug/notes.md"), b"not an item");
    let s = import_with(&mut p, &root, None).expect("import");
    assert_eq!((s.items, s.labeled), (3, 3));
    assert!(
        s.warnings.iter().any(|w| w.contains("1 file(s) skipped")),
        "{:?}",
        s.warnings
    );
    let v = resolve(&p, "tickets").expect("resolve");
    assert_eq!(v.source_kind, "text_folder");
    assert!(v.texts);
    let t2 = items::find(&p, v.id, "billing/t2.txt").expect("t2");
    assert_eq!(t2.label.as_deref(), Some("billing"));
    assert_eq!(t2.text.as_deref(), Some("Refund of 12 \u{20ac} please"));
    // No media: the text lives in the project.
    assert_eq!(t2.path, None);

    // A flat folder is unlabeled.
    let flat = d.path().join("inbox");
    write(&flat.join("a.txt"), b"hello");
    let s = import_with(&mut p, &flat, None).expect("flat");
    assert_eq!((s.items, s.labeled), (1, 0));
}

#[test]
fn a_text_file_that_is_not_utf8_or_is_empty_is_named_and_nothing_is_written() {
    let (d, mut p) = project(&[]);
    let root = d.path().join("mixed");
    write(&root.join("a/good.txt"), b"fine");
    write(&root.join("a/latin1.txt"), b"caf\xe9");
    write(&root.join("b/empty.txt"), b"");
    let e = message(import_with(&mut p, &root, None).expect_err("refused"));
    assert!(e.contains("\"a/latin1.txt\" is not UTF-8"), "{e}");
    assert!(e.contains("row 3") && e.contains("empty"), "{e}");
    assert_eq!(datasets(&p), 0);
    // Column options make no sense for a folder.
    let e = message(import_with(&mut p, &root, Some("text")).expect_err("col"));
    assert!(e.contains("--text-col"), "{e}");
}

#[test]
fn changing_only_a_text_makes_a_new_version() {
    let (d, mut p) = project(&[]);
    let csv = d.path().join("t.csv");
    std::fs::write(&csv, "id,text\na,one\n").expect("write");
    assert_eq!(
        import_with(&mut p, &csv, Some("text")).expect("v1").version,
        1
    );
    assert!(
        import_with(&mut p, &csv, Some("text"))
            .expect("same")
            .unchanged
    );
    std::fs::write(&csv, "id,text\na,two\n").expect("write");
    let s = import_with(&mut p, &csv, Some("text")).expect("v2");
    assert_eq!((s.version, s.unchanged), (2, false));
}

#[test]
fn rows_given_directly_import_as_text_items() {
    let (d, mut p) = project(&["pos", "neg"]);
    let source = d.path().join("export.json");
    let rows = vec![
        TextRow {
            id: "1".into(),
            text: "lovely".into(),
            label: Some("pos".into()),
        },
        TextRow {
            id: "2".into(),
            text: "awful".into(),
            label: None,
        },
    ];
    let table = SourceTable::from_texts(&source, SourceKind::Jsonl, rows).expect("table");
    let opts = ImportOptions {
        name: Some("ls".into()),
        ..Default::default()
    };
    let s =
        import_table(&mut p, table, &opts, &mut |_| {}, &AtomicBool::new(false)).expect("import");
    assert_eq!((s.dataset.as_str(), s.items, s.labeled), ("ls", 2, 1));
    let v = resolve(&p, "ls").expect("resolve");
    assert!(v.texts);
    assert_eq!(
        items::find(&p, v.id, "2").expect("2").text.as_deref(),
        Some("awful")
    );
    // The same checks as a manifest: a label outside the schema, an empty text.
    let bad = vec![TextRow {
        id: "3".into(),
        text: "".into(),
        label: Some("meh".into()),
    }];
    let table = SourceTable::from_texts(&source, SourceKind::Jsonl, bad).expect("table");
    let e = message(
        import_table(&mut p, table, &opts, &mut |_| {}, &AtomicBool::new(false)).expect_err("bad"),
    );
    assert!(
        e.contains("row 1") && e.contains("\"meh\"") && e.contains("empty"),
        "{e}"
    );
}
