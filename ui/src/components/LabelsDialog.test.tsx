import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LabelInfo } from "../bindings/LabelInfo";
import type { ProjectInfo } from "../bindings/ProjectInfo";

const editLabel = vi.fn();
const addLabels = vi.fn();
const listReasons = vi.fn();
const addReason = vi.fn();
const retireReason = vi.fn();
vi.mock("../ipc", () => ({
  getGuidelines: async () => ({
    schemaVersion: 3,
    labels: [{ name: "cat", guideline: "Domestic cats", examples: [{ itemId: "img_1", rowid: 1 }] }],
    retiredReasons: [],
  }),
  listReasons: (...a: unknown[]) => listReasons(...a),
  addReason: (...a: unknown[]) => addReason(...a),
  retireReason: (...a: unknown[]) => retireReason(...a),
  listAnnotators: async () => [
    { name: "ana", role: "annotator" },
    { name: "lea", role: "lead" },
  ],
  editLabel: (...a: unknown[]) => editLabel(...a),
  addLabels: (...a: unknown[]) => addLabels(...a),
}));

const { LabelsDialog } = await import("./LabelsDialog");
const { ErrorProvider } = await import("./ErrorBanner");

const LABELS: LabelInfo[] = [
  { name: "cat", hotkey: "1", color: "#e5484d", guideline: "Domestic cats", position: 0 },
  { name: "dog", hotkey: "2", color: "#3e63dd", guideline: null, position: 1 },
];
const PROJECT: ProjectInfo = { path: "/p", name: "p", datasets: 1, items: 3, labels: LABELS };

beforeEach(() => {
  localStorage.clear();
  editLabel.mockReset();
  addLabels.mockReset();
  for (const f of [listReasons, addReason, retireReason]) f.mockReset();
  listReasons.mockResolvedValue([
    { code: "model_wrong", description: "The model's prediction is wrong" },
    { code: "other", description: "Another reason" },
  ]);
});
afterEach(cleanup);

async function open(who: string, onChanged = vi.fn()) {
  localStorage.setItem("arbiter.annotator:/p", JSON.stringify(who));
  render(
    <ErrorProvider>
      <LabelsDialog project={PROJECT} onClose={() => {}} onChanged={onChanged} />
    </ErrorProvider>,
  );
  await waitFor(() => expect(screen.getByTestId("annotator-select")).toHaveProperty("value", who));
  return onChanged;
}

const row = (label: string) => document.querySelector(`[data-testid="label-row"][data-label="${label}"]`) as HTMLElement;
const field = (label: string, id: string) => row(label).querySelector(`[data-testid="${id}"]`) as HTMLInputElement;

describe("LabelsDialog", () => {
  it("lets only a lead edit, and says so", async () => {
    await open("ana");
    expect(screen.getByTestId("labels-who-note").textContent).toContain("Only a lead can change labels — ana is an annotator");
    expect(field("cat", "label-hotkey").disabled).toBe(true);
    expect((screen.getByTestId("labels-add") as HTMLButtonElement).disabled).toBe(true);
  });

  it("saves a changed hotkey, colour and cleared guideline as the lead, and hands the new labels on", async () => {
    const now: LabelInfo[] = [{ ...LABELS[0]!, hotkey: "c", color: "#00ff00", guideline: null }, LABELS[1]!];
    editLabel.mockResolvedValue(now);
    const onChanged = await open("lea");
    expect((field("cat", "label-save") as unknown as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(field("cat", "label-hotkey"), { target: { value: "c" } });
    fireEvent.change(field("cat", "label-color"), { target: { value: "#00ff00" } });
    fireEvent.change(field("cat", "label-guideline"), { target: { value: "" } });
    fireEvent.click(field("cat", "label-save"));
    await waitFor(() => expect(onChanged).toHaveBeenCalledWith(now));
    expect(editLabel).toHaveBeenCalledWith({ name: "cat", hotkey: "c", color: "#00ff00", guideline: "" }, "lea");
    expect(screen.getByTestId("labels-saved").textContent).toBe("Saved “cat”.");
  });

  it("edits a guideline's example items, shown as stored, sending them only when changed", async () => {
    editLabel.mockResolvedValue(LABELS);
    await open("lea");
    await waitFor(() => expect((field("cat", "label-examples") as unknown as HTMLInputElement).value).toBe("img_1"));
    fireEvent.change(field("cat", "label-examples"), { target: { value: "img_1, img_7" } });
    fireEvent.click(field("cat", "label-save"));
    await waitFor(() =>
      expect(editLabel).toHaveBeenCalledWith({ name: "cat", hotkey: null, color: null, guideline: null, examples: ["img_1", "img_7"] }, "lea"),
    );
  });

  it("shows the backend's refusal on the label's row", async () => {
    editLabel.mockRejectedValue({ code: "invalid_input", message: "hotkey 2 is already used by dog" });
    await open("lea");
    fireEvent.change(field("cat", "label-hotkey"), { target: { value: "2" } });
    await act(async () => {
      fireEvent.click(field("cat", "label-save"));
    });
    await waitFor(() => expect(row("cat").querySelector("[data-testid=label-error]")?.textContent).toBe("Invalid input: hotkey 2 is already used by dog"));
    // Typing again clears it.
    fireEvent.change(field("cat", "label-hotkey"), { target: { value: "3" } });
    expect(row("cat").querySelector("[data-testid=label-error]")).toBeNull();
  });

  it("adds labels after the existing ones", async () => {
    const now: LabelInfo[] = [...LABELS, { name: "fox", hotkey: null, color: "#888888", guideline: null, position: 2 }];
    addLabels.mockResolvedValue(now);
    const onChanged = await open("lea");
    fireEvent.change(screen.getByTestId("labels-new"), { target: { value: "fox, fox, " } });
    fireEvent.click(screen.getByTestId("labels-add"));
    await waitFor(() => expect(onChanged).toHaveBeenCalledWith(now));
    expect(addLabels).toHaveBeenCalledWith(["fox"], "lea");
    addLabels.mockRejectedValue({ code: "invalid_input", message: "label \"cat\" exists already" });
    fireEvent.change(screen.getByTestId("labels-new"), { target: { value: "cat" } });
    fireEvent.click(screen.getByTestId("labels-add"));
    await waitFor(() => expect(screen.getByTestId("labels-add-error").textContent).toContain('label "cat" exists already'));
  });

  it("lets a lead add and retire reasons, showing the backend's refusal", async () => {
    await open("lea");
    await waitFor(() => expect(document.querySelectorAll(".reasons-list li")).toHaveLength(2));
    retireReason.mockResolvedValue([{ code: "model_wrong", description: "The model's prediction is wrong" }]);
    const other = document.querySelector('.reasons-list li[data-code="other"]')!;
    fireEvent.click(other.querySelector('[data-testid="reason-retire"]')!);
    await waitFor(() => expect(document.querySelectorAll(".reasons-list li")).toHaveLength(1));
    expect(retireReason).toHaveBeenCalledWith("other", "lea");

    addReason.mockRejectedValue({ code: "invalid_input", message: "reason \"model_wrong\" is already one of the project's reasons" });
    fireEvent.change(screen.getByLabelText("New reason code"), { target: { value: "model_wrong" } });
    fireEvent.change(screen.getByLabelText("Description of the new reason"), { target: { value: "again" } });
    fireEvent.click(screen.getByTestId("reason-add"));
    await waitFor(() => expect(screen.getByTestId("reasons-error").textContent).toContain("already one of the project's reasons"));
    expect(addReason).toHaveBeenCalledWith("model_wrong", "again", "lea");
  });

  it("shows the reasons to an annotator without the controls", async () => {
    await open("ana");
    await waitFor(() => expect(document.querySelectorAll(".reasons-list li")).toHaveLength(2));
    expect(screen.queryByTestId("reason-retire")).toBeNull();
    expect(screen.queryByTestId("reason-add")).toBeNull();
  });
});
