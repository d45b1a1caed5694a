//! The one list of Arbiter's commands: each command's name, the least role it is meant for, its
//! arguments and its result, as Rust types spelled as in its `#[tauri::command]` function in the
//! desktop app's `src-tauri/src/lib.rs` (the result without `Res<…>`; `Channel<T>` a progress
//! channel). Everything else is derived from this list:
//! - `src-tauri/src/lib.rs`: the Tauri handler (`generate_handler!`);
//! - `src-tauri/build.rs` (which includes this file by path; it depends on nothing): the commands
//!   Tauri generates an `allow-<command>` permission for, and `src-tauri/capabilities/main.json`,
//!   which grants exactly those (a test there keeps the committed file current; a build never
//!   writes the source tree);
//! - [`crate::commands_ts`]: `ui/src/bindings/commands.ts`, the `Commands` map that
//!   `ui/src/ipc.ts` calls through;
//! - [`crate::handlers`]: one function per command, the work the desktop app's function and
//!   [`crate::dispatch`] both call; the dispatcher is generated from this list;
//! - [`COMMANDS`], the same list as plain data for any other shell (an HTTP server) to iterate.
//!
//! A command only the desktop app can run is marked `#[desktop]` (a native dialog, the file
//! manager); one whose argument is a progress `Channel<T>` is desktop-only too, as the list says
//! ([`Command::desktop_only`]). The dispatcher refuses both with `desktop_only`. A command that
//! only reads the project is marked `#[read]` ([`Command::reads`]): a shell may run it on a
//! reading connection beside the writer (`arbiter serve` does, on connections that refuse
//! writes, so a wrong mark fails loudly; `dispatch/tests.rs` runs every `#[read]` command so).
//!
//! `src-tauri/src/registry_tests.rs` fails when the functions in `lib.rs` or the capability file
//! disagree with this list; this crate's `registry_tests.rs` when the generated TypeScript or the
//! names `ipc.ts` calls do.
//!
//! Roles: `any` (everyone: opening a project, pickers, reading), `annotator`, `reviewer`, `lead`
//! (each role may do what the ones before it may). The desktop app has one local user and does not
//! check them; the core checks what must be checked (a lead for project-wide settings, a reviewer
//! or lead for an override).

/// The least role a command is meant for; each role may do what the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Every user: opening a project, pickers, reading the project.
    Any,
    Annotator,
    Reviewer,
    Lead,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Any => "any",
            Role::Annotator => "annotator",
            Role::Reviewer => "reviewer",
            Role::Lead => "lead",
        }
    }
}

/// One argument: its name (snake_case, as in Rust; the UI sends it in camelCase) and Rust type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arg {
    pub name: &'static str,
    pub ty: &'static str,
}

/// One command, as plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Command {
    pub name: &'static str,
    pub role: Role,
    pub args: &'static [Arg],
    /// The Rust type of the result (`()` for none), without `Res<…>`.
    pub result: &'static str,
    /// Marked `#[desktop]` in the list: it needs the desktop (a native dialog, the file manager).
    pub desktop: bool,
    /// Marked `#[read]` in the list: it only reads the project (no write, no claim).
    pub reads: bool,
}

impl Command {
    /// The permission Tauri generates for the command (`allow-open-project`).
    pub fn permission(&self) -> String {
        format!("allow-{}", self.name.replace('_', "-"))
    }

    /// Whether an argument is a progress channel (`Channel<T>`), which only the desktop app's
    /// IPC carries.
    pub fn has_channel(&self) -> bool {
        // As `stringify!` spells it, maybe `Channel < T >`.
        self.args.iter().any(|a| {
            a.ty.strip_prefix("Channel")
                .is_some_and(|rest| rest.trim_start().starts_with('<'))
        })
    }

    /// Whether only the desktop app can run the command: marked `#[desktop]`, or it reports
    /// progress through a channel. Other shells (an HTTP server) refuse it.
    pub fn desktop_only(&self) -> bool {
        self.desktop || self.has_channel()
    }
}

/// The command named `name`, if the registry has one.
pub fn find(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// The least role the command named `name` is meant for, if the registry has one.
pub fn role_of(name: &str) -> Option<Role> {
    find(name).map(|c| c.role)
}

/// Calls the macro `$then` with every command, one per line:
/// `role name(arg: Type, …) -> Result;`, after `#[desktop]` for a command only the desktop app can
/// run (a native dialog, the system's file manager) or `#[read]` for one that only reads the
/// project (at most one mark; a desktop-only command is never run elsewhere, so it needs no
/// `#[read]`). To add a command, add its line here.
#[macro_export]
macro_rules! for_each_command {
    ($then:ident) => {
        $then! {
            // Projects, pickers.
            any recent_projects() -> Vec<RecentProject>;
            any current_project() -> Option<ProjectInfo>;
            any open_project(path: String) -> ProjectInfo;
            any create_project(path: String, labels: Vec<String>, ordinal: bool) -> ProjectInfo;
            any close_project() -> ();
            #[desktop] any pick_folder(title: String) -> Option<String>;
            #[desktop] any pick_file(title: String, kind: Option<String>) -> Option<String>;
            // Datasets and items.
            #[read] any list_datasets() -> Vec<DatasetInfo>;
            #[read] any label_counts(version_id: i64) -> Vec<LabelCount>;
            #[read] any list_items(query: ItemQuery, viewer: Option<String>) -> ItemPage;
            #[read] any get_item(rowid: i64, viewer: Option<String>) -> ItemDetail;
            lead import_dataset(request: ImportRequest, on_progress: Channel<ImportProgress>) -> ImportSummary;
            lead import_labelstudio(request: ImportLabelStudioRequest) -> LabelStudioImportedDto;
            lead cancel_import() -> bool;
            // Models and runs.
            #[read] any list_models() -> Vec<ModelDto>;
            lead add_model(request: AddModelRequest) -> ModelDto;
            lead import_predictions(request: ImportPredictionsRequest) -> PredictionsImportedDto;
            // Calibration and certified auto-accept (a fair sample: a random queue saved
            // without a threshold).
            lead calibrate_run(run: i64, sample: String, lead: String) -> CalibrationDto;
            // Reads only, but not marked `#[read]` yet: the read-only dispatch test's project
            // has no fair sample of 30 labeled items to run it on.
            any risk_curve(run: i64, sample: String, risks: Vec<f64>, delta: f64) -> Vec<AutoAcceptDto>;
            lead apply_autoaccept(run: i64, sample: String, risk: f64, delta: f64, despite_drift: bool, lead: String) -> AutoAcceptDto;
            lead revoke_autoaccept(lead: String) -> ();
            #[read] any list_runs() -> Vec<RunInfo>;
            #[read] any item_prediction(run: i64, rowid: i64) -> Option<ItemPrediction>;
            lead start_run(request: RunRequest, on_progress: Channel<RunProgress>) -> RunInfo;
            lead cancel_run() -> bool;
            #[read] any run_failures(run: i64, limit: u32) -> RunFailures;
            // Review.
            #[read] any list_annotators() -> Vec<AnnotatorDto>;
            any add_annotator(name: String, role: Role) -> AnnotatorDto;
            #[read] any list_reasons() -> Vec<ReasonDto>;
            #[read] any list_queues() -> Vec<QueueDto>;
            lead create_queue(request: CreateQueueRequest) -> QueueDto;
            #[read] lead count_below(run: i64, threshold: f64, calibrated: bool) -> BelowCount;
            #[read] any compare_runs(a: i64, b: i64, on: Option<String>) -> ComparisonDto;
            annotator next_items(queue: i64, annotator: String, n: u32) -> Vec<ReviewItem>;
            annotator annotate(request: AnnotateRequest) -> AnnotateResult;
            annotator undo(annotator: String, queue: Option<i64>) -> Option<i64>;
            annotator release_queue(queue: i64, annotator: String) -> ();
            #[read] annotator queue_progress(queue: i64, annotator: String) -> Progress;
            #[read] reviewer list_conflicts(resolved: Option<bool>) -> Vec<ConflictDto>;
            #[read] any get_decision_rule() -> DecisionRuleDto;
            lead set_decision_rule(rule: DecisionRuleDto, lead: String) -> DecisionRuleDto;
            #[read] reviewer list_escalations() -> Vec<EscalationDto>;
            reviewer act_on_escalation(request: EscalationRequest) -> Vec<EscalationDto>;
            #[read] annotator sent_back_notes(annotator: String) -> Vec<SentBackDto>;
            #[read] any get_agreement_target() -> Option<TargetVerdict>;
            lead set_agreement_target(target: Option<AgreementTarget>, lead: String) -> Option<TargetVerdict>;
            // Shows everyone's votes (the item view asks for it in browsing, too).
            #[read] reviewer get_decision(rowid: i64) -> DecisionDto;
            // Dashboard, labels, export.
            #[read] any project_report(run: Option<i64>, viewer: Option<String>) -> ProjectReportDto;
            #[read] any agreement_history() -> Vec<AgreementPoint>;
            lead set_ordinal_labels(actor: String, ordinal: bool) -> bool;
            lead edit_label(request: LabelEditRequest, lead: String) -> Vec<LabelInfo>;
            lead add_labels(names: Vec<String>, lead: String) -> Vec<LabelInfo>;
            #[read] any get_guidelines() -> GuidelinesDto;
            lead add_reason(code: String, description: String, lead: String) -> Vec<ReasonDto>;
            lead retire_reason(code: String, lead: String) -> Vec<ReasonDto>;
            #[read] lead export_preview(request: ExportRequest) -> ExportPreview;
            lead export_dataset(request: ExportRequest, on_progress: Channel<ExportProgress>) -> ExportDone;
            lead cancel_export() -> bool;
            lead export_annotations(out: String) -> AnnotationsExported;
            #[desktop] any pick_export_path(format: ExportFormat) -> Option<String>;
            #[read] any export_would_replace(out: String, format: ExportFormat) -> bool;
            #[desktop] any open_folder(path: String) -> ();
            // Gold items (the answers: a lead's) and qualifications.
            lead add_gold(request: AddGoldRequest, lead: String) -> GoldAddedDto;
            #[read] lead list_gold(dataset: Option<String>) -> Vec<GoldItemDto>;
            lead remove_gold(items: Vec<String>, dataset: Option<String>, lead: String) -> u64;
            #[read] any list_qualifications() -> Vec<QualificationDto>;
            // Drift between two dataset versions or runs, and the queue of the drifted items.
            // Not `#[read]`: a report that finds the auto-accept's data drifted records the
            // verdict (`drift::mark_stale`).
            any drift_report(request: DriftRequest) -> DriftReportDto;
            lead save_drift_queue(request: DriftQueueRequest) -> QueueDto;
            lead reset_qualification(queue: String, name: String, lead: String) -> ();
            // Team: replicas of the project exchanging event packs.
            #[read] any team_status() -> TeamStatus;
            lead clone_project(request: CloneRequest) -> ClonedDto;
            annotator export_pack(out: String, since: Option<String>) -> PackExported;
            lead import_packs(files: Vec<String>, dry_run: bool) -> Vec<PackImported>;
            annotator sync_folder(dir: String) -> FolderSyncDto;
            #[read] any folder_status(dir: String) -> FolderStatusDto;
            #[read] any shared_folder() -> SharedFolderSetting;
            annotator set_shared_folder(setting: SharedFolderSetting) -> SharedFolderSetting;
            // Serving browsers (`arbiter serve`): invitations, and the app's own server.
            lead invite_annotator(request: InviteRequest) -> InvitedDto;
            #[read] lead list_access() -> Vec<AccessDto>;
            lead revoke_access(name: String) -> RevokedDto;
            #[desktop] lead start_serving(bind: String) -> ServingDto;
            #[desktop] lead stop_serving() -> ();
            #[desktop] any serving_status() -> Option<ServingDto>;
            #[desktop] any pick_pack_path(suggested: String) -> Option<String>;
            #[desktop] any pick_packs() -> Vec<String>;
        }
    };
}
pub use crate::for_each_command;

macro_rules! role {
    (any) => {
        Role::Any
    };
    (annotator) => {
        Role::Annotator
    };
    (reviewer) => {
        Role::Reviewer
    };
    (lead) => {
        Role::Lead
    };
}

macro_rules! desktop {
    () => {
        false
    };
    (desktop) => {
        true
    };
    (read) => {
        false
    };
}

macro_rules! reads {
    () => {
        false
    };
    (desktop) => {
        false
    };
    (read) => {
        true
    };
}

macro_rules! table {
    ($($(#[$flag:ident])? $role:ident $name:ident($($arg:ident: $ty:ty),*) -> $result:ty;)*) => {
        /// Every command, in the registry's order.
        pub const COMMANDS: &[Command] = &[$(Command {
            name: stringify!($name),
            role: role!($role),
            args: &[$(Arg { name: stringify!($arg), ty: stringify!($ty) }),*],
            result: stringify!($result),
            desktop: desktop!($($flag)?),
            reads: reads!($($flag)?),
        }),*];

        /// Every command's name, in the registry's order (what `tauri_build` takes).
        pub const NAMES: &[&str] = &[$(stringify!($name)),*];
    };
}
for_each_command!(table);
