import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

const openProject = vi.fn();
const pickFolder = vi.fn();
vi.mock("./ipc", () => ({
  transportKind: () => "tauri",
  currentProject: () => Promise.resolve(null),
  recentProjects: () =>
    Promise.resolve([{ path: "/p/good", name: "good", openedAt: "2024-01-01T00:00:00Z", exists: true }]),
  openProject: (p: string) => openProject(p),
  pickFolder: (t: string) => pickFolder(t),
  createProject: vi.fn(),
  closeProject: () => Promise.resolve(),
}));
// The project screen itself is not under test here.
vi.mock("./screens/ProjectScreen", () => ({
  ProjectScreen: ({
    project,
    onProjectChanged,
  }: {
    project: { name: string; labels: { name: string }[] };
    onProjectChanged: (p: unknown) => void;
  }) => (
    <div>
      <div data-testid="project-screen">{project.name}</div>
      <div data-testid="project-labels">{project.labels.map((l) => l.name).join(",")}</div>
      <button type="button" data-testid="edit-labels" onClick={() => onProjectChanged({ ...project, labels: [{ name: "fox" }] })} />
    </div>
  ),
}));

const { App } = await import("./App");

afterEach(cleanup);

describe("App", () => {
  it("takes the error banner down once a project opens", async () => {
    pickFolder.mockResolvedValue("/p/locked");
    openProject.mockImplementation((path: string) =>
      path === "/p/locked"
        ? Promise.reject({ code: "project_locked", message: "held by another window" })
        : Promise.resolve({ path, name: "good", labels: [], datasets: 0, items: 0 }),
    );
    await act(async () => {
      render(<App />);
    });
    await act(async () => {
      fireEvent.click(screen.getByTestId("open-project"));
    });
    expect(screen.getByTestId("error-banner").dataset.code).toBe("project_locked");
    await act(async () => {
      fireEvent.click(screen.getByTestId("recent-project"));
    });
    expect(screen.getByTestId("project-screen").textContent).toBe("good");
    expect(screen.queryByTestId("error-banner")).toBeNull();
  });

  it("gives the project screen the labels a lead just edited", async () => {
    openProject.mockResolvedValue({ path: "/p/good", name: "good", labels: [{ name: "cat" }], datasets: 0, items: 0 });
    await act(async () => {
      render(<App />);
    });
    await act(async () => {
      fireEvent.click(screen.getByTestId("recent-project"));
    });
    expect(screen.getByTestId("project-labels").textContent).toBe("cat");
    await act(async () => {
      fireEvent.click(screen.getByTestId("edit-labels"));
    });
    expect(screen.getByTestId("project-labels").textContent).toBe("fox");
  });
});

