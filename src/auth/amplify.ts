/**
 * The auth backend built on Amplify v6. This module and Amplify itself are
 * loaded with `import()` when sign-in is first needed, so JupyterLab starts
 * without them. Only `aws-amplify` and `aws-amplify/auth` are imported:
 * Amplify's modules must share one copy of `@aws-amplify/core`.
 */
import { Amplify } from 'aws-amplify';
import { fetchAuthSession, signOut } from 'aws-amplify/auth';
import { Hub } from 'aws-amplify/utils';

import type { MlflowConfig } from '../config';
import type { IAuthBackend } from './backend';

/** The configuration Amplify holds, so it is configured once per change. */
let configuredKey = '';

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
      await signOut();
    },
    listen(listener) {
      return Hub.listen('auth', ({ payload }) => {
        if (payload.event === 'signedIn') {
          listener('signedIn');
        } else if (
          payload.event === 'signedOut' ||
          payload.event === 'tokenRefresh_failure'
        ) {
          listener('signedOut');
        }
      });
    }
  };
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
