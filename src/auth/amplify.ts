/**
 * The auth backend built on Amplify v6. This module and Amplify itself are
 * loaded with `import()` when sign-in is first needed, so JupyterLab starts
 * without them. Only `aws-amplify` and its own entry points are imported:
 * Amplify's modules must share one copy of `@aws-amplify/core`.
 */
import { Amplify } from 'aws-amplify';
import { decodeJWT, fetchAuthSession, signOut } from 'aws-amplify/auth';
import { cognitoUserPoolsTokenProvider } from 'aws-amplify/auth/cognito';
import { Hub } from 'aws-amplify/utils';

import type { MlflowConfig } from '../config';
import { SSO_PATH } from '../contract';
import type { IAuthBackend } from './backend';
import { type ISsoTokens, ssoSignOutStartUrl } from './sso-flow';
import { SSO_WINDOW_FEATURES, SSO_WINDOW_NAME } from './sso-popup';

/** The configuration Amplify holds, so it is configured once per change. */
let configuredKey = '';

type Listener = (event: 'signedIn' | 'signedOut') => void;

/**
 * Told of SSO sign-ins: Amplify's Hub announces only its own (its `auth`
 * channel is not ours to dispatch on).
 */
const ssoListeners = new Set<Listener>();

/** Marks a session that came from SSO, so that signing out also ends it at the managed login. */
const SSO_SESSION_KEY = 'sagemaker-studio-mlflow:sso-session';

/**
 * Configure Amplify for the settings' user pool and return the backend.
 */
export async function loadAmplifyBackend(
  config: MlflowConfig
): Promise<IAuthBackend> {
  configureAmplify(config);
  return {
    async accessToken(forceRefresh: boolean): Promise<string | null> {
      try {
        const session = await fetchAuthSession({ forceRefresh });
        return session.tokens?.accessToken?.toString() ?? null;
      } catch (reason) {
        // A refresh token that expired or was revoked: signed out.
        console.debug('MLflow: no usable session.', reason);
        return null;
      }
    },
    async signOut(): Promise<void> {
      // First, while the click that asked for it still lets a window open.
      endSsoSession(config);
      await signOut();
    },
    listen(listener) {
      ssoListeners.add(listener);
      const stopHub = Hub.listen('auth', ({ payload }) => {
        if (payload.event === 'signedIn') {
          listener('signedIn');
        } else if (
          payload.event === 'signedOut' ||
          payload.event === 'tokenRefresh_failure'
        ) {
          listener('signedOut');
        }
      });
      return () => {
        ssoListeners.delete(listener);
        stopHub();
      };
    }
  };
}

/**
 * Make the tokens of an SSO sign-in Amplify's session, as if Amplify had
 * signed in: stored, refreshed with the refresh token, revoked at sign-out.
 * Amplify must be configured for the pool that issued them.
 */
export async function adoptSsoTokens(tokens: ISsoTokens): Promise<void> {
  const accessToken = decodeJWT(tokens.accessToken);
  const { username, iat } = accessToken.payload;
  if (typeof username !== 'string' || typeof iat !== 'number') {
    throw new Error('The sign-in token lacks a user name or an issue time.');
  }
  await cognitoUserPoolsTokenProvider.tokenOrchestrator.setTokens({
    tokens: {
      accessToken,
      idToken: decodeJWT(tokens.idToken),
      refreshToken: tokens.refreshToken,
      clockDrift: iat * 1000 - Date.now(),
      username
    }
  });
  localStorage.setItem(SSO_SESSION_KEY, '1');
  for (const listener of [...ssoListeners]) {
    listener('signedIn');
  }
}

/**
 * After an SSO session, sign out at the managed login too (and at the
 * provider, where it signs out with Cognito): in a window of its own on the
 * gateway's origin, which closes itself. A blocked window leaves only
 * Cognito's session cookie, which the next sign-in reuses.
 */
function endSsoSession(config: MlflowConfig): void {
  if (localStorage.getItem(SSO_SESSION_KEY) === null) {
    return;
  }
  localStorage.removeItem(SSO_SESSION_KEY);
  const page = `${config.gatewayUrl}${SSO_PATH}`;
  const opened = window.open(
    ssoSignOutStartUrl(page),
    SSO_WINDOW_NAME,
    SSO_WINDOW_FEATURES
  );
  if (opened === null) {
    console.error(
      'MLflow: the sign-out window was blocked; the identity provider’s session stays.'
    );
  }
}

/**
 * Point Amplify at the settings' user pool. The local identity provider is
 * reached through `userPoolEndpoint`; Amazon Cognito through the Region in
 * the pool id.
 */
export function configureAmplify(config: MlflowConfig): void {
  const key = JSON.stringify([
    config.userPoolId,
    config.userPoolClientId,
    config.cognitoEndpoint
  ]);
  if (key === configuredKey) {
    return;
  }
  configuredKey = key;
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: config.userPoolId,
        userPoolClientId: config.userPoolClientId,
        ...(config.cognitoEndpoint
          ? { userPoolEndpoint: config.cognitoEndpoint }
          : {}),
        loginWith: { username: true }
      }
    }
  });
}
