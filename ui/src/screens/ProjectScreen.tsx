import { useCallback, useEffect, useMemo, useState } from "react";
import type { DatasetInfo } from "../bindings/DatasetInfo";
import type { ImportSummary } from "../bindings/ImportSummary";
import type { LabelCount } from "../bindings/LabelCount";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import { DatasetList } from "../components/DatasetList";
import { useReportError } from "../components/ErrorBanner";
import { ImportDialog } from "../components/ImportDialog";
import { ItemGrid } from "../components/ItemGrid";
import { ItemView } from "../components/ItemView";
import { Logo } from "../components/Logo";
import { useCacheVersion, useItemCache, usePersistentState } from "../hooks";
import * as ipc from "../ipc";
import { formatCount, plural } from "../lib/format";
import { DEFAULT_THUMB, MAX_THUMB, MIN_THUMB } from "../lib/gridLayout";
import { filterFromValue, filterOptions, filterValue, labelColorMap } from "../lib/labels";

interface Props {
  project: ProjectInfo;
  onClose: () => void;
}

function findVersion(datasets: DatasetInfo[] | null, versionId: number | null) {
  if (!datasets || versionId === null) return null;
  for (const ds of datasets) {
    const v = ds.versions.find((x) => x.id === versionId);
    if (v) return { dataset: ds, version: v };
  }
  return null;
}

export function ProjectScreen({ project, onClose }: Props) {
  const report = useReportError();
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
  const [notice, setNotice] = useState<ImportSummary | null>(null);

  const labelColors = useMemo(() => labelColorMap(project.labels), [project.labels]);

  const selectVersion = useCallback(
    (id: number) => {
      setVersionId(id);
      setLastVersion(id);
      setLabel(null);
      setActiveIndex(-1);
      setViewIndex(null);
    },
    [],
  );

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

  // Initial load: datasets, then the last used (or first) version.
  useEffect(() => {
    let cancelled = false;
    refreshDatasets().then((list) => {
      if (cancelled || !list) return;
      if (findVersion(list, lastVersion)) setVersionId(lastVersion);
      else if (list[0]?.versions[0]) setVersionId(list[0].versions[0].id);
    });
    return () => {
      cancelled = true;
    };
  }, []);

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
  const cache = useItemCache(versionId, label, onPageError);
  useCacheVersion(cache);
  const total = cache?.total ?? null;

  const selected = findVersion(datasets, versionId);
  const options = useMemo(() => filterOptions(counts, project.labels), [counts, project.labels]);

  const onImported = (summary: ImportSummary) => {
    setImportOpen(false);
    setNotice(summary);
    void refreshDatasets({ dataset: summary.dataset, version: summary.version });
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
        <button type="button" className="button" onClick={onClose}>
          Close project
        </button>
      </header>

      <div className="project-body">
        <aside className="sidebar">
          <div className="sidebar-head">
            <h2 className="section-title">Datasets</h2>
            <button
              type="button"
              className="button small primary"
              data-testid="import-button"
              onClick={() => setImportOpen(true)}
            >
              Import dataset…
            </button>
          </div>
          <div className="sidebar-scroll">
            <DatasetList datasets={datasets} selectedVersionId={versionId} onSelect={selectVersion} />
          </div>
          {project.labels.length > 0 && (
            <div className="sidebar-labels">
              <h2 className="section-title">Labels</h2>
              <ul className="label-legend">
                {[...project.labels]
                  .sort((a, b) => a.position - b.position)
                  .map((l) => (
                    <li key={l.name} title={l.guideline ?? undefined}>
                      <span className="dot" style={{ background: l.color }} />
                      <span className="legend-name">{l.name}</span>
                      {l.hotkey && <kbd>{l.hotkey}</kbd>}
                    </li>
                  ))}
              </ul>
            </div>
          )}
        </aside>

        <main className="main">
          {notice && <ImportNotice summary={notice} onDismiss={() => setNotice(null)} />}

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
                <div className="header-spacer" />
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
              {cache && total !== null && total > 0 && (
                <ItemGrid
                  key={`${versionId}:${label ?? "\u0000all"}`}
                  cache={cache}
                  thumbSize={thumbSize}
                  activeIndex={activeIndex}
                  labelColors={labelColors}
                  onActivate={setActiveIndex}
                  onOpen={openItem}
                  focusToken={focusToken}
                />
              )}
              {total === 0 && (
                <div className="empty-state">
                  <p>{label === null ? "This version has no items." : "No items match this filter."}</p>
                </div>
              )}
              {total === null && <div className="grid-loading" aria-busy="true" />}
            </>
          ) : (
            <div className="empty-state">
              {datasets === null ? null : datasets.length === 0 ? (
                <>
                  <h2>No datasets yet</h2>
                  <p className="muted">Import a CSV, Parquet or JSON Lines file, or a folder of images, to start reviewing.</p>
                  <button type="button" className="button primary" onClick={() => setImportOpen(true)}>
                    Import dataset…
                  </button>
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
          onNavigate={navigateItem}
          onClose={closeItem}
        />
      )}

      {importOpen && <ImportDialog onClose={() => setImportOpen(false)} onImported={onImported} />}
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
