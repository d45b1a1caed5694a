//! Shared set-up for the core's unit tests: the fixtures folder, and a project holding one
//! imported dataset, one registered model and a finished CPU run of it.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use crate::dataset::{self, ImportOptions};
use crate::model::{self, runtime::Device, AddOptions};
use crate::predict::{self, PredictOptions};
use crate::store::Project;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// A new project at `TMP/proj` with these labels, and its folder.
pub fn labeled_project(labels: &[&str]) -> (tempfile::TempDir, Project) {
    let dir = tempfile::tempdir().expect("tempdir");
    let specs: Vec<crate::schema::LabelSpec> = labels
        .iter()
        .map(|l| crate::schema::LabelSpec::named(*l))
        .collect();
    let p = Project::create(&dir.path().join("proj"), None, &specs).expect("create");
    (dir, p)
}

/// Import `source` into `p`, its texts from `text_col` when given (a folder of `.txt` files
/// needs none).
pub fn import_texts(
    p: &mut Project,
    source: &Path,
    text_col: Option<&str>,
) -> crate::Result<dataset::ImportSummary> {
    let opts = ImportOptions {
        source: source.to_path_buf(),
        name: None,
        columns: dataset::ColumnChoice {
            text_col: text_col.map(str::to_string),
            ..Default::default()
        },
        labels_from_data: false,
    };
    dataset::import(p, &opts, &mut |_| {}, &AtomicBool::new(false))
}

/// A new project at `dir/p` (ordinal labels if asked, no labels otherwise) with `source`
/// imported as `name` (or the import's default name).
pub fn imported_project(
    dir: &Path,
    source: &Path,
    name: Option<&str>,
    ordinal: bool,
) -> (Project, dataset::ImportSummary) {
    let mut p = Project::create_with(&dir.join("p"), None, &[], ordinal).expect("create");
    let imported = dataset::import(
        &mut p,
        &ImportOptions {
            source: source.to_path_buf(),
            name: name.map(str::to_owned),
            ..Default::default()
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .expect("import");
    (p, imported)
}

/// A new project (ordinal labels if asked) with `source` (under `fixtures/`) imported as
/// `name` (or the import's default name), `model` (under `fixtures/models/`) added, and one run
/// of it over the dataset in batches of `batch_size`. Returns the folder, the project and the run.
pub fn project_with_run(
    source: &str,
    name: Option<&str>,
    model: &str,
    batch_size: usize,
    ordinal: bool,
) -> (tempfile::TempDir, Project, i64) {
    let dir = tempfile::tempdir().expect("tmp");
    let (mut p, imported) = imported_project(dir.path(), &fixtures().join(source), name, ordinal);
    let run = model_run(&mut p, model, &imported.dataset, batch_size);
    (dir, p, run)
}

/// `model` (under `fixtures/models/`) added to the project and run over `dataset` on the CPU in
/// batches of `batch_size`; the run's id.
pub fn model_run(p: &mut Project, model: &str, dataset: &str, batch_size: usize) -> i64 {
    let added = model::add(
        p,
        &AddOptions {
            file: fixtures().join("models").join(model),
            ..Default::default()
        },
    )
    .expect("model");
    predict::predict(
        p,
        &PredictOptions {
            model: added.name,
            dataset: dataset.to_string(),
            batch_size,
            device: Device::Cpu,
            resume: None,
            decode: None,
            cuda: Default::default(),
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .expect("run")
    .run
}

/// The details of SQLite's query plan for `sql` with `params` (one line per step, as
/// `EXPLAIN QUERY PLAN` prints them).
pub fn query_plan(
    conn: &rusqlite::Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Vec<String> {
    conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .expect("plan")
        .query_map(params, |r| r.get(3))
        .expect("rows")
        .map(|r| r.expect("row"))
        .collect()
}
