import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ErrorProvider } from "../components/ErrorBanner";

const recentProjects = vi.fn();
const openProject = vi.fn();
const pickFolder = vi.fn();
const createProject = vi.fn();
vi.mock("../ipc", () => ({
  recentProjects: () => recentProjects(),
  openProject: (p: string) => openProject(p),
  pickFolder: (t: string) => pickFolder(t),
  createProject: (...a: unknown[]) => createProject(...a),
}));

const { StartScreen } = await import("./StartScreen");

afterEach(cleanup);

describe("StartScreen", () => {
  it("lists recent projects, greys out missing ones and opens on click", async () => {
    recentProjects.mockResolvedValue([
      { path: "/a/one", name: "one", openedAt: new Date().toISOString(), exists: true },
      { path: "/b/two", name: "two", openedAt: "2024-01-01T00:00:00Z", exists: false },
    ]);
    const project = { path: "/a/one", name: "one", labels: [], datasets: 0, items: 0 };
    openProject.mockResolvedValue(project);
    const onOpened = vi.fn();
    await act(async () => {
      render(
        <ErrorProvider>
          <StartScreen onOpened={onOpened} />
        </ErrorProvider>,
      );
    });
    const entries = screen.getAllByTestId("recent-project") as HTMLButtonElement[];
    expect(entries.map((e) => e.dataset.path)).toEqual(["/a/one", "/b/two"]);
    expect(entries[0]!.disabled).toBe(false);
    expect(entries[1]!.disabled).toBe(true);
    expect(entries[1]!.className).toContain("missing");
    await act(async () => {
      fireEvent.click(entries[0]!);
    });
    expect(openProject).toHaveBeenCalledWith("/a/one");
    expect(onOpened).toHaveBeenCalledWith(project);
  });

  it("shows an IPC failure in the error banner, by code", async () => {
    recentProjects.mockResolvedValue([]);
    pickFolder.mockResolvedValue("/locked/project");
    openProject.mockRejectedValue({ code: "project_locked", message: "held by pid 99" });
    await act(async () => {
      render(
        <ErrorProvider>
          <StartScreen onOpened={() => {}} />
        </ErrorProvider>,
      );
    });
    await act(async () => {
      fireEvent.click(screen.getByTestId("open-project"));
    });
    const banner = screen.getByTestId("error-banner");
    expect(banner.dataset.code).toBe("project_locked");
    expect(banner.textContent).toContain("held by pid 99");
    fireEvent.click(screen.getByLabelText("Dismiss error"));
    expect(screen.queryByTestId("error-banner")).toBeNull();
  });

  it("offers to create a project in a folder that holds none, instead of an error", async () => {
    recentProjects.mockResolvedValue([]);
    pickFolder.mockResolvedValue("/data/plain");
    openProject.mockRejectedValue({
      code: "no_project",
      message: "/data/plain: no Arbiter project here (no arbiter.db). Create one with `arbiter init /data/plain` or pass --project DIR.",
    });
    const project = { path: "/data/plain", name: "plain", labels: [], datasets: 0, items: 0 };
    createProject.mockResolvedValue(project);
    const onOpened = vi.fn();
    await act(async () => {
      render(
        <ErrorProvider>
          <StartScreen onOpened={onOpened} />
        </ErrorProvider>,
      );
    });
    await act(async () => {
      fireEvent.click(screen.getByTestId("open-project"));
    });
    expect(openProject).toHaveBeenCalledWith("/data/plain");
    // No error banner, no command-line advice: an offer, naming the folder.
    expect(screen.queryByTestId("error-banner")).toBeNull();
    expect(document.body.textContent).not.toContain("arbiter init");
    const offer = screen.getByTestId("not-a-project");
    expect(offer.dataset.path).toBe("/data/plain");
    expect(offer.textContent).toContain("/data/plain");
    // One click opens the New project dialog on that folder; confirming creates and opens it.
    fireEvent.click(screen.getByText("Create a project here…"));
    expect(screen.queryByTestId("not-a-project")).toBeNull();
    expect(screen.getByRole("dialog").textContent).toContain("/data/plain");
    await act(async () => {
      fireEvent.click(screen.getByText("Create project"));
    });
    expect(createProject).toHaveBeenCalledWith("/data/plain", [], false);
    expect(onOpened).toHaveBeenCalledWith(project);
  });
});
