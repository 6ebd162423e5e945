/**
 * "Sign in with <provider>": one button per identity provider the user
 * pool federates to. {@link SsoButtons} only offers them; {@link PopupSso}
 * runs the sign-in in a popup for JupyterLab, where the managed login
 * cannot be framed, and says how it went.
 */
import * as React from 'react';

import type { ISsoProvider } from '../contract';
import type { ISignInFormProps } from './backend';
import type { ISsoTokens } from './sso-flow';
import { SsoPopup } from './sso-popup';

type Translator = ISignInFormProps['trans'];

export function SsoButtons(props: {
  providers: ReadonlyArray<ISsoProvider>;
  trans: Translator;
  onChoose: (provider: ISsoProvider) => void;
  disabled?: boolean;
}): JSX.Element {
  return (
    <div className="jp-MlflowSignIn-sso">
      {props.providers.map(provider => (
        <button
          key={provider.name}
          type="button"
          className="jp-MlflowSignIn-ssoButton"
          disabled={props.disabled}
          onClick={() => props.onChoose(provider)}
        >
          {props.trans.__('Sign in with %1', provider.label)}
        </button>
      ))}
    </div>
  );
}

type PopupState =
  | { step: 'idle' }
  | { step: 'waiting'; provider: ISsoProvider }
  | { step: 'blocked'; provider: ISsoProvider }
  | { step: 'failed'; message: string };

export function PopupSso(props: {
  gatewayUrl: string;
  providers: ReadonlyArray<ISsoProvider>;
  trans: Translator;
  /** Makes the tokens the session (Amplify's, in JupyterLab). */
  adopt: (tokens: ISsoTokens) => Promise<void>;
  /** The popup sign-in (tests give one with a fake window). */
  popup?: SsoPopup;
}): JSX.Element {
  const { trans, adopt } = props;
  const popup = React.useMemo(
    () => props.popup ?? new SsoPopup({ gatewayUrl: props.gatewayUrl }),
    [props.popup, props.gatewayUrl]
  );
  const [state, setState] = React.useState<PopupState>({ step: 'idle' });
  React.useEffect(() => () => popup.cancel(), [popup]);

  const start = (provider: ISsoProvider) => {
    const opened = popup.start(provider.name, result => {
      if ('tokens' in result) {
        adopt(result.tokens).catch((reason: Error) =>
          setState({ step: 'failed', message: reason.message })
        );
        setState({ step: 'idle' });
      } else if ('error' in result) {
        setState({ step: 'failed', message: result.error });
      } else {
        setState({
          step: 'failed',
          message: trans.__(
            'The sign-in window was closed before the sign-in finished.'
          )
        });
      }
    });
    setState(
      opened ? { step: 'waiting', provider } : { step: 'blocked', provider }
    );
  };

  return (
    <>
      <SsoButtons providers={props.providers} trans={trans} onChoose={start} />
      {state.step === 'waiting' && (
        <p className="jp-MlflowSignIn-ssoStatus" role="status">
          {trans.__(
            'Finish signing in with %1 in the sign-in window.',
            state.provider.label
          )}
        </p>
      )}
      {state.step === 'blocked' && (
        <div className="jp-MlflowSignIn-ssoProblem" role="alert">
          <p>
            {trans.__(
              'Your browser blocked the sign-in window. Allow pop-ups for this site, or open the window with the button below.'
            )}
          </p>
          <button
            type="button"
            className="jp-MlflowSignIn-ssoButton"
            onClick={() => start(state.provider)}
          >
            {trans.__('Open the sign-in window')}
          </button>
        </div>
      )}
      {state.step === 'failed' && (
        <p className="jp-MlflowSignIn-ssoProblem" role="alert">
          {state.message}
        </p>
      )}
    </>
  );
}
