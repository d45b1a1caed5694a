//! Exports of text items: the tables carry a `text` column, a folder export is a folder of
//! `.txt` files that imports back as the same texts and labels.

use super::super::*;
use crate::dataset;
use crate::items;

use crate::testutil::{import_texts as import_with, labeled_project as project};

#[test]
fn exports_carry_the_text_and_a_folder_export_is_a_text_folder_that_imports_back() {
    let (d, mut p) = project(&[]);
    let csv = d.path().join("reviews.csv");
    std::fs::write(
        &csv,
        "id,body,label\nr1,\"Great, really\",pos\nr2,\"Bad\nvery bad\",neg\n",
    )
    .expect("write");
    import_with(&mut p, &csv, Some("body")).expect("import");
    let opts = |out: std::path::PathBuf, format| ExportOptions {
        out,
        format,
        dataset: None,
        predictions: Predictions::None,
        only_decided: false,
        min_agreement: None,
        exclude_reasons: vec![],
        validation_share: None,
        seed: 7,
        allow_below_target: false,
    };
    let out = d.path().join("out.jsonl");
    export(&p, &opts(out.clone(), Format::Jsonl)).expect("jsonl");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .expect("read")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines[1]["text"], "Bad\nvery bad");
    assert_eq!(lines[0]["item_id"], "r1");
    let out = d.path().join("out.csv");
    export(&p, &opts(out.clone(), Format::Csv)).expect("csv");
    let text = std::fs::read_to_string(&out).expect("read");
    assert!(text.starts_with("item_id,path,text,given_label,"), "{text}");
    assert!(text.contains("r1,,\"Great, really\",pos"), "{text}");

    let folder = d.path().join("folder");
    let s = export(&p, &opts(folder.clone(), Format::ImageFolder)).expect("folder");
    assert_eq!(s.rows, 2);
    assert_eq!(
        std::fs::read_to_string(folder.join("neg/r2.txt")).expect("r2"),
        "Bad\nvery bad"
    );
    // The folder imports back as the same texts and labels.
    let (_d2, mut q) = project(&[]);
    let s = import_with(&mut q, &folder, None).expect("reimport");
    assert_eq!((s.items, s.labeled), (2, 2));
    let v = dataset::resolve(&q, "folder").expect("v");
    assert_eq!(
        items::find(&q, v.id, "pos/r1.txt")
            .expect("r1")
            .text
            .as_deref(),
        Some("Great, really")
    );
}
