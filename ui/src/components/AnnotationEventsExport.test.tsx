import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const exportAnnotations = vi.fn();
const exportWouldReplace = vi.fn();
const pickExportPath = vi.fn();
vi.mock("../ipc", () => ({
  exportAnnotations: (...a: unknown[]) => exportAnnotations(...a),
  exportWouldReplace: (...a: unknown[]) => exportWouldReplace(...a),
  pickExportPath: (...a: unknown[]) => pickExportPath(...a),
}));

const { AnnotationEventsExport } = await import("./AnnotationEventsExport");

beforeEach(() => {
  exportAnnotations.mockReset();
  exportWouldReplace.mockReset();
  pickExportPath.mockReset();
  exportWouldReplace.mockResolvedValue(false);
  exportAnnotations.mockImplementation(async (out: string) => ({ out, folder: "/tmp", events: 12 }));
});
afterEach(cleanup);

const path = () => screen.getByTestId("events-path") as HTMLInputElement;

describe("AnnotationEventsExport", () => {
  it("asks for a file first, then writes the events there and says how many", async () => {
    render(<AnnotationEventsExport disabled={false} />);
    fireEvent.click(screen.getByTestId("events-submit"));
    expect(await screen.findByText("Choose where to write the events.")).toBeTruthy();
    expect(exportAnnotations).not.toHaveBeenCalled();
    fireEvent.change(path(), { target: { value: " /tmp/events.csv " } });
    fireEvent.click(screen.getByTestId("events-submit"));
    const done = await screen.findByTestId("events-done");
    expect(exportAnnotations).toHaveBeenCalledWith("/tmp/events.csv");
    expect(exportWouldReplace).toHaveBeenCalledWith("/tmp/events.csv", "csv");
    expect(done.getAttribute("data-events")).toBe("12");
    expect(done.textContent).toContain("Wrote 12 events");
  });

  it("switching to JSON Lines renames a typed .csv path and asks the dialog for .jsonl", async () => {
    pickExportPath.mockResolvedValue(null);
    render(<AnnotationEventsExport disabled={false} />);
    fireEvent.change(path(), { target: { value: "/tmp/events.csv" } });
    fireEvent.change(screen.getByTestId("events-format"), { target: { value: "jsonl" } });
    expect(path().value).toBe("/tmp/events.jsonl");
    fireEvent.click(screen.getByTestId("events-choose"));
    await vi.waitFor(() => expect(pickExportPath).toHaveBeenCalledWith("jsonl"));
    expect(path().value).toBe("/tmp/events.jsonl");
  });

  it("asks before replacing a file that is there, and writes only when told to", async () => {
    exportWouldReplace.mockResolvedValue(true);
    render(<AnnotationEventsExport disabled={false} />);
    fireEvent.change(path(), { target: { value: "/tmp/events.csv" } });
    fireEvent.click(screen.getByTestId("events-submit"));
    await screen.findByTestId("events-replace");
    expect(exportAnnotations).not.toHaveBeenCalled();
    fireEvent.click(screen.getByTestId("events-replace-cancel"));
    expect(screen.queryByTestId("events-replace")).toBeNull();
    expect(exportAnnotations).not.toHaveBeenCalled();
    fireEvent.click(screen.getByTestId("events-submit"));
    fireEvent.click(await screen.findByTestId("events-replace-confirm"));
    await screen.findByTestId("events-done");
    expect(exportAnnotations).toHaveBeenCalledTimes(1);
  });

  it("a path the dialog chose is not asked about again", async () => {
    pickExportPath.mockResolvedValue("/tmp/picked.csv");
    exportWouldReplace.mockResolvedValue(true);
    render(<AnnotationEventsExport disabled={false} />);
    fireEvent.click(screen.getByTestId("events-choose"));
    await vi.waitFor(() => expect(path().value).toBe("/tmp/picked.csv"));
    fireEvent.click(screen.getByTestId("events-submit"));
    await screen.findByTestId("events-done");
    expect(exportWouldReplace).not.toHaveBeenCalled();
  });

  it("shows the backend's refusal by its code and message", async () => {
    exportAnnotations.mockRejectedValue({ code: "invalid_input", message: "/p/arbiter.db: the project's own database; choose a file outside the project" });
    render(<AnnotationEventsExport disabled={false} />);
    fireEvent.change(path(), { target: { value: "/p/arbiter.db" } });
    fireEvent.click(screen.getByTestId("events-submit"));
    const err = await screen.findByTestId("events-error");
    expect(err.getAttribute("data-code")).toBe("invalid_input");
    expect(err.textContent).toContain("the project's own database");
  });
});
