/**
 * The sign-in form: Amplify UI's Authenticator, styled by our own CSS
 * (`style/signin.css`, JupyterLab variables only) instead of Amplify UI's
 * global stylesheet, which would restyle JupyterLab. Loaded with `import()`
 * when a signed-out view first shows.
 */
import { Authenticator } from '@aws-amplify/ui-react';
import { signIn, type SignInInput } from 'aws-amplify/auth';
import * as React from 'react';

import type { ISignInFormProps } from './backend';
import { configureAmplify } from './amplify';

/** The name Amplify gives an error when a request got no answer at all. */
const NETWORK_ERROR = 'NetworkError';

export function SignInForm(props: ISignInFormProps): JSX.Element {
  const { config, trans } = props;
  configureAmplify(config);
  const services = React.useMemo(
    () => ({
      // The flow comes from the settings: SRP for Amazon Cognito, plain
      // password for the local identity provider, which has no SRP.
      handleSignIn: (async (input: SignInInput) => {
        try {
          return await signIn({
            ...input,
            options: { ...input.options, authFlowType: config.authFlow }
          });
        } catch (reason) {
          // Amplify's own words ("A network error has occurred.") say
          // neither what is down nor what to do; the form shows this instead.
          if ((reason as Error | undefined)?.name === NETWORK_ERROR) {
            throw new Error(
              trans.__(
                'The sign-in service cannot be reached. Check your network and sign in again; if it persists, ask your MLflow administrator whether the identity provider is up.'
              )
            );
          }
          throw reason;
        }
      }) as typeof signIn
    }),
    [config.authFlow, trans]
  );
  return (
    <div className="jp-MlflowSignIn">
      <Authenticator
        hideSignUp
        loginMechanisms={['username']}
        services={services}
        formFields={{
          signIn: {
            username: {
              label: trans.__('User name'),
              placeholder: trans.__('Your MLflow user name')
            },
            password: {
              label: trans.__('Password'),
              placeholder: trans.__('Your password')
            }
          }
        }}
      >
        {() => <p className="jp-MlflowSignIn-done">{trans.__('Signed in.')}</p>}
      </Authenticator>
    </div>
  );
}
