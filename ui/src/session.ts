// Who is using this page and through which transport (ipc.ts picks the transport; App.tsx
// provides this once it knows). Screens read it to fix the annotator to the signed-in person
// and to hide what only the desktop app can do.
import { createContext, useContext } from "react";
import type { Role } from "./bindings/Role";

export type Session =
  /** The desktop app: every command, and the annotator is chosen on screen. */
  | { transport: "tauri" }
  /** A browser signed in to `arbiter serve`: the person is fixed by the sign-in link. */
  | { transport: "http"; annotator: string; role: Role; signOut: () => void };

export const DESKTOP_SESSION: Session = { transport: "tauri" };

export const SessionContext = createContext<Session>(DESKTOP_SESSION);

export function useSession(): Session {
  return useContext(SessionContext);
}

/** Whether this page can run the desktop-only commands (dialogs, import, inference, export). */
export function useDesktop(): boolean {
  return useSession().transport === "tauri";
}
