/**
 * The gateway's `/auth/login` page: sign in with the same methods as in
 * JupyterLab, for people who open MLflow outside SageMaker Studio. SSO runs
 * in this window (to the managed login and back to `/auth/sso-callback`).
 * After sign-in it stores the token as the cookie the MLflow UI reads and
 * opens the UI at the route in `?next=` (a hash route such as
 * `/experiments/1`).
 */
import { fetchAuthSession } from 'aws-amplify/auth';
import { Hub } from 'aws-amplify/utils';
import * as React from 'react';
import { createRoot } from 'react-dom/client';

import { configureAmplify } from '../auth/amplify';
import { readClaims } from '../auth/claims';
import { SignInMethods } from '../auth/signin';
import { SsoButtons } from '../auth/sso-buttons';
import { beginSso } from '../auth/sso-flow';
import { englishFormatter } from '../config';
import {
  type ISsoProvider,
  LOGIN_NEXT_PARAM,
  SSO_CALLBACK_PATH,
  routeOrHome,
  signInMethodsOf,
  tokenCookie
} from '../contract';
import { mlflowUrl } from '../panel/routes';
import {
  pageGatewayUrl,
  readPagesConfig,
  signInConfigOf
} from './pages-config';

async function main(): Promise<void> {
  const root = createRoot(document.getElementById('root')!);
  const pages = await readPagesConfig().catch(() => null);
  if (pages === null) {
    root.render(
      <p role="alert">The gateway configuration could not be read.</p>
    );
    return;
  }
  const gatewayUrl = pageGatewayUrl();
  const config = signInConfigOf(pages, gatewayUrl);
  // Before anything asks Amplify for the stored session.
  configureAmplify(config);
  const next = routeOrHome(
    new URLSearchParams(window.location.search).get(LOGIN_NEXT_PARAM)
  );
  const openMlflow = async (): Promise<void> => {
    const session = await fetchAuthSession().catch(() => null);
    const token = session?.tokens?.accessToken?.toString();
    if (token) {
      document.cookie = tokenCookie(token, readClaims(token).exp, Date.now());
      window.location.replace(mlflowUrl(gatewayUrl, next));
    }
  };
  const signInWith = async (provider: ISsoProvider): Promise<void> => {
    window.location.assign(
      await beginSso(window.sessionStorage, window.crypto, {
        domain: pages.cognito.sso!.domain,
        clientId: pages.cognito.userPoolClientId,
        redirectUri: `${gatewayUrl}${SSO_CALLBACK_PATH}`,
        provider: provider.name,
        next
      })
    );
  };

  root.render(
    <main className="jp-MlflowLogin">
      <h1>MLflow</h1>
      <SignInMethods
        config={config}
        trans={englishFormatter}
        methods={signInMethodsOf(pages)}
        sso={providers => (
          <SsoButtons
            providers={providers}
            trans={englishFormatter}
            onChoose={provider => void signInWith(provider)}
          />
        )}
      />
    </main>
  );
  // Already signed in on this browser: straight through (tokens refreshed).
  Hub.listen('auth', ({ payload }) => {
    if (payload.event === 'signedIn') {
      void openMlflow();
    }
  });
  await openMlflow();
}

void main();
