//! Tauri's build step. Every app command is listed here, which makes Tauri generate an
//! `allow-<command>` permission for it; `capabilities/main.json` grants exactly these.

const COMMANDS: &[&str] = &[
    "recent_projects",
    "current_project",
    "open_project",
    "create_project",
    "close_project",
    "pick_folder",
    "pick_file",
    "list_datasets",
    "label_counts",
    "list_items",
    "get_item",
    "import_dataset",
    "cancel_import",
    "list_models",
    "add_model",
    "list_runs",
    "item_prediction",
    "start_run",
    "cancel_run",
    "run_failures",
    "list_annotators",
    "add_annotator",
    "list_reasons",
    "list_queues",
    "create_queue",
    "count_below",
    "next_items",
    "annotate",
    "undo",
    "release_queue",
    "queue_progress",
    "list_conflicts",
    "get_decision_rule",
    "set_decision_rule",
    "get_decision",
    "project_report",
    "agreement_history",
    "set_ordinal_labels",
    "edit_label",
    "add_labels",
    "export_preview",
    "export_dataset",
    "cancel_export",
    "pick_export_path",
    "export_would_replace",
    "open_folder",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build step");
}
