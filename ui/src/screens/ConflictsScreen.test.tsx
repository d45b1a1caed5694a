import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { AnnotateRequest } from "../bindings/AnnotateRequest";
import type { ConflictDto } from "../bindings/ConflictDto";
import type { DecisionDto } from "../bindings/DecisionDto";
import type { ProjectInfo } from "../bindings/ProjectInfo";

const annotate = vi.fn();
const undo = vi.fn();
const getDecision = vi.fn();
const listConflicts = vi.fn();
const getDecisionRule = vi.fn();
const setDecisionRule = vi.fn();
vi.mock("../ipc", () => ({
  listAnnotators: async () => [
    { name: "ana", role: "annotator" },
    { name: "rev", role: "reviewer" },
    { name: "lea", role: "lead" },
  ],
  listReasons: async () => [
    { code: "ambiguous", description: "Ambiguous" },
    { code: "given_label_wrong", description: "Given label wrong" },
  ],
  listConflicts: (resolved?: boolean) => listConflicts(resolved),
  getDecisionRule: () => getDecisionRule(),
  setDecisionRule: (...a: unknown[]) => setDecisionRule(...a),
  annotate: (...a: unknown[]) => annotate(...a),
  undo: (...a: unknown[]) => undo(...a),
  getDecision: (...a: unknown[]) => getDecision(...a),
  mediaUrl: (rowid: number) => `media://${rowid}`,
  thumbUrl: (rowid: number) => `thumb://${rowid}`,
}));

const { ConflictsScreen } = await import("./ConflictsScreen");
const { voteTally } = await import("../lib/conflicts");
const { ErrorProvider } = await import("../components/ErrorBanner");

function conflict(rowid: number, second = "dog"): DecisionDto {
  return {
    itemId: `item_${rowid}`,
    rowid,
    status: "conflict",
    label: null,
    rule: null,
    votes: [
      { annotation: rowid * 10, annotator: "ana", label: "cat", reason: "ambiguous", note: "cropped", source: "manual", createdAt: "2026-01-01T10:00:00Z" },
      { annotation: rowid * 10 + 1, annotator: "bo", label: second, reason: null, note: null, source: "manual", createdAt: "2026-01-01T10:05:00Z" },
    ],
    deciders: [],
    decidedAt: null,
    votesNeeded: 2,
    posterior: null,
    probability: null,
  };
}

/** A conflict as `listConflicts` returns it: the decision with its votes and context. */
function asView(d: DecisionDto): ConflictDto {
  return { decision: d, votes: d.votes, given: "cat", run: 1, predicted: "dog", confidence: 0.6, text: null };
}

/** A conflict rev decided: the annotators' own votes, and the override as the decision. */
const RESOLVED: ConflictDto = {
  decision: {
    itemId: "item_9",
    rowid: 9,
    status: "decided",
    label: "dog",
    rule: "override",
    votes: [{ annotation: 99, annotator: "rev", label: "dog", reason: "given_label_wrong", note: "ears", source: "override", createdAt: "2026-01-01T11:00:00Z" }],
    deciders: ["rev"],
    decidedAt: "2026-01-01T11:00:00Z",
    votesNeeded: 2,
    posterior: null,
    probability: null,
  },
  votes: conflict(9).votes,
  given: "cat",
  run: 1,
  predicted: "dog",
  confidence: 0.9,
  text: null,
};

const PROJECT: ProjectInfo = {
  path: "/p",
  name: "p",
  datasets: 1,
  items: 10,
  labels: [
    { name: "cat", hotkey: "1", color: "#f00", guideline: null, position: 0 },
    { name: "dog", hotkey: "2", color: "#00f", guideline: null, position: 1 },
  ],
};

beforeAll(() => {
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
});
beforeEach(() => {
  localStorage.clear();
  annotate.mockReset();
  undo.mockReset();
  getDecision.mockReset();
  listConflicts.mockReset();
  listConflicts.mockImplementation(async (resolved?: boolean) =>
    resolved ? [RESOLVED] : [conflict(1), conflict(2), conflict(3)].map(asView),
  );
  getDecisionRule.mockReset();
  getDecisionRule.mockResolvedValue({ mode: "majority", minAnnotators: 2 });
  setDecisionRule.mockReset();
  annotate.mockImplementation(async (r: AnnotateRequest) => ({ annotation: 500 + r.rowid, decision: { status: "decided" } }));
});
afterEach(cleanup);

async function open(who: string) {
  localStorage.setItem("arbiter.annotator:/p", JSON.stringify(who));
  render(
    <ErrorProvider>
      <ConflictsScreen project={PROJECT} onExit={() => {}} onOpenReview={() => {}} />
    </ErrorProvider>,
  );
  await screen.findAllByTestId("conflict-item");
  await waitFor(() => expect(screen.getByTestId("annotator-select")).toHaveProperty("value", who));
}

const active = () => document.querySelector(".conflict-item.active")?.getAttribute("data-item-id");
const key = (k: string, init: KeyboardEventInit = {}) =>
  act(() => {
    fireEvent.keyDown(window, { key: k, ...init });
  });

describe("ConflictsScreen", () => {
  it("shows a reviewer the tie under the Dawid–Skene rule, and nothing of it under the others", async () => {
    const tie = {
      ...conflict(1),
      posterior: [
        { label: "cat", probability: 0.5 },
        { label: "dog", probability: 0.5 },
      ],
    };
    listConflicts.mockImplementation(async (resolved?: boolean) => (resolved ? [] : [asView(tie), asView(conflict(2))]));
    await open("rev");
    const shown = screen.getByTestId("conflict-posterior");
    expect(shown.textContent).toContain("By annotator quality");
    expect(shown.textContent).toContain("cat50.0%");
    expect(shown.textContent).toContain("dog50.0%");
    await key("ArrowDown");
    await waitFor(() => expect(active()).toBe("item_2"));
    expect(screen.queryByTestId("conflict-posterior")).toBeNull();
  });

  it("reads the conflicts again when events came from another copy of the project, while it stays open", async () => {
    const { ProjectChanges } = await import("../components/projectChanges");
    localStorage.setItem("arbiter.annotator:/p", JSON.stringify("rev"));
    const at = (changes: number) => (
      <ErrorProvider>
        <ProjectChanges.Provider value={changes}>
          <ConflictsScreen project={PROJECT} onExit={() => {}} onOpenReview={() => {}} />
        </ProjectChanges.Provider>
      </ErrorProvider>
    );
    const view = render(at(0));
    await screen.findAllByTestId("conflict-item");
    const reads = () => listConflicts.mock.calls.filter((c) => !c[0]).length;
    expect(reads()).toBe(1);
    // A pack brought a fourth conflict.
    listConflicts.mockImplementation(async (resolved?: boolean) =>
      resolved ? [RESOLVED] : [conflict(1), conflict(2), conflict(3), conflict(4)].map(asView),
    );
    view.rerender(at(1));
    await waitFor(() => expect(screen.getAllByTestId("conflict-item")).toHaveLength(4));
    expect(reads()).toBe(2);
    // Nothing new: nothing read.
    view.rerender(at(1));
    expect(reads()).toBe(2);
  });

  it("lists every vote side by side", async () => {
    await open("rev");
    const rows = screen.getAllByTestId("conflict-item");
    expect(rows).toHaveLength(3);
    const votes = rows[0]!.querySelectorAll("[data-testid=conflict-vote]");
    expect([...votes].map((v) => v.getAttribute("data-annotator"))).toEqual(["ana", "bo"]);
    expect(votes[0]!.textContent).toContain("cropped");
    expect(voteTally(conflict(1).votes)).toBe("cat ×1 · dog ×1");
  });

  it("decides with one key (a reviewer's decision with no reason unless one is picked) and shows the next conflict", async () => {
    await open("rev");
    expect(active()).toBe("item_1");
    await key("2");
    expect(active()).toBe("item_2");
    expect(screen.getAllByTestId("conflict-item")).toHaveLength(2);
    await waitFor(() => expect(annotate).toHaveBeenCalledTimes(1));
    expect(annotate.mock.calls[0]![0]).toMatchObject({
      rowid: 1,
      annotator: "rev",
      kind: "label",
      label: "dog",
      source: "override",
      reason: null,
      queue: null,
    });
    expect(screen.getByTestId("conflict-decide").textContent).toContain("no reason");
    // A different reason first, then the key.
    fireEvent.change(screen.getByTestId("conflict-reason"), { target: { value: "given_label_wrong" } });
    await key("1");
    await waitFor(() => expect(annotate).toHaveBeenCalledTimes(2));
    expect(annotate.mock.calls[1]![0]).toMatchObject({ rowid: 2, label: "cat", reason: "given_label_wrong" });
    // The picked reason belongs to that item alone; the next one starts without.
    await waitFor(() => expect(screen.getByTestId("conflict-reason")).toHaveProperty("value", ""));
    // Undo brings the last one back.
    undo.mockResolvedValue(502);
    getDecision.mockResolvedValue(conflict(2));
    await key("z", { ctrlKey: true });
    expect(active()).toBe("item_2");
    await waitFor(() => expect(undo).toHaveBeenCalledWith("rev", null));
  });

  it("does not let an annotator decide, and says why", async () => {
    await open("ana");
    expect(screen.getByTestId("conflicts-role-note").textContent).toContain("only reviewers and leads");
    await key("1");
    expect(annotate).not.toHaveBeenCalled();
    expect(screen.getAllByTestId("conflict-item")).toHaveLength(3);
  });

  it("puts the conflict back when the decision fails", async () => {
    annotate.mockRejectedValueOnce({ code: "invalid_input", message: "an override needs a reason code" });
    await open("rev");
    await key("1");
    await waitFor(() => expect(screen.getAllByTestId("conflict-item")).toHaveLength(3));
    expect(active()).toBe("item_1");
    expect(screen.getByTestId("error-banner").textContent).toContain("an override needs a reason code");
  });

  it("shows the decision rule to everyone, without a form for a reviewer", async () => {
    await open("rev");
    await waitFor(() =>
      expect(screen.getByTestId("decision-rule-text").textContent).toContain("strict majority, from at least 2 annotators"),
    );
    expect(screen.queryByTestId("decision-rule-edit")).toBeNull();
  });

  it("lets a lead change the rule, refuses a bad minimum, and reloads the conflicts", async () => {
    setDecisionRule.mockResolvedValue({ mode: "unanimous", minAnnotators: 3 });
    await open("lea");
    fireEvent.click(await screen.findByTestId("decision-rule-edit"));
    fireEvent.change(screen.getByTestId("decision-rule-mode"), { target: { value: "unanimous" } });
    fireEvent.change(screen.getByTestId("decision-rule-min"), { target: { value: "0" } });
    fireEvent.click(screen.getByTestId("decision-rule-save"));
    expect(screen.getByTestId("decision-rule-error").textContent).toContain("from 1 to 1000");
    expect(setDecisionRule).not.toHaveBeenCalled();
    // Typing in the form decides nothing.
    fireEvent.keyDown(screen.getByTestId("decision-rule-min"), { key: "1" });
    expect(annotate).not.toHaveBeenCalled();
    fireEvent.change(screen.getByTestId("decision-rule-min"), { target: { value: "3" } });
    const before = listConflicts.mock.calls.length;
    fireEvent.click(screen.getByTestId("decision-rule-save"));
    await waitFor(() => expect(setDecisionRule).toHaveBeenCalledWith({ mode: "unanimous", minAnnotators: 3 }, "lea"));
    await waitFor(() => expect(screen.getByTestId("decision-rule-text").textContent).toContain("every vote agrees, from at least 3"));
    await waitFor(() => expect(listConflicts.mock.calls.length).toBeGreaterThan(before));
  });

  it("shows the given label and the model's prediction beside the votes", async () => {
    await open("rev");
    const context = screen.getAllByTestId("conflict-context")[0]!;
    expect(context.dataset.given).toBe("cat");
    expect(context.dataset.predicted).toBe("dog");
    expect(context.textContent).toContain("given cat · model dog · 60%");
    const detail = screen.getByTestId("conflict-model");
    expect(detail.textContent).toContain("Given label");
    expect(detail.textContent).toContain("60%");
    expect(detail.textContent).toContain("run 1");
    // The label pad tags the model's and the given label.
    const pad = screen.getByTestId("conflict-decide");
    expect(pad.querySelector('[data-label="dog"] .label-tag.model')).not.toBeNull();
    expect(pad.querySelector('[data-label="cat"] .label-tag.given')).not.toBeNull();
  });

  it("keeps a history of resolved conflicts, read-only", async () => {
    await open("rev");
    await waitFor(() => expect(listConflicts).toHaveBeenCalledWith(true));
    await waitFor(() => expect(screen.getByTestId("conflicts-tab-resolved").dataset.count).toBe("1"));
    fireEvent.click(screen.getByTestId("conflicts-tab-resolved"));
    await waitFor(() => expect(screen.getAllByTestId("conflict-item").map((e) => e.dataset.itemId)).toEqual(["item_9"]));
    const row = screen.getByTestId("conflict-item");
    expect([...row.querySelectorAll("[data-testid=conflict-vote]")].map((v) => v.getAttribute("data-label"))).toEqual(["cat", "dog"]);
    expect(screen.getByTestId("conflict-resolution").dataset.label).toBe("dog");
    expect(screen.getByTestId("conflict-resolution").textContent).toContain("by rev");
    expect(screen.getByTestId("conflict-resolved-detail").textContent).toContain("given label wrong");
    expect(screen.getByTestId("conflict-resolved-detail").textContent).toContain("“ears”");
    expect(screen.queryByTestId("conflict-decide")).toBeNull();
    // A label key decides nothing here.
    await key("1");
    expect(annotate).not.toHaveBeenCalled();
    expect(screen.getByTestId("conflicts-notice").textContent).toContain("resolved already");
    // Back to the open ones.
    fireEvent.click(screen.getByTestId("conflicts-tab-open"));
    expect(screen.getAllByTestId("conflict-item")).toHaveLength(3);
  });

  it("filters the conflicts by label pair", async () => {
    listConflicts.mockImplementation(async (resolved?: boolean) =>
      resolved ? [] : [conflict(1), conflict(2, "bird"), conflict(3)].map(asView),
    );
    await open("rev");
    const select = screen.getByTestId("conflicts-pair") as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual(["All label pairs", "cat vs dog (2)", "bird vs cat (1)"]);
    fireEvent.change(select, { target: { value: "bird vs cat" } });
    expect(screen.getAllByTestId("conflict-item").map((e) => e.dataset.itemId)).toEqual(["item_2"]);
    // Deciding the only one of that pair shows every conflict again.
    await key("1");
    await waitFor(() => expect(annotate).toHaveBeenCalledTimes(1));
    expect(annotate.mock.calls[0]![0]).toMatchObject({ rowid: 2, label: "cat" });
    expect(screen.getAllByTestId("conflict-item").map((e) => e.dataset.itemId)).toEqual(["item_1", "item_3"]);
  });
});

