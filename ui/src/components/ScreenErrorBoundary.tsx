import { Component, type ErrorInfo, type ReactNode } from "react";

interface Props {
  /** What failed, for the message ("The dashboard"). */
  what: string;
  onBack: () => void;
  children: ReactNode;
}

interface State {
  error: Error | null;
}

/**
 * Keeps a screen's crash (or a chunk that fails to load) inside that screen: the message and a
 * way back, instead of React unmounting the whole app and leaving an empty window.
 */
export class ScreenErrorBoundary extends Component<Props, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error(`${this.props.what} crashed`, error, info.componentStack);
  }

  render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="dash-screen" data-testid="screen-error">
        <div className="empty-state">
          <h2>{this.props.what} could not be shown</h2>
          <pre className="error-message">{error.message}</pre>
          <button type="button" className="button primary" onClick={this.props.onBack}>
            ← Back to the items
          </button>
        </div>
      </div>
    );
  }
}
