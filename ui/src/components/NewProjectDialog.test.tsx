import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const createProject = vi.fn();
vi.mock("../ipc", () => ({
  createProject: (...a: unknown[]) => createProject(...a),
}));

const { NewProjectDialog } = await import("./NewProjectDialog");

beforeEach(() => createProject.mockReset());
afterEach(cleanup);

function typeLabels(text: string) {
  fireEvent.change(screen.getByPlaceholderText("e.g. cat, dog, bird"), { target: { value: text } });
}

function ordinalBox() {
  return screen.getByTestId("new-project-ordinal") as HTMLInputElement;
}

describe("NewProjectDialog", () => {
  it("creates an ordinal project when the labels are marked as an ordered scale", async () => {
    const project = { path: "/p", name: "p", labels: [], datasets: 0, items: 0 };
    createProject.mockResolvedValue(project);
    const onCreated = vi.fn();
    render(<NewProjectDialog path="/p" onCancel={() => {}} onCreated={onCreated} />);
    // One label cannot be ranked.
    typeLabels("low");
    expect(ordinalBox().disabled).toBe(true);
    typeLabels("low, mid, high");
    expect(ordinalBox().disabled).toBe(false);
    expect(ordinalBox().checked).toBe(false);
    expect(screen.getByTestId("new-project-labels").textContent).toBe("lowmidhigh");
    fireEvent.click(ordinalBox());
    // The chips read as a ranking, first to last.
    expect(screen.getByTestId("new-project-labels").textContent).toBe("low<mid<high");
    await act(async () => {
      fireEvent.click(screen.getByText("Create project"));
    });
    expect(createProject).toHaveBeenCalledWith("/p", ["low", "mid", "high"], true);
    expect(onCreated).toHaveBeenCalledWith(project);
  });

  it("sends a nominal project by default, and drops the ranking when fewer than two labels remain", async () => {
    createProject.mockResolvedValue({ path: "/p", name: "p", labels: [], datasets: 0, items: 0 });
    render(<NewProjectDialog path="/p" onCancel={() => {}} onCreated={() => {}} />);
    typeLabels("a, b");
    fireEvent.click(ordinalBox());
    expect(ordinalBox().checked).toBe(true);
    typeLabels("a");
    expect(ordinalBox().checked).toBe(false);
    // Typing labels back does not switch it on again behind the user's back.
    typeLabels("a, b");
    expect(ordinalBox().checked).toBe(false);
    typeLabels("a");
    await act(async () => {
      fireEvent.click(screen.getByText("Create project"));
    });
    expect(createProject).toHaveBeenCalledWith("/p", ["a"], false);
  });
});
