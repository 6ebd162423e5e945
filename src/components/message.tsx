import * as React from 'react';

/**
 * A titled message in place of a view: what is happening (`busy`), what
 * went wrong (`error`, announced as an alert), or what to do.
 */
export function Message(props: {
  title: string;
  busy?: boolean;
  error?: boolean;
  children?: React.ReactNode;
}): JSX.Element {
  return (
    <div
      className={`jp-MlflowMessage${props.error ? ' jp-mod-error' : ''}`}
      role={props.error ? 'alert' : 'status'}
      aria-busy={props.busy ? true : undefined}
    >
      <h2 className="jp-MlflowMessage-title">{props.title}</h2>
      {props.children}
    </div>
  );
}
