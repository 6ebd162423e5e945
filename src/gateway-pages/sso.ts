/**
 * The SSO sign-in's pages on the gateway's origin, where Cognito's managed
 * login may send the browser back (`../auth/sso-flow.ts` is the protocol):
 *
 * - `/auth/sso`, in a popup JupyterLab opened: checks who asks (an allowed
 *   origin) and for which provider, then on to Cognito's `/oauth2/authorize`
 *   with PKCE; with `?signout`, on to Cognito's `/logout`.
 * - `/auth/sso-callback`: the code, taken only for a sign-in this window
 *   started, exchanged for tokens with its verifier; the tokens go to the
 *   opener (posted to its exact origin) or, for `/auth/login`'s same-window
 *   sign-in, into this origin's session and the MLflow UI's cookie.
 * - `/auth/signed-out`: where Cognito's sign-out returns.
 *
 * Each strips its query from the address bar and history first.
 */
import { adoptSsoTokens, configureAmplify } from '../auth/amplify';
import { readClaims } from '../auth/claims';
import {
  type ISsoTokens,
  beginSso,
  readCallback,
  readSsoStart,
  readTokens,
  signOutUrl,
  ssoErrorMessage,
  ssoMessage,
  takePendingSso,
  tokenRequest,
  type IPendingSso
} from '../auth/sso-flow';
import {
  IPagesConfig,
  SIGNED_OUT_PAGE,
  SIGNED_OUT_PATH,
  SSO_CALLBACK_PAGE,
  SSO_CALLBACK_PATH,
  SSO_PAGE,
  clearedTokenCookie,
  routeOrHome,
  tokenCookie
} from '../contract';
import { mlflowUrl } from '../panel/routes';
import {
  pageGatewayUrl,
  readPagesConfig,
  signInConfigOf
} from './pages-config';
import { forgetStoredSignIns } from './session';

function say(text: string, problem = false): void {
  const status = document.getElementById('status')!;
  status.textContent = text;
  status.setAttribute('role', problem ? 'alert' : 'status');
}

async function main(): Promise<void> {
  const href = window.location.href;
  const page = window.location.pathname.split('/').pop();
  // Nothing of the request (code, state, origin) stays in the address bar or history.
  window.history.replaceState(null, '', window.location.pathname);
  if (page === SIGNED_OUT_PAGE) {
    signedOut();
    return;
  }
  const pages = await readPagesConfig().catch(() => null);
  if (pages === null) {
    say(
      'The gateway configuration could not be read. Close this window and try again.',
      true
    );
    return;
  }
  const gatewayUrl = pageGatewayUrl();
  if (page === SSO_PAGE) {
    await start(href, pages, gatewayUrl);
  } else if (page === SSO_CALLBACK_PAGE) {
    await finish(href, pages, gatewayUrl);
  }
}

async function start(
  href: string,
  pages: IPagesConfig,
  gatewayUrl: string
): Promise<void> {
  const sso = pages.cognito.sso;
  const request = readSsoStart(new URL(href).search);
  if (sso === undefined || !pages.cognito.signIn.includes('sso')) {
    say('Single sign-on is not configured for this MLflow.', true);
    return;
  }
  if (request === undefined) {
    say(
      'This window was opened without a sign-in to run. Close it and use a “Sign in with …” button.',
      true
    );
    return;
  }
  if (request.kind === 'sign-out') {
    window.location.replace(
      signOutUrl({
        domain: sso.domain,
        clientId: pages.cognito.userPoolClientId,
        logoutUri: `${gatewayUrl}${SIGNED_OUT_PATH}`
      })
    );
    return;
  }
  // The tokens will go to this origin: only the deployment's own may ask.
  if (!pages.allowedOrigins.includes(request.origin)) {
    say(`${request.origin} may not sign in to this MLflow.`, true);
    return;
  }
  const opener = { origin: request.origin, state: request.state };
  if (!sso.providers.some(provider => provider.name === request.provider)) {
    report(opener, `This MLflow does not sign in with “${request.provider}”.`);
    return;
  }
  window.location.replace(
    await beginSso(window.sessionStorage, window.crypto, {
      domain: sso.domain,
      clientId: pages.cognito.userPoolClientId,
      redirectUri: `${gatewayUrl}${SSO_CALLBACK_PATH}`,
      provider: request.provider,
      opener
    })
  );
}

async function finish(
  href: string,
  pages: IPagesConfig,
  gatewayUrl: string
): Promise<void> {
  let taken: { pending: IPendingSso; state: string };
  try {
    taken = takePendingSso(window.sessionStorage, href);
  } catch (error) {
    // No sign-in of this window: nobody to tell but the user.
    say((error as Error).message, true);
    return;
  }
  const { pending, state } = taken;
  let tokens: ISsoTokens | undefined;
  try {
    const redirectUri = `${gatewayUrl}${SSO_CALLBACK_PATH}`;
    const code = readCallback(href, state);
    tokens = await redeem(pages, redirectUri, code, pending.verifier);
  } catch (error) {
    report(pending.opener, (error as Error).message);
    return;
  }
  if (pending.opener !== undefined) {
    if (window.opener === null) {
      say(
        'The window that started this sign-in is gone. Close this one and sign in again.',
        true
      );
      return;
    }
    (window.opener as Window).postMessage(
      ssoMessage(pending.opener.state, tokens),
      pending.opener.origin
    );
    say('Signed in. This window closes itself.');
    window.close();
    return;
  }
  // The same-window sign-in of /auth/login: this origin's session, then the UI.
  configureAmplify(signInConfigOf(pages, gatewayUrl));
  await adoptSsoTokens(tokens);
  document.cookie = tokenCookie(
    tokens.accessToken,
    readClaims(tokens.accessToken).exp,
    Date.now()
  );
  window.location.replace(
    mlflowUrl(gatewayUrl, routeOrHome(pending.next ?? null))
  );
}

/** Cognito's `/oauth2/token`: the code and the verifier for the tokens. */
async function redeem(
  pages: IPagesConfig,
  redirectUri: string,
  code: string,
  verifier: string
): Promise<ISsoTokens> {
  const failed = new Error(
    'Cognito did not exchange the sign-in for tokens. Start the sign-in again.'
  );
  let answer: Response;
  try {
    answer = await fetch(`${pages.cognito.sso!.domain}/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: tokenRequest({
        clientId: pages.cognito.userPoolClientId,
        redirectUri,
        code,
        verifier
      }),
      credentials: 'omit'
    });
  } catch {
    throw new Error(
      'Cognito’s sign-in cannot be reached. Check your network and start the sign-in again.'
    );
  }
  const tokens = readTokens(await answer.json().catch(() => null));
  if (!answer.ok || tokens === undefined) {
    throw failed;
  }
  return tokens;
}

/** Show a failure, and tell the opener that asked for the sign-in. */
function report(opener: IPendingSso['opener'], message: string): void {
  say(message, true);
  if (opener !== undefined && window.opener !== null) {
    (window.opener as Window).postMessage(
      ssoErrorMessage(opener.state, message),
      opener.origin
    );
  }
}

function signedOut(): void {
  // The sign-ins /auth/login kept on this origin end too.
  forgetStoredSignIns(window.localStorage);
  document.cookie = clearedTokenCookie();
  say('You are signed out of MLflow.');
  if (window.opener !== null) {
    window.close();
  }
}

void main();
