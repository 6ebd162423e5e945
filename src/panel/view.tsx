import { TranslationBundle } from '@jupyterlab/translation';
import { UseSignal } from '@jupyterlab/ui-components';
import * as React from 'react';

import { IMlflowAuth, IMlflowUser, SignInFormComponent } from '../tokens';
import { MlflowPanelModel, PanelError, PanelState } from './model';

/** What the view's buttons do; the widget wires them to commands. */
export interface IPanelActions {
  openSettings(): void;
  retry(): void;
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

/**
 * What to do when the settings do not say where MLflow is: the problems,
 * and a button to the settings.
 */
export function UnconfiguredView(props: {
  problems: ReadonlyArray<string>;
  trans: TranslationBundle;
  openSettings: () => void;
}): JSX.Element {
  const { problems, trans, openSettings } = props;
  return (
    <Message title={trans.__('MLflow is not set up yet')}>
      <p>
        {trans.__(
          'The extension needs the MLflow gateway URL and the Cognito user pool. In SageMaker Studio the lifecycle configuration fills them in; you can also enter them in the settings.'
        )}
      </p>
      {problems.length > 0 && (
        <ul className="jp-MlflowProblems">
          {problems.map(problem => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      )}
      <button className="jp-mod-styled jp-mod-accept" onClick={openSettings}>
        {trans.__('Open MLflow settings')}
      </button>
    </Message>
  );
}

/** A user's groups (their MLflow roles) for display, or "no group". */
export function groupsLabel(
  user: IMlflowUser | null,
  trans: TranslationBundle
): string {
  return user && user.groups.length > 0
    ? user.groups.join(', ')
    : trans.__('no group');
}

/**
 * The sign-in form, loaded (with Amplify UI) when first shown.
 */
export function SignInView(props: {
  auth: IMlflowAuth;
  trans: TranslationBundle;
}): JSX.Element {
  const { auth, trans } = props;
  const [Form, setForm] = React.useState<SignInFormComponent | null>(null);
  const [failure, setFailure] = React.useState('');
  React.useEffect(() => {
    let live = true;
    auth.loadSignInForm().then(
      form => live && setForm(() => form),
      reason => live && setFailure(String(reason?.message ?? reason))
    );
    return () => {
      live = false;
    };
  }, [auth]);
  if (failure) {
    return (
      <Message title={trans.__('The sign-in form could not be loaded')} error>
        <p>{failure}</p>
      </Message>
    );
  }
  return (
    <Message title={trans.__('Sign in to MLflow')} busy={Form === null}>
      <p>{trans.__('Use the MLflow account your administrator gave you.')}</p>
      {Form !== null && <Form trans={trans} />}
    </Message>
  );
}

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
