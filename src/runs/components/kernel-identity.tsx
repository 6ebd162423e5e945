import * as React from 'react';

import {
  KernelIdentityAnswer,
  kernelLine,
  kernelRoles,
  watchKernelIdentity
} from '../../identity/kernel';
import { IRunBrowserViewProps } from './props';

/**
 * Whom notebooks act as, under who browses: code in a notebook signs as
 * its execution role, whoever is signed in here. Shows what the status
 * bar's item last learnt (`src/identity/`), nothing before.
 */
export function KernelIdentityLine(
  props: IRunBrowserViewProps
): JSX.Element | null {
  const { trans } = props;
  const [answer, setAnswer] = React.useState<KernelIdentityAnswer | null>(null);
  React.useEffect(() => {
    const stop = watchKernelIdentity(setAnswer);
    return () => {
      stop();
    };
  }, []);
  if (answer === null) {
    return null;
  }
  const line = kernelLine(answer, trans);
  return (
    <div className="jp-MlflowRuns-kernelIdentity" title={line.title}>
      {answer.kind === 'ok'
        ? trans.__(
            'Notebooks sign as %1',
            kernelRoles(answer) || trans.__('no role')
          )
        : line.text}
    </div>
  );
}
