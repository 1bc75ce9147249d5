/**
 * A view that fails to render shows what went wrong instead of a blank tab.
 *
 * React unmounts the whole tree when a component throws during render; one boundary per view
 * (experiment, comparison, list) keeps the failure inside that view and says which record
 * caused it, so the user can still open the others.
 */
import * as React from 'react';

export interface IErrorBoundaryProps {
  /** What the view shows ("experiment 3f2a…"), used in the message. */
  what: string;
  children: React.ReactNode;
}

interface IErrorBoundaryState {
  error: Error | null;
}

export class ErrorBoundary extends React.Component<IErrorBoundaryProps, IErrorBoundaryState> {
  state: IErrorBoundaryState = { error: null };

  static getDerivedStateFromError(error: unknown): IErrorBoundaryState {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  componentDidCatch(error: Error): void {
    // The console keeps the stack for a bug report; the view shows a short message.
    console.error(`Kepler could not show ${this.props.what}:`, error);
  }

  componentDidUpdate(previous: IErrorBoundaryProps): void {
    // Another record in the same view gets a fresh try.
    if (previous.what !== this.props.what && this.state.error) {
      this.setState({ error: null });
    }
  }

  render(): React.ReactNode {
    const { error } = this.state;
    if (error) {
      return (
        <div className="jp-kepler-banner jp-kepler-banner-error" role="alert">
          Kepler could not show {this.props.what}: {error.message}. The journal itself is
          unchanged; <code>kepler doctor</code> checks it, and the other experiments still open.
        </div>
      );
    }
    return this.props.children;
  }
}

/** The "damaged record" notice: which fields were dropped and why. */
export function DamagedNotice(props: { problems: string[] }): JSX.Element | null {
  if (props.problems.length === 0) {
    return null;
  }
  return (
    <div className="jp-kepler-banner jp-kepler-banner-warning jp-kepler-damaged" role="status">
      <strong>Damaged record:</strong> some fields could not be read and are not shown.
      <ul>
        {props.problems.slice(0, 20).map((problem, i) => (
          <li key={i}>{problem}</li>
        ))}
      </ul>
    </div>
  );
}
