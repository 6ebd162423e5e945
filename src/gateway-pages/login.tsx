/**
 * The gateway's `/auth/login` page: sign in with the same Authenticator as
 * in JupyterLab, for people who open MLflow outside SageMaker Studio. After
 * sign-in it stores the token as the cookie the MLflow UI reads and opens
 * the UI at the route in `?next=` (a hash route such as `/experiments/1`).
 */
import { fetchAuthSession } from 'aws-amplify/auth';
import { Hub } from 'aws-amplify/utils';
import * as React from 'react';
import { createRoot } from 'react-dom/client';

import { configureAmplify } from '../auth/amplify';
import { readClaims } from '../auth/claims';
import { SignInForm } from '../auth/signin';
import { DEFAULT_CONFIG, MlflowConfig, englishFormatter } from '../config';
import {
  IPagesConfig,
  LOGIN_NEXT_PARAM,
  PAGES_CONFIG_FILE,
  routeOrHome,
  tokenCookie
} from '../contract';
import { mlflowUrl } from '../panel/routes';

async function main(): Promise<void> {
  const root = createRoot(document.getElementById('root')!);
  const config = await readConfig().catch(() => null);
  if (config === null) {
    root.render(
      <p role="alert">The gateway configuration could not be read.</p>
    );
    return;
  }
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
      window.location.replace(mlflowUrl(config.gatewayUrl, next));
    }
  };

  root.render(
    <main className="jp-MlflowLogin">
      <h1>MLflow</h1>
      <SignInForm config={config} trans={englishFormatter} />
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

async function readConfig(): Promise<MlflowConfig> {
  const response = await fetch(PAGES_CONFIG_FILE, { cache: 'no-store' });
  const pages = (await response.json()) as IPagesConfig;
  return {
    ...DEFAULT_CONFIG,
    // The MLflow UI is the gateway's root, beside the pages.
    gatewayUrl: new URL('..', window.location.href).href.replace(/\/$/, ''),
    region: pages.cognito.region,
    userPoolId: pages.cognito.userPoolId,
    userPoolClientId: pages.cognito.userPoolClientId,
    cognitoEndpoint: pages.cognito.endpoint,
    authFlow: pages.cognito.authFlow
  };
}

void main();
