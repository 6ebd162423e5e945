import type { ISignal } from '@lumino/signaling';
import * as React from 'react';

/** Render the calling component again at each emission of `changed`. */
export function useChanges(changed: ISignal<unknown, unknown>): void {
  const [, setVersion] = React.useState(0);
  React.useEffect(() => {
    const bump = () => setVersion(version => version + 1);
    changed.connect(bump);
    return () => {
      changed.disconnect(bump);
    };
  }, [changed]);
}
