import * as React from 'react';

import { SignedInBar } from '../components/signed-in-bar';

import { Message } from '../components/message';
import { SignInView } from '../components/sign-in-view';
import { UnconfiguredView } from '../components/unconfigured-view';
import { ExperimentsView } from './components/experiments-view';
import { KernelIdentityLine } from './components/kernel-identity';
import { IRunBrowserViewProps } from './components/props';
import { RunsView } from './components/runs-view';
import { useChanges } from '../components/use-changes';

/**
 * The run browser: sign-in, the experiments, then one experiment's runs.
 * Loaded with `import()` when the sidebar is first shown (see `./widget`),
 * with the parts in `./components/` and the list virtualiser.
 */
export function RunBrowserView(props: IRunBrowserViewProps): JSX.Element {
  const { model, trans, actions } = props;
  useChanges(model.changed);

  const session = model.session;
  switch (session.kind) {
    case 'unconfigured':
      return (
        <UnconfiguredView
          problems={session.problems}
          trans={trans}
          openSettings={actions.openSettings}
        />
      );
    case 'connecting':
      return <Message title={trans.__('Connecting to MLflow…')} busy />;
    case 'signed-out':
      return <SignInView auth={model.auth} trans={trans} />;
    case 'ready':
      return (
        <>
          {model.runs ? (
            <RunsView {...props} runs={model.runs} />
          ) : (
            <ExperimentsView {...props} />
          )}
          <SignedInBar
            user={props.model.auth.user}
            trans={props.trans}
            onSignOut={props.actions.signOut}
          />
          <KernelIdentityLine {...props} />
        </>
      );
  }
}
