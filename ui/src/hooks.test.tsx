import { act, cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { usePersistentState } from "./hooks";

afterEach(() => {
  cleanup();
  localStorage.clear();
});

function Shown({ id }: { id: string }) {
  const [value, set] = usePersistentState<string | null>("arbiter.test", null);
  return (
    <button type="button" data-testid={id} onClick={() => set(`${id} chose`)}>
      {value ?? "nobody"}
    </button>
  );
}

describe("usePersistentState", () => {
  it("shows a value set in one component in every other using the key, and keeps it", () => {
    render(
      <>
        <Shown id="a" />
        <Shown id="b" />
      </>,
    );
    expect(screen.getByTestId("b").textContent).toBe("nobody");
    act(() => screen.getByTestId("a").click());
    expect(screen.getByTestId("a").textContent).toBe("a chose");
    expect(screen.getByTestId("b").textContent).toBe("a chose");
    expect(JSON.parse(localStorage.getItem("arbiter.test") ?? "null")).toBe("a chose");
    cleanup();
    render(<Shown id="c" />);
    expect(screen.getByTestId("c").textContent).toBe("a chose");
  });
});
