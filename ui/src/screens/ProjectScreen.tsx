import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { AddModelRequest } from "../bindings/AddModelRequest";
import type { AnnotatorDto } from "../bindings/AnnotatorDto";
import type { DatasetInfo } from "../bindings/DatasetInfo";
import type { ImportSummary } from "../bindings/ImportSummary";
import type { PredictionsImportedDto } from "../bindings/PredictionsImportedDto";
import type { ItemSort } from "../bindings/ItemSort";
import type { LabelCount } from "../bindings/LabelCount";
import type { ModelDto } from "../bindings/ModelDto";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import type { ReviewFilter } from "../bindings/ReviewFilter";
import type { RunInfo } from "../bindings/RunInfo";
import { AddModelDialog } from "../components/AddModelDialog";
import { DatasetList } from "../components/DatasetList";
import { DESKTOP_ONLY_WHY, DesktopOnly } from "../components/DesktopOnly";
import { useReportError } from "../components/ErrorBanner";
import { ImportDialog } from "../components/ImportDialog";
import { ItemGrid } from "../components/ItemGrid";
import { ImportPredictionsDialog, importedText } from "../components/ImportPredictionsDialog";
import { ImportLabelStudioDialog, labelStudioText } from "../components/ImportLabelStudioDialog";
import type { LabelStudioImportedDto } from "../bindings/LabelStudioImportedDto";
import { ItemView } from "../components/ItemView";
import { useAnnotators } from "../components/reviewHooks";
import { LabelsDialog } from "../components/LabelsDialog";
import { Logo } from "../components/Logo";
import { ModelDetails } from "../components/ModelDetails";
import { ModelList } from "../components/ModelList";
import { ReportsNav } from "../components/ReportsNav";
import { ReviewNav } from "../components/ReviewNav";
import { ProjectChanges } from "../components/projectChanges";
import { TeamNav } from "../components/TeamNav";
import { useSharedFolder } from "../components/useSharedFolder";
import { RunFailuresList } from "../components/RunFailuresList";
import { RunDialog } from "../components/RunDialog";
import { LiveJobs } from "../components/LiveJobs";
import { SessionBadge } from "../components/SessionBadge";
import { useRunner } from "../components/useRun";
import { useCacheVersion, useItemCache, usePersistentState } from "../hooks";
import * as ipc from "../ipc";
import { useDesktop, useSession } from "../session";
import { refresher } from "../lib/liveUpdates";
import { formatCount, plural } from "../lib/format";
import { DEFAULT_THUMB, MAX_THUMB, MIN_THUMB } from "../lib/gridLayout";
import {
  gridQueryKey,
  isFiltered,
  isReviewFilter,
  predictedFromValue,
  predictedValue,
  PREDICTED_ALL,
  REVIEW_FILTERS,
  SORT_OPTIONS,
  type GridQuery,
} from "../lib/itemQuery";
import { filterFromValue, filterOptions, filterValue, labelColorMap } from "../lib/labels";
import { isExistingModel, knownSource, modelRef, type ModelSource } from "../lib/models";
import {
  datasetRef,
  formatDuration,
  formatRate,
  modelForRun,
  progressPercent,
  runLabel,
  runsForVersion,
  type RunState,
} from "../lib/runs";

interface Props {
  project: ProjectInfo;
  onClose: () => void;
  /** The project changed (its labels were edited): every screen reads them from here. */
  onProjectChanged?: (project: ProjectInfo) => void;
}

/** How long the id search waits for typing to pause. */
export const SEARCH_DEBOUNCE_MS = 250;

function findVersion(datasets: DatasetInfo[] | null, versionId: number | null) {
  if (!datasets || versionId === null) return null;
  for (const ds of datasets) {
    const v = ds.versions.find((x) => x.id === versionId);
    if (v) return { dataset: ds, version: v };
  }
  return null;
}

export function ProjectScreen({ project, onClose, onProjectChanged }: Props) {
  const report = useReportError();
  const desktop = useDesktop();
  const [datasets, setDatasets] = useState<DatasetInfo[] | null>(null);
  const [versionId, setVersionId] = useState<number | null>(null);
  const [lastVersion, setLastVersion] = usePersistentState<number | null>(`arbiter.version:${project.path}`, null);
  const [label, setLabel] = useState<string | null>(null);
  const [counts, setCounts] = useState<LabelCount[] | null>(null);
  const [thumbSize, setThumbSize] = usePersistentState("arbiter.thumbSize", DEFAULT_THUMB);
  const [activeIndex, setActiveIndex] = useState(-1);
  const [viewIndex, setViewIndex] = useState<number | null>(null);
  const [focusToken, setFocusToken] = useState(0);
  const [importOpen, setImportOpen] = useState(false);
  const [labelsOpen, setLabelsOpen] = useState(false);
  const [notice, setNotice] = useState<ImportSummary | null>(null);
  // Models and runs.
  const [models, setModels] = useState<ModelDto[] | null>(null);
  const [runs, setRuns] = useState<RunInfo[] | null>(null);
  const [runId, setRunId] = useState<number | null>(null);
  const [predicted, setPredicted] = useState<string | null>(null);
  const [sort, setSort] = useState<ItemSort>("source");
  // Review filters: status, who annotated, prediction ≠ label, id search (typed, then applied).
  const [review, setReview] = useState<ReviewFilter | null>(null);
  const [annotator, setAnnotator] = useState<string | null>(null);
  const [mismatch, setMismatch] = useState(false);
  const [searchText, setSearchText] = useState("");
  const [search, setSearch] = useState("");
  const [annotators, setAnnotators] = useState<AnnotatorDto[] | null>(null);
  /**
   * Bumped when the filters are reset from code: the filter selects are made anew. WebKit sends
   * no change event for picking the option last picked by hand, even after the value was reset
   * from code — "Decided", Clear filters, "Decided" again would do nothing.
   */
  const [filterEpoch, setFilterEpoch] = useState(0);
  const [modelDialog, setModelDialog] = useState<{ edit: ModelDto | null } | null>(null);
  const [details, setDetails] = useState<{ model: ModelDto; note: string | null } | null>(null);
  const [runDialog, setRunDialog] = useState<{ model: string | null } | null>(null);
  const [runNotice, setRunNotice] = useState<RunInfo | null>(null);
  const [predictionsOpen, setPredictionsOpen] = useState(false);
  const [labelStudioOpen, setLabelStudioOpen] = useState(false);
  const [predictionsNotice, setPredictionsNotice] = useState<string | null>(null);
  // Where each model was registered from: the backend keeps only its own copy, and a new version
  // (edited preprocessing) needs the file again.
  const [modelSources, setModelSources] = usePersistentState<Record<string, ModelSource>>(
    `arbiter.modelSources:${project.path}`,
    {},
  );

  const labelColors = useMemo(() => labelColorMap(project.labels), [project.labels]);

  const selectVersion = useCallback(
    (id: number) => {
      setVersionId(id);
      setLastVersion(id);
      setLabel(null);
      setRunId(null);
      setPredicted(null);
      setSort("source");
      setReview(null);
      setAnnotator(null);
      setMismatch(false);
      setSearchText("");
      setSearch("");
      setFilterEpoch((n) => n + 1);
      setActiveIndex(-1);
      setViewIndex(null);
    },
    [setLastVersion],
  );

  const refreshAnnotators = useCallback(async () => {
    try {
      setAnnotators(await ipc.listAnnotators());
    } catch (err) {
      report(err, "Loading annotators");
      setAnnotators((prev) => prev ?? []);
    }
  }, [report]);

  // The id search applies once typing pauses.
  useEffect(() => {
    const t = setTimeout(() => {
      setSearch(searchText.trim());
      setActiveIndex(-1);
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [searchText]);

  const refreshModels = useCallback(async () => {
    try {
      const list = await ipc.listModels();
      setModels(list);
      return list;
    } catch (err) {
      report(err, "Loading models");
      setModels((prev) => prev ?? []);
      return null;
    }
  }, [report]);

  const refreshRuns = useCallback(async () => {
    try {
      setRuns(await ipc.listRuns());
    } catch (err) {
      report(err, "Loading runs");
      setRuns((prev) => prev ?? []);
    }
  }, [report]);

  const versionRef = useRef(versionId);
  versionRef.current = versionId;
  const runDialogOpen = useRef(false);
  runDialogOpen.current = runDialog !== null;

  const runner = useRunner({
    onFinished: (info) => {
      // Show the finished run in the grid (switching to its dataset version if needed).
      setRuns((prev) => [info, ...(prev ?? []).filter((r) => r.run !== info.run)]);
      if (info.versionId !== versionRef.current) selectVersion(info.versionId);
      setRunId(info.run);
      setPredicted(null);
      setSort("source");
      if (!runDialogOpen.current) setRunNotice(info);
    },
    onSettled: () => void refreshRuns(),
    onFailed: (error) => {
      if (!runDialogOpen.current) report(error, "Run");
    },
    onError: report,
  });

  const openRunDialog = (model: string | null) => {
    if (runner.state.phase !== "running") runner.reset();
    setRunNotice(null);
    setRunDialog({ model });
  };

  const refreshDatasets = useCallback(
    async (select?: { dataset: string; version: number }) => {
      try {
        const list = await ipc.listDatasets();
        setDatasets(list);
        if (select) {
          const ds = list.find((d) => d.name === select.dataset);
          const v = ds?.versions.find((x) => x.version === select.version);
          if (v) selectVersion(v.id);
        }
        return list;
      } catch (err) {
        report(err, "Loading datasets");
        setDatasets((prev) => prev ?? []);
        return null;
      }
    },
    [report, selectVersion],
  );

  // Initial load: datasets, then the last used (or first) version; models and runs. The last used
  // version is the one remembered when the screen opened (picking another later loads nothing).
  const [startVersion] = useState(lastVersion);
  useEffect(() => {
    let cancelled = false;
    void refreshModels();
    void refreshRuns();
    void refreshAnnotators();
    refreshDatasets().then((list) => {
      if (cancelled || !list) return;
      if (findVersion(list, startVersion)) setVersionId(startVersion);
      else if (list[0]?.versions[0]) setVersionId(list[0].versions[0].id);
    });
    return () => {
      cancelled = true;
    };
  }, [refreshModels, refreshRuns, refreshAnnotators, refreshDatasets, startVersion]);

  // Label counts of the selected version.
  useEffect(() => {
    setCounts(null);
    if (versionId === null) return;
    let cancelled = false;
    ipc
      .labelCounts(versionId)
      .then((c) => !cancelled && setCounts(c))
      .catch((err) => !cancelled && report(err, "Loading label counts"));
    return () => {
      cancelled = true;
    };
  }, [versionId, report, datasets]);

  const onPageError = useCallback((err: unknown) => report(err, "Loading items"), [report]);
  const gridQuery = useMemo<GridQuery>(
    () => ({ label, run: runId, predicted, sort, review, annotator, mismatch, search }),
    [label, runId, predicted, sort, review, annotator, mismatch, search],
  );
  // The person working here: while the project has gold items, an annotator's grid has no labels.
  const viewer = useAnnotators(project.path).name;
  const cache = useItemCache(versionId, gridQuery, onPageError, viewer);
  const filtered = isFiltered(gridQuery);
  const clearFilters = () => {
    setLabel(null);
    setPredicted(null);
    setReview(null);
    setAnnotator(null);
    setMismatch(false);
    setSearchText("");
    setSearch("");
    setFilterEpoch((n) => n + 1);
    setActiveIndex(-1);
  };
  // Labels given in Review or Conflicts change the items' review: read the grid again on return.
  const cacheRef = useRef(cache);
  cacheRef.current = cache;
  const onReviewClosed = useCallback(() => {
    cacheRef.current?.refresh();
    void refreshAnnotators();
  }, [refreshAnnotators]);
  // Events imported from other copies (a pack, the shared folder) change everything shown: the
  // grid, the runs and annotators, the labels (a lead's settings travel with the events).
  const [changes, setChanges] = useState(0);
  const onTeamChanged = useCallback(() => {
    setChanges((n) => n + 1);
    cacheRef.current?.refresh();
    void refreshAnnotators();
    void refreshRuns();
    if (onProjectChanged) {
      ipc
        .currentProject()
        .then((p) => p && onProjectChanged(p))
        .catch((err) => report(err, "Reading the project again"));
    }
  }, [refreshAnnotators, refreshRuns, onProjectChanged, report]);
  const shared = useSharedFolder(onTeamChanged);
  // In a browser on `arbiter serve`: others' labels, claims and changes arrive live; the screens
  // read the project again (at most every 2 s, however many people label at once).
  const session = useSession();
  const me = session.transport === "http" ? session.annotator : null;
  useEffect(() => {
    if (me === null) return;
    const r = refresher(me, onTeamChanged);
    const unsubscribe = ipc.onLiveUpdates(r.onUpdate);
    return () => {
      unsubscribe();
      r.stop();
    };
  }, [me, onTeamChanged]);
  useCacheVersion(cache);
  const total = cache?.total ?? null;

  const selected = findVersion(datasets, versionId);
  const options = useMemo(() => filterOptions(counts, project.labels), [counts, project.labels]);
  const versionRuns = useMemo(() => runsForVersion(runs, versionId), [runs, versionId]);
  const shownRun = runId === null ? null : (runs?.find((r) => r.run === runId) ?? null);
  const runClasses = useMemo(() => {
    const classes = modelForRun(shownRun, models)?.classes ?? [];
    return predicted !== null && !classes.includes(predicted) ? [...classes, predicted] : classes;
  }, [shownRun, models, predicted]);

  const onAddedModel = (model: ModelDto, request: AddModelRequest) => {
    const existed = isExistingModel(model, models);
    setModelSources({ ...modelSources, [String(model.id)]: { file: request.file, labelsFile: request.labelsFile, tokenizer: request.tokenizer } });
    setModelDialog(null);
    setDetails({
      model,
      note: existed
        ? `Nothing changed: this file with these settings is already registered as ${modelRef(model)}.`
        : `Added ${modelRef(model)}.`,
    });
    void refreshModels();
  };

  // Imported predictions are a run: shown in the grid at once, on the version they predict.
  const onPredictionsImported = (imported: PredictionsImportedDto) => {
    setPredictionsOpen(false);
    setPredictionsNotice(importedText(imported));
    void refreshModels();
    ipc
      .listRuns()
      .then((list) => {
        setRuns(list);
        const info = list.find((r) => r.run === imported.run);
        if (info && info.versionId !== versionRef.current) selectVersion(info.versionId);
        setRunId(imported.run);
        setPredicted(null);
        setSort("source");
      })
      .catch((err) => report(err, "Loading runs"));
  };

  const onLabelStudioImported = (imported: LabelStudioImportedDto) => {
    setLabelStudioOpen(false);
    setPredictionsNotice(labelStudioText(imported));
    void refreshModels();
    // The new version, showing its newest imported run's predictions (selecting a version
    // clears the run, so the run is set after it).
    const newest = imported.runs.at(-1)?.run ?? null;
    void Promise.all([refreshDatasets({ dataset: imported.dataset, version: imported.version }), refreshRuns()]).then(() => {
      if (newest !== null) setRunId(newest);
    });
    if (project.labels.length === 0 && onProjectChanged) {
      ipc
        .currentProject()
        .then((p) => p && onProjectChanged(p))
        .catch((err) => report(err, "Reading the project's labels"));
    }
  };

  const onImported = (summary: ImportSummary) => {
    setImportOpen(false);
    setNotice(summary);
    void refreshDatasets({ dataset: summary.dataset, version: summary.version });
    // A project without labels takes them from its first labeled import: read them again.
    if (project.labels.length === 0 && onProjectChanged) {
      ipc
        .currentProject()
        .then((p) => p && onProjectChanged(p))
        .catch((err) => report(err, "Reading the project's labels"));
    }
  };

  const openItem = useCallback((i: number) => setViewIndex(i), []);
  const closeItem = useCallback(() => {
    setViewIndex(null);
    setFocusToken((t) => t + 1);
  }, []);
  const navigateItem = useCallback((i: number) => {
    setViewIndex(i);
    setActiveIndex(i);
  }, []);

  return (
    <div className="project-screen" data-testid="project-screen">
      <header className="app-header">
        <Logo size={22} />
        <div className="header-title">
          <h1 data-testid="project-name">{project.name}</h1>
          <span className="header-path" title={project.path}>
            {project.path}
          </span>
        </div>
        <div className="header-spacer" />
        {/* The screens these open read the project again when events come from other copies. */}
        <ProjectChanges.Provider value={changes}>
          <ReviewNav project={project} onClosed={onReviewClosed} />
          <ReportsNav project={project} versionId={versionId} />
          <TeamNav project={project} shared={shared} onChanged={onTeamChanged} />
        </ProjectChanges.Provider>
        {desktop ? (
          <button type="button" className="button" onClick={onClose}>
            Close project
          </button>
        ) : (
          <>
            <LiveJobs />
            <SessionBadge />
          </>
        )}
      </header>

      <div className="project-body">
        <aside className="sidebar">
          <div className="sidebar-head">
            <h2 className="section-title">Datasets</h2>
            <DesktopOnly className="button small primary" testId="import-button" label="Import dataset…" why={DESKTOP_ONLY_WHY.import}>
              <button
                type="button"
                className="button small primary"
                data-testid="import-button"
                onClick={() => setImportOpen(true)}
              >
                Import dataset…
              </button>
            </DesktopOnly>
          </div>
          <div className="sidebar-scroll">
            <DatasetList datasets={datasets} selectedVersionId={versionId} onSelect={selectVersion} />
          </div>
          <DesktopOnly className="button small link" testId="import-labelstudio-button" label="Import from Label Studio…" why={DESKTOP_ONLY_WHY.importLabelStudio}>
            <button
              type="button"
              className="button small link sidebar-import-labelstudio"
              data-testid="import-labelstudio-button"
              title="A Label Studio JSON export (image classification) as a new dataset, with its annotations and predictions"
              onClick={() => setLabelStudioOpen(true)}
            >
              Import from Label Studio…
            </button>
          </DesktopOnly>
          <div className="sidebar-section sidebar-models">
            <div className="sidebar-head">
              <h2 className="section-title">Models</h2>
              <DesktopOnly className="button small" testId="add-model-button" label="Add model…" why={DESKTOP_ONLY_WHY.addModel}>
                <button
                  type="button"
                  className="button small"
                  data-testid="add-model-button"
                  onClick={() => setModelDialog({ edit: null })}
                >
                  Add model…
                </button>
              </DesktopOnly>
            </div>
            <div className="sidebar-scroll">
              <ModelList models={models} onOpen={(model) => setDetails({ model, note: null })} />
            </div>
            <DesktopOnly className="button small link" testId="import-predictions-button" label="Import predictions…" why={DESKTOP_ONLY_WHY.importPredictions}>
              <button
                type="button"
                className="button small link sidebar-import-predictions"
                data-testid="import-predictions-button"
                title="Predictions made outside Arbiter (a file with item_id and p_<label> columns) as a run"
                onClick={() => setPredictionsOpen(true)}
                disabled={!datasets || datasets.length === 0}
              >
                Import predictions…
              </button>
            </DesktopOnly>
          </div>
          <div className="sidebar-labels">
            <div className="sidebar-head labels-head">
              <h2 className="section-title">Labels</h2>
              <button
                type="button"
                className="button small"
                data-testid="labels-edit"
                onClick={() => setLabelsOpen(true)}
                title="Colours, keys and guidelines; add labels (a lead)"
              >
                Edit…
              </button>
            </div>
            {project.labels.length === 0 ? (
              <p className="muted small">No labels yet.</p>
            ) : (
              <ul className="label-legend" data-testid="label-legend">
                {[...project.labels]
                  .sort((a, b) => a.position - b.position)
                  .map((l) => (
                    <li key={l.name} title={l.guideline ?? undefined} data-label={l.name}>
                      <span className="dot" style={{ background: l.color }} />
                      <span className="legend-name">{l.name}</span>
                      {l.hotkey && <kbd>{l.hotkey}</kbd>}
                    </li>
                  ))}
              </ul>
            )}
          </div>
        </aside>

        <main className="main">
          {notice && <ImportNotice summary={notice} onDismiss={() => setNotice(null)} />}
          {runNotice && <RunFinishedNotice info={runNotice} onDismiss={() => setRunNotice(null)} />}
          {predictionsNotice && (
            <div className="notice" role="status" data-testid="predictions-summary">
              <div className="notice-body">
                <span>{predictionsNotice}</span>
              </div>
              <button type="button" className="icon-button" aria-label="Dismiss" title="Dismiss" onClick={() => setPredictionsNotice(null)}>
                ×
              </button>
            </div>
          )}

          {selected ? (
            <>
              <div className="toolbar">
                <div className="toolbar-title">
                  <span className="toolbar-dataset">{selected.dataset.name}</span>
                  <span className="version-badge">v{selected.version.version}</span>
                </div>
                <div className="toolbar-count">
                  {total === null ? (
                    <span className="muted">Loading…</span>
                  ) : (
                    <>
                      <strong data-testid="grid-count" data-count={total}>
                        {formatCount(total)}
                      </strong>{" "}
                      <span className="muted">{total === 1 ? "item" : "items"}</span>
                    </>
                  )}
                </div>
                {cache?.labelsHidden && (
                  <span
                    className="grid-hidden-note"
                    data-testid="grid-labels-hidden"
                    title="This project has gold items, and a gold item’s label is its answer: labels and reviews are shown to reviewers and leads. Choose who is working here under “Annotator” (Review, Conflicts or Team)."
                  >
                    Labels hidden (gold items)
                  </span>
                )}
                <input
                  type="search"
                  className="grid-search"
                  data-testid="grid-search"
                  placeholder={selected?.version.texts ? "Search ids and text" : "Search ids"}
                  aria-label={selected?.version.texts ? "Search item ids and texts" : "Search item ids"}
                  value={searchText}
                  spellCheck={false}
                  autoComplete="off"
                  onChange={(e) => setSearchText(e.target.value)}
                  onKeyDown={(e) => {
                    if (e.key === "Escape" && searchText !== "") {
                      e.preventDefault();
                      setSearchText("");
                    }
                  }}
                />
                <div className="header-spacer" />
                <DesktopOnly className="button run-button" testId="run-button" label="Run model…" why={DESKTOP_ONLY_WHY.run}>
                  <RunButton runner={runner.state} onClick={() => openRunDialog(null)} />
                </DesktopOnly>
                <label className="toolbar-field" title="Thumbnail size">
                  <span>Size</span>
                  <input
                    type="range"
                    min={MIN_THUMB}
                    max={MAX_THUMB}
                    step={8}
                    value={thumbSize}
                    onChange={(e) => setThumbSize(Number(e.target.value))}
                    aria-label="Thumbnail size"
                  />
                  <span className="range-value tabular">{thumbSize}px</span>
                </label>
              </div>
              <div className="toolbar filter-bar">
                {/* Two groups — what the item is, what the model says — each kept whole when the bar wraps. */}
                <div key={`review:${filterEpoch}`} className="filter-group" role="group" aria-label="Labels and review">
                  <label className="toolbar-field">
                    <span>Label</span>
                    <select
                      data-testid="label-filter"
                      value={filterValue(label)}
                      onChange={(e) => {
                        setLabel(filterFromValue(e.target.value));
                        setActiveIndex(-1);
                      }}
                    >
                      {options.map((o) => (
                        <option key={`opt:${o.value}`} value={o.value}>
                          {o.count === null ? o.text : `${o.text} (${formatCount(o.count)})`}
                        </option>
                      ))}
                    </select>
                  </label>
                  <label className="toolbar-field" title={review ? REVIEW_FILTERS.find((f) => f.value === review)?.hint : "Where each item's review stands"}>
                    <span>Status</span>
                    <select
                      data-testid="status-filter"
                      value={review ?? ""}
                      onChange={(e) => {
                        setReview(isReviewFilter(e.target.value) ? e.target.value : null);
                        setActiveIndex(-1);
                      }}
                    >
                      <option value="">All</option>
                      {REVIEW_FILTERS.map((f) => (
                        <option key={f.value} value={f.value} title={f.hint}>
                          {f.text}
                        </option>
                      ))}
                    </select>
                  </label>
                  <label className="toolbar-field" title="Items this annotator labeled, skipped or flagged">
                    <span>By</span>
                    <select
                      data-testid="annotator-filter"
                      value={annotator ?? ""}
                      onFocus={() => void refreshAnnotators()}
                      onChange={(e) => {
                        setAnnotator(e.target.value === "" ? null : e.target.value);
                        setActiveIndex(-1);
                      }}
                    >
                      <option value="">Anyone</option>
                      {annotator !== null && !(annotators ?? []).some((a) => a.name === annotator) && (
                        <option value={annotator}>{annotator}</option>
                      )}
                      {(annotators ?? []).map((a) => (
                        <option key={a.name} value={a.name}>
                          {a.name}
                        </option>
                      ))}
                    </select>
                  </label>
                </div>
                <div key={`predictions:${filterEpoch}`} className="filter-group" role="group" aria-label="Predictions">
                  <label className="toolbar-field">
                    <span>Predictions</span>
                    <select
                      data-testid="run-select"
                      className="run-select"
                      value={runId === null ? "" : String(runId)}
                      onChange={(e) => {
                        const next = e.target.value === "" ? null : Number(e.target.value);
                        setRunId(next);
                        setPredicted(null);
                        if (next === null) {
                          setSort("source");
                          setMismatch(false);
                        }
                      }}
                      title={shownRun ? runLabel(shownRun) : undefined}
                    >
                      <option value="">No predictions</option>
                      {runId !== null && !versionRuns.some((r) => r.run === runId) && (
                        <option value={String(runId)}>Run {runId}</option>
                      )}
                      {versionRuns.map((r) => (
                        <option key={r.run} value={String(r.run)}>
                          {runLabel(r)}
                        </option>
                      ))}
                    </select>
                  </label>
                  <label className="toolbar-field" title={runId === null ? "Choose a run first" : undefined}>
                    <span>Predicted</span>
                    <select
                      data-testid="predicted-filter"
                      value={predictedValue(predicted)}
                      disabled={runId === null}
                      onChange={(e) => {
                        setPredicted(predictedFromValue(e.target.value));
                        setActiveIndex(-1);
                      }}
                    >
                      <option value={PREDICTED_ALL}>All</option>
                      {runClasses.map((c) => (
                        <option key={`cls:${c}`} value={c}>
                          {c}
                        </option>
                      ))}
                    </select>
                  </label>
                  <label className="toolbar-field" title={runId === null ? "Choose a run first" : undefined}>
                    <span>Sort</span>
                    <select
                      data-testid="sort-select"
                      value={runId === null ? "source" : sort}
                      disabled={runId === null}
                      onChange={(e) => {
                        setSort(e.target.value as ItemSort);
                        setActiveIndex(-1);
                      }}
                    >
                      {SORT_OPTIONS.map((o) => (
                        <option key={o.value} value={o.value}>
                          {o.text}
                        </option>
                      ))}
                    </select>
                  </label>
                  {runId !== null && (
                    <label
                      className={`mismatch-filter${mismatch ? " on" : ""}`}
                      title="Only items whose prediction differs from their given label (outlined in red)"
                    >
                      <input
                        type="checkbox"
                        data-testid="mismatch-filter"
                        checked={mismatch}
                        onChange={(e) => {
                          setMismatch(e.target.checked);
                          setActiveIndex(-1);
                        }}
                      />
                      <span className="mismatch-swatch" aria-hidden="true" />
                      <span>prediction ≠ label</span>
                    </label>
                  )}
                </div>
                {filtered && (
                  <button type="button" className="button ghost small" data-testid="clear-filters" onClick={clearFilters}>
                    Clear filters
                  </button>
                )}
              </div>
              {cache && total !== null && total > 0 && (
                <ItemGrid
                  key={gridQueryKey(versionId, gridQuery)}
                  cache={cache}
                  showPredictions={runId !== null}
                  noPredictionText={shownRun?.status === "done" ? "not in this run" : "no prediction"}
                  thumbSize={thumbSize}
                  activeIndex={activeIndex}
                  labelColors={labelColors}
                  onActivate={setActiveIndex}
                  onOpen={openItem}
                  focusToken={focusToken}
                />
              )}
              {total === 0 && (
                <div className="empty-state" data-testid="grid-empty">
                  <p>{filtered ? "No items match these filters." : "This version has no items."}</p>
                  {filtered && (
                    <button type="button" className="button" onClick={clearFilters}>
                      Clear filters
                    </button>
                  )}
                </div>
              )}
              {total === null && <div className="grid-loading" aria-busy="true" />}
            </>
          ) : (
            <div className="empty-state">
              {datasets === null ? null : datasets.length === 0 ? (
                <>
                  <h2>No datasets yet</h2>
                  {desktop ? (
                    <>
                      <p className="muted">Import a CSV, Parquet or JSON Lines file, or a folder of images, to start reviewing.</p>
                      <button type="button" className="button primary" onClick={() => setImportOpen(true)}>
                        Import dataset…
                      </button>
                    </>
                  ) : (
                    <p className="muted" data-testid="import-desktop-only">
                      {DESKTOP_ONLY_WHY.import}
                    </p>
                  )}
                </>
              ) : (
                <p className="muted">Select a dataset version on the left.</p>
              )}
            </div>
          )}
        </main>
      </div>

      {viewIndex !== null && cache && (
        <ItemView
          cache={cache}
          index={viewIndex}
          labelColors={labelColors}
          run={shownRun}
          viewer={viewer}
          search={search}
          onNavigate={navigateItem}
          onClose={closeItem}
        />
      )}

      {importOpen && (
        <ImportDialog
          onClose={() => setImportOpen(false)}
          onImported={onImported}
          projectHasLabels={project.labels.length > 0}
        />
      )}

      {labelsOpen && (
        <LabelsDialog
          project={project}
          onClose={() => setLabelsOpen(false)}
          onChanged={(labels) => onProjectChanged?.({ ...project, labels })}
        />
      )}

      {labelStudioOpen && (
        <ImportLabelStudioDialog onClose={() => setLabelStudioOpen(false)} onImported={onLabelStudioImported} />
      )}

      {predictionsOpen && datasets && (
        <ImportPredictionsDialog
          datasets={datasets}
          versionId={versionId}
          onClose={() => setPredictionsOpen(false)}
          onImported={onPredictionsImported}
        />
      )}

      {modelDialog && (
        <AddModelDialog
          edit={
            modelDialog.edit
              ? { model: modelDialog.edit, source: knownSource(modelDialog.edit, models, modelSources) }
              : null
          }
          onClose={() => setModelDialog(null)}
          onAdded={onAddedModel}
        />
      )}

      {details && (
        <ModelDetails
          model={details.model}
          note={details.note}
          onClose={() => setDetails(null)}
          onEdit={() => {
            setModelDialog({ edit: details.model });
            setDetails(null);
          }}
          onRun={() => {
            setDetails(null);
            openRunDialog(modelRef(details.model));
          }}
        />
      )}

      {runDialog && (
        <RunDialog
          runner={runner}
          models={models}
          datasets={datasets}
          initialModel={runDialog.model}
          initialDataset={selected ? datasetRef(selected.dataset.name, selected.version.version) : null}
          onClose={() => setRunDialog(null)}
          onAddModel={() => {
            setRunDialog(null);
            setModelDialog({ edit: null });
          }}
        />
      )}
    </div>
  );
}

function ImportNotice({ summary, onDismiss }: { summary: ImportSummary; onDismiss: () => void }) {
  const warnings = summary.warnings;
  return (
    <div className={`notice${warnings.length ? " warn" : ""}`} role="status" data-testid="import-summary">
      <div className="notice-body">
        {summary.unchanged ? (
          <span>
            <strong>{summary.dataset}</strong> unchanged — same content as version {summary.version}.
          </span>
        ) : (
          <span>
            Imported <strong>{summary.dataset}</strong> v{summary.version}: {plural(summary.items, "item")},{" "}
            {formatCount(summary.labeled)} labeled
            {warnings.length ? `, ${plural(warnings.length, "warning")}` : ""}.
          </span>
        )}
        {warnings.length > 0 && (
          <details className="notice-details">
            <summary>Show warnings</summary>
            <ul>
              {warnings.slice(0, 100).map((w, i) => (
                <li key={i}>{w}</li>
              ))}
              {warnings.length > 100 && <li className="muted">…and {formatCount(warnings.length - 100)} more</li>}
            </ul>
          </details>
        )}
      </div>
      <button type="button" className="icon-button" aria-label="Dismiss" title="Dismiss" onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}

/** "Run model…", or the progress of the run going on while its dialog is hidden. */
function RunButton({ runner, onClick }: { runner: RunState; onClick: () => void }) {
  if (runner.phase === "running") {
    const p = runner.progress;
    const pct = p ? progressPercent(p.done, p.total) : null;
    return (
      <button
        type="button"
        className="button run-button running"
        data-testid="run-button"
        onClick={onClick}
        title="Show the running model"
      >
        <span className="mini-progress" aria-hidden="true">
          <span className="mini-progress-fill" style={{ width: `${pct ?? 0}%` }} />
        </span>
        <span className="tabular">{pct === null ? "Starting run…" : `Running… ${Math.floor(pct)}%`}</span>
      </button>
    );
  }
  return (
    <button type="button" className="button run-button" data-testid="run-button" onClick={onClick}>
      Run model…
    </button>
  );
}

function RunFinishedNotice({ info, onDismiss }: { info: RunInfo; onDismiss: () => void }) {
  return (
    <div className={`notice${info.notice ? " info" : ""}`} role="status" data-testid="run-finished">
      <div className="notice-body">
        <span>
          Run {info.run} finished: <strong>{info.model}</strong> on {info.dataset} — {plural(info.items, "item")}
          {info.failed > 0 ? `, ${formatCount(info.failed)} failed` : ""} in {formatDuration(info.seconds)} (
          {formatRate(info.itemsPerSecond)}) on <span className="mono">{info.provider}</span>. The grid shows its
          predictions.
        </span>
        {info.notice && <div className="notice-extra">{info.notice}</div>}
        <RunFailuresList run={info.run} failed={info.failed} />
      </div>
      <button type="button" className="icon-button" aria-label="Dismiss" title="Dismiss" onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}
