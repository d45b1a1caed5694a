import { Logo } from "../components/Logo";

/**
 * A browser without a session on `arbiter serve`: what to do to get one. `message` is the
 * server's word on a sign-in link that did not work (used already, expired, revoked, too many
 * attempts) or on why the server could not be asked.
 */
export function SignedOutScreen({ message, signedOut = false }: { message: string | null; signedOut?: boolean }) {
  return (
    <div className="signed-out-screen" data-testid="signed-out-screen">
      <section className="signed-out-card">
        <div className="start-brand">
          <Logo size={40} />
          <div>
            <h1>{signedOut ? "You are signed out" : "Signed out"}</h1>
            <p className="muted">Arbiter</p>
          </div>
        </div>
        {message !== null && (
          <div className="form-error" role="alert" data-testid="signin-error">
            {message}
          </div>
        )}
        <p>
          <strong>Open the sign-in link your project lead sent you.</strong>
        </p>
        <p className="muted small">
          A link signs in one browser, once. If yours was used already or has expired, ask your lead for a new one.
        </p>
      </section>
    </div>
  );
}

/** Signed in, but the server holds no project (it serves the one it was started with). */
export function NoProjectScreen() {
  return (
    <div className="signed-out-screen" data-testid="no-project-screen">
      <section className="signed-out-card">
        <div className="start-brand">
          <Logo size={40} />
          <div>
            <h1>No project</h1>
            <p className="muted">Arbiter</p>
          </div>
        </div>
        <p>The Arbiter server has no project open. Ask your project lead to start it again.</p>
      </section>
    </div>
  );
}
