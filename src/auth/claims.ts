/**
 * What the extension reads from a Cognito access token: who, which groups,
 * and when it expires. The signature is the gateway's business; the browser
 * only needs the claims to show the user and to refresh in time.
 */

import { tokenUser } from '../contract';

/** The claims of an access token that the extension uses. */
export interface ITokenClaims {
  /** The user name, as the gateway names the caller ({@link tokenUser}). */
  readonly username: string;
  /** The user's Cognito groups, i.e. their MLflow roles. */
  readonly groups: ReadonlyArray<string>;
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
  /** Issue time, seconds since the epoch. */
  readonly iat: number;
}

/**
 * Read the claims of a JWT without verifying it.
 *
 * @throws Error when the token is not a JWT with the claims above.
 */
export function readClaims(jwt: string): ITokenClaims {
  const payload: any = readPayload(jwt);
  const user = tokenUser(payload);
  if (typeof payload.exp !== 'number' || user === undefined) {
    throw new Error('The sign-in token lacks a user name or an expiry.');
  }
  return {
    ...user,
    exp: payload.exp,
    iat: typeof payload.iat === 'number' ? payload.iat : payload.exp - 3600
  };
}

/**
 * The payload of a JWT, unverified.
 *
 * @throws Error when the token is not a JWT with an object payload.
 */
function readPayload(jwt: string): Record<string, unknown> {
  const parts = jwt.split('.');
  if (parts.length !== 3) {
    throw new Error('The sign-in token is not a JWT.');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(decodeBase64Url(parts[1]));
  } catch {
    throw new Error('The sign-in token has an unreadable payload.');
  }
  if (typeof payload !== 'object' || payload === null) {
    throw new Error('The sign-in token has an unreadable payload.');
  }
  return payload as Record<string, unknown>;
}

/**
 * How long to wait before refreshing a token: a quarter of its lifetime
 * before it expires, at most five minutes before, and never sooner than
 * `minimumMs` from now (a clock that is off must not cause a refresh loop).
 */
export function refreshDelayMs(
  claims: Pick<ITokenClaims, 'exp' | 'iat'>,
  nowMs: number,
  minimumMs = 5_000
): number {
  const lifetimeMs = Math.max(0, (claims.exp - claims.iat) * 1000);
  const marginMs = Math.min(5 * 60_000, lifetimeMs / 4);
  return Math.max(minimumMs, claims.exp * 1000 - marginMs - nowMs);
}

function decodeBase64Url(text: string): string {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, c => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}
