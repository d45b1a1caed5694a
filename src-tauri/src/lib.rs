//! Arbiter's desktop app (Tauri 2). Commands are one-line wrappers over arbiter-commands'
//! [`handlers`] (the work, over its [`AppState`], which calls arbiter-core), run on the blocking
//! pool; images reach the webview only through the `thumb://` and `media://` protocols, which
//! serve items of the open project and nothing else. Every command is declared once, in
//! arbiter-commands' [`registry`]; the handler below is expanded from it. What stays here needs
//! Tauri or the desktop: the command functions, the `#[desktop]` commands (native dialogs with
//! rfd, the file manager), progress channels and the image protocols.

#[cfg(test)]
mod registry_tests;
pub mod webview;

use std::future::Future;
use std::path::PathBuf;

use tauri::http::{Response, StatusCode};
use tauri::ipc::Channel;
use tauri::{Manager, State};

use arbiter_commands::dto::*;
use arbiter_commands::handlers;
use arbiter_commands::registry;
use arbiter_commands::state::AppState;

mod serving;
use serving::Serving;

type Res<T> = Result<T, IpcError>;

#[tauri::command]
fn recent_projects(state: State<'_, AppState>) -> Res<Vec<RecentProject>> {
    handlers::recent_projects(&state)
}

#[tauri::command]
fn current_project(state: State<'_, AppState>) -> Res<Option<ProjectInfo>> {
    handlers::current_project(&state)
}

#[tauri::command]
fn open_project(
    state: State<'_, AppState>,
    serving: State<'_, Serving>,
    path: String,
) -> Res<ProjectInfo> {
    serving.stop();
    handlers::open_project(&state, path)
}

#[tauri::command]
fn create_project(
    state: State<'_, AppState>,
    serving: State<'_, Serving>,
    path: String,
    labels: Vec<String>,
    ordinal: bool,
) -> Res<ProjectInfo> {
    serving.stop();
    handlers::create_project(&state, path, labels, ordinal)
}

#[tauri::command]
fn close_project(state: State<'_, AppState>, serving: State<'_, Serving>) -> Res<()> {
    serving.stop();
    handlers::close_project(&state)
}

/// Await a native dialog: rfd's async dialogs, GTK on Linux. rfd builds and shows the dialog from
/// an idle callback on GLib's default main context, which Tauri's event loop turns on the main
/// thread, and answers through a future this async command awaits off the main thread. A
/// synchronous rfd dialog cannot be used: run on the main thread, it blocks that thread until the
/// dialog answers, but only that thread can turn the loop the dialog needs, so the app froze for
/// good.
async fn dialog(pick: impl Future<Output = Option<rfd::FileHandle>>) -> Res<Option<String>> {
    Ok(pick
        .await
        .map(|picked| picked.path().to_string_lossy().into_owned()))
}

#[tauri::command]
async fn pick_folder(title: String) -> Res<Option<String>> {
    dialog(rfd::AsyncFileDialog::new().set_title(title).pick_folder()).await
}

/// `kind`: `manifest` or `predictions` (.csv .tsv .parquet .jsonl .ndjson), `model` (.onnx),
/// `labels` (.txt .json), `labelstudio` or `tokenizer` (.json).
#[tauri::command]
async fn pick_file(title: String, kind: Option<String>) -> Res<Option<String>> {
    let (name, extensions): (&str, &[&str]) = match kind.as_deref() {
        Some("model") => ("ONNX models", &["onnx"]),
        Some("labels") => ("Label lists", &["txt", "json"]),
        Some("predictions") => ("Predictions", &["csv", "tsv", "parquet", "jsonl", "ndjson"]),
        Some("labelstudio") => ("Label Studio JSON exports", &["json"]),
        Some("tokenizer") => ("Tokenizers", &["json"]),
        _ => ("Manifests", &["csv", "tsv", "parquet", "jsonl", "ndjson"]),
    };
    dialog(
        rfd::AsyncFileDialog::new()
            .set_title(title)
            .add_filter(name, extensions)
            .pick_file(),
    )
    .await
}

/// Run `f` on the blocking pool: queries never run on the main (event-loop) thread.
async fn blocking<T: Send + 'static>(
    app: tauri::AppHandle,
    f: impl FnOnce(&AppState) -> Res<T> + Send + 'static,
) -> Res<T> {
    tauri::async_runtime::spawn_blocking(move || f(&app.state::<AppState>()))
        .await
        .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?
}

#[tauri::command]
async fn list_datasets(app: tauri::AppHandle) -> Res<Vec<DatasetInfo>> {
    blocking(app, handlers::list_datasets).await
}

#[tauri::command]
async fn label_counts(app: tauri::AppHandle, version_id: i64) -> Res<Vec<LabelCount>> {
    blocking(app, move |s| handlers::label_counts(s, version_id)).await
}

#[tauri::command]
async fn list_items(
    app: tauri::AppHandle,
    query: ItemQuery,
    viewer: Option<String>,
) -> Res<ItemPage> {
    blocking(app, move |s| handlers::list_items(s, query, viewer)).await
}

#[tauri::command]
async fn get_item(app: tauri::AppHandle, rowid: i64, viewer: Option<String>) -> Res<ItemDetail> {
    blocking(app, move |s| handlers::get_item(s, rowid, viewer)).await
}

/// A long command's progress, sent down its channel to the UI (a message the UI no longer
/// listens to is dropped).
fn to_ui<T: tauri::ipc::IpcResponse>(channel: Channel<T>) -> impl FnMut(T) {
    move |progress| {
        let _ = channel.send(progress);
    }
}

#[tauri::command]
async fn import_dataset(
    app: tauri::AppHandle,
    request: ImportRequest,
    on_progress: Channel<ImportProgress>,
) -> Res<ImportSummary> {
    blocking(app, move |s| {
        handlers::import_dataset(s, request, to_ui(on_progress))
    })
    .await
}

#[tauri::command]
async fn list_models(app: tauri::AppHandle) -> Res<Vec<ModelDto>> {
    blocking(app, handlers::list_models).await
}

#[tauri::command]
async fn add_model(app: tauri::AppHandle, request: AddModelRequest) -> Res<ModelDto> {
    blocking(app, move |s| handlers::add_model(s, request)).await
}

#[tauri::command]
async fn calibrate_run(
    app: tauri::AppHandle,
    run: i64,
    sample: String,
    lead: String,
) -> Res<CalibrationDto> {
    blocking(app, move |s| handlers::calibrate_run(s, run, sample, lead)).await
}

#[tauri::command]
async fn risk_curve(
    app: tauri::AppHandle,
    run: i64,
    sample: String,
    risks: Vec<f64>,
    delta: f64,
) -> Res<Vec<AutoAcceptDto>> {
    blocking(app, move |s| {
        handlers::risk_curve(s, run, sample, risks, delta)
    })
    .await
}

#[tauri::command]
async fn apply_autoaccept(
    app: tauri::AppHandle,
    run: i64,
    sample: String,
    risk: f64,
    delta: f64,
    despite_drift: bool,
    lead: String,
) -> Res<AutoAcceptDto> {
    blocking(app, move |s| {
        handlers::apply_autoaccept(s, run, sample, risk, delta, despite_drift, lead)
    })
    .await
}

#[tauri::command]
async fn revoke_autoaccept(app: tauri::AppHandle, lead: String) -> Res<()> {
    blocking(app, move |s| handlers::revoke_autoaccept(s, lead)).await
}

#[tauri::command]
async fn import_labelstudio(
    app: tauri::AppHandle,
    request: ImportLabelStudioRequest,
) -> Res<LabelStudioImportedDto> {
    blocking(app, move |s| handlers::import_labelstudio(s, request)).await
}

#[tauri::command]
async fn import_predictions(
    app: tauri::AppHandle,
    request: ImportPredictionsRequest,
) -> Res<PredictionsImportedDto> {
    blocking(app, move |s| handlers::import_predictions(s, request)).await
}

#[tauri::command]
async fn list_runs(app: tauri::AppHandle) -> Res<Vec<RunInfo>> {
    blocking(app, handlers::list_runs).await
}

#[tauri::command]
async fn item_prediction(
    app: tauri::AppHandle,
    run: i64,
    rowid: i64,
) -> Res<Option<ItemPrediction>> {
    blocking(app, move |s| handlers::item_prediction(s, run, rowid)).await
}

#[tauri::command]
async fn start_run(
    app: tauri::AppHandle,
    request: RunRequest,
    on_progress: Channel<RunProgress>,
) -> Res<RunInfo> {
    blocking(app, move |s| {
        handlers::start_run(s, request, to_ui(on_progress))
    })
    .await
}

/// The items a run failed and why (the first `limit`), with how many in all.
#[tauri::command]
async fn run_failures(app: tauri::AppHandle, run: i64, limit: u32) -> Res<RunFailures> {
    blocking(app, move |s| handlers::run_failures(s, run, limit)).await
}

/// Ask a running inference to stop after its current batch (it stays resumable).
#[tauri::command]
fn cancel_run(state: State<'_, AppState>) -> Res<bool> {
    handlers::cancel_run(&state)
}

#[tauri::command]
async fn list_annotators(app: tauri::AppHandle) -> Res<Vec<AnnotatorDto>> {
    blocking(app, handlers::list_annotators).await
}

#[tauri::command]
async fn add_annotator(app: tauri::AppHandle, name: String, role: Role) -> Res<AnnotatorDto> {
    blocking(app, move |s| handlers::add_annotator(s, name, role)).await
}

#[tauri::command]
async fn list_reasons(app: tauri::AppHandle) -> Res<Vec<ReasonDto>> {
    blocking(app, handlers::list_reasons).await
}

#[tauri::command]
async fn list_queues(app: tauri::AppHandle) -> Res<Vec<QueueDto>> {
    blocking(app, handlers::list_queues).await
}

#[tauri::command]
async fn create_queue(app: tauri::AppHandle, request: CreateQueueRequest) -> Res<QueueDto> {
    blocking(app, move |s| handlers::create_queue(s, request)).await
}

#[tauri::command]
async fn count_below(
    app: tauri::AppHandle,
    run: i64,
    threshold: f64,
    calibrated: bool,
) -> Res<BelowCount> {
    blocking(app, move |s| {
        handlers::count_below(s, run, threshold, calibrated)
    })
    .await
}

#[tauri::command]
async fn compare_runs(
    app: tauri::AppHandle,
    a: i64,
    b: i64,
    on: Option<String>,
) -> Res<ComparisonDto> {
    blocking(app, move |s| handlers::compare_runs(s, a, b, on)).await
}

#[tauri::command]
async fn next_items(
    app: tauri::AppHandle,
    queue: i64,
    annotator: String,
    n: u32,
) -> Res<Vec<ReviewItem>> {
    blocking(app, move |s| handlers::next_items(s, queue, annotator, n)).await
}

#[tauri::command]
async fn annotate(app: tauri::AppHandle, request: AnnotateRequest) -> Res<AnnotateResult> {
    blocking(app, move |s| handlers::annotate(s, request)).await
}

#[tauri::command]
async fn undo(app: tauri::AppHandle, annotator: String, queue: Option<i64>) -> Res<Option<i64>> {
    blocking(app, move |s| handlers::undo(s, annotator, queue)).await
}

#[tauri::command]
async fn release_queue(app: tauri::AppHandle, queue: i64, annotator: String) -> Res<()> {
    blocking(app, move |s| handlers::release_queue(s, queue, annotator)).await
}

#[tauri::command]
async fn queue_progress(app: tauri::AppHandle, queue: i64, annotator: String) -> Res<Progress> {
    blocking(app, move |s| handlers::queue_progress(s, queue, annotator)).await
}

/// Open conflicts, or (`resolved`) the ones reviewers resolved, newest first.
#[tauri::command]
async fn list_conflicts(app: tauri::AppHandle, resolved: Option<bool>) -> Res<Vec<ConflictDto>> {
    blocking(app, move |s| handlers::list_conflicts(s, resolved)).await
}

#[tauri::command]
async fn get_decision_rule(app: tauri::AppHandle) -> Res<DecisionRuleDto> {
    blocking(app, handlers::get_decision_rule).await
}

#[tauri::command]
async fn set_decision_rule(
    app: tauri::AppHandle,
    rule: DecisionRuleDto,
    lead: String,
) -> Res<DecisionRuleDto> {
    blocking(app, move |s| handlers::set_decision_rule(s, rule, lead)).await
}

#[tauri::command]
async fn get_guidelines(app: tauri::AppHandle) -> Res<GuidelinesDto> {
    blocking(app, handlers::get_guidelines).await
}

#[tauri::command]
async fn add_reason(
    app: tauri::AppHandle,
    code: String,
    description: String,
    lead: String,
) -> Res<Vec<ReasonDto>> {
    blocking(app, move |s| {
        handlers::add_reason(s, code, description, lead)
    })
    .await
}

#[tauri::command]
async fn retire_reason(app: tauri::AppHandle, code: String, lead: String) -> Res<Vec<ReasonDto>> {
    blocking(app, move |s| handlers::retire_reason(s, code, lead)).await
}

/// The escalations queue: open conflicts and items flagged since their last review.
#[tauri::command]
async fn list_escalations(app: tauri::AppHandle) -> Res<Vec<EscalationDto>> {
    blocking(app, handlers::list_escalations).await
}

#[tauri::command]
async fn act_on_escalation(
    app: tauri::AppHandle,
    request: EscalationRequest,
) -> Res<Vec<EscalationDto>> {
    blocking(app, move |s| handlers::act_on_escalation(s, request)).await
}

#[tauri::command]
async fn sent_back_notes(app: tauri::AppHandle, annotator: String) -> Res<Vec<SentBackDto>> {
    blocking(app, move |s| handlers::sent_back_notes(s, annotator)).await
}

#[tauri::command]
async fn get_agreement_target(app: tauri::AppHandle) -> Res<Option<TargetVerdict>> {
    blocking(app, handlers::get_agreement_target).await
}

#[tauri::command]
async fn set_agreement_target(
    app: tauri::AppHandle,
    target: Option<AgreementTarget>,
    lead: String,
) -> Res<Option<TargetVerdict>> {
    blocking(app, move |s| {
        handlers::set_agreement_target(s, target, lead)
    })
    .await
}

#[tauri::command]
async fn get_decision(app: tauri::AppHandle, rowid: i64) -> Res<DecisionDto> {
    blocking(app, move |s| handlers::get_decision(s, rowid)).await
}

/// The project report, shaped as `arbiter report --json` (the core's `metrics::ProjectReport`),
/// typed as `ProjectReportDto`.
#[tauri::command]
async fn project_report(
    app: tauri::AppHandle,
    run: Option<i64>,
    viewer: Option<String>,
) -> Res<ProjectReportDto> {
    blocking(app, move |s| handlers::project_report(s, run, viewer)).await
}

/// Mark the labels ordinal or nominal (a lead only); the new value.
#[tauri::command]
async fn set_ordinal_labels(app: tauri::AppHandle, actor: String, ordinal: bool) -> Res<bool> {
    blocking(app, move |s| {
        handlers::set_ordinal_labels(s, actor, ordinal)
    })
    .await
}

/// Change a label's hotkey, colour or guideline (a lead only); the labels now.
#[tauri::command]
async fn edit_label(
    app: tauri::AppHandle,
    request: LabelEditRequest,
    lead: String,
) -> Res<Vec<LabelInfo>> {
    blocking(app, move |s| handlers::edit_label(s, request, lead)).await
}

/// Add labels after the existing ones (a lead only); the labels now.
#[tauri::command]
async fn add_labels(
    app: tauri::AppHandle,
    names: Vec<String>,
    lead: String,
) -> Res<Vec<LabelInfo>> {
    blocking(app, move |s| handlers::add_labels(s, names, lead)).await
}

#[tauri::command]
async fn agreement_history(app: tauri::AppHandle) -> Res<Vec<AgreementPoint>> {
    blocking(app, handlers::agreement_history).await
}

#[tauri::command]
async fn export_preview(app: tauri::AppHandle, request: ExportRequest) -> Res<ExportPreview> {
    blocking(app, move |s| handlers::export_preview(s, request)).await
}

#[tauri::command]
async fn export_dataset(
    app: tauri::AppHandle,
    request: ExportRequest,
    on_progress: Channel<ExportProgress>,
) -> Res<ExportDone> {
    blocking(app, move |s| {
        handlers::export_dataset(s, request, to_ui(on_progress))
    })
    .await
}

/// Ask a running export to stop; it then leaves nothing behind and rejects with `cancelled`.
#[tauri::command]
fn cancel_export(state: State<'_, AppState>) -> Res<bool> {
    handlers::cancel_export(&state)
}

/// Native save dialog for an export: a file for parquet/csv/jsonl, a folder for imagefolder.
#[tauri::command]
async fn pick_export_path(format: ExportFormat) -> Res<Option<String>> {
    if format == ExportFormat::ImageFolder {
        dialog(
            rfd::AsyncFileDialog::new()
                .set_title("Export into a new folder")
                .pick_folder(),
        )
        .await
    } else {
        let (name, ext) = match format {
            ExportFormat::LabelStudio => ("Label Studio tasks (JSON)".to_string(), "json"),
            f => (f.as_str().to_uppercase(), f.as_str()),
        };
        dialog(
            rfd::AsyncFileDialog::new()
                .set_title("Export the corrected dataset")
                .set_file_name(format!("export.{ext}"))
                .add_filter(name, &[ext])
                .save_file(),
        )
        .await
    }
}

/// Every annotation event, oldest first, to a `.csv` or `.jsonl` file (`arbiter annotations export`).
#[tauri::command]
async fn export_annotations(app: tauri::AppHandle, out: String) -> Res<AnnotationsExported> {
    blocking(app, move |s| handlers::export_annotations(s, out)).await
}

/// Whether an export to `out` would replace an existing file (the export screen asks first).
#[tauri::command]
fn export_would_replace(
    state: State<'_, AppState>,
    out: String,
    format: ExportFormat,
) -> Res<bool> {
    handlers::export_would_replace(&state, out, format)
}

/// Open a folder in the system's file manager (only folders Arbiter just exported into).
#[tauri::command]
fn open_folder(path: String) -> Res<()> {
    let p = PathBuf::from(&path);
    if !p.is_dir() {
        return Err(IpcError::new(
            ErrorCode::NotFound,
            format!("{path}: not a folder"),
        ));
    }
    #[cfg(target_os = "linux")]
    let opener = "xdg-open";
    #[cfg(target_os = "macos")]
    let opener = "open";
    #[cfg(target_os = "windows")]
    let opener = "explorer";
    std::process::Command::new(opener)
        .arg(&p)
        .spawn()
        .map(|_| ())
        .map_err(|e| IpcError::new(ErrorCode::Io, format!("cannot open {path}: {e}")))
}

#[tauri::command]
async fn team_status(app: tauri::AppHandle) -> Res<TeamStatus> {
    blocking(app, handlers::team_status).await
}

/// A replica of the open project for another annotator, in a new or empty folder.
#[tauri::command]
async fn clone_project(app: tauri::AppHandle, request: CloneRequest) -> Res<ClonedDto> {
    blocking(app, move |s| handlers::clone_project(s, request)).await
}

/// A pack of this replica's events (beyond `since`, when given) to `out`.
#[tauri::command]
async fn export_pack(
    app: tauri::AppHandle,
    out: String,
    since: Option<String>,
) -> Res<PackExported> {
    blocking(app, move |s| handlers::export_pack(s, out, since)).await
}

/// Import packs (`dry_run`: the preview, nothing written).
#[tauri::command]
async fn import_packs(
    app: tauri::AppHandle,
    files: Vec<String>,
    dry_run: bool,
) -> Res<Vec<PackImported>> {
    blocking(app, move |s| handlers::import_packs(s, files, dry_run)).await
}

#[tauri::command]
async fn sync_folder(app: tauri::AppHandle, dir: String) -> Res<FolderSyncDto> {
    blocking(app, move |s| handlers::sync_folder(s, dir)).await
}

#[tauri::command]
async fn folder_status(app: tauri::AppHandle, dir: String) -> Res<FolderStatusDto> {
    blocking(app, move |s| handlers::folder_status(s, dir)).await
}

#[tauri::command]
async fn shared_folder(app: tauri::AppHandle) -> Res<SharedFolderSetting> {
    blocking(app, handlers::shared_folder).await
}

#[tauri::command]
async fn set_shared_folder(
    app: tauri::AppHandle,
    setting: SharedFolderSetting,
) -> Res<SharedFolderSetting> {
    blocking(app, move |s| handlers::set_shared_folder(s, setting)).await
}

#[tauri::command]
async fn invite_annotator(app: tauri::AppHandle, request: InviteRequest) -> Res<InvitedDto> {
    blocking(app, move |s| handlers::invite_annotator(s, request)).await
}

#[tauri::command]
async fn list_access(app: tauri::AppHandle) -> Res<Vec<AccessDto>> {
    blocking(app, handlers::list_access).await
}

#[tauri::command]
async fn revoke_access(app: tauri::AppHandle, name: String) -> Res<RevokedDto> {
    blocking(app, move |s| handlers::revoke_access(s, name)).await
}

#[tauri::command]
async fn add_gold(
    app: tauri::AppHandle,
    request: AddGoldRequest,
    lead: String,
) -> Res<GoldAddedDto> {
    blocking(app, move |s| handlers::add_gold(s, request, lead)).await
}

#[tauri::command]
async fn drift_report(app: tauri::AppHandle, request: DriftRequest) -> Res<DriftReportDto> {
    blocking(app, move |s| handlers::drift_report(s, request)).await
}

#[tauri::command]
async fn save_drift_queue(app: tauri::AppHandle, request: DriftQueueRequest) -> Res<QueueDto> {
    blocking(app, move |s| handlers::save_drift_queue(s, request)).await
}

#[tauri::command]
async fn list_gold(app: tauri::AppHandle, dataset: Option<String>) -> Res<Vec<GoldItemDto>> {
    blocking(app, move |s| handlers::list_gold(s, dataset)).await
}

#[tauri::command]
async fn remove_gold(
    app: tauri::AppHandle,
    items: Vec<String>,
    dataset: Option<String>,
    lead: String,
) -> Res<u64> {
    blocking(app, move |s| handlers::remove_gold(s, items, dataset, lead)).await
}

#[tauri::command]
async fn list_qualifications(app: tauri::AppHandle) -> Res<Vec<QualificationDto>> {
    blocking(app, handlers::list_qualifications).await
}

#[tauri::command]
async fn reset_qualification(
    app: tauri::AppHandle,
    queue: String,
    name: String,
    lead: String,
) -> Res<()> {
    blocking(app, move |s| {
        handlers::reset_qualification(s, queue, name, lead)
    })
    .await
}

/// Serve the open project to browsers on `bind` (`ADDRESS:PORT`); the running server's
/// address and who is connected.
#[tauri::command]
async fn start_serving(app: tauri::AppHandle, bind: String) -> Res<ServingDto> {
    let root = match app.state::<AppState>().current()? {
        Some(p) => PathBuf::from(p.path),
        None => {
            return Err(IpcError::new(
                ErrorCode::NoProject,
                "open a project before serving it",
            ))
        }
    };
    app.state::<Serving>().start(root, &bind).await
}

#[tauri::command]
fn stop_serving(serving: State<'_, Serving>) -> Res<()> {
    serving.stop();
    Ok(())
}

#[tauri::command]
fn serving_status(serving: State<'_, Serving>) -> Res<Option<ServingDto>> {
    Ok(serving.status())
}

/// Native save dialog for a pack, suggesting `suggested` as its name.
#[tauri::command]
async fn pick_pack_path(suggested: String) -> Res<Option<String>> {
    dialog(
        rfd::AsyncFileDialog::new()
            .set_title("Export a pack")
            .set_file_name(suggested)
            .add_filter("Arbiter packs", &["pack"])
            .save_file(),
    )
    .await
}

/// Native open dialog for one or more packs; empty when cancelled.
#[tauri::command]
async fn pick_packs() -> Res<Vec<String>> {
    Ok(rfd::AsyncFileDialog::new()
        .set_title("Import packs")
        .add_filter("Arbiter packs", &["pack"])
        .pick_files()
        .await
        .unwrap_or_default()
        .iter()
        .map(|f| f.path().to_string_lossy().into_owned())
        .collect())
}

/// Ask a running import to stop; it then writes nothing and rejects with `cancelled`.
#[tauri::command]
fn cancel_import(state: State<'_, AppState>) -> Res<bool> {
    handlers::cancel_import(&state)
}

/// Serve `thumb://localhost/<rowid>` and `media://localhost/<rowid>`.
fn serve_image(app: &tauri::AppHandle, scheme: &str, uri_path: &str) -> Response<Vec<u8>> {
    let reply = |status: StatusCode, mime: &str, body: Vec<u8>| {
        Response::builder()
            .status(status)
            .header("Content-Type", mime)
            .header("Cache-Control", "no-store")
            .header("Access-Control-Allow-Origin", "*")
            .body(body)
            .unwrap_or_default()
    };
    let Ok(rowid) = uri_path.trim_matches('/').parse::<i64>() else {
        return reply(
            StatusCode::BAD_REQUEST,
            "text/plain",
            b"expected /<rowid>".to_vec(),
        );
    };
    match app.state::<AppState>().image(scheme, rowid) {
        Ok(img) => reply(StatusCode::OK, img.mime, img.bytes),
        Err(e) => {
            let status = match e.code {
                ErrorCode::NotFound | ErrorCode::NoProject => StatusCode::NOT_FOUND,
                ErrorCode::Io => StatusCode::GONE,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            reply(status, "text/plain", e.message.into_bytes())
        }
    }
}

/// `--project DIR` (or `ARBITER_PROJECT`) opens that project at start.
fn startup_project() -> Option<PathBuf> {
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--project" {
            return args.next().map(PathBuf::from);
        }
        if let Some(v) = a.strip_prefix("--project=") {
            return Some(PathBuf::from(v));
        }
    }
    std::env::var_os("ARBITER_PROJECT").map(PathBuf::from)
}

/// Tauri's handler for every command of the registry.
macro_rules! handler {
    ($($(#[$flag:ident])? $role:ident $name:ident($($arg:ident: $ty:ty),*) -> $result:ty;)*) => {
        tauri::generate_handler![$($name),*]
    };
}

pub fn run() {
    let mut builder = tauri::Builder::default();
    for scheme in ["thumb", "media"] {
        builder = builder.register_asynchronous_uri_scheme_protocol(
            scheme,
            move |ctx, request, responder| {
                let app = ctx.app_handle().clone();
                let path = request.uri().path().to_string();
                tauri::async_runtime::spawn_blocking(move || {
                    responder.respond(serve_image(&app, scheme, &path))
                });
            },
        );
    }
    let result = builder
        .setup(|app| {
            let config_dir = app
                .path()
                .app_config_dir()
                .unwrap_or_else(|_| PathBuf::from(".arbiter-config"));
            let state = AppState::new(config_dir);
            if let Some(dir) = startup_project() {
                if let Err(e) = state.open(&dir) {
                    eprintln!("arbiter-app: cannot open {}: {}", dir.display(), e.message);
                }
            }
            app.manage(state);
            app.manage(Serving::default());
            match app.get_webview_window("main") {
                Some(window) => webview::reload_when_its_process_dies(&window)?,
                None => eprintln!("arbiter-app: no main window to watch"),
            }
            Ok(())
        })
        .invoke_handler(registry::for_each_command!(handler))
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("arbiter-app: {e}");
        std::process::exit(1);
    }
}
