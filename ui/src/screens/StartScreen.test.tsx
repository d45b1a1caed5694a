import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ErrorProvider } from "../components/ErrorBanner";

const recentProjects = vi.fn();
const openProject = vi.fn();
const pickFolder = vi.fn();
vi.mock("../ipc", () => ({
  recentProjects: () => recentProjects(),
  openProject: (p: string) => openProject(p),
  pickFolder: (t: string) => pickFolder(t),
  createProject: vi.fn(),
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
});
