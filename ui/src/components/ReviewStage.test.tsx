import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";

vi.mock("../ipc", () => ({ mediaUrl: (rowid: number) => `media://${rowid}` }));

const { ReviewStage } = await import("./ReviewStage");

beforeAll(() => {
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
});

afterEach(cleanup);

describe("ReviewStage", () => {
  it("shows a text item's text instead of an image, and says it is on screen", async () => {
    const painted = vi.fn();
    render(
      <ReviewStage
        items={[
          { rowid: 7, alt: "r7", text: "Line one\nLine two, long enough to wrap" },
          { rowid: 8, alt: "r8", text: "the next one" },
        ]}
        onPainted={painted}
        testId="review-image"
      />,
    );
    const text = screen.getByTestId("review-text");
    expect(text.textContent).toBe("Line one\nLine two, long enough to wrap");
    expect(document.querySelector("img")).toBeNull();
    expect(screen.queryByText("the next one")).toBeNull();
    await vi.waitFor(() => expect(painted).toHaveBeenCalledWith(7));
  });

  it("shows images for items without text", () => {
    render(<ReviewStage items={[{ rowid: 3, alt: "d3" }]} testId="review-image" />);
    expect(screen.queryByTestId("review-text")).toBeNull();
    expect(screen.getByTestId("review-image").getAttribute("src")).toBe("media://3");
  });
});
