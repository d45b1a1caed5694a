//! Dataset import against the committed fixtures (expected values in
//! `fixtures/expected/summary.json`, computed by `fixtures/generate.py`) and every bad input.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use super::*;
use crate::items::{self, LabelFilter};
use crate::testutil::fixtures;

fn summary() -> serde_json::Value {
    let text =
        std::fs::read_to_string(fixtures().join("expected/summary.json")).expect("summary.json");
    serde_json::from_str(&text).expect("json")
}

use crate::testutil::labeled_project as project;

fn run(p: &mut Project, source: &Path, columns: ColumnChoice) -> Result<ImportSummary> {
    let opts = ImportOptions {
        source: source.to_path_buf(),
        name: None,
        columns,
        labels_from_data: false,
    };
    import(p, &opts, &mut |_| {}, &AtomicBool::new(false))
}

/// Check an import of a fixture against the reference summary.
fn check_fixture(rel: &str) {
    let expected = &summary()["datasets"][rel];
    assert!(expected.is_object(), "no reference for {rel}");
    let (_d, mut p) = project(&[]);
    let s = run(&mut p, &fixtures().join(rel), ColumnChoice::default()).expect(rel);
    assert_eq!(
        s.items,
        expected["item_count"].as_u64().expect("count"),
        "{rel}"
    );
    assert_eq!(
        s.labeled,
        expected["labeled_count"].as_u64().expect("labeled"),
        "{rel}"
    );
    assert_eq!(s.version, 1);
    assert!(!s.unchanged);
    let v = resolve(&p, &s.dataset).expect("resolve");
    // Label counts per label.
    let counts = items::label_counts(&p, v.id).expect("counts");
    let want = expected["labels"].as_object().expect("labels");
    for c in &counts {
        match &c.label {
            Some(l) => assert_eq!(Some(c.count), want[l].as_u64(), "{rel} label {l}"),
            None => assert_eq!(c.count, s.items - s.labeled, "{rel} unlabeled"),
        }
    }
    assert_eq!(
        counts.iter().filter(|c| c.label.is_some()).count(),
        want.len(),
        "{rel}"
    );
    // Schema taken from the first import, naturally sorted.
    let schema: Vec<String> = crate::schema::labels(&p)
        .expect("s")
        .into_iter()
        .map(|l| l.name)
        .collect();
    let mut want_names: Vec<String> = want.keys().cloned().collect();
    crate::schema::natural_sort(&mut want_names);
    assert_eq!(schema, want_names, "{rel}");
    // Feature columns in order, and their sums.
    let names: Vec<String> = expected["feature_columns"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f.as_str().expect("name").to_string())
        .collect();
    assert_eq!(v.feature_names, names, "{rel}");
    if let Some(sums) = expected["feature_sums_fsum"].as_object() {
        let page = items::list(&p, v.id, &LabelFilter::All, 0, 10_000).expect("page");
        assert_eq!(page.items.len() as u64, s.items);
        let mut got = vec![0.0f64; names.len()];
        let mut comp = vec![0.0f64; names.len()];
        for it in &page.items {
            let d = items::get(&p, it.rowid).expect("get");
            for (j, (n, x)) in d.features.iter().enumerate() {
                assert_eq!(n, &names[j]);
                // Kahan summation to compare with math.fsum.
                let y = x.expect("no missing values") - comp[j];
                let t = got[j] + y;
                comp[j] = (t - got[j]) - y;
                got[j] = t;
            }
        }
        for (j, n) in names.iter().enumerate() {
            let want = sums[n].as_f64().expect("sum");
            assert!(
                (got[j] - want).abs() <= 1e-12 * want.abs().max(1.0),
                "{rel} {n}: {} vs {want}",
                got[j]
            );
        }
    }
}

#[test]
fn imports_every_fixture_with_the_reference_counts() {
    for rel in [
        "digits/manifest.csv",
        "digits/manifest.jsonl",
        "digits/manifest.parquet",
        "digits/images",
        "digits-unlabeled",
        "tabular/breast_cancer.csv",
        "tabular/breast_cancer.parquet",
        "tabular/wine.csv",
        "tabular/wine.parquet",
        "tabular/wine.jsonl",
    ] {
        check_fixture(rel);
    }
}

#[test]
fn the_same_table_in_csv_parquet_and_jsonl_has_one_content_hash() {
    let (_d, mut p) = project(&[]);
    let mut hashes = Vec::new();
    for f in ["wine.csv", "wine.parquet", "wine.jsonl"] {
        let s = run(
            &mut p,
            &fixtures().join("tabular").join(f),
            ColumnChoice::default(),
        )
        .expect(f);
        let opts = ImportOptions {
            source: fixtures().join("tabular").join(f),
            name: Some(format!("w-{f}")),
            columns: Default::default(),
            labels_from_data: false,
        };
        let named = import(&mut p, &opts, &mut |_| {}, &AtomicBool::new(false)).expect(f);
        hashes.push(resolve(&p, &named.dataset).expect("r").content_hash);
        assert!(!s.unchanged || f != "wine.csv");
    }
    assert_eq!(hashes[0], hashes[1], "csv vs parquet");
    assert_eq!(hashes[0], hashes[2], "csv vs jsonl");
}

#[test]
fn digits_items_keep_their_paths_and_labels() {
    let (_d, mut p) = project(&[]);
    let s = run(
        &mut p,
        &fixtures().join("digits/manifest.csv"),
        ColumnChoice::default(),
    )
    .expect("import");
    let v = resolve(&p, &s.dataset).expect("v");
    let it = items::find(&p, v.id, "digit_0003").expect("find");
    assert_eq!(it.label.as_deref(), Some("3"));
    assert_eq!(it.path.as_deref(), Some("images/3/digit_0003.png"));
    let abs = it.abs_path.expect("abs");
    assert!(Path::new(&abs).is_file(), "{abs}");
    // Paging by position: page 2 of 100 starts at the 101st row.
    let page = items::list(&p, v.id, &LabelFilter::All, 100, 100).expect("page");
    assert_eq!(page.total, 1797);
    assert_eq!(page.items.len(), 100);
    assert_eq!(page.items[0].id, "digit_0100");
    let threes = items::list(&p, v.id, &LabelFilter::Label("3".into()), 0, 1000).expect("3s");
    assert_eq!(threes.total, 183);
    assert!(threes.items.iter().all(|i| i.label.as_deref() == Some("3")));
    // The last page is short, past the end is empty.
    assert_eq!(
        items::list(&p, v.id, &LabelFilter::All, 1790, 100)
            .expect("l")
            .items
            .len(),
        7
    );
    assert!(items::list(&p, v.id, &LabelFilter::All, 5000, 100)
        .expect("l")
        .items
        .is_empty());
}

#[test]
fn reimporting_unchanged_content_keeps_the_version_and_a_change_makes_a_new_one() {
    let dir = tempfile::tempdir().expect("tmp");
    let csv = dir.path().join("m.csv");
    std::fs::write(&csv, "id,label,x\na,cat,1\nb,dog,2\n").expect("w");
    let (_d, mut p) = project(&["cat", "dog"]);
    let first = run(&mut p, &csv, ColumnChoice::default()).expect("first");
    assert_eq!((first.version, first.unchanged), (1, false));
    let again = run(&mut p, &csv, ColumnChoice::default()).expect("again");
    assert_eq!((again.version, again.unchanged), (1, true));
    assert!(again.warnings.iter().any(|w| w.contains("unchanged")));
    let n: i64 = p
        .conn()
        .query_row("SELECT COUNT(*) FROM items", [], |r| r.get(0))
        .expect("n");
    assert_eq!(n, 2);
    std::fs::write(&csv, "id,label,x\na,cat,1\nb,cat,2\n").expect("w");
    let changed = run(&mut p, &csv, ColumnChoice::default()).expect("changed");
    assert_eq!((changed.version, changed.unchanged), (2, false));
    let ds = list(&p).expect("list");
    assert_eq!(ds.len(), 1);
    assert_eq!(
        ds[0].versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [2, 1]
    );
    // A media file's bytes are content too.
    let media = dir.path().join("img");
    std::fs::create_dir_all(media.join("cat")).expect("mk");
    std::fs::copy(
        fixtures().join("digits/images/3/digit_0003.png"),
        media.join("cat/a.png"),
    )
    .expect("cp");
    let a = run(&mut p, &media, ColumnChoice::default()).expect("a");
    std::fs::copy(
        fixtures().join("digits/images/4/digit_0004.png"),
        media.join("cat/a.png"),
    )
    .expect("cp");
    let b = run(&mut p, &media, ColumnChoice::default()).expect("b");
    assert_eq!((a.version, b.version, b.unchanged), (1, 2, false));
}

/// Everything in the project a failed import could have touched.
fn snapshot(p: &Project) -> Vec<i64> {
    [
        "datasets",
        "dataset_versions",
        "items",
        "labels",
        "audit_log",
    ]
    .iter()
    .map(|t| {
        p.conn()
            .query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0))
            .expect("count")
    })
    .collect()
}

/// Import `csv_text` as `m.csv` (beside `files` created in the dataset folder) and expect a
/// refusal whose message contains every needle; the project must be unchanged.
fn refused(
    labels: &[&str],
    csv_text: &str,
    files: &[&str],
    columns: ColumnChoice,
    needles: &[&str],
) {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path().join("data");
    std::fs::create_dir_all(&root).expect("mk");
    for f in files {
        let path = root.join(f);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mk");
        std::fs::copy(fixtures().join("digits/images/0/digit_0000.png"), path).expect("cp");
    }
    let csv = root.join("m.csv");
    std::fs::write(&csv, csv_text).expect("write");
    let (_d, mut p) = project(labels);
    // A first, good import so "unchanged" also covers existing data.
    let good = dir.path().join("good.csv");
    std::fs::write(&good, "id\nz\n").expect("w");
    run(&mut p, &good, ColumnChoice::default()).expect("good import");
    let before = snapshot(&p);
    let err = run(&mut p, &csv, columns)
        .err()
        .unwrap_or_else(|| panic!("{csv_text:?} must be refused"));
    let msg = err.to_string();
    assert!(msg.contains("m.csv"), "message must name the file: {msg}");
    for n in needles {
        assert!(msg.contains(n), "{msg:?} should contain {n:?}");
    }
    assert_eq!(
        snapshot(&p),
        before,
        "a refused import must write nothing: {msg}"
    );
}

#[test]
fn bad_manifests_are_refused_with_the_row_named_and_nothing_written() {
    let none = ColumnChoice::default;
    refused(
        &[],
        "id,label\na,x\nb,y\na,z\n",
        &[],
        none(),
        &["row 3 (line 4)", "duplicate id \"a\"", "first at row 1"],
    );
    refused(
        &[],
        "name,label\na,x\n",
        &[],
        none(),
        &["no id column \"id\"", "columns: name, label", "--id-col"],
    );
    refused(
        &[],
        "id,path\na,img/a.png\nb,img/missing.png\n",
        &["img/a.png"],
        none(),
        &["row 2 (line 3)", "\"img/missing.png\" not found"],
    );
    refused(
        &[],
        "id,path\na,../outside.png\n",
        &[],
        none(),
        &["row 1 (line 2)", "escapes the dataset root"],
    );
    refused(
        &[],
        "id,path\na,/etc/hostname\n",
        &[],
        none(),
        &["row 1", "escapes the dataset root"],
    );
    refused(
        &["cat", "dog"],
        "id,label\na,cat\nb,bird\n",
        &[],
        none(),
        &[
            "row 2 (line 3)",
            "label \"bird\" is not in the project's label schema (cat, dog)",
            "import into a project whose schema has this label",
        ],
    );
    refused(&[], "id,label\n,x\n", &[], none(), &["row 1", "empty id"]);
    refused(&[], "id\n", &[], none(), &["no rows"]);
    refused(
        &[],
        "id,x\na,1\n",
        &[],
        ColumnChoice {
            label_col: Some("klass".into()),
            ..none()
        },
        &["no column \"klass\" given by --label-col"],
    );
    refused(
        &[],
        "id,x,s\na,1,t\n",
        &[],
        ColumnChoice {
            features: Some(vec!["s".into(), "q".into()]),
            ..none()
        },
        &["\"s\" is not numeric", "no feature column \"q\""],
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_escaping_the_root_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path().join("data");
    std::fs::create_dir_all(&root).expect("mk");
    let outside = dir.path().join("secret.png");
    std::fs::copy(fixtures().join("digits/images/0/digit_0000.png"), &outside).expect("cp");
    std::os::unix::fs::symlink(&outside, root.join("link.png")).expect("symlink");
    std::fs::write(root.join("m.csv"), "id,path\na,link.png\n").expect("w");
    let (_d, mut p) = project(&[]);
    let before = snapshot(&p);
    let msg = run(&mut p, &root.join("m.csv"), ColumnChoice::default())
        .expect_err("refused")
        .to_string();
    assert!(
        msg.contains("through a symbolic link") && msg.contains("row 1"),
        "{msg}"
    );
    assert_eq!(snapshot(&p), before);
    // The same link in an image folder is refused too.
    std::fs::remove_file(root.join("m.csv")).expect("rm");
    let msg = run(&mut p, &root, ColumnChoice::default())
        .expect_err("refused")
        .to_string();
    assert!(msg.contains("through a symbolic link"), "{msg}");
    assert_eq!(snapshot(&p), before);
}

#[test]
fn many_problems_are_all_counted_and_the_first_ones_listed() {
    let mut csv = String::from("id,label\n");
    for _ in 0..25 {
        csv.push_str("a,x\n");
    }
    refused(
        &[],
        &csv,
        &[],
        ColumnChoice::default(),
        &["24 problem(s)", "row 2 (line 3)", "… and 14 more"],
    );
}

#[test]
fn a_top_level_image_in_a_labeled_folder_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path().join("imgs");
    std::fs::create_dir_all(root.join("cat")).expect("mk");
    let png = fixtures().join("digits/images/0/digit_0000.png");
    std::fs::copy(&png, root.join("cat/a.png")).expect("cp");
    std::fs::copy(&png, root.join("stray.png")).expect("cp");
    std::fs::write(root.join("notes.txt"), "hello").expect("w");
    let (_d, mut p) = project(&[]);
    let msg = run(&mut p, &root, ColumnChoice::default())
        .expect_err("refused")
        .to_string();
    assert!(msg.contains("\"stray.png\" sits at the top"), "{msg}");
    std::fs::remove_file(root.join("stray.png")).expect("rm");
    let s = run(&mut p, &root, ColumnChoice::default()).expect("ok");
    assert_eq!((s.items, s.labeled), (1, 1));
    assert!(
        s.warnings.iter().any(|w| w.contains("1 file(s) skipped")),
        "{:?}",
        s.warnings
    );
}

#[test]
fn a_cancelled_import_writes_nothing() {
    let (_d, mut p) = project(&[]);
    let before = snapshot(&p);
    let opts = ImportOptions {
        source: fixtures().join("digits/manifest.csv"),
        ..Default::default()
    };
    let err = import(&mut p, &opts, &mut |_| {}, &AtomicBool::new(true)).expect_err("cancelled");
    assert!(matches!(err, Error::Cancelled));
    assert_eq!(snapshot(&p), before);
}

#[test]
fn ids_keep_leading_zeros_and_metadata_keeps_other_columns() {
    let dir = tempfile::tempdir().expect("tmp");
    let csv = dir.path().join("m.csv");
    std::fs::write(&csv, "id,label,note,score\n007,1,hello,0.5\n010,2,,1.5\n").expect("w");
    let (_d, mut p) = project(&[]);
    let s = run(&mut p, &csv, ColumnChoice::default()).expect("import");
    let v = resolve(&p, &s.dataset).expect("v");
    assert_eq!(v.feature_names, ["score"]);
    let it = items::find(&p, v.id, "007").expect("find 007");
    assert_eq!(
        it.metadata.get("note").and_then(|n| n.as_str()),
        Some("hello")
    );
    assert_eq!(it.features, [("score".to_string(), Some(0.5))]);
    assert_eq!(it.label.as_deref(), Some("1"));
    let it = items::find(&p, v.id, "010").expect("find 010");
    assert!(it.metadata.get("note").is_none());
}

mod texts;
