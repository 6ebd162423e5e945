/**
 * What the gateway's pages know about the MLflow UI's session in this
 * browser: whom the token cookie names, whether it is still the one a page
 * stored, and the sign-ins the gateway's own sign-in page left behind.
 * Pure functions over strings and a `Storage`, shared by the hand-off page
 * and the browser tab.
 */
import { readClaims } from '../auth/claims';
import { AUTH_COOKIE, tokenOfCookieValue } from '../contract';

/** The token in the MLflow UI's cookie, from a `document.cookie` string. */
export function cookieToken(cookies: string): string | undefined {
  for (const part of cookies.split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === AUTH_COOKIE) {
      return tokenOfCookieValue(part.slice(separator + 1).trim());
    }
  }
  return undefined;
}

/** The user a token names, or `''` when it is no readable token. */
export function tokenUsername(token: string | undefined): string {
  if (token === undefined) {
    return '';
  }
  try {
    return readClaims(token).username;
  } catch {
    return '';
  }
}

/**
 * Whether the cookie must get `own` back: it names another user than the
 * one `own` names (another sign-in on the gateway's site replaced it). A
 * missing cookie is left alone (a sign-out elsewhere in the browser), and
 * so is another token of the same user (another JupyterLab window's).
 *
 * @returns the user the cookie names instead (`''` for none), or
 *   `undefined` when it is fine.
 */
export function replacedBy(
  own: { token: string; expiresAt: number } | null,
  cookies: string,
  nowMs: number
): string | undefined {
  if (own === null || own.expiresAt * 1000 <= nowMs) {
    return undefined;
  }
  const current = cookieToken(cookies);
  if (current === undefined || current === own.token) {
    return undefined;
  }
  const username = tokenUsername(current);
  return username === tokenUsername(own.token) ? undefined : username;
}

/** Where Amplify keeps a browser's Cognito sign-ins (its `AUTH_KEY_PREFIX`). */
const AMPLIFY_KEY_PREFIX = 'CognitoIdentityServiceProvider.';

/**
 * Forget the sign-ins the gateway's sign-in page (`/auth/login`, Amplify)
 * stored on the gateway's origin, so that it asks for a password again.
 */
export function forgetStoredSignIns(storage: Storage): void {
  const keys: string[] = [];
  for (let index = 0; index < storage.length; index++) {
    const key = storage.key(index);
    if (key !== null && key.startsWith(AMPLIFY_KEY_PREFIX)) {
      keys.push(key);
    }
  }
  for (const key of keys) {
    storage.removeItem(key);
  }
}
