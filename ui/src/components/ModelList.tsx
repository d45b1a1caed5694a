import { memo } from "react";
import type { ModelDto } from "../bindings/ModelDto";
import { formatDateTime, plural } from "../lib/format";
import { modelRef, precisionText, shortHash } from "../lib/models";

interface Props {
  models: ModelDto[] | null;
  onOpen: (model: ModelDto) => void;
}

/** The project's models, one entry per version (the backend lists them by name, newest first). */
export const ModelList = memo(function ModelList({ models, onOpen }: Props) {
  if (models === null) return <p className="sidebar-note muted">Loading models…</p>;
  return (
    <ul className="model-list" data-testid="model-list">
      {models.length === 0 && <li className="sidebar-note muted">No models yet.</li>}
      {models.map((m, i) => {
        const older = models[i - 1]?.name === m.name;
        return (
          <li key={m.id}>
            <button
              type="button"
              className={`model-entry${older ? " older" : ""}`}
              data-testid="model-entry"
              data-name={m.name}
              data-version={m.version}
              title={`${modelRef(m)} · ${formatDateTime(m.createdAt)} · ${shortHash(m.sha256)}`}
              onClick={() => onOpen(m)}
            >
              <span className="dataset-row">
                <span className="model-name">
                  {m.name}
                  <span className="model-at">@{m.version}</span>
                </span>
              </span>
              <span className="dataset-stats">
                {m.importedFrom ? "imported predictions" : m.kind} · {plural(m.classes.length, "class", "classes")}
                {m.precision !== null && (
                  <span data-testid="model-entry-precision"> · {precisionText(m.precision)?.label}</span>
                )}
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
});
