/**
 * The sign-in form: "Sign in with <provider>" for each identity provider
 * the gateway offers, and the password form, Amplify UI's Authenticator,
 * styled by our own CSS (`style/base.css`, JupyterLab variables only)
 * instead of Amplify UI's global stylesheet, which would restyle
 * JupyterLab. Loaded with `import()` when a signed-out view first shows.
 */
import { Authenticator } from '@aws-amplify/ui-react';
import { signIn, type SignInInput } from 'aws-amplify/auth';
import * as React from 'react';

import type { MlflowConfig } from '../config';
import {
  type IPagesConfig,
  type ISignInMethods,
  type ISsoProvider,
  PAGES_CONFIG_FILE,
  PAGES_PREFIX,
  signInMethodsOf
} from '../contract';
import type { ISignInFormProps } from './backend';
import { adoptSsoTokens, configureAmplify } from './amplify';
import { PopupSso } from './sso-buttons';

/** The name Amplify gives an error when a request got no answer at all. */
const NETWORK_ERROR = 'NetworkError';

type Translator = ISignInFormProps['trans'];

/**
 * JupyterLab's sign-in: the methods come from the gateway's public
 * configuration; SSO runs in a popup. Without the configuration (the
 * gateway is unreachable) the password form still works: it talks to
 * Cognito, not to the gateway.
 */
export function SignInForm(props: ISignInFormProps): JSX.Element {
  const { config, trans } = props;
  const [methods, setMethods] = React.useState<
    ISignInMethods | 'loading' | 'unknown'
  >('loading');
  React.useEffect(() => {
    let current = true;
    readSignInMethods(config.gatewayUrl).then(
      read => current && setMethods(read),
      () => current && setMethods('unknown')
    );
    return () => {
      current = false;
    };
  }, [config.gatewayUrl]);

  if (methods === 'loading') {
    return (
      <div className="jp-MlflowSignIn">
        <p className="jp-MlflowSignIn-ssoStatus">
          {trans.__('Loading the sign-in…')}
        </p>
      </div>
    );
  }
  return (
    <SignInMethods
      config={config}
      trans={trans}
      methods={
        methods === 'unknown'
          ? { signIn: ['password'], providers: [] }
          : methods
      }
      notice={
        methods === 'unknown'
          ? trans.__(
              'The gateway’s sign-in options could not be read, so only the password sign-in is shown. Single sign-on returns once the gateway answers.'
            )
          : undefined
      }
      sso={providers => (
        <PopupSso
          gatewayUrl={config.gatewayUrl}
          providers={providers}
          trans={trans}
          adopt={async tokens => {
            configureAmplify(config);
            await adoptSsoTokens(tokens);
          }}
        />
      )}
    />
  );
}

/**
 * The methods on offer, SSO first: the providers' buttons (`sso` draws
 * them: a popup in JupyterLab, the same window on `/auth/login`), then the
 * password form.
 */
export function SignInMethods(props: {
  config: MlflowConfig;
  trans: Translator;
  methods: ISignInMethods;
  sso: (providers: ReadonlyArray<ISsoProvider>) => React.ReactNode;
  notice?: string;
}): JSX.Element {
  const { config, trans, methods } = props;
  const sso = methods.providers.length > 0;
  const password = methods.signIn.includes('password');
  return (
    <div className="jp-MlflowSignIn">
      {props.notice && (
        <p className="jp-MlflowSignIn-ssoStatus">{props.notice}</p>
      )}
      {sso && props.sso(methods.providers)}
      {sso && password && (
        <p className="jp-MlflowSignIn-or">{trans.__('or')}</p>
      )}
      {password && <PasswordSignIn config={config} trans={trans} />}
      {!sso && !password && (
        <p role="alert">
          {trans.__(
            'This MLflow offers no way to sign in. Ask your MLflow administrator to check cognito.signIn.'
          )}
        </p>
      )}
    </div>
  );
}

async function readSignInMethods(gatewayUrl: string): Promise<ISignInMethods> {
  const response = await fetch(
    `${gatewayUrl}${PAGES_PREFIX}${PAGES_CONFIG_FILE}`,
    { cache: 'no-store', credentials: 'omit' }
  );
  if (!response.ok) {
    throw new Error(`The gateway answered ${response.status}.`);
  }
  return signInMethodsOf((await response.json()) as IPagesConfig);
}

function PasswordSignIn(props: {
  config: MlflowConfig;
  trans: Translator;
}): JSX.Element {
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
  );
}
