import { useSession } from "../session";

/** In a browser on `arbiter serve`: who is signed in, and Sign out. Nothing in the desktop app. */
export function SessionBadge() {
  const session = useSession();
  if (session.transport !== "http") return null;
  return (
    <div className="session-badge" data-testid="session-badge" data-annotator={session.annotator}>
      <span title="Signed in with your sign-in link">
        <strong>{session.annotator}</strong> <span className="muted">· {session.role}</span>
      </span>
      <button type="button" className="button" data-testid="sign-out" onClick={session.signOut}>
        Sign out
      </button>
    </div>
  );
}
