import * as React from 'react';

/**
 * A thin bar that moves while something loads, named for screen readers;
 * it takes no room from the list it stands over.
 */
export function ProgressBar(props: { label: string }): JSX.Element {
  return (
    <div
      className="jp-MlflowRuns-progress"
      role="progressbar"
      aria-label={props.label}
    />
  );
}
