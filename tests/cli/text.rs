//! Text items through the `arbiter` binary: a manifest's text column and a folder of `.txt`
//! files import as text items, a bad text is named with its row, exports carry the text.

use super::*;

#[test]
fn a_text_column_imports_lists_and_exports_text_items() {
    let (d, p) = new_project(None);
    let v = ok_json(&[
        "--project",
        &p,
        "--json",
        "dataset",
        "import",
        &path("text/descr.csv"),
        "--text-col",
        "text",
    ]);
    assert_eq!(
        (v["items"].as_u64(), v["labeled"].as_u64()),
        (Some(34), Some(34))
    );
    let list = ok_json(&["--project", &p, "--json", "dataset", "list"]);
    assert_eq!(list[0]["versions"][0]["texts"], true, "{list}");
    assert_eq!(list[0]["versions"][0]["text_col"], "text", "{list}");
    let page = ok_json(&["--project", &p, "--json", "items", "--limit", "2"]);
    let snippet = page["items"][0]["snippet"].as_str().expect("snippet");
    assert!(
        snippet.starts_with("The 20 newsgroups dataset comprises"),
        "{page}"
    );
    let out = d.path().join("out.jsonl");
    ok(&[
        "--project",
        &p,
        "export",
        "--out",
        &out.to_string_lossy(),
        "--format",
        "jsonl",
    ]);
    let first: Value = serde_json::from_str(
        std::fs::read_to_string(&out)
            .expect("read")
            .lines()
            .next()
            .expect("a row"),
    )
    .expect("json");
    // The export carries the whole text; the listing its first 280 characters.
    let text = first["text"].as_str().expect("text");
    assert!(
        text.starts_with(snippet) && text.len() > snippet.len(),
        "{first}"
    );
    assert_eq!(snippet.chars().count(), 280);
}

#[test]
fn a_folder_of_text_files_imports_and_a_bad_text_is_named() {
    let (d, p) = new_project(None);
    let v = ok_json(&[
        "--project",
        &p,
        "--json",
        "dataset",
        "import",
        &path("text/folder"),
    ]);
    assert_eq!(
        (v["items"].as_u64(), v["labeled"].as_u64()),
        (Some(11), Some(11))
    );
    let bad = d.path().join("bad.csv");
    std::fs::write(&bad, "id,body\na,fine\nb,\n").expect("write");
    let err = fails(&[
        "--project",
        &p,
        "dataset",
        "import",
        &bad.to_string_lossy(),
        "--text-col",
        "body",
    ]);
    assert!(
        err.contains("row 2 (line 3)") && err.contains("text column \"body\""),
        "{err}"
    );
    let list = ok_json(&["--project", &p, "--json", "dataset", "list"]);
    assert_eq!(
        list.as_array().map(Vec::len),
        Some(1),
        "nothing written: {list}"
    );
}

#[test]
fn text_models_register_predict_and_refuse_the_wrong_items() {
    let (d, p) = new_project(None);
    ok(&[
        "--project",
        &p,
        "dataset",
        "import",
        &path("text/descr.csv"),
        "--text-col",
        "text",
    ]);
    let m = ok_json(&[
        "--project",
        &p,
        "--json",
        "model",
        "add",
        &path("text/transformer/model.onnx"),
    ]);
    assert_eq!(m["kind"], "text", "{m}");
    assert_eq!(m["classes"].as_array().map(Vec::len), Some(4), "{m}");
    let run = ok_json(&[
        "--project",
        &p,
        "--json",
        "predict",
        "--model",
        "model",
        "--dataset",
        "descr",
        "--batch-size",
        "8",
    ]);
    assert_eq!(
        (run["items"].as_u64(), run["failed"].as_u64()),
        (Some(34), Some(0)),
        "{run}"
    );
    let out = d.path().join("p.csv");
    let id = run["run"].to_string();
    ok(&[
        "--project",
        &p,
        "predictions",
        "export",
        "--run",
        &id,
        "--out",
        &out.to_string_lossy(),
    ]);
    let want = std::fs::read_to_string(fixtures().join("text/expected/transformer.csv"))
        .expect("expected");
    let got = std::fs::read_to_string(&out).expect("exported");
    let first_want: Vec<f64> = want
        .lines()
        .nth(1)
        .expect("row")
        .split(',')
        .skip(1)
        .map(|x| x.parse().expect("f"))
        .collect();
    let row = got
        .lines()
        .find(|l| l.starts_with("twenty_newsgroups_01,"))
        .expect("item");
    let header: Vec<&str> = got.lines().next().expect("header").split(',').collect();
    let cells: Vec<&str> = row.split(',').collect();
    let first_got: Vec<f64> = header
        .iter()
        .zip(&cells)
        .filter(|(h, _)| h.starts_with("p_"))
        .map(|(_, v)| v.parse().expect("f"))
        .collect();
    assert_eq!(first_got.len(), 4, "{got}");
    for (g, w) in first_got.iter().zip(&first_want) {
        assert!((g - w).abs() < 1e-5, "{row} vs {want}");
    }

    // A token model with no tokenizer beside it, and a text model on an image dataset.
    let alone = d.path().join("alone.onnx");
    std::fs::copy(fixtures().join("text/transformer/model.onnx"), &alone).expect("copy");
    let err = fails(&["--project", &p, "model", "add", &alone.to_string_lossy()]);
    assert!(
        err.contains("tokenizer.json") && err.contains("--tokenizer"),
        "{err}"
    );
    ok(&[
        "--project",
        &p,
        "dataset",
        "import",
        &path("digits-unlabeled"),
    ]);
    ok(&[
        "--project",
        &p,
        "model",
        "add",
        &path("text/tfidf_logreg.onnx"),
    ]);
    let err = fails(&[
        "--project",
        &p,
        "predict",
        "--model",
        "tfidf_logreg",
        "--dataset",
        "digits-unlabeled",
    ]);
    assert!(err.contains("reads text"), "{err}");
}
