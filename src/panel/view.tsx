import { TranslationBundle } from '@jupyterlab/translation';
import { UseSignal } from '@jupyterlab/ui-components';
import * as React from 'react';

import { Message } from '../components/message';
import { SignInView } from '../components/sign-in-view';
import { UnconfiguredView } from '../components/unconfigured-view';
import { mlflowUnavailable } from '../components/unavailable';
import { MlflowPanelModel, PanelError, PanelState } from './model';

/** What the view's buttons do; the widget wires them to commands. */
export interface IPanelActions {
  openSettings(): void;
  retry(): void;
  /** Show MLflow's start page. */
  openHome(): void;
  signOut(): void;
}

export interface IPanelViewProps {
  model: MlflowPanelModel;
  actions: IPanelActions;
  trans: TranslationBundle;
  /** Bumped to load the MLflow UI afresh. */
  reloadKey: number;
}

/**
 * The MLflow panel: the MLflow UI once everything is in place, otherwise a
 * message saying what is missing and what to do, never a blank page.
 */
export function PanelView(props: IPanelViewProps): JSX.Element {
  return (
    <UseSignal
      signal={props.model.stateChanged}
      initialArgs={props.model.state}
    >
      {(_, state) => (
        <StateView {...props} state={state ?? props.model.state} />
      )}
    </UseSignal>
  );
}

function StateView(
  props: IPanelViewProps & { state: PanelState }
): JSX.Element {
  const { state, trans, actions } = props;
  switch (state.kind) {
    case 'ready':
      return (
        <iframe
          key={props.reloadKey}
          className="jp-MlflowPanel-frame"
          title={trans.__('MLflow')}
          src={state.url}
          allow="clipboard-write"
          // Each page the frame loads gets its links prepared.
          onLoad={() => props.model.applyPreferences()}
        />
      );
    case 'connecting':
      return (
        <Message title={trans.__('Connecting to MLflow…')} busy>
          <p>{trans.__('Checking your sign-in with the MLflow gateway.')}</p>
        </Message>
      );
    case 'unconfigured':
      return (
        <UnconfiguredView
          problems={state.problems}
          trans={trans}
          openSettings={actions.openSettings}
        />
      );
    case 'signed-out':
      return <SignInView auth={props.model.auth} trans={trans} />;
    case 'no-access':
      return (
        <Message title={trans.__('No access')} error>
          <p>{state.message}</p>
          <button className="jp-mod-styled" onClick={actions.openHome}>
            {trans.__('Open MLflow’s Start Page')}
          </button>
        </Message>
      );
    case 'error':
      return <ErrorView {...props} state={state} />;
  }
}

function ErrorView(
  props: IPanelViewProps & { state: Extract<PanelState, { kind: 'error' }> }
): JSX.Element {
  const { state, trans, actions } = props;
  const user = props.model.auth.user;
  const retry = (
    <button
      key="retry"
      className="jp-mod-styled jp-mod-accept"
      onClick={actions.retry}
    >
      {trans.__('Try again')}
    </button>
  );
  const signOut = (
    <button
      key="sign-out"
      className="jp-mod-styled jp-mod-reject"
      onClick={actions.signOut}
    >
      {trans.__('Sign out')}
    </button>
  );
  const settings = (
    <button
      key="settings"
      className="jp-mod-styled"
      onClick={actions.openSettings}
    >
      {trans.__('Open MLflow settings')}
    </button>
  );

  // Per error: its title, what to say before the error's message, the
  // message (as given, unless phrased here), advice, and what can be done.
  const views: Record<
    PanelError,
    {
      title: string;
      lead?: string;
      message?: string;
      advice?: string;
      buttons: JSX.Element[];
    }
  > = {
    unreachable: {
      title: trans.__('The MLflow gateway cannot be reached'),
      advice: trans.__(
        'Check your network and the gateway URL in the MLflow settings, or ask your MLflow administrator whether the gateway is up.'
      ),
      buttons: [retry, settings]
    },
    unauthorized: {
      title: trans.__('The MLflow gateway did not accept your sign-in'),
      advice: trans.__(
        'Your session may have ended, or the gateway trusts another user pool. Sign out and sign in again; if it persists, check the user pool in the MLflow settings.'
      ),
      buttons: [signOut, retry]
    },
    forbidden: {
      title: trans.__('Your MLflow role does not allow this'),
      lead:
        user && user.groups.length > 0
          ? trans.__(
              'You are signed in as %1 with the groups %2, which may not read MLflow.',
              user.username,
              user.groups.join(', ')
            )
          : trans.__(
              'You are signed in as %1, who belongs to no MLflow group.',
              user?.username ?? '?'
            ),
      message: trans.__(
        'Ask your MLflow administrator to add you to a group such as readers. The gateway said: %1',
        state.message
      ),
      buttons: [signOut, retry]
    },
    'sign-in': {
      title: trans.__('The MLflow sign-in could not start'),
      advice: trans.__(
        'JupyterLab could not load the sign-in component. Reload the page; if the extension was just updated, JupyterLab may still be serving the old version.'
      ),
      buttons: [retry]
    },
    handoff: {
      title: trans.__('MLflow could not receive your sign-in'),
      buttons: [retry]
    },
    unavailable: {
      title: mlflowUnavailable(trans).title,
      advice: mlflowUnavailable(trans).advice,
      buttons: [retry]
    },
    mlflow: {
      title: trans.__('MLflow answered with an error'),
      buttons: [retry]
    }
  };
  const view = views[state.error];
  return (
    <Message title={view.title} error>
      {view.lead !== undefined && <p>{view.lead}</p>}
      <p>{view.message ?? state.message}</p>
      {view.advice !== undefined && <p>{view.advice}</p>}
      <div className="jp-MlflowMessage-actions">{view.buttons}</div>
    </Message>
  );
}
