import { memo } from "react";
import type { DatasetInfo } from "../bindings/DatasetInfo";
import { formatCount, formatDateTime, formatRelative } from "../lib/format";

interface Props {
  datasets: DatasetInfo[] | null;
  selectedVersionId: number | null;
  onSelect: (versionId: number) => void;
}

export const DatasetList = memo(function DatasetList({ datasets, selectedVersionId, onSelect }: Props) {
  if (datasets === null) return <p className="sidebar-note muted">Loading datasets…</p>;
  return (
    <ul className="dataset-list" data-testid="dataset-list">
      {datasets.length === 0 && <li className="sidebar-note muted">No datasets yet.</li>}
      {datasets.map((ds) => {
        const newest = ds.versions[0];
        const selectedHere = ds.versions.some((v) => v.id === selectedVersionId);
        return (
          <li key={ds.id} className={`dataset${selectedHere ? " selected" : ""}`}>
            <button
              type="button"
              className={`dataset-entry${newest && newest.id === selectedVersionId ? " active" : ""}`}
              data-testid="dataset-entry"
              data-name={ds.name}
              title={ds.source}
              disabled={!newest}
              onClick={() => newest && onSelect(newest.id)}
            >
              <span className="dataset-row">
                <span className="dataset-name">{ds.name}</span>
                {newest && <span className="version-badge">v{newest.version}</span>}
              </span>
              {newest && (
                <span
                  className="dataset-stats"
                  title="Given labels: the labels the dataset came with (annotators' labels are counted on the Dashboard)"
                >
                  {formatCount(newest.items)} items ·{" "}
                  {newest.labeled > 0 ? `${formatCount(newest.labeled)} with given labels` : "no given labels"}
                </span>
              )}
            </button>
            {ds.versions.length > 1 && (
              <ul className="version-list" aria-label={`Versions of ${ds.name}`}>
                {ds.versions.map((v) => (
                  <li key={v.id}>
                    <button
                      type="button"
                      className={`version-entry${v.id === selectedVersionId ? " active" : ""}`}
                      data-testid="dataset-version"
                      data-name={ds.name}
                      data-version={v.version}
                      title={`${formatDateTime(v.createdAt)} · ${v.contentHash.slice(0, 12)}`}
                      onClick={() => onSelect(v.id)}
                    >
                      <span className="version-num">v{v.version}</span>
                      <span className="version-items">{formatCount(v.items)}</span>
                      <span className="version-date">{formatRelative(v.createdAt)}</span>
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </li>
        );
      })}
    </ul>
  );
});
