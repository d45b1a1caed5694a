// The HTTP transport of ipc.ts (a browser talking to `arbiter serve`), against a typed fake
// `fetch`. `@tauri-apps/api/core` is the real module: outside Tauri its `isTauri()` is false, so
// ipc.ts picks HTTP by itself, and a `Channel` constructed by mistake would throw.
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { FetchFn } from "./ipc";

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
  credentials: RequestCredentials | undefined;
}

/** A fake server: answers each request with the next of `answers` and records what was sent. */
function fakeFetch(...answers: (Response | Error)[]) {
  const sent: Sent[] = [];
  const fetchFn = vi.fn<FetchFn>(async (url, init) => {
    sent.push({
      url,
      method: init.method ?? "GET",
      headers: { ...(init.headers as Record<string, string>) },
      body: typeof init.body === "string" ? JSON.parse(init.body) : init.body,
      credentials: init.credentials,
    });
    const next = answers.shift();
    if (next === undefined) throw new Error(`unexpected request ${url}`);
    if (next instanceof Error) throw next;
    return next;
  });
  return { fetchFn, sent };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const session = { annotator: "ana", role: "annotator", csrf: "csrf-123" };

let ipc: typeof import("./ipc");

beforeEach(async () => {
  vi.resetModules();
  ipc = await import("./ipc");
});

/** Installs `fake` and signs in, so the transport holds the CSRF token. */
async function signedIn(fake: ReturnType<typeof fakeFetch>) {
  ipc.installHttpTransport(fake.fetchFn);
  await ipc.getSession();
  fake.sent.length = 0;
}

describe("the HTTP transport", () => {
  it("is the one chosen outside Tauri", () => {
    expect(ipc.transportKind()).toBe("http");
  });

  it("posts the command's arguments as sent to invoke (camelCase) with the CSRF token, and returns the JSON result", async () => {
    const page = { total: 3, offset: 0, items: [] };
    const fake = fakeFetch(json(200, session), json(200, page), json(200, [{ label: "cat", count: 2 }]), json(200, null));
    await signedIn(fake);
    const query = { versionId: 7, offset: 0, limit: 64, label: null, run: 3, predicted: null, sort: "confidence_asc" } as const;
    await expect(ipc.listItems(query, "ana")).resolves.toEqual(page);
    await expect(ipc.labelCounts(7)).resolves.toEqual([{ label: "cat", count: 2 }]);
    await expect(ipc.releaseQueue(4, "ana")).resolves.toBeNull();
    expect(fake.sent.map((s) => [s.method, s.url, s.body])).toEqual([
      ["POST", "/api/commands/list_items", { query, viewer: "ana" }],
      ["POST", "/api/commands/label_counts", { versionId: 7 }],
      ["POST", "/api/commands/release_queue", { queue: 4, annotator: "ana" }],
    ]);
    for (const s of fake.sent) {
      expect(s.headers["X-CSRF-Token"]).toBe("csrf-123");
      expect(s.headers["Content-Type"]).toBe("application/json");
      expect(s.credentials).toBe("same-origin");
    }
  });

  it("sends {} for a command without arguments", async () => {
    const fake = fakeFetch(json(200, session), json(200, []));
    await signedIn(fake);
    await ipc.listQueues();
    expect(fake.sent[0]).toMatchObject({ url: "/api/commands/list_queues", body: {} });
  });

  it("rejects with the server's {code, message} whatever the status", async () => {
    const cases: [number, string][] = [
      [400, "invalid_input"],
      [401, "unauthorized"],
      [403, "forbidden"],
      [404, "not_found"],
      [409, "project_locked"],
      [429, "rate_limited"],
      [500, "io"],
      [400, "desktop_only"],
    ];
    const fake = fakeFetch(json(200, session), ...cases.map(([status, code]) => json(status, { code, message: `m ${status}` })));
    await signedIn(fake);
    for (const [status, code] of cases) {
      await expect(ipc.listQueues()).rejects.toEqual({ code, message: `m ${status}` });
    }
  });

  it("turns a non-JSON answer, an unknown code and a network failure into internal errors that say what happened", async () => {
    const fake = fakeFetch(
      json(200, session),
      new Response("<html>Bad Gateway</html>", { status: 502, statusText: "Bad Gateway" }),
      new Response("not json", { status: 200 }),
      json(418, { code: "teapot", message: "short and stout" }),
      new TypeError("Failed to fetch"),
    );
    await signedIn(fake);
    const errors = [];
    for (let i = 0; i < 4; i++) errors.push(await ipc.listQueues().catch((e: unknown) => e));
    expect(errors.map((e) => (e as { code: string }).code)).toEqual(["internal", "internal", "internal", "internal"]);
    const messages = errors.map((e) => (e as { message: string }).message);
    expect(messages[0]).toContain("HTTP 502 Bad Gateway");
    expect(messages[0]).toContain("/api/commands/list_queues");
    expect(messages[1]).toContain("not JSON");
    expect(messages[2]).toContain("HTTP 418");
    expect(messages[2]).toContain("teapot");
    expect(messages[3]).toContain("Could not reach the Arbiter server");
    expect(messages[3]).toContain("Failed to fetch");
  });

  it("refuses desktop-only commands with desktop_only without a request", async () => {
    const fake = fakeFetch(json(200, session));
    await signedIn(fake);
    const request = { source: "/x.csv", name: null, idCol: null, pathCol: null, labelCol: null, features: null };
    const refusals = [
      ipc.importDataset(request, () => {}),
      ipc.startRun({ model: "net@1", dataset: "d@1", batchSize: 64, device: "cpu", resume: null, decode: null, cudaDevice: null, gpuMemLimit: null, cudnnConvSearch: null }, () => {}),
      ipc.exportDataset(
        {
          out: "/o.csv",
          format: "csv",
          dataset: null,
          run: null,
          onlyDecided: false,
          minAgreement: null,
          excludeReasons: [],
          validationShare: null,
          seed: 0,
          allowBelowTarget: false,
        },
        () => {},
      ),
      ipc.pickFolder("Pick"),
      ipc.pickFile("Model", "model"),
      ipc.openProject("/p"),
      ipc.createProject("/p", ["cat"], false),
      ipc.closeProject(),
      ipc.recentProjects(),
      ipc.openFolder("/out"),
      ipc.pickPacks(),
    ];
    for (const refusal of refusals) {
      await expect(refusal).rejects.toMatchObject({ code: "desktop_only" });
    }
    expect(fake.fetchFn).toHaveBeenCalledTimes(1); // the sign-in only
    expect(ipc.isDesktopOnly("start_run")).toBe(true);
    expect(ipc.isDesktopOnly("annotate")).toBe(false);
  });

  it("serves images from /thumb and /media", () => {
    expect(ipc.thumbUrl(42)).toBe("/thumb/42");
    expect(ipc.mediaUrl(42)).toBe("/media/42");
  });

  it("tells its listeners when a command finds the session gone", async () => {
    const fake = fakeFetch(json(200, session), json(401, { code: "unauthorized", message: "session expired" }));
    await signedIn(fake);
    const heard = vi.fn();
    ipc.onSignedOut(heard);
    await expect(ipc.listQueues()).rejects.toMatchObject({ code: "unauthorized" });
    expect(heard).toHaveBeenCalledWith({ code: "unauthorized", message: "session expired" });
  });

  it("keeps the session when the server limits the address (429): the error is the command's, not a sign-out", async () => {
    const limited = { code: "rate_limited", message: "too many failed sign-ins from this address; try again in 42 s" };
    const fake = fakeFetch(json(200, session), json(429, limited));
    await signedIn(fake);
    const heard = vi.fn();
    ipc.onSignedOut(heard);
    await expect(ipc.listQueues()).rejects.toEqual(limited);
    expect(heard).not.toHaveBeenCalled();
  });
});

describe("live updates", () => {
  it("share one stream among every listener of the page, closed after the last", () => {
    const opened: FakeSource[] = [];
    class FakeSource {
      onmessage: ((e: MessageEvent<string>) => void) | null = null;
      closed = false;
      constructor(readonly url: string) {
        opened.push(this);
      }
      close() {
        this.closed = true;
      }
    }
    vi.stubGlobal("EventSource", FakeSource);
    try {
      ipc.installHttpTransport(fakeFetch().fetchFn);
      const [a, b] = [vi.fn(), vi.fn()];
      const stopA = ipc.onLiveUpdates(a);
      const stopB = ipc.onLiveUpdates(b);
      expect(opened.map((s) => s.url)).toEqual(["/api/events"]);
      const job = { type: "job", kind: "run", run: 2, model: "m@1", dataset: "d@1", done: 1, failed: 0, total: 9, status: "running" };
      opened[0]?.onmessage?.({ data: JSON.stringify(job) } as MessageEvent<string>);
      opened[0]?.onmessage?.({ data: "not json" } as MessageEvent<string>);
      expect(a.mock.calls).toEqual([[job]]);
      expect(b.mock.calls).toEqual([[job]]);
      stopA();
      expect(opened[0]?.closed).toBe(false);
      stopB();
      expect(opened[0]?.closed).toBe(true);
      // A later listener opens a new stream.
      const stopC = ipc.onLiveUpdates(vi.fn());
      expect(opened).toHaveLength(2);
      stopC();
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe("HTTP sessions", () => {
  it("signs in with the token, keeps the CSRF token in memory and signs out", async () => {
    const fake = fakeFetch(json(200, { ...session, role: "lead" }), json(200, []), new Response(null, { status: 204 }));
    ipc.installHttpTransport(fake.fetchFn);
    await expect(ipc.signIn("arb_tok")).resolves.toEqual({ annotator: "ana", role: "lead" });
    await ipc.listQueues();
    await ipc.signOut();
    expect(fake.sent.map((s) => [s.method, s.url, s.body, s.headers["X-CSRF-Token"]])).toEqual([
      ["POST", "/api/signin", { token: "arb_tok" }, undefined],
      ["POST", "/api/commands/list_queues", {}, "csrf-123"],
      ["POST", "/api/signout", {}, "csrf-123"],
    ]);
    expect(JSON.stringify(localStorage)).not.toContain("csrf-123");
    expect(JSON.stringify(sessionStorage)).not.toContain("csrf-123");
  });

  it("rejects a used link with the server's message", async () => {
    const fake = fakeFetch(json(401, { code: "unauthorized", message: "This sign-in link was used already." }));
    ipc.installHttpTransport(fake.fetchFn);
    await expect(ipc.signIn("arb_old")).rejects.toEqual({ code: "unauthorized", message: "This sign-in link was used already." });
  });

  it("asks GET /api/session for the cookie's session", async () => {
    const fake = fakeFetch(json(200, session));
    ipc.installHttpTransport(fake.fetchFn);
    await expect(ipc.getSession()).resolves.toEqual({ annotator: "ana", role: "annotator" });
    expect(fake.sent[0]).toMatchObject({ method: "GET", url: "/api/session", body: undefined });
  });
});
