//! The app's runtime state and the work behind each command, free of Tauri types so it can be
//! tested directly: the open project, the recent-projects list, image serving.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use arbiter_core::dataset::{self, ColumnChoice, ImportOptions};
use arbiter_core::items::{self, LabelFilter};
use arbiter_core::{annotate, decide, media, model, predict, queue, review, schema, Project};

use crate::dto::*;

/// How many projects the start screen remembers.
const MAX_RECENT: usize = 12;

pub struct AppState {
    project: Mutex<Option<Project>>,
    /// This window's hold on the open project (another window on it is refused).
    window_lock: Mutex<Option<arbiter_core::store::WindowLock>>,
    /// Where `recent.json` lives (the platform's config folder for the app).
    config_dir: PathBuf,
    /// The running import's cancel flag, if one runs.
    import_cancel: Mutex<Option<Arc<AtomicBool>>>,
    /// The running inference's cancel flag, if one runs.
    run_cancel: Mutex<Option<Arc<AtomicBool>>>,
    /// The running export's cancel flag, if one runs.
    export_cancel: Mutex<Option<Arc<AtomicBool>>>,
    /// Opened on a connection that refuses writes ([`AppState::open_served_reader`]).
    reader: AtomicBool,
    /// The agreement the latest report on such a connection left to record.
    history: Mutex<Option<arbiter_core::metrics::HistoryEntry>>,
}

fn no_project() -> IpcError {
    IpcError::new(
        ErrorCode::NoProject,
        "no project is open; open or create one first",
    )
}

impl AppState {
    pub fn new(config_dir: PathBuf) -> Self {
        AppState {
            project: Mutex::new(None),
            window_lock: Mutex::new(None),
            config_dir,
            import_cancel: Mutex::new(None),
            run_cancel: Mutex::new(None),
            export_cancel: Mutex::new(None),
            reader: AtomicBool::new(false),
            history: Mutex::new(None),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<Project>> {
        // A panic while holding the lock leaves a usable project behind; keep going.
        self.project.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn with_project<T>(
        &self,
        f: impl FnOnce(&Project) -> Result<T, IpcError>,
    ) -> Result<T, IpcError> {
        let guard = self.lock();
        let p = guard.as_ref().ok_or_else(no_project)?;
        f(p)
    }

    fn info(p: &Project) -> Result<ProjectInfo, IpcError> {
        let datasets = dataset::list(p)?;
        let items = datasets
            .iter()
            .filter_map(|d| d.versions.first())
            .map(|v| v.items as u64)
            .sum();
        Ok(ProjectInfo {
            path: p.root().to_string_lossy().into_owned(),
            name: p.name()?,
            labels: schema::labels(p)?
                .into_iter()
                .map(LabelInfo::from)
                .collect(),
            datasets: datasets.len() as u64,
            items,
        })
    }

    pub fn current(&self) -> Result<Option<ProjectInfo>, IpcError> {
        let guard = self.lock();
        guard.as_ref().map(Self::info).transpose()
    }

    pub fn open(&self, path: &Path) -> Result<ProjectInfo, IpcError> {
        let p = Project::open(path)?;
        let same = self
            .lock()
            .as_ref()
            .is_some_and(|cur| cur.root() == p.root());
        let mut held = self.window_lock.lock().unwrap_or_else(|e| e.into_inner());
        if !same {
            let lock = p.lock_window()?;
            *held = Some(lock);
        }
        let info = Self::info(&p)?;
        *self.lock() = Some(p);
        self.remember(&info);
        Ok(info)
    }

    /// Open `path` for a shell that is not a window (`arbiter serve`): without the window lock,
    /// so the lead's desktop app can keep the project open beside it (each write is its own
    /// transaction; SQLite serialises the two processes), and without touching the recent list.
    pub fn open_served(&self, path: &Path) -> Result<ProjectInfo, IpcError> {
        let p = Project::open(path)?;
        let info = Self::info(&p)?;
        *self.lock() = Some(p);
        Ok(info)
    }

    /// Open `path` as [`AppState::open_served`] does, on a connection that refuses writes: a
    /// served project's reading connection, for the commands the registry marks `#[read]`.
    pub fn open_served_reader(&self, path: &Path) -> Result<(), IpcError> {
        let p = Project::open(path)?;
        p.make_query_only()?;
        *self.lock() = Some(p);
        self.reader.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// Create a project with these labels (blank ones dropped), ranked in the given order when
    /// `ordinal` (the switch for weighted κ and ordinal α), and open it.
    pub fn create(
        &self,
        path: &Path,
        labels: &[String],
        ordinal: bool,
    ) -> Result<ProjectInfo, IpcError> {
        let specs: Vec<schema::LabelSpec> = labels
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .map(schema::LabelSpec::named)
            .collect();
        drop(Project::create_with(path, None, &specs, ordinal)?);
        self.open(path)
    }

    pub fn close(&self) {
        *self.lock() = None;
        *self.window_lock.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    fn recent_file(&self) -> PathBuf {
        self.config_dir.join("recent.json")
    }

    pub fn recent(&self) -> Vec<RecentProject> {
        let mut list: Vec<RecentProject> = std::fs::read(self.recent_file())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        for r in &mut list {
            r.exists = Path::new(&r.path)
                .join(arbiter_core::store::DB_FILE)
                .is_file();
        }
        list
    }

    /// Put a project first in the recent list (best effort: a read-only config folder only
    /// costs the list).
    fn remember(&self, info: &ProjectInfo) {
        let mut list = self.recent();
        list.retain(|r| r.path != info.path);
        list.insert(
            0,
            RecentProject {
                path: info.path.clone(),
                name: info.name.clone(),
                opened_at: arbiter_core::time::now_utc(),
                exists: true,
            },
        );
        list.truncate(MAX_RECENT);
        if std::fs::create_dir_all(&self.config_dir).is_ok() {
            if let Ok(json) = serde_json::to_vec_pretty(&list) {
                let tmp = self.recent_file().with_extension("json.tmp");
                if std::fs::write(&tmp, json).is_ok() {
                    let _ = std::fs::rename(&tmp, self.recent_file());
                }
            }
        }
    }

    pub fn datasets(&self) -> Result<Vec<DatasetInfo>, IpcError> {
        self.with_project(|p| {
            Ok(dataset::list(p)?
                .into_iter()
                .map(DatasetInfo::from)
                .collect())
        })
    }

    pub fn label_counts(&self, version_id: i64) -> Result<Vec<LabelCount>, IpcError> {
        self.with_project(|p| {
            Ok(items::label_counts(p, version_id)?
                .into_iter()
                .map(|c| LabelCount {
                    label: c.label,
                    count: c.count,
                })
                .collect())
        })
    }

    pub fn items(&self, q: &ItemQuery) -> Result<ItemPage, IpcError> {
        let filter = match q.label.as_deref() {
            None => LabelFilter::All,
            Some("") => LabelFilter::Unlabeled,
            Some(l) => LabelFilter::Label(l.to_string()),
        };
        let query = items::Query {
            version_id: q.version_id,
            label: filter,
            run: q.run,
            predicted: q.predicted.clone().filter(|p| !p.is_empty()),
            mismatch: q.mismatch.unwrap_or(false),
            review: q.review.map(items::ReviewFilter::from),
            annotator: q.annotator.clone().filter(|a| !a.trim().is_empty()),
            search: q.search.clone().filter(|t| !t.trim().is_empty()),
            sort: match q.sort {
                ItemSort::Source => items::Sort::Source,
                ItemSort::ConfidenceAsc => items::Sort::ConfidenceAsc,
                ItemSort::ConfidenceDesc => items::Sort::ConfidenceDesc,
            },
            offset: q.offset,
            limit: q.limit.min(2000),
        };
        self.with_project(|p| Ok(items::query(p, &query)?.into()))
    }

    pub fn models(&self) -> Result<Vec<ModelDto>, IpcError> {
        self.with_project(|p| Ok(model::list(p)?.into_iter().map(ModelDto::from).collect()))
    }

    /// Register a model on a connection of its own (loading it takes a moment).
    /// Fit the run's temperature on the fair sample `sample` (10 reliability bins), kept with
    /// the run; a lead's.
    pub fn calibrate_run(
        &self,
        run: i64,
        sample: &str,
        lead: &str,
    ) -> Result<CalibrationDto, IpcError> {
        self.with_project(|p| {
            Ok(arbiter_core::calibration::calibrate(p, run, sample, 10, Some(lead))?.into())
        })
    }

    /// What auto-accept certifies at each risk (one read of the sample and the run).
    pub fn risk_curve(
        &self,
        run: i64,
        sample: &str,
        risks: &[f64],
        delta: f64,
    ) -> Result<Vec<AutoAcceptDto>, IpcError> {
        self.with_project(|p| {
            Ok(
                arbiter_core::calibration::risk_curve(p, run, sample, risks, delta)?
                    .into_iter()
                    .map(Into::into)
                    .collect(),
            )
        })
    }

    /// Decide the items above the certified threshold automatically; a lead's. A run whose
    /// data drifted is refused unless `despite_drift` (recorded).
    pub fn apply_autoaccept(
        &self,
        run: i64,
        sample: &str,
        risk: f64,
        delta: f64,
        despite_drift: bool,
        lead: &str,
    ) -> Result<AutoAcceptDto, IpcError> {
        self.with_project(|p| {
            Ok(arbiter_core::calibration::apply_with(
                p,
                run,
                sample,
                risk,
                delta,
                Some(lead),
                despite_drift,
            )?
            .into())
        })
    }

    /// Undo the auto-accept in force; a lead's.
    pub fn revoke_autoaccept(&self, lead: &str) -> Result<(), IpcError> {
        self.with_project(|p| {
            arbiter_core::calibration::revoke(p, Some(lead))?;
            Ok(())
        })
    }

    /// A Label Studio export as a new dataset of the open project (with its annotators,
    /// annotations and runs): on a connection of its own, all or nothing.
    pub fn import_labelstudio(
        &self,
        req: &ImportLabelStudioRequest,
    ) -> Result<LabelStudioImportedDto, IpcError> {
        let root = self.with_project(|p| Ok(p.root().to_path_buf()))?;
        let mut own = Project::open(&root)?;
        let nonempty = |s: &Option<String>| {
            s.as_ref()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        Ok(arbiter_core::labelstudio::import_into(
            &mut own,
            &arbiter_core::labelstudio::ImportOptions {
                file: PathBuf::from(req.file.trim()),
                dataset: nonempty(&req.dataset),
                images_root: nonempty(&req.images_root).map(PathBuf::from),
                label_config: None,
            },
        )?
        .into())
    }

    /// Predictions made elsewhere, as a run: on a connection of its own (a large file takes
    /// seconds), all or nothing.
    pub fn import_predictions(
        &self,
        req: &ImportPredictionsRequest,
    ) -> Result<PredictionsImportedDto, IpcError> {
        let root = self.with_project(|p| Ok(p.root().to_path_buf()))?;
        let mut own = Project::open(&root)?;
        let nonempty = |s: &Option<String>| {
            s.as_ref()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        Ok(predict::import::import(
            &mut own,
            &predict::import::ImportOptions {
                file: PathBuf::from(req.file.trim()),
                name: req.name.clone(),
                version: nonempty(&req.version),
                dataset: nonempty(&req.dataset),
                normalize: req.normalize,
            },
        )?
        .into())
    }

    pub fn add_model(&self, req: &AddModelRequest) -> Result<ModelDto, IpcError> {
        let root = self.with_project(|p| Ok(p.root().to_path_buf()))?;
        let mut own = Project::open(&root)?;
        let text = |s: &Option<String>| {
            s.as_ref()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let invalid = |m: String| IpcError::new(ErrorCode::InvalidInput, m);
        let opts = model::AddOptions {
            file: PathBuf::from(req.file.trim()),
            name: text(&req.name),
            labels_file: text(&req.labels_file).map(PathBuf::from),
            size: text(&req.size).map(|s| model::parse_size(&s)).transpose()?,
            layout: req.layout.map(Into::into),
            color: req.color.map(Into::into),
            scale: req.scale,
            mean: req.mean.clone().filter(|m| !m.is_empty()),
            std: req.std.clone().filter(|m| !m.is_empty()),
            output: req.output.and_then(|o| model::OutputChoice::from(o).kind()),
            decode: req.decode.map(Into::into),
            tokenizer: text(&req.tokenizer).map(PathBuf::from),
        };
        if req.file.trim().is_empty() {
            return Err(invalid("choose an .onnx file".into()));
        }
        Ok(model::add(&mut own, &opts)?.into())
    }

    pub fn runs(&self) -> Result<Vec<RunInfo>, IpcError> {
        self.with_project(|p| Ok(predict::runs(p)?.into_iter().map(RunInfo::from).collect()))
    }

    pub fn item_prediction(
        &self,
        run: i64,
        rowid: i64,
    ) -> Result<Option<ItemPrediction>, IpcError> {
        self.with_project(|p| Ok(predict::top_k(p, run, rowid, 10)?.map(ItemPrediction::from)))
    }

    pub fn annotators(&self) -> Result<Vec<AnnotatorDto>, IpcError> {
        self.with_project(|p| {
            Ok(annotate::annotators(p)?
                .into_iter()
                .map(AnnotatorDto::from)
                .collect())
        })
    }

    pub fn add_annotator(&self, name: &str, role: Role) -> Result<AnnotatorDto, IpcError> {
        self.with_project(|p| Ok(annotate::add_annotator(p, name, role.into())?.into()))
    }

    pub fn reasons(&self) -> Result<Vec<ReasonDto>, IpcError> {
        self.with_project(|p| {
            Ok(schema::reasons(p)?
                .into_iter()
                .map(|r| ReasonDto {
                    code: r.code,
                    description: r.description,
                })
                .collect())
        })
    }

    pub fn queues(&self) -> Result<Vec<QueueDto>, IpcError> {
        self.with_project(|p| {
            review::list(p)?
                .into_iter()
                .map(|q| {
                    let c = review::counts(p, q.id)?;
                    Ok(QueueDto::new(q, c))
                })
                .collect()
        })
    }

    pub fn create_queue(&self, r: &CreateQueueRequest) -> Result<QueueDto, IpcError> {
        let mut guard = self.lock();
        let p = guard.as_mut().ok_or_else(no_project)?;
        let create = review::QueueCreate {
            name: r.name.clone(),
            spec: queue::QueueSpec {
                run: r.run,
                strategy: r.strategy.into(),
                other_run: r.other_run,
                threshold: r.threshold,
                seed: r.seed,
                calibrated: r.calibrated.unwrap_or(false),
            },
            limit: r.limit.map(|l| l as usize),
            overlap_share: r.overlap_share,
            overlap_k: r.overlap_k.max(1) as usize,
            blind: r.blind,
            lease_seconds: 600,
            assign: r
                .assign
                .iter()
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty())
                .collect(),
            gold: r.gold.map(Into::into).unwrap_or_default(),
        };
        let q = match (r.calibration.as_deref(), r.alpha) {
            (Some(calibration), Some(alpha)) => {
                arbiter_core::conformal::create(p, &create, calibration, alpha)?.1
            }
            _ => review::create(p, &create)?,
        };
        let c = review::counts(p, q.id)?;
        Ok(QueueDto::new(q, c))
    }

    /// Two runs on the same decided items (of queue `on`, else every decided item).
    pub fn compare_runs(
        &self,
        a: i64,
        b: i64,
        on: Option<String>,
    ) -> Result<ComparisonDto, IpcError> {
        self.with_project(|p| {
            Ok(arbiter_core::compare::compare(
                p,
                &arbiter_core::compare::CompareOptions {
                    a,
                    b,
                    on,
                    max_drop: None,
                },
            )?
            .into())
        })
    }

    /// How many of the run's items fall below `threshold` in confidence (calibrated
    /// confidence when `calibrated`: refused for a run without a temperature).
    pub fn count_below(
        &self,
        run: i64,
        threshold: f64,
        calibrated: bool,
    ) -> Result<BelowCount, IpcError> {
        self.with_project(|p| {
            let (below, total) = queue::below(p, run, threshold, calibrated)?;
            Ok(BelowCount { below, total })
        })
    }

    /// The annotator's next `n` items (claimed), with what the queue's mode lets them see.
    pub fn next_items(
        &self,
        queue_id: i64,
        annotator: &str,
        n: usize,
    ) -> Result<Vec<ReviewItem>, IpcError> {
        let mut guard = self.lock();
        let p = guard.as_mut().ok_or_else(no_project)?;
        Ok(review::next_view(p, queue_id, annotator, n.clamp(1, 8))?
            .into_iter()
            .map(ReviewItem::from)
            .collect())
    }

    /// Record one event; returns once it is committed.
    pub fn annotate(&self, r: &AnnotateRequest) -> Result<AnnotateResult, IpcError> {
        let invalid = |m: String| IpcError::new(ErrorCode::InvalidInput, m);
        let event = match r.kind {
            EventKind::Label => annotate::Event::Label {
                label: r
                    .label
                    .clone()
                    .ok_or_else(|| invalid("a label event needs a label".into()))?,
            },
            EventKind::Skip => annotate::Event::Skip,
            EventKind::Flag => annotate::Event::Flag {
                flag: r.flag.unwrap_or(Flag::Unsure).as_str().to_string(),
            },
        };
        let source = match r.source {
            AnnotationSource::Import => {
                return Err(invalid(
                    "source \"import\": use manual, accepted_prediction or override".into(),
                ))
            }
            s => s.into(),
        };
        let mut guard = self.lock();
        let p = guard.as_mut().ok_or_else(no_project)?;
        let id = annotate::record(
            p,
            &annotate::NewAnnotation {
                item: r.rowid,
                annotator: r.annotator.clone(),
                event,
                reason: r.reason.clone(),
                note: r.note.clone(),
                seconds: r.seconds,
                prediction_shown: r.prediction_shown,
                source,
                queue: r.queue,
                run: r.run,
                created_at: None,
            },
        )?;
        Ok(AnnotateResult {
            annotation: id,
            decision: decide::decision(p, r.rowid)?.into(),
        })
    }

    pub fn undo(&self, annotator: &str, queue_id: Option<i64>) -> Result<Option<i64>, IpcError> {
        let mut guard = self.lock();
        let p = guard.as_mut().ok_or_else(no_project)?;
        Ok(annotate::undo(p, annotator, queue_id)?)
    }

    pub fn release_queue(&self, queue_id: i64, annotator: &str) -> Result<(), IpcError> {
        let mut guard = self.lock();
        let p = guard.as_mut().ok_or_else(no_project)?;
        Ok(review::release(p, queue_id, annotator)?)
    }

    pub fn progress(&self, queue_id: i64, annotator: &str) -> Result<Progress, IpcError> {
        self.with_project(|p| {
            let (last_hour, labeled) = review::pace(p, annotator)?;
            let mine = review::mine(p, queue_id, annotator)?;
            Ok(Progress {
                counts: review::counts(p, queue_id)?.into(),
                last_hour,
                labeled,
                mine: mine.handled,
                my_skipped: mine.skipped,
                my_flagged: mine.flagged,
                pace_seconds: review::pace_span(p, annotator)?,
            })
        })
    }

    /// Items whose annotators disagree with no rule reached (`resolved` false), or the ones a
    /// reviewer resolved (true), with the votes, the given label and the newest prediction.
    pub fn conflicts(&self, resolved: bool) -> Result<Vec<ConflictDto>, IpcError> {
        self.with_project(|p| {
            Ok(review::conflicts(p, resolved)?
                .into_iter()
                .map(ConflictDto::from)
                .collect())
        })
    }

    pub fn decision_rule(&self) -> Result<DecisionRuleDto, IpcError> {
        self.with_project(|p| Ok(decide::rule(p)?.into()))
    }

    /// Change the decision rule as `lead` (refused for anyone who is not a lead); returns it.
    pub fn set_decision_rule(
        &self,
        rule: &DecisionRuleDto,
        lead: &str,
    ) -> Result<DecisionRuleDto, IpcError> {
        self.with_project(|p| {
            let r = decide::Rule {
                mode: rule.mode.into(),
                min_annotators: rule.min_annotators as usize,
            };
            decide::set_rule(p, r, Some(lead))?;
            Ok(decide::rule(p)?.into())
        })
    }

    pub fn escalations(&self) -> Result<Vec<EscalationDto>, IpcError> {
        self.with_project(|p| {
            Ok(arbiter_core::escalate::escalations(p)?
                .into_iter()
                .map(Into::into)
                .collect())
        })
    }

    /// A reviewer's action on an escalated item (refused for an annotator); the queue after it.
    pub fn act_on_escalation(&self, r: &EscalationRequest) -> Result<Vec<EscalationDto>, IpcError> {
        use arbiter_core::escalate;
        let mut guard = self.lock();
        let p = guard.as_mut().ok_or_else(no_project)?;
        {
            match r.verb {
                EscalationVerb::Accept => {
                    escalate::accept(p, r.rowid, &r.actor, r.note.as_deref())?;
                }
                EscalationVerb::Override => {
                    let label = r.label.as_deref().map(str::trim).unwrap_or("");
                    if label.is_empty() {
                        return Err(IpcError::new(
                            ErrorCode::InvalidInput,
                            "choose the label that decides the item",
                        ));
                    }
                    escalate::override_item(
                        p,
                        r.rowid,
                        &r.actor,
                        label,
                        r.reason.as_deref(),
                        r.note.as_deref(),
                    )?;
                }
                EscalationVerb::SendBack => {
                    escalate::send_back(
                        p,
                        r.rowid,
                        &r.actor,
                        r.to.as_deref(),
                        r.note.as_deref().unwrap_or(""),
                    )?;
                }
            }
        }
        Ok(escalate::escalations(p)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    pub fn sent_back_notes(&self, annotator: &str) -> Result<Vec<SentBackDto>, IpcError> {
        self.with_project(|p| {
            Ok(arbiter_core::escalate::sent_back(p, annotator)?
                .into_iter()
                .map(Into::into)
                .collect())
        })
    }

    /// The labels' guidelines with their example items (resolved to items of the newest
    /// version holding them, for thumbnails) and the schema version.
    pub fn guidelines(&self) -> Result<GuidelinesDto, IpcError> {
        self.with_project(|p| {
            let mut examples = schema::examples(p)?;
            let datasets = dataset::list(p)?;
            let resolve = |id: &str| -> Option<i64> {
                datasets.iter().find_map(|d| {
                    d.versions
                        .iter()
                        .find_map(|v| items::find(p, v.id, id).ok().map(|i| i.rowid))
                })
            };
            let labels = schema::labels(p)?
                .into_iter()
                .map(|l| GuidelineDto {
                    examples: examples
                        .remove(&l.name)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|item_id| ExampleItem {
                            rowid: resolve(&item_id),
                            item_id,
                        })
                        .collect(),
                    name: l.name,
                    guideline: l.guideline,
                })
                .collect();
            Ok(GuidelinesDto {
                schema_version: schema::schema_version(p)?,
                labels,
                retired_reasons: schema::retired_reasons(p)?,
            })
        })
    }

    /// Add (or bring back) a correction reason as `lead`; the reasons in use now.
    pub fn add_reason(
        &self,
        code: &str,
        description: &str,
        lead: &str,
    ) -> Result<Vec<ReasonDto>, IpcError> {
        self.with_project(|p| {
            schema::add_reason(p, code, description, Some(lead))?;
            Ok(())
        })?;
        self.reasons()
    }

    /// Retire a correction reason as `lead`; the reasons in use now.
    pub fn retire_reason(&self, code: &str, lead: &str) -> Result<Vec<ReasonDto>, IpcError> {
        self.with_project(|p| {
            schema::retire_reason(p, code, Some(lead))?;
            Ok(())
        })?;
        self.reasons()
    }

    /// The agreement target checked on the project now, or null when none is set.
    pub fn agreement_target(&self) -> Result<Option<TargetVerdict>, IpcError> {
        self.with_project(|p| Ok(arbiter_core::metrics::target::verdict(p)?.map(Into::into)))
    }

    /// Set (or, with `None`, clear) the agreement target as `lead` (refused for anyone who is
    /// not a lead); returns its verdict now.
    pub fn set_agreement_target(
        &self,
        target: Option<AgreementTarget>,
        lead: &str,
    ) -> Result<Option<TargetVerdict>, IpcError> {
        self.with_project(|p| {
            arbiter_core::metrics::target::set_target(p, target.map(Into::into), Some(lead))?;
            Ok(arbiter_core::metrics::target::verdict(p)?.map(Into::into))
        })
    }

    pub fn decision(&self, rowid: i64) -> Result<DecisionDto, IpcError> {
        self.with_project(|p| Ok(decide::decision(p, rowid)?.into()))
    }

    /// The project's report. On a reading connection ([`AppState::open_served_reader`]) the
    /// agreement is not recorded in the history here: [`AppState::take_history`] hands it to the
    /// shell, which records it on its writer.
    pub fn report(&self, run: Option<i64>) -> Result<ProjectReportDto, IpcError> {
        self.with_project(|p| {
            if self.reader.load(Ordering::Relaxed) {
                let (r, h) = arbiter_core::metrics::report_unrecorded(p, run)?;
                *self.history.lock().unwrap_or_else(|e| e.into_inner()) = Some(h);
                return Ok(r.into());
            }
            Ok(arbiter_core::metrics::report(p, run)?.into())
        })
    }

    /// The agreement a report on this reading connection left for the writer to record.
    pub fn take_history(&self) -> Option<arbiter_core::metrics::HistoryEntry> {
        self.history
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// Mark the schema's labels ordinal (or not) on behalf of `actor`, who must be a lead; the
    /// change is recorded in the audit log under that name. Returns the new value.
    pub fn set_ordinal_labels(&self, actor: &str, ordinal: bool) -> Result<bool, IpcError> {
        self.with_project(|p| {
            schema::set_ordinal(p, ordinal, Some(actor))?;
            Ok(schema::ordinal(p)?)
        })
    }

    /// The items a run failed, first `limit`, with the reason of each.
    pub fn run_failures(&self, run: i64, limit: usize) -> Result<RunFailures, IpcError> {
        self.with_project(|p| {
            let (total, list) = predict::failures(p, run, limit.min(10_000))?;
            Ok(RunFailures {
                run,
                total,
                items: list
                    .into_iter()
                    .map(|f| RunFailure {
                        item_id: f.item_id,
                        error: f.error,
                    })
                    .collect(),
            })
        })
    }

    /// Change a label's hotkey, colour or guideline (a lead only, audited); the labels now.
    pub fn edit_label(&self, r: &LabelEditRequest, lead: &str) -> Result<Vec<LabelInfo>, IpcError> {
        // null keeps a property; "" clears the hotkey or the guideline.
        let clear = |v: &Option<String>| {
            v.as_ref()
                .map(|t| Some(t.clone()).filter(|t| !t.trim().is_empty()))
        };
        let edit = schema::LabelEdit {
            hotkey: clear(&r.hotkey),
            color: r.color.clone().filter(|c| !c.trim().is_empty()),
            guideline: clear(&r.guideline),
            examples: r.examples.clone(),
        };
        self.with_project(|p| {
            schema::edit_label(p, &r.name, &edit, Some(lead))?;
            Ok(schema::labels(p)?
                .into_iter()
                .map(LabelInfo::from)
                .collect())
        })
    }

    /// Add labels after the existing ones (a lead only, audited); the labels now.
    pub fn add_labels(&self, names: &[String], lead: &str) -> Result<Vec<LabelInfo>, IpcError> {
        let specs: Vec<schema::LabelSpec> = names
            .iter()
            .map(|n| n.trim())
            .filter(|n| !n.is_empty())
            .map(schema::LabelSpec::named)
            .collect();
        self.with_project(|p| {
            Ok(schema::add_labels(p, &specs, Some(lead))?
                .into_iter()
                .map(LabelInfo::from)
                .collect())
        })
    }

    pub fn agreement_history(&self) -> Result<Vec<AgreementPoint>, IpcError> {
        self.with_project(|p| {
            Ok(arbiter_core::metrics::history(p)?
                .into_iter()
                .map(|(at, scope, annotations, r)| AgreementPoint {
                    at,
                    scope,
                    annotations,
                    alpha: r["krippendorff_alpha"]["nominal"].as_f64(),
                    fleiss: r["fleiss_kappa"].as_f64(),
                    ac1: r["gwet_ac1"].as_f64(),
                    percent_agreement: r["percent_agreement"].as_f64(),
                })
                .collect())
        })
    }

    fn export_options(r: &ExportRequest) -> Result<arbiter_core::export::ExportOptions, IpcError> {
        Ok(arbiter_core::export::ExportOptions {
            out: PathBuf::from(r.out.trim()),
            format: r.format.into(),
            dataset: r.dataset.clone().filter(|d| !d.is_empty()),
            // The screen preselects the newest finished run; null is its "None".
            predictions: r
                .run
                .map_or(arbiter_core::export::Predictions::None, |run| {
                    arbiter_core::export::Predictions::Run(run)
                }),
            only_decided: r.only_decided,
            min_agreement: r.min_agreement,
            exclude_reasons: r.exclude_reasons.clone(),
            validation_share: r.validation_share,
            seed: r.seed,
            allow_below_target: r.allow_below_target,
        })
    }

    /// What an export with these options would write (the live count).
    pub fn export_preview(&self, r: &ExportRequest) -> Result<ExportPreview, IpcError> {
        let opts = Self::export_options(r)?;
        self.with_project(|p| {
            let v = arbiter_core::export::preview(p, &opts)?;
            Ok(ExportPreview {
                rows: v.rows as u64,
                labels: v.labels,
                skipped: v.skipped,
                excluded: v.excluded,
                target: v.target.map(Into::into),
            })
        })
    }

    /// The open project on a connection of its own, for long work that must not hold the
    /// shared connection's lock.
    fn own_connection(&self) -> Result<Project, IpcError> {
        let root = self.with_project(|p| Ok(p.root().to_path_buf()))?;
        Ok(Project::open(&root)?)
    }

    /// Stop the running export, if any; returns whether one was running.
    pub fn cancel_export(&self) -> bool {
        request_cancel(&self.export_cancel)
    }

    /// Export on a connection of its own, so browsing goes on while it runs; one export at a
    /// time, cancellable with [`AppState::cancel_export`] (a cancelled export writes nothing
    /// and fails with `cancelled`).
    pub fn export(
        &self,
        r: &ExportRequest,
        progress: &mut dyn FnMut(ExportProgress),
    ) -> Result<ExportDone, IpcError> {
        if r.out.trim().is_empty() {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                "choose where to export",
            ));
        }
        let opts = Self::export_options(r)?;
        exclusive(
            &self.export_cancel,
            "an export is already running; wait for it or cancel it",
            |cancel| {
                let own = self.own_connection()?;
                let s = arbiter_core::export::export_with_progress(
                    &own,
                    &opts,
                    &mut |p| progress(p.into()),
                    cancel,
                )?;
                let folder = folder_of(
                    &s.out,
                    opts.format == arbiter_core::export::Format::ImageFolder,
                );
                Ok(ExportDone {
                    out: s.out.to_string_lossy().into_owned(),
                    lineage: s.lineage.to_string_lossy().into_owned(),
                    folder,
                    rows: s.rows as u64,
                    labels: s.labels,
                    skipped: s.skipped,
                    run: s.run.map(|r| r.run),
                    target_export: s.target.map(|t| t.export.to_string()),
                })
            },
        )
    }

    /// Write every annotation event (oldest first) to `out`, a `.csv` or `.jsonl` file — the
    /// core's `events::export_file`, as `arbiter annotations export` does.
    pub fn export_annotations(&self, out: &str) -> Result<AnnotationsExported, IpcError> {
        let out = out.trim();
        if out.is_empty() {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                "choose where to write the annotation events",
            ));
        }
        self.with_project(|p| {
            let events = arbiter_core::events::export_file(p, Path::new(out))?;
            Ok(AnnotationsExported {
                out: out.to_string(),
                folder: folder_of(Path::new(out), false),
                events: events as u64,
            })
        })
    }

    /// Stop the running inference, if any; returns whether one was running.
    pub fn cancel_run(&self) -> bool {
        request_cancel(&self.run_cancel)
    }

    /// Run inference on a connection of its own; one run at a time, cancellable.
    pub fn start_run(
        &self,
        req: &RunRequest,
        progress: &mut dyn FnMut(RunProgress),
    ) -> Result<RunInfo, IpcError> {
        exclusive(
            &self.run_cancel,
            "a run is already in progress; wait for it or cancel it",
            |cancel| {
                let mut own = self.own_connection()?;
                let opts = predict::PredictOptions {
                    model: req.model.clone(),
                    dataset: req.dataset.clone(),
                    batch_size: req.batch_size.max(1) as usize,
                    device: req.device.into(),
                    resume: req.resume,
                    decode: req.decode.map(Into::into),
                    cuda: model::runtime::CudaOptions {
                        device_id: req.cuda_device.unwrap_or_default(),
                        memory_limit: req
                            .gpu_mem_limit
                            .as_deref()
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(model::runtime::CudaOptions::parse_memory_limit)
                            .transpose()?,
                        conv_search: req.cudnn_conv_search.map(Into::into).unwrap_or_default(),
                    },
                };
                let summary = predict::predict(
                    &mut own,
                    &opts,
                    &mut |p| {
                        progress(RunProgress {
                            run: p.run,
                            done: p.done,
                            failed: p.failed,
                            total: p.total,
                            items_per_second: p.items_per_second,
                            eta_seconds: p.eta_seconds,
                            provider: p.provider.to_string(),
                        })
                    },
                    cancel,
                )?;
                Ok(RunInfo::from(summary))
            },
        )
    }

    pub fn item(&self, rowid: i64) -> Result<ItemDetail, IpcError> {
        let detail = self.with_project(|p| Ok(items::get(p, rowid)?))?;
        // Reading the image header happens outside the lock.
        Ok(detail.into())
    }

    /// Stop the running import, if any; returns whether one was running.
    pub fn cancel_import(&self) -> bool {
        request_cancel(&self.import_cancel)
    }

    /// Import on a connection of its own, so browsing goes on while it runs; one import at a
    /// time, cancellable with [`AppState::cancel_import`].
    pub fn import(
        &self,
        req: &ImportRequest,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<ImportSummary, IpcError> {
        exclusive(
            &self.import_cancel,
            "an import is already running; wait for it or cancel it",
            |cancel| self.run_import(req, progress, cancel),
        )
    }

    fn run_import(
        &self,
        req: &ImportRequest,
        progress: &mut dyn FnMut(ImportProgress),
        cancel: &AtomicBool,
    ) -> Result<ImportSummary, IpcError> {
        let mut own = self.own_connection()?;
        let blank = |s: &Option<String>| {
            s.as_ref()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let opts = ImportOptions {
            source: PathBuf::from(req.source.trim()),
            name: blank(&req.name),
            columns: ColumnChoice {
                id_col: blank(&req.id_col),
                path_col: blank(&req.path_col),
                label_col: blank(&req.label_col),
                features: req.features.clone().filter(|f| !f.is_empty()),
                text_col: blank(&req.text_col),
            },
            labels_from_data: req.labels_from_data.unwrap_or(false),
        };
        if req.source.trim().is_empty() {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                "choose a manifest file or an image folder to import",
            ));
        }
        let summary = dataset::import(&mut own, &opts, &mut |p| progress(p.into()), cancel)?;
        Ok(summary.into())
    }

    /// The image bytes for `scheme` (`thumb` or `media`) and an item rowid; decoding runs
    /// outside the lock.
    pub fn image(&self, scheme: &str, rowid: i64) -> Result<media::Encoded, IpcError> {
        let (file, cache) =
            self.with_project(|p| Ok((media::media_file(p, rowid)?, p.cache_dir())))?;
        Ok(match scheme {
            "thumb" => media::thumbnail(&file, &cache, THUMB_SIZE)?,
            _ => media::display_bytes(&file)?,
        })
    }
}

/// Whether an export to `out` in `format` would replace a file that is there now (the export
/// screen asks first): a table format writes one file, so an existing regular file at `out`
/// (a symbolic link followed) is replaced. An image folder never replaces anything (the core
/// refuses a folder that is not empty), nor does a path where nothing is.
pub fn export_would_replace(out: &str, format: ExportFormat) -> bool {
    let out = out.trim();
    format != ExportFormat::ImageFolder && !out.is_empty() && Path::new(out).is_file()
}

/// The folder to open after writing `out`: `out` itself when it is the folder written (an image
/// folder), else the folder holding it.
fn folder_of(out: &Path, is_folder: bool) -> String {
    let folder = if is_folder {
        out
    } else {
        out.parent().unwrap_or(Path::new(""))
    };
    folder.to_string_lossy().into_owned()
}

/// Thumbnail edge in pixels (the grid shows them at up to 160 px on HiDPI screens).
pub const THUMB_SIZE: u32 = 256;

/// Ask the job in `slot`, if any, to stop; returns whether one was running.
fn request_cancel(slot: &Mutex<Option<Arc<AtomicBool>>>) -> bool {
    let guard = slot.lock().unwrap_or_else(|e| e.into_inner());
    guard
        .as_ref()
        .map(|flag| flag.store(true, Ordering::Relaxed))
        .is_some()
}

/// Run `job` as the one job of its kind (`slot` holds its cancel flag meanwhile, and is freed
/// afterwards whatever happens); refused with `busy` while another is running.
fn exclusive<T>(
    slot: &Mutex<Option<Arc<AtomicBool>>>,
    busy: &str,
    job: impl FnOnce(&AtomicBool) -> Result<T, IpcError>,
) -> Result<T, IpcError> {
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let mut held = slot.lock().unwrap_or_else(|e| e.into_inner());
        if held.is_some() {
            return Err(IpcError::new(ErrorCode::InvalidInput, busy));
        }
        *held = Some(cancel.clone());
    }
    let result = job(&cancel);
    *slot.lock().unwrap_or_else(|e| e.into_inner()) = None;
    result
}

mod access;
mod drift;
mod gold;
pub use gold::Sight;
mod team;

#[cfg(test)]
mod drift_tests;
#[cfg(test)]
pub(crate) mod tests;

#[cfg(test)]
mod compare_tests;
