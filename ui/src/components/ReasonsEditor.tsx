/**
 * The correction reasons in the Labels dialog: the ones in use, each retirable by a lead, and a
 * new one added with its description. Every change is a new schema version (audited, shared
 * with the other copies); a retired reason is no longer offered nor accepted on new events.
 */
import { useCallback, useEffect, useState, type FormEvent } from "react";
import type { ReasonDto } from "../bindings/ReasonDto";
import * as ipc from "../ipc";
import { codeTitle, normaliseError } from "../lib/ipcError";

export function ReasonsEditor({ lead, actor }: { lead: boolean; actor: string | null }) {
  const [reasons, setReasons] = useState<ReasonDto[] | null>(null);
  const [code, setCode] = useState("");
  const [description, setDescription] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setReasons(await ipc.listReasons());
    } catch (err) {
      const e = normaliseError(err);
      setError(`${codeTitle(e.code)}: ${e.message}`);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const run = async (work: () => Promise<ReasonDto[]>) => {
    setBusy(true);
    setError(null);
    try {
      setReasons(await work());
      return true;
    } catch (err) {
      const e = normaliseError(err);
      setError(`${codeTitle(e.code)}: ${e.message}`);
      return false;
    } finally {
      setBusy(false);
    }
  };
  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (!actor || !lead) return;
    if (await run(() => ipc.addReason(code.trim(), description.trim(), actor))) {
      setCode("");
      setDescription("");
    }
  };

  return (
    <section className="reasons-editor" data-testid="reasons-editor">
      <h3 className="section-title">Correction reasons</h3>
      <ul className="reasons-list">
        {(reasons ?? []).map((r) => (
          <li key={r.code} data-code={r.code}>
            <span className="mono">{r.code}</span> <span className="muted small">{r.description}</span>
            {lead && actor && (
              <button
                type="button"
                className="button small ghost"
                data-testid="reason-retire"
                disabled={busy}
                title="No longer offered nor accepted on new events; events that carry it keep it"
                onClick={() => void run(() => ipc.retireReason(r.code, actor))}
              >
                Retire
              </button>
            )}
          </li>
        ))}
      </ul>
      {lead && actor && (
        <form className="reasons-add" onSubmit={add} noValidate>
          <input aria-label="New reason code" className="mono" placeholder="code, e.g. blurry" value={code} onChange={(e) => setCode(e.target.value)} />
          <input
            aria-label="Description of the new reason"
            className="grow"
            placeholder="When to use it"
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
          <button type="submit" className="button small" data-testid="reason-add" disabled={busy || code.trim() === ""}>
            Add reason
          </button>
        </form>
      )}
      {error && (
        <div className="form-error" role="alert" data-testid="reasons-error">
          {error}
        </div>
      )}
    </section>
  );
}
