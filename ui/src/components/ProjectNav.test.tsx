import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { ProjectNav } from "./ProjectNav";

const BUTTONS = [{ view: "a", text: "Open A", testId: "open-a" }] as const;

function Harness() {
  return (
    <>
      <ProjectNav buttons={BUTTONS} overlayClass="layer">
        {(_view, nav) => (
          <button type="button" onClick={nav.close}>
            Back
          </button>
        )}
      </ProjectNav>
      <input data-testid="elsewhere" />
    </>
  );
}

const nextFrame = () => act(() => new Promise<void>((resolve) => requestAnimationFrame(() => resolve())));

afterEach(cleanup);

describe("ProjectNav", () => {
  it("gives the focus back to the opener when a screen closes", async () => {
    render(<Harness />);
    fireEvent.click(screen.getByTestId("open-a"));
    fireEvent.click(screen.getByText("Back"));
    await nextFrame();
    expect(document.activeElement).toBe(screen.getByTestId("open-a"));
  });

  it("leaves the focus where the person put it before the next frame", async () => {
    render(<Harness />);
    fireEvent.click(screen.getByTestId("open-a"));
    fireEvent.click(screen.getByText("Back"));
    const elsewhere = screen.getByTestId("elsewhere");
    elsewhere.focus();
    await nextFrame();
    expect(document.activeElement).toBe(elsewhere);
  });
});
