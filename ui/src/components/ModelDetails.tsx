import { useState } from "react";
import type { ModelDto } from "../bindings/ModelDto";
import type { TensorInfo } from "../bindings/TensorInfo";
import { formatCount, formatDateTime } from "../lib/format";
import { usePersistentState } from "../hooks";
import {
  classesSourceText,
  formatFloat,
  formatFloatList,
  formatShape,
  modelRef,
  precisionText,
  shortHash,
} from "../lib/models";
import { GPU_SETTINGS_KEY, gpuSettingsText, type GpuSettings } from "../lib/runs";
import { Modal } from "./Modal";
import { DESKTOP_ONLY_WHY, DesktopOnly } from "./DesktopOnly";

interface Props {
  model: ModelDto;
  /** A one-line note shown on top, e.g. after the model was just added. */
  note?: string | null;
  onClose: () => void;
  onEdit: () => void;
  onRun: () => void;
}

const CLASS_PREVIEW = 60;

export function ModelDetails({ model, note, onClose, onEdit, onRun }: Props) {
  const [allClasses, setAllClasses] = useState(false);
  const [gpuByModel] = usePersistentState<Record<string, GpuSettings>>(GPU_SETTINGS_KEY, {});
  const gpu = gpuByModel[model.name];
  const p = model.preprocess;
  const classes = allClasses ? model.classes : model.classes.slice(0, CLASS_PREVIEW);
  const dash = "—";
  const imported = model.importedFrom ?? null;
  const precision = precisionText(model.precision);
  const fedType = model.inputs.find((t) => t.name === p.input)?.dtype;

  return (
    <Modal title={modelRef(model)} onClose={onClose} testId="model-details" width={640}>
      <div className="model-details">
        {note && (
          <div className="notice flat" role="status" data-testid="model-note">
            <div className="notice-body">{note}</div>
          </div>
        )}

        {imported !== null && (
          <p className="muted" data-testid="model-imported">
            Predictions imported from <span className="mono break">{imported}</span>: there is no model to run or
            preprocess here. Import newer predictions as a new version with the same name.
          </p>
        )}
        <dl className="props wide">
          <dt>Kind</dt>
          <dd>{imported !== null ? `imported predictions over ${model.kind} items` : model.kind}</dd>
          {precision !== null && (
            <>
              <dt>Precision</dt>
              <dd data-testid="model-precision" data-precision={model.precision}>
                {precision.label} <span className="muted">— {precision.about}</span>
              </dd>
            </>
          )}
          {imported === null && (
            <>
              <dt>Output</dt>
              <dd>
                <span className="mono">{model.outputName}</span> <span className="muted">({model.outputKind})</span>
              </dd>
            </>
          )}
          <dt>SHA-256</dt>
          <dd>
            <span className="mono" title={model.sha256} data-testid="model-sha">
              {shortHash(model.sha256)}…
            </span>
          </dd>
          <dt>Added</dt>
          <dd>{formatDateTime(model.createdAt)}</dd>
          {imported === null && (
            <>
              <dt>GPU settings</dt>
              <dd data-testid="model-gpu-settings">
                {gpuSettingsText(gpu)}{" "}
                <span className="muted">({gpu ? "last used on this computer" : "defaults"}; set them in Run model)</span>
              </dd>
            </>
          )}
        </dl>

        {imported === null && (
          <>
            <div className="tensor-tables">
              <TensorTable title="Inputs" testId="model-inputs" tensors={model.inputs} highlight={p.input} />
              <TensorTable title="Outputs" testId="model-outputs" tensors={model.outputs} highlight={model.outputName} />
            </div>

            <h3 className="section-title">Preprocessing</h3>
            <dl className="props wide" data-testid="model-preprocess">
              <dt>Feeds</dt>
              <dd>
                <span className="mono">{p.input}</span> <span className="muted">from {p.kind === "tabular" ? "feature columns" : "images"}</span>
              </dd>
              {p.kind === "tabular" ? (
                <>
                  <dt>Features</dt>
                  <dd>{p.features === null ? dash : formatCount(p.features)}</dd>
                </>
              ) : (
                <>
                  <dt>Size</dt>
                  <dd>{p.width !== null && p.height !== null ? `${p.width} × ${p.height} px` : dash}</dd>
                  <dt>Layout</dt>
                  <dd className="upper">{p.layout ?? dash}</dd>
                  <dt>Colour</dt>
                  <dd className="upper">{p.color ?? dash}</dd>
                  <dt>Type</dt>
                  <dd data-testid="model-preprocess-type">
                    {p.dtype ?? dash}
                    {p.dtype === "float32" && fedType === "float16" && <span className="muted">, rounded to float16 when fed</span>}
                  </dd>
                  <dt>Scale</dt>
                  <dd className="mono">{p.scale === null ? dash : formatFloat(p.scale)}</dd>
                  <dt>Mean</dt>
                  <dd className="mono">{p.mean?.length ? formatFloatList(p.mean) : dash}</dd>
                  <dt>Std</dt>
                  <dd className="mono">{p.std?.length ? formatFloatList(p.std) : dash}</dd>
                  <dt>JPEG decoding</dt>
                  <dd data-testid="model-decode-shown">
                    {p.decode === "fast" ? "Fast (reduced DCT scale, not below the input size)" : "Full size"}
                  </dd>
                </>
              )}
            </dl>
          </>
        )}

        <h3 className="section-title">
          Classes <span className="muted">({formatCount(model.classes.length)}, {classesSourceText(model.classesSource)})</span>
        </h3>
        <ul className="class-list" data-testid="model-classes">
          {classes.map((c, i) => (
            <li key={i} className="class-chip" title={`class ${i}`}>
              {c}
            </li>
          ))}
        </ul>
        {model.classes.length > classes.length && (
          <button type="button" className="button link" onClick={() => setAllClasses(true)}>
            Show all {formatCount(model.classes.length)} classes
          </button>
        )}

        <div className="form-actions">
          {imported === null && (
            <DesktopOnly className="button" testId="model-edit" label="Edit preprocessing…" why={DESKTOP_ONLY_WHY.addModel}>
              <button type="button" className="button" data-testid="model-edit" onClick={onEdit}>
                Edit preprocessing…
              </button>
            </DesktopOnly>
          )}
          <div className="header-spacer" />
          <button type="button" className="button" onClick={onClose}>
            Close
          </button>
          {imported === null && (
            <DesktopOnly className="button primary" testId="model-run" label="Run on dataset…" why={DESKTOP_ONLY_WHY.run}>
              <button type="button" className="button primary" data-testid="model-run" onClick={onRun}>
                Run on dataset…
              </button>
            </DesktopOnly>
          )}
        </div>
      </div>
    </Modal>
  );
}

function TensorTable({
  title,
  testId,
  tensors,
  highlight,
}: {
  title: string;
  testId: string;
  tensors: TensorInfo[];
  highlight: string;
}) {
  return (
    <div className="tensor-table-wrap">
      <h3 className="section-title">{title}</h3>
      <table className="data-table" data-testid={testId}>
        <colgroup>
          <col className="col-name" />
          <col className="col-type" />
          <col />
        </colgroup>
        <thead>
          <tr>
            <th>Name</th>
            <th>Type</th>
            <th>Shape</th>
          </tr>
        </thead>
        <tbody>
          {tensors.map((t) => (
            <tr key={t.name} className={t.name === highlight ? "used" : undefined}>
              <td className="mono" title={t.name === highlight ? `${t.name} (used)` : t.name}>
                {t.name}
              </td>
              <td className="mono" title={t.dtype}>
                {t.dtype}
              </td>
              <td className="mono tensor-shape" title={`[${t.shape.join(", ")}]`}>
                {formatShape(t.shape)}
              </td>
            </tr>
          ))}
          {tensors.length === 0 && (
            <tr>
              <td colSpan={3} className="muted">
                None
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
