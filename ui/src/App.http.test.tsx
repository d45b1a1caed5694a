// The app in a browser on `arbiter serve` (ipc.ts's HTTP transport, faked here): the sign-in
// link, the cookie's session, the signed-out screen and Sign out.
import { StrictMode } from "react";
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { IpcError } from "./bindings/IpcError";
import type * as Ipc from "./ipc";
import { normaliseError } from "./lib/ipcError";

const signIn = vi.fn<typeof Ipc.signIn>();
const getSession = vi.fn<typeof Ipc.getSession>();
const signOut = vi.fn<typeof Ipc.signOut>();
const currentProject = vi.fn<typeof Ipc.currentProject>();
let signedOutListener: ((error: IpcError) => void) | null = null;

vi.mock("./ipc", () => ({
  transportKind: () => "http",
  normaliseError,
  signIn: (token: string) => signIn(token),
  getSession: () => getSession(),
  signOut: () => signOut(),
  onSignedOut: (listener: (error: IpcError) => void) => {
    signedOutListener = listener;
    return () => {
      signedOutListener = null;
    };
  },
  currentProject: () => currentProject(),
  closeProject: () => Promise.reject(new Error("closeProject must not be called over HTTP")),
}));
// The project screen is not under test; its header's session badge is.
vi.mock("./screens/ProjectScreen", async () => {
  const { SessionBadge } = await import("./components/SessionBadge");
  return {
    ProjectScreen: ({ project }: { project: { name: string } }) => (
      <div data-testid="project-screen">
        {project.name}
        <SessionBadge />
      </div>
    ),
  };
});

const { App } = await import("./App");

const project = { path: "/srv/p", name: "street", labels: [], datasets: 1, items: 10, ordinal: false };

beforeEach(() => {
  signIn.mockReset();
  getSession.mockReset();
  signOut.mockReset();
  currentProject.mockReset().mockResolvedValue(project as never);
  signedOutListener = null;
});
afterEach(() => {
  cleanup();
  window.history.replaceState(null, "", "/");
});

async function renderApp() {
  await act(async () => {
    // As main.tsx renders it: StrictMode runs effects twice, and a link must still be used once.
    render(
      <StrictMode>
        <App />
      </StrictMode>,
    );
  });
}

describe("the app over HTTP", () => {
  it("signs in with the link's token, takes it out of the address bar and opens the project", async () => {
    window.history.replaceState(null, "", "/signin#token=arb_tok123");
    signIn.mockResolvedValue({ annotator: "ana", role: "annotator" });
    await renderApp();
    expect(signIn).toHaveBeenCalledTimes(1);
    expect(signIn).toHaveBeenCalledWith("arb_tok123");
    expect(getSession).not.toHaveBeenCalled();
    expect(window.location.pathname).toBe("/");
    expect(window.location.hash).toBe("");
    expect(window.location.href).not.toContain("arb_tok123");
    expect(screen.getByTestId("project-screen").textContent).toContain("street");
    expect(screen.getByTestId("session-badge").dataset.annotator).toBe("ana");
  });

  it("shows the server's message for a used link, and the token is gone all the same", async () => {
    window.history.replaceState(null, "", "/signin#token=arb_used");
    signIn.mockRejectedValue({ code: "unauthorized", message: "This sign-in link was used already; ask your lead for a new one." });
    await renderApp();
    expect(screen.getByTestId("signed-out-screen").textContent).toContain("Open the sign-in link your project lead sent you");
    expect(screen.getByTestId("signin-error").textContent).toBe("This sign-in link was used already; ask your lead for a new one.");
    expect(window.location.href).not.toContain("arb_used");
    expect(currentProject).not.toHaveBeenCalled();
  });

  it("uses the cookie's session without signing in again", async () => {
    getSession.mockResolvedValue({ annotator: "dana", role: "lead" });
    await renderApp();
    expect(getSession).toHaveBeenCalledTimes(1);
    expect(signIn).not.toHaveBeenCalled();
    expect(screen.getByTestId("session-badge").dataset.annotator).toBe("dana");
  });

  it("shows the signed-out screen, without an error, when there is no session", async () => {
    getSession.mockRejectedValue({ code: "unauthorized", message: "not signed in" });
    await renderApp();
    expect(screen.getByTestId("signed-out-screen")).toBeTruthy();
    expect(screen.queryByTestId("signin-error")).toBeNull();
  });

  it("says why when the server cannot be reached", async () => {
    getSession.mockRejectedValue({ code: "internal", message: "Could not reach the Arbiter server" });
    await renderApp();
    expect(screen.getByTestId("signin-error").textContent).toBe("Could not reach the Arbiter server");
  });

  it("signs out, and goes to the signed-out screen when the session ends under it", async () => {
    getSession.mockResolvedValue({ annotator: "ana", role: "annotator" });
    signOut.mockResolvedValue();
    await renderApp();
    await act(async () => {
      fireEvent.click(screen.getByTestId("sign-out"));
    });
    expect(signOut).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId("signed-out-screen").textContent).toContain("You are signed out");

    cleanup();
    await renderApp();
    expect(screen.getByTestId("project-screen")).toBeTruthy();
    act(() => signedOutListener?.({ code: "unauthorized", message: "Your session was revoked." }));
    expect(screen.getByTestId("signin-error").textContent).toBe("Your session was revoked.");
  });
});
