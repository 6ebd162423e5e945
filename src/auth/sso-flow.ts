/**
 * The SSO sign-in's protocol, pure: the authorization code flow with PKCE
 * that the sign-in popup runs on the gateway's origin against Cognito's
 * managed login, and the message that hands the tokens to the window that
 * opened it. Shared by the popup page and its opener (JupyterLab,
 * `/auth/login`); the pages and the extension wire it to the browser.
 */

/** The message type the popup posts to its opener. */
export const SSO_MESSAGE_TYPE = 'sagemaker-studio-mlflow:sso';

/** A PKCE verifier (43–128 unreserved characters) and its S256 challenge. */
export interface IPkcePair {
  verifier: string;
  challenge: string;
}

/** The tokens of a finished sign-in, as Cognito's `/oauth2/token` answers them. */
export interface ISsoTokens {
  idToken: string;
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

/** The callback carried no `state`, or not the one this sign-in sent. */
export class SsoStateMismatchError extends Error {
  constructor() {
    super(
      'The sign-in answer is not for this sign-in (its state differs). Start again.'
    );
    this.name = 'SsoStateMismatchError';
  }
}

/** The identity provider or Cognito refused the sign-in (`error` in the callback). */
export class SsoRefusedError extends Error {
  constructor(readonly error: string) {
    super(`The sign-in was refused (${error}).`);
    this.name = 'SsoRefusedError';
  }
}

/** The callback carried neither a code nor an error. */
export class SsoMissingCodeError extends Error {
  constructor() {
    super('The sign-in answer has no code. Start again.');
    this.name = 'SsoMissingCodeError';
  }
}

function base64Url(bytes: Uint8Array): string {
  let text = '';
  bytes.forEach(byte => (text += String.fromCharCode(byte)));
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Random bytes as base64url: a state, or a PKCE verifier of 43 characters. */
export function randomToken(crypto: Crypto, bytes = 32): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The S256 challenge of a verifier (RFC 7636). */
export async function challengeOf(
  crypto: Crypto,
  verifier: string
): Promise<string> {
  const digest = await crypto.subtle.digest(
    'SHA-256',
    new TextEncoder().encode(verifier)
  );
  return base64Url(new Uint8Array(digest));
}

/** A new verifier and its S256 challenge. */
export async function createPkce(crypto: Crypto): Promise<IPkcePair> {
  const verifier = randomToken(crypto);
  return { verifier, challenge: await challengeOf(crypto, verifier) };
}

/** Cognito's `/oauth2/authorize` for one provider, with PKCE (S256) and a state. */
export function authorizeUrl(options: {
  /** The managed login's base URL (`https://<prefix>.auth.<region>.amazoncognito.com`). */
  domain: string;
  clientId: string;
  redirectUri: string;
  provider: string;
  state: string;
  challenge: string;
}): string {
  const url = new URL('/oauth2/authorize', options.domain);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', options.clientId);
  url.searchParams.set('redirect_uri', options.redirectUri);
  url.searchParams.set('scope', 'openid email profile');
  url.searchParams.set('identity_provider', options.provider);
  url.searchParams.set('state', options.state);
  url.searchParams.set('code_challenge', options.challenge);
  url.searchParams.set('code_challenge_method', 'S256');
  return url.toString();
}

/**
 * The code of a callback URL for this sign-in.
 *
 * @throws SsoStateMismatchError, SsoRefusedError, SsoMissingCodeError
 */
export function readCallback(
  callbackUrl: string,
  expectedState: string
): string {
  const params = new URL(callbackUrl).searchParams;
  const state = params.get('state');
  // Checked first: an error for another sign-in is not this one's to show.
  if (state === null || expectedState === '' || state !== expectedState) {
    throw new SsoStateMismatchError();
  }
  const error = params.get('error');
  if (error !== null) {
    throw new SsoRefusedError(error);
  }
  const code = params.get('code');
  if (code === null || code === '') {
    throw new SsoMissingCodeError();
  }
  return code;
}

/** The form `/oauth2/token` wants for the code. */
export function tokenRequest(options: {
  clientId: string;
  redirectUri: string;
  code: string;
  verifier: string;
}): URLSearchParams {
  return new URLSearchParams({
    grant_type: 'authorization_code',
    client_id: options.clientId,
    redirect_uri: options.redirectUri,
    code: options.code,
    code_verifier: options.verifier
  });
}

/** `/oauth2/token`'s answer as tokens, or undefined when it is not one. */
export function readTokens(answer: unknown): ISsoTokens | undefined {
  const body = answer as Record<string, unknown> | null;
  if (
    body === null ||
    typeof body !== 'object' ||
    typeof body.id_token !== 'string' ||
    typeof body.access_token !== 'string' ||
    typeof body.refresh_token !== 'string' ||
    typeof body.expires_in !== 'number'
  ) {
    return undefined;
  }
  return {
    idToken: body.id_token,
    accessToken: body.access_token,
    refreshToken: body.refresh_token,
    expiresIn: body.expires_in
  };
}

/** What the popup posts to its opener (with the opener's exact origin as the target). */
export function ssoMessage(state: string, tokens: ISsoTokens): unknown {
  return { type: SSO_MESSAGE_TYPE, state, tokens };
}

/** What the popup posts to its opener when the sign-in failed: the words to show. */
export function ssoErrorMessage(state: string, error: string): unknown {
  return { type: SSO_MESSAGE_TYPE, state, error };
}

/** How a sign-in in the popup ended, as its opener learns it. */
export type SsoOutcome = { tokens: ISsoTokens } | { error: string };

/**
 * How the sign-in ended, from a message the opener received, when it comes
 * from the popup it opened (the same window), from the gateway's exact
 * origin, for the sign-in it started (its state); undefined for any other
 * message.
 */
export function acceptSsoMessage(
  event: { origin: string; source: unknown; data: unknown },
  expected: { origin: string; popup: unknown; state: string }
): SsoOutcome | undefined {
  if (
    event.origin !== expected.origin ||
    event.source !== expected.popup ||
    expected.popup === null ||
    expected.state === ''
  ) {
    return undefined;
  }
  const data = event.data as Record<string, unknown> | null;
  if (
    data === null ||
    typeof data !== 'object' ||
    data.type !== SSO_MESSAGE_TYPE ||
    data.state !== expected.state
  ) {
    return undefined;
  }
  if (typeof data.error === 'string') {
    return { error: data.error.slice(0, 500) };
  }
  const tokens = data.tokens as Record<string, unknown> | undefined;
  const read = readTokens(
    tokens && {
      id_token: tokens.idToken,
      access_token: tokens.accessToken,
      refresh_token: tokens.refreshToken,
      expires_in: tokens.expiresIn
    }
  );
  return read === undefined ? undefined : { tokens: read };
}

/** The start page's parameters: what JupyterLab asks the popup to do. */
const START = { provider: 'provider', state: 'state', origin: 'origin' };
const SIGN_OUT = 'signout';

/**
 * The popup's start URL for a sign-in with `provider`; `state` is the
 * opener's, `origin` where the popup posts the tokens (the opener's origin).
 */
export function ssoStartUrl(
  pageUrl: string,
  options: { provider: string; state: string; origin: string }
): string {
  const url = new URL(pageUrl);
  url.searchParams.set(START.provider, options.provider);
  url.searchParams.set(START.state, options.state);
  url.searchParams.set(START.origin, options.origin);
  return url.toString();
}

/** The popup's start URL for a sign-out at the managed login (and the provider). */
export function ssoSignOutStartUrl(pageUrl: string): string {
  const url = new URL(pageUrl);
  url.searchParams.set(SIGN_OUT, '');
  return url.toString();
}

/** What the start page is asked, or undefined when it is not a whole request. */
export type SsoStart =
  | { kind: 'sign-in'; provider: string; state: string; origin: string }
  | { kind: 'sign-out' };

export function readSsoStart(search: string): SsoStart | undefined {
  const params = new URLSearchParams(search);
  if (params.has(SIGN_OUT)) {
    return { kind: 'sign-out' };
  }
  const [provider, state, origin] = [
    START.provider,
    START.state,
    START.origin
  ].map(name => params.get(name) ?? '');
  return provider && state && origin
    ? { kind: 'sign-in', provider, state, origin }
    : undefined;
}

/** Cognito's `/logout`, back to the gateway's signed-out page. */
export function signOutUrl(options: {
  domain: string;
  clientId: string;
  logoutUri: string;
}): string {
  const url = new URL('/logout', options.domain);
  url.searchParams.set('client_id', options.clientId);
  url.searchParams.set('logout_uri', options.logoutUri);
  return url.toString();
}

/**
 * A sign-in between the authorize request and its callback, kept in the
 * window's `sessionStorage` (its own tab's, gone when it closes) under its
 * OAuth state: the PKCE verifier, and where the tokens go — to the opener
 * (a popup) or into this page's session, then the MLflow UI at `next`.
 */
export interface IPendingSso {
  verifier: string;
  opener?: { origin: string; state: string };
  next?: string;
}

const PENDING_PREFIX = 'sagemaker-studio-mlflow:sso:';

/** A new sign-in: its pending entry saved, the managed login's authorize URL to go to. */
export async function beginSso(
  storage: Storage,
  crypto: Crypto,
  options: {
    domain: string;
    clientId: string;
    redirectUri: string;
    provider: string;
  } & Omit<IPendingSso, 'verifier'>
): Promise<string> {
  const { verifier, challenge } = await createPkce(crypto);
  const state = randomToken(crypto);
  const pending: IPendingSso = { verifier };
  if (options.opener !== undefined) {
    pending.opener = options.opener;
  }
  if (options.next !== undefined) {
    pending.next = options.next;
  }
  storage.setItem(`${PENDING_PREFIX}${state}`, JSON.stringify(pending));
  return authorizeUrl({ ...options, state, challenge });
}

/**
 * The pending sign-in of this window a callback URL answers, taken (a
 * state is good for one callback), with its state for {@link readCallback}.
 *
 * @throws SsoStateMismatchError when no sign-in of this window has its state
 */
export function takePendingSso(
  storage: Storage,
  callbackUrl: string
): { pending: IPendingSso; state: string } {
  const state = new URL(callbackUrl).searchParams.get('state') ?? '';
  const key = `${PENDING_PREFIX}${state}`;
  const saved = state === '' ? null : storage.getItem(key);
  storage.removeItem(key);
  let pending: IPendingSso | undefined;
  try {
    pending = saved === null ? undefined : (JSON.parse(saved) as IPendingSso);
  } catch {
    pending = undefined;
  }
  if (typeof pending?.verifier !== 'string') {
    throw new SsoStateMismatchError();
  }
  return { pending, state };
}
