/**
 * "Label in a browser" on the Team screen: the desktop app serves the open project to browsers
 * (Start / Stop, the link and its QR code, who is connected now, polled), a lead invites people
 * (a sign-in link and a token, shown once) and revokes their access. In a browser — a page
 * served by `arbiter serve` — only a note: the lead runs the server from the desktop app.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { AccessDto } from "../bindings/AccessDto";
import type { AnnotatorDto } from "../bindings/AnnotatorDto";
import type { InvitedDto } from "../bindings/InvitedDto";
import type { IpcError } from "../bindings/IpcError";
import type { Role } from "../bindings/Role";
import type { ServingDto } from "../bindings/ServingDto";
import * as ipc from "../ipc";
import { formatDateTime, formatRelative, plural } from "../lib/format";
import { normaliseError } from "../lib/ipcError";
import { useDesktop } from "../session";
import { accessByPerson, accessWhat, DEFAULT_BIND, DEFAULT_EXPIRES, qrDrawing, revokeQuestion } from "../lib/serve";
import { IpcErrorBox } from "./IpcErrorBox";
import { LeadOnly } from "./LeadOnly";

/** How often the panel asks who is connected while it is on screen. */
export const POLL_MS = 2000;

export function BrowserServing({ me, lead }: { me: AnnotatorDto | null; lead: boolean }) {
  if (!useDesktop()) {
    return (
      <p className="muted small team-serve-note" data-testid="serve-browser-note">
        Labeling in a browser: the lead starts the server and invites people from the Arbiter desktop app (Team → Label in a browser).
      </p>
    );
  }
  return <ServingPanel me={me} lead={lead} />;
}

function ServingPanel({ me, lead }: { me: AnnotatorDto | null; lead: boolean }) {
  const [serving, setServing] = useState<ServingDto | null>(null);
  const [access, setAccess] = useState<AccessDto[] | null>(null);
  const [accessError, setAccessError] = useState<IpcError | null>(null);

  const loadAccess = useCallback(async () => {
    try {
      setAccess(await ipc.listAccess());
      setAccessError(null);
    } catch (err) {
      setAccessError(normaliseError(err));
    }
  }, []);

  const poll = useCallback(async () => {
    const s = await ipc.servingStatus().catch(() => undefined);
    if (s !== undefined) setServing(s);
    return s;
  }, []);

  useEffect(() => {
    void poll();
    void loadAccess();
    // Who is connected changes by itself: ask again while the panel is on screen (and the
    // window not hidden); sign-ins show in the access list too.
    const timer = window.setInterval(() => {
      if (document.visibilityState === "hidden") return;
      void poll().then((s) => {
        if (s) void loadAccess();
      });
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [poll, loadAccess]);

  return (
    <>
      <div className="team-serve-grid">
        <ServeCard me={me} lead={lead} serving={serving} onServing={setServing} />
        <InviteCard me={me} lead={lead} serving={serving} onInvited={loadAccess} />
      </div>
      <AccessCard lead={lead} access={access} error={accessError} onChanged={loadAccess} />
    </>
  );
}

type ServePhase = { kind: "idle" } | { kind: "busy" } | { kind: "failed"; error: IpcError };

function ServeCard({
  me,
  lead,
  serving,
  onServing,
}: {
  me: AnnotatorDto | null;
  lead: boolean;
  serving: ServingDto | null;
  onServing: (s: ServingDto | null) => void;
}) {
  const [bind, setBind] = useState(DEFAULT_BIND);
  const [phase, setPhase] = useState<ServePhase>({ kind: "idle" });
  const busy = phase.kind === "busy";

  const start = async () => {
    setPhase({ kind: "busy" });
    try {
      onServing(await ipc.startServing(bind.trim()));
      setPhase({ kind: "idle" });
    } catch (err) {
      setPhase({ kind: "failed", error: normaliseError(err) });
    }
  };

  const stop = async () => {
    setPhase({ kind: "busy" });
    try {
      await ipc.stopServing();
      onServing(null);
      setPhase({ kind: "idle" });
    } catch (err) {
      setPhase({ kind: "failed", error: normaliseError(err) });
    }
  };

  return (
    <section className="dash-card" data-testid="serve-card" data-serving={serving ? "true" : "false"}>
      <h3>Serve this project</h3>
      <p className="dash-card-sub">
        People you invite label in their browser, on this computer’s copy of the project, while this app is open.
      </p>
      {!lead ? (
        !serving && <LeadOnly me={me} what="starts the server" />
      ) : !serving ? (
        <>
          <label className="field">
            <span className="field-label">Address</span>
            <div className="team-path-row">
              <input
                type="text"
                className="mono"
                data-testid="serve-bind"
                value={bind}
                spellCheck={false}
                autoComplete="off"
                onChange={(e) => {
                  setBind(e.target.value);
                  if (phase.kind === "failed") setPhase({ kind: "idle" });
                }}
                disabled={busy}
              />
              <button type="button" className="button primary" data-testid="serve-start" onClick={() => void start()} disabled={busy || bind.trim() === ""}>
                {busy ? "Starting…" : "Start"}
              </button>
            </div>
            <span className="field-hint">
              <span className="mono">0.0.0.0:8765</span> — every network of this computer (others can reach it);{" "}
              <span className="mono">127.0.0.1:8765</span> — this computer only.
            </span>
          </label>
        </>
      ) : null}
      {phase.kind === "failed" && <IpcErrorBox error={phase.error} testId="serve-error" prefix={serving ? "Not stopped — " : "Not started — "} />}
      {serving && <Serving serving={serving} lead={lead} busy={busy} onStop={() => void stop()} />}
    </section>
  );
}

function Serving({ serving, lead, busy, onStop }: { serving: ServingDto; lead: boolean; busy: boolean; onStop: () => void }) {
  return (
    <div className="team-serving" data-testid="serve-running">
      <div className="team-serving-head">
        <span className="team-live" aria-hidden="true" />
        <span>
          Serving on <span className="mono">{serving.bind}</span>
        </span>
        <div className="header-spacer" />
        {lead && (
          <button type="button" className="button" data-testid="serve-stop" onClick={onStop} disabled={busy}>
            {busy ? "Stopping…" : "Stop"}
          </button>
        )}
      </div>
      <LinkWithQr url={serving.url} testId="serve-url" qrTestId="serve-qr" hint="The address to open. People sign in with the link of their invitation." />
      {serving.exposed && (
        <div className="field-warning team-exposed" role="note" data-testid="serve-exposed">
          <strong>Anyone on this network can reach this address.</strong> Only invited people can sign in, but the
          traffic is plain HTTP, readable on the way. For TLS, serve from the command line:{" "}
          <span className="mono">arbiter serve --tls-self-signed</span>.
        </div>
      )}
      <div className="team-connected">
        <h4>Connected now</h4>
        {serving.connected.length === 0 ? (
          <p className="muted small" data-testid="serve-nobody">
            Nobody yet.
          </p>
        ) : (
          <ul data-testid="serve-connected-list">
            {serving.connected.map((c) => (
              <li key={c.annotator} data-testid="serve-connected" data-annotator={c.annotator}>
                <strong>{c.annotator}</strong>
                <span className="team-badge">{c.role}</span>
                <span className="muted small">{plural(c.connections, "tab")}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}

/** A link in a read-only field with Copy, and its QR code (to open it on a phone or tablet). */
function LinkWithQr({ url, testId, qrTestId, hint }: { url: string; testId: string; qrTestId: string; hint?: string }) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  useEffect(() => setCopied(null), [url]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied("yes");
    } catch {
      // No clipboard here: select the text for Ctrl+C.
      field.current?.select();
      setCopied("no");
    }
  };

  return (
    <div className="team-link">
      <div className="team-link-text">
        <div className="team-path-row">
          <input ref={field} type="text" readOnly className="mono" data-testid={testId} value={url} onFocus={(e) => e.currentTarget.select()} />
          <button type="button" className="button" data-testid={`${testId}-copy`} onClick={() => void copy()}>
            Copy
          </button>
        </div>
        <span className="field-hint" role="status">
          {copied === "yes" ? "Copied." : copied === "no" ? "Selected — press Ctrl+C to copy." : hint}
        </span>
      </div>
      <QrCode text={url} testId={qrTestId} />
    </div>
  );
}

function QrCode({ text, testId }: { text: string; testId: string }) {
  const { size, path } = qrDrawing(text);
  return (
    <svg
      className="team-qr"
      data-testid={testId}
      data-text={text}
      viewBox={`0 0 ${size} ${size}`}
      shapeRendering="crispEdges"
      role="img"
      aria-label={`QR code of ${text}`}
    >
      <rect width={size} height={size} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}

type InvitePhase = { kind: "idle" } | { kind: "busy" } | { kind: "done"; invited: InvitedDto } | { kind: "failed"; error: IpcError };

function InviteCard({
  me,
  lead,
  serving,
  onInvited,
}: {
  me: AnnotatorDto | null;
  lead: boolean;
  serving: ServingDto | null;
  onInvited: () => void;
}) {
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("annotator");
  const [expires, setExpires] = useState(DEFAULT_EXPIRES);
  const [phase, setPhase] = useState<InvitePhase>({ kind: "idle" });
  const busy = phase.kind === "busy";

  const invite = async () => {
    setPhase({ kind: "busy" });
    try {
      const invited = await ipc.inviteAnnotator({ name: name.trim(), role, expires: expires.trim(), url: serving?.url ?? null });
      setPhase({ kind: "done", invited });
      setName("");
      onInvited();
    } catch (err) {
      setPhase({ kind: "failed", error: normaliseError(err) });
    }
  };

  return (
    <section className="dash-card" data-testid="invite-card">
      <h3>Invite someone</h3>
      <p className="dash-card-sub">A sign-in link for one browser, and a token for scripts. A new name becomes an annotator of the project.</p>
      {!lead ? (
        <LeadOnly me={me} what="invites people" />
      ) : (
        <>
          <form
            className="team-invite-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (!busy && name.trim() !== "") void invite();
            }}
          >
            <label className="field">
              <span className="field-label">Name</span>
              <input type="text" data-testid="invite-name" value={name} placeholder="ana" spellCheck={false} autoComplete="off" onChange={(e) => setName(e.target.value)} disabled={busy} />
            </label>
            <label className="field">
              <span className="field-label">Role</span>
              <select data-testid="invite-role" value={role} onChange={(e) => setRole(e.target.value as Role)} disabled={busy}>
                <option value="annotator">annotator</option>
                <option value="reviewer">reviewer</option>
                <option value="lead">lead</option>
              </select>
            </label>
            <label className="field">
              <span className="field-label">Expires in</span>
              <input type="text" className="mono" data-testid="invite-expires" value={expires} spellCheck={false} autoComplete="off" onChange={(e) => setExpires(e.target.value)} disabled={busy} />
            </label>
            <button type="submit" className="button primary" data-testid="invite-submit" disabled={busy || name.trim() === ""}>
              {busy ? "Inviting…" : "Invite"}
            </button>
          </form>
          <span className="field-hint">
            Expires: a number and m, h, d or w (<span className="mono">30m</span>, <span className="mono">12h</span>,{" "}
            <span className="mono">7d</span>, <span className="mono">2w</span>). Someone already in the project keeps their role.
            {!serving && " Start serving first: the link then names this computer’s address."}
          </span>
          {phase.kind === "failed" && <IpcErrorBox error={phase.error} testId="invite-error" prefix="Not invited — " />}
          {phase.kind === "done" && <Invited invited={phase.invited} onDone={() => setPhase({ kind: "idle" })} />}
        </>
      )}
    </section>
  );
}

function Invited({ invited, onDone }: { invited: InvitedDto; onDone: () => void }) {
  return (
    <div className="team-invited" data-testid="invite-done" data-annotator={invited.annotator}>
      <p className="form-ok" role="status">
        Invited <strong>{invited.annotator}</strong> ({invited.role}) until <span title={invited.expiresAt}>{formatDateTime(invited.expiresAt)}</span>.{" "}
        <strong>Shown only now — send it privately:</strong> the link signs in one browser; anyone holding it can sign in as{" "}
        {invited.annotator}.
      </p>
      <LinkWithQr url={invited.url} testId="invite-link" qrTestId="invite-qr" hint="The sign-in link: open it in the browser that will label." />
      <label className="field">
        <span className="field-label">Token for scripts</span>
        <input type="text" readOnly className="mono" data-testid="invite-token" value={invited.token} onFocus={(e) => e.currentTarget.select()} />
        <span className="field-hint">
          Send it as <span className="mono">Authorization: Bearer …</span>; it works until it expires or is revoked.
        </span>
      </label>
      <div className="team-actions">
        <button type="button" className="button small" data-testid="invite-dismiss" onClick={onDone}>
          Done — hide them
        </button>
      </div>
    </div>
  );
}

type RevokePhase =
  | { kind: "idle" }
  | { kind: "asking"; annotator: string }
  | { kind: "busy"; annotator: string }
  | { kind: "failed"; error: IpcError };

function AccessCard({
  lead,
  access,
  error,
  onChanged,
}: {
  lead: boolean;
  access: AccessDto[] | null;
  error: IpcError | null;
  onChanged: () => void;
}) {
  const [phase, setPhase] = useState<RevokePhase>({ kind: "idle" });
  const [revoked, setRevoked] = useState<string | null>(null);
  const people = accessByPerson(access ?? []);

  const revoke = async (annotator: string) => {
    setPhase({ kind: "busy", annotator });
    try {
      const r = await ipc.revokeAccess(annotator);
      setRevoked(`Revoked ${r.annotator}: ${plural(r.invites, "invitation")} and ${plural(r.sessions, "session")} ended.`);
      setPhase({ kind: "idle" });
    } catch (err) {
      setPhase({ kind: "failed", error: normaliseError(err) });
    }
    onChanged();
  };

  const asking = phase.kind === "asking" ? people.find((p) => p.annotator === phase.annotator) : undefined;

  return (
    <section className="dash-card" data-testid="access-card">
      <h3>Who can sign in</h3>
      <p className="dash-card-sub">Every invitation and browser session on this computer (tokens are never kept, only shown when made).</p>
      {error && <IpcErrorBox error={error} testId="access-error" />}
      {access && people.length === 0 && <p className="muted small">Nobody invited yet.</p>}
      {people.length > 0 && (
        <table className="data-table team-table team-access">
          <thead>
            <tr>
              <th>Annotator</th>
              <th>Role</th>
              <th>What</th>
              <th>Status</th>
              <th>Expires</th>
              <th>Last used</th>
              {lead && <th aria-label="Revoke" />}
            </tr>
          </thead>
          <tbody>
            {people.map((p) =>
              p.rows.map((a, i) => (
                <tr
                  key={`${p.annotator}-${i}`}
                  className={i === 0 ? "team-access-first" : undefined}
                  data-testid="access-row"
                  data-annotator={a.annotator}
                  data-status={a.status}
                  data-kind={a.kind}
                >
                  <td>{i === 0 ? <strong>{a.annotator}</strong> : null}</td>
                  <td>{a.role}</td>
                  <td title={a.signedInAt ? `Signed in ${formatDateTime(a.signedInAt)}` : undefined}>{accessWhat(a.kind)}</td>
                  <td>
                    <span className={`team-status team-status-${a.status}`}>{a.status}</span>
                  </td>
                  <td title={a.expiresAt}>{a.status === "revoked" ? <span className="muted">—</span> : formatRelative(a.expiresAt)}</td>
                  <td title={a.lastUsedAt ?? undefined}>{a.lastUsedAt ? formatRelative(a.lastUsedAt) : <span className="muted">never</span>}</td>
                  {lead && i === 0 && (
                    <td rowSpan={p.rows.length} className="team-access-revoke">
                      {p.active > 0 && (
                        <button
                          type="button"
                          className="button small"
                          data-testid="access-revoke"
                          data-annotator={p.annotator}
                          onClick={() => {
                            setRevoked(null);
                            setPhase({ kind: "asking", annotator: p.annotator });
                          }}
                          disabled={phase.kind === "busy"}
                        >
                          {phase.kind === "busy" && phase.annotator === p.annotator ? "Revoking…" : "Revoke"}
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              )),
            )}
          </tbody>
        </table>
      )}
      {asking && (
        <div className="notice warn flat team-revoke-ask" role="alertdialog" aria-label="Revoke access?" data-testid="access-revoke-ask">
          <div className="notice-body">
            <p className="small">{revokeQuestion(asking)}</p>
            <div className="team-actions">
              <button type="button" className="button danger" data-testid="access-revoke-confirm" autoFocus onClick={() => void revoke(asking.annotator)}>
                Revoke {asking.annotator}
              </button>
              <button type="button" className="button" data-testid="access-revoke-cancel" onClick={() => setPhase({ kind: "idle" })}>
                Keep
              </button>
            </div>
          </div>
        </div>
      )}
      {revoked && (
        <p className="form-ok" role="status" data-testid="access-revoked">
          {revoked}
        </p>
      )}
      {phase.kind === "failed" && <IpcErrorBox error={phase.error} testId="access-revoke-error" prefix="Not revoked — " />}
    </section>
  );
}
