//! One function per command of the registry that any shell can run, named as the command, taking
//! its arguments as the registry types them and returning its result: the work is written once,
//! here, and both the desktop app's `#[tauri::command]` functions and [`crate::dispatch`] (which
//! is generated from the registry, so a command without its function here does not compile) call
//! it. The `#[desktop]` commands (native dialogs, the file manager) have none; they live in the
//! desktop app. A command with a progress [`Channel`] takes any [`ProgressSink`]; only the
//! desktop app has one to give (a Tauri channel), so the dispatcher refuses those commands.

use std::marker::PhantomData;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::dto::*;
use crate::state::{self, AppState};

type Res<T> = Result<T, IpcError>;

/// Where a long command sends its progress: a closure (the desktop app sends each message down
/// its Tauri channel).
pub trait ProgressSink<T> {
    fn send(&mut self, progress: T);
}

impl<T, F: FnMut(T)> ProgressSink<T> for F {
    fn send(&mut self, progress: T) {
        self(progress)
    }
}

/// A progress channel, as the registry spells the argument (`Channel<ImportProgress>`). Only the
/// desktop app's IPC carries one (`tauri::ipc::Channel`), so this stand-in is never made: it
/// refuses to be read from JSON, and the dispatcher refuses its commands before reading any
/// argument ([`crate::registry::Command::desktop_only`]).
pub struct Channel<T>(PhantomData<T>);

impl<'de, T> serde::Deserialize<'de> for Channel<T> {
    fn deserialize<D: serde::Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        Err(serde::de::Error::custom(
            "a progress channel exists only in the desktop app",
        ))
    }
}

impl<T> ProgressSink<T> for Channel<T> {
    fn send(&mut self, _: T) {}
}

/// Progress messages at most once per `every` (~30 a second for 33 ms), plus the ones a command
/// forces (a stage change, the last item).
struct Throttle {
    last: Instant,
    every: Duration,
}

impl Throttle {
    fn new(every_ms: u64) -> Throttle {
        Throttle {
            last: Instant::now(),
            every: Duration::from_millis(every_ms),
        }
    }

    /// Whether to send this message; sending restarts the interval.
    fn due(&mut self, force: bool) -> bool {
        let due = force || self.last.elapsed() >= self.every;
        if due {
            self.last = Instant::now();
        }
        due
    }
}

// Projects.

pub fn recent_projects(s: &AppState) -> Res<Vec<RecentProject>> {
    Ok(s.recent())
}

pub fn current_project(s: &AppState) -> Res<Option<ProjectInfo>> {
    s.current()
}

pub fn open_project(s: &AppState, path: String) -> Res<ProjectInfo> {
    s.open(&PathBuf::from(path))
}

pub fn create_project(
    s: &AppState,
    path: String,
    labels: Vec<String>,
    ordinal: bool,
) -> Res<ProjectInfo> {
    s.create(&PathBuf::from(path), &labels, ordinal)
}

pub fn close_project(s: &AppState) -> Res<()> {
    s.close();
    Ok(())
}

// Datasets and items.

pub fn list_datasets(s: &AppState) -> Res<Vec<DatasetInfo>> {
    s.datasets()
}

pub fn label_counts(s: &AppState, version_id: i64) -> Res<Vec<LabelCount>> {
    s.label_counts(version_id)
}

/// A page of items as `viewer` may see it ([`crate::state::Sight`]): without given or final
/// labels, and without filtering by them, where those would tell a gold answer.
pub fn list_items(s: &AppState, mut query: ItemQuery, viewer: Option<String>) -> Res<ItemPage> {
    let sight = s.sight(viewer.as_deref())?;
    if !sight.labels {
        query.label = None;
        query.mismatch = None;
    }
    let mut page = s.items(&query)?;
    if !sight.labels {
        page.hide_labels();
    }
    Ok(page)
}

pub fn get_item(s: &AppState, rowid: i64, viewer: Option<String>) -> Res<ItemDetail> {
    let sight = s.sight(viewer.as_deref())?;
    let mut item = s.item(rowid)?;
    if !sight.labels {
        item.label = None;
        // An image folder's layout names the label in the path (`images/cat/001.png`).
        item.path = None;
        item.abs_path = None;
        item.labels_hidden = true;
    }
    Ok(item)
}

pub fn import_dataset(
    s: &AppState,
    request: ImportRequest,
    mut on_progress: impl ProgressSink<ImportProgress>,
) -> Res<ImportSummary> {
    let mut throttle = Throttle::new(33);
    s.import(&request, &mut |p| {
        // Every stage change, too.
        if throttle.due(p.done == 0 || p.done == p.total) {
            on_progress.send(p);
        }
    })
}

/// Ask a running import to stop; it then writes nothing and rejects with `cancelled`.
pub fn cancel_import(s: &AppState) -> Res<bool> {
    Ok(s.cancel_import())
}

// Models and runs.

pub fn list_models(s: &AppState) -> Res<Vec<ModelDto>> {
    s.models()
}

pub fn add_model(s: &AppState, request: AddModelRequest) -> Res<ModelDto> {
    s.add_model(&request)
}

pub fn import_labelstudio(
    s: &AppState,
    request: ImportLabelStudioRequest,
) -> Res<LabelStudioImportedDto> {
    s.import_labelstudio(&request)
}

pub fn import_predictions(
    s: &AppState,
    request: ImportPredictionsRequest,
) -> Res<PredictionsImportedDto> {
    s.import_predictions(&request)
}

pub fn calibrate_run(s: &AppState, run: i64, sample: String, lead: String) -> Res<CalibrationDto> {
    s.calibrate_run(run, &sample, &lead)
}

pub fn risk_curve(
    s: &AppState,
    run: i64,
    sample: String,
    risks: Vec<f64>,
    delta: f64,
) -> Res<Vec<AutoAcceptDto>> {
    s.risk_curve(run, &sample, &risks, delta)
}

pub fn apply_autoaccept(
    s: &AppState,
    run: i64,
    sample: String,
    risk: f64,
    delta: f64,
    despite_drift: bool,
    lead: String,
) -> Res<AutoAcceptDto> {
    s.apply_autoaccept(run, &sample, risk, delta, despite_drift, &lead)
}

pub fn revoke_autoaccept(s: &AppState, lead: String) -> Res<()> {
    s.revoke_autoaccept(&lead)
}

pub fn list_runs(s: &AppState) -> Res<Vec<RunInfo>> {
    s.runs()
}

pub fn item_prediction(s: &AppState, run: i64, rowid: i64) -> Res<Option<ItemPrediction>> {
    s.item_prediction(run, rowid)
}

pub fn start_run(
    s: &AppState,
    request: RunRequest,
    mut on_progress: impl ProgressSink<RunProgress>,
) -> Res<RunInfo> {
    let mut throttle = Throttle::new(50);
    s.start_run(&request, &mut |p| {
        if throttle.due(p.done == p.total) {
            on_progress.send(p);
        }
    })
}

/// Ask a running inference to stop after its current batch (it stays resumable).
pub fn cancel_run(s: &AppState) -> Res<bool> {
    Ok(s.cancel_run())
}

/// The items a run failed and why (the first `limit`), with how many in all.
pub fn run_failures(s: &AppState, run: i64, limit: u32) -> Res<RunFailures> {
    s.run_failures(run, limit as usize)
}

// Review.

pub fn list_annotators(s: &AppState) -> Res<Vec<AnnotatorDto>> {
    s.annotators()
}

pub fn add_annotator(s: &AppState, name: String, role: Role) -> Res<AnnotatorDto> {
    s.add_annotator(&name, role)
}

pub fn list_reasons(s: &AppState) -> Res<Vec<ReasonDto>> {
    s.reasons()
}

pub fn list_queues(s: &AppState) -> Res<Vec<QueueDto>> {
    s.queues()
}

pub fn create_queue(s: &AppState, request: CreateQueueRequest) -> Res<QueueDto> {
    s.create_queue(&request)
}

pub fn compare_runs(s: &AppState, a: i64, b: i64, on: Option<String>) -> Res<ComparisonDto> {
    s.compare_runs(a, b, on)
}

pub fn count_below(s: &AppState, run: i64, threshold: f64, calibrated: bool) -> Res<BelowCount> {
    s.count_below(run, threshold, calibrated)
}

pub fn next_items(s: &AppState, queue: i64, annotator: String, n: u32) -> Res<Vec<ReviewItem>> {
    s.next_items(queue, &annotator, n as usize)
}

pub fn annotate(s: &AppState, request: AnnotateRequest) -> Res<AnnotateResult> {
    s.annotate(&request)
}

pub fn undo(s: &AppState, annotator: String, queue: Option<i64>) -> Res<Option<i64>> {
    s.undo(&annotator, queue)
}

pub fn release_queue(s: &AppState, queue: i64, annotator: String) -> Res<()> {
    s.release_queue(queue, &annotator)
}

pub fn queue_progress(s: &AppState, queue: i64, annotator: String) -> Res<Progress> {
    s.progress(queue, &annotator)
}

/// Open conflicts, or (`resolved`) the ones reviewers resolved, newest first.
pub fn list_conflicts(s: &AppState, resolved: Option<bool>) -> Res<Vec<ConflictDto>> {
    s.conflicts(resolved.unwrap_or(false))
}

/// The labels' guidelines and examples, and the schema version.
pub fn get_guidelines(s: &AppState) -> Res<GuidelinesDto> {
    s.guidelines()
}

pub fn add_reason(
    s: &AppState,
    code: String,
    description: String,
    lead: String,
) -> Res<Vec<ReasonDto>> {
    s.add_reason(&code, &description, &lead)
}

pub fn retire_reason(s: &AppState, code: String, lead: String) -> Res<Vec<ReasonDto>> {
    s.retire_reason(&code, &lead)
}

/// The escalations queue: open conflicts and items flagged since their last review.
pub fn list_escalations(s: &AppState) -> Res<Vec<EscalationDto>> {
    s.escalations()
}

/// Accept, override or send back an escalated item; the queue after it.
pub fn act_on_escalation(s: &AppState, request: EscalationRequest) -> Res<Vec<EscalationDto>> {
    s.act_on_escalation(&request)
}

/// The items sent back to `annotator`, with the reviewers' notes.
pub fn sent_back_notes(s: &AppState, annotator: String) -> Res<Vec<SentBackDto>> {
    s.sent_back_notes(&annotator)
}

pub fn get_agreement_target(s: &AppState) -> Res<Option<TargetVerdict>> {
    s.agreement_target()
}

pub fn set_agreement_target(
    s: &AppState,
    target: Option<AgreementTarget>,
    lead: String,
) -> Res<Option<TargetVerdict>> {
    s.set_agreement_target(target, &lead)
}

pub fn get_decision_rule(s: &AppState) -> Res<DecisionRuleDto> {
    s.decision_rule()
}

pub fn set_decision_rule(
    s: &AppState,
    rule: DecisionRuleDto,
    lead: String,
) -> Res<DecisionRuleDto> {
    s.set_decision_rule(&rule, &lead)
}

pub fn get_decision(s: &AppState, rowid: i64) -> Res<DecisionDto> {
    s.decision(rowid)
}

// Dashboard, labels, export.

/// The project report, shaped as `arbiter report --json` (the core's `metrics::ProjectReport`),
/// typed as `ProjectReportDto`.
pub fn project_report(
    s: &AppState,
    run: Option<i64>,
    viewer: Option<String>,
) -> Res<ProjectReportDto> {
    let sight = s.sight(viewer.as_deref())?;
    let mut report = s.report(run)?;
    if !sight.gold_details {
        // Each person's own accuracy on gold stays in `annotators[].gold`.
        report.gold.annotators.clear();
    }
    Ok(report)
}

pub fn agreement_history(s: &AppState) -> Res<Vec<AgreementPoint>> {
    s.agreement_history()
}

/// Mark the labels ordinal or nominal (a lead only); the new value.
pub fn set_ordinal_labels(s: &AppState, actor: String, ordinal: bool) -> Res<bool> {
    s.set_ordinal_labels(&actor, ordinal)
}

/// Change a label's hotkey, colour or guideline (a lead only); the labels now.
pub fn edit_label(s: &AppState, request: LabelEditRequest, lead: String) -> Res<Vec<LabelInfo>> {
    s.edit_label(&request, &lead)
}

/// Add labels after the existing ones (a lead only); the labels now.
pub fn add_labels(s: &AppState, names: Vec<String>, lead: String) -> Res<Vec<LabelInfo>> {
    s.add_labels(&names, &lead)
}

pub fn export_preview(s: &AppState, request: ExportRequest) -> Res<ExportPreview> {
    s.export_preview(&request)
}

pub fn export_dataset(
    s: &AppState,
    request: ExportRequest,
    mut on_progress: impl ProgressSink<ExportProgress>,
) -> Res<ExportDone> {
    let mut throttle = Throttle::new(33);
    let mut stage = None;
    s.export(&request, &mut |p| {
        // Every stage change and the last file, too.
        if throttle.due(stage != Some(p.stage) || p.done == p.total) {
            stage = Some(p.stage);
            on_progress.send(p);
        }
    })
}

/// Ask a running export to stop; it then leaves nothing behind and rejects with `cancelled`.
pub fn cancel_export(s: &AppState) -> Res<bool> {
    Ok(s.cancel_export())
}

/// Every annotation event, oldest first, to a `.csv` or `.jsonl` file (`arbiter annotations export`).
pub fn export_annotations(s: &AppState, out: String) -> Res<AnnotationsExported> {
    s.export_annotations(&out)
}

/// Whether an export to `out` would replace an existing file (the export screen asks first).
pub fn export_would_replace(_: &AppState, out: String, format: ExportFormat) -> Res<bool> {
    Ok(state::export_would_replace(&out, format))
}

// Team: replicas of the project exchanging event packs.

pub fn invite_annotator(s: &AppState, request: InviteRequest) -> Res<InvitedDto> {
    s.invite_annotator(&request)
}

pub fn list_access(s: &AppState) -> Res<Vec<AccessDto>> {
    s.list_access()
}

pub fn revoke_access(s: &AppState, name: String) -> Res<RevokedDto> {
    s.revoke_access(&name)
}

// Gold items and qualifications.

pub fn add_gold(s: &AppState, request: AddGoldRequest, lead: String) -> Res<GoldAddedDto> {
    s.add_gold(&request, &lead)
}

pub fn drift_report(s: &AppState, request: DriftRequest) -> Res<DriftReportDto> {
    s.drift_report(&request)
}

pub fn save_drift_queue(s: &AppState, request: DriftQueueRequest) -> Res<QueueDto> {
    s.save_drift_queue(&request)
}

pub fn list_gold(s: &AppState, dataset: Option<String>) -> Res<Vec<GoldItemDto>> {
    s.list_gold(dataset.as_deref())
}

pub fn remove_gold(
    s: &AppState,
    items: Vec<String>,
    dataset: Option<String>,
    lead: String,
) -> Res<u64> {
    s.remove_gold(&items, dataset.as_deref(), &lead)
}

pub fn list_qualifications(s: &AppState) -> Res<Vec<QualificationDto>> {
    s.qualifications()
}

pub fn reset_qualification(s: &AppState, queue: String, name: String, lead: String) -> Res<()> {
    s.reset_qualification(&queue, &name, &lead)
}

pub fn team_status(s: &AppState) -> Res<TeamStatus> {
    s.team_status()
}

/// A replica of the open project for another annotator, in a new or empty folder.
pub fn clone_project(s: &AppState, request: CloneRequest) -> Res<ClonedDto> {
    s.clone_project(&request)
}

/// A pack of this replica's events (beyond `since`, when given) to `out`.
pub fn export_pack(s: &AppState, out: String, since: Option<String>) -> Res<PackExported> {
    s.export_pack(&out, since.as_deref())
}

/// Import packs (`dry_run`: the preview, nothing written).
pub fn import_packs(s: &AppState, files: Vec<String>, dry_run: bool) -> Res<Vec<PackImported>> {
    s.import_packs(&files, dry_run)
}

pub fn sync_folder(s: &AppState, dir: String) -> Res<FolderSyncDto> {
    s.sync_folder(&dir)
}

pub fn folder_status(s: &AppState, dir: String) -> Res<FolderStatusDto> {
    s.folder_status(&dir)
}

pub fn shared_folder(s: &AppState) -> Res<SharedFolderSetting> {
    s.shared_folder()
}

pub fn set_shared_folder(s: &AppState, setting: SharedFolderSetting) -> Res<SharedFolderSetting> {
    s.set_shared_folder(&setting)
}
