/**
 * The gateway's `/auth/` contract: its paths, the pages' configuration, the
 * caller's permissions, and the hand-off between JupyterLab and the
 * `/auth/handoff` page. The gateway (infra/) imports it from here.
 *
 * The stock MLflow UI turns each cookie `mlflow-request-header-<Name>` into
 * a request header `<Name>` on its fetches (it URI-decodes the value). The
 * extension cannot set a cookie on the gateway's origin, so it posts the
 * token to a small page there, which checks who is asking and sets it.
 *
 * Shared by the extension (the parent) and the page (the frame): plain
 * data and pure functions only.
 */

/** The gateway path of the hand-off page. */
export const HANDOFF_PATH = '/auth/handoff';

/** The gateway path of the sign-in page for use outside JupyterLab. */
export const LOGIN_PATH = '/auth/login';

/** The gateway path of the pages' public configuration. */
export const PAGES_CONFIG_PATH = '/auth/config.json';

/** The gateway path that answers what the caller's token allows. */
export const PERMISSIONS_PATH = '/auth/permissions';

/** What {@link PERMISSIONS_PATH} answers, from the gateway's permission model. */
export interface ICallerPermissions {
  /** The Cognito user name. */
  readonly principal: string;
  /** The user's Cognito groups. */
  readonly groups: ReadonlyArray<string>;
  /** Those of the groups that are roles of the permission model. */
  readonly roles: ReadonlyArray<string>;
  /** The operation ids the roles allow, sorted; public ones left out. */
  readonly operations: ReadonlyArray<string>;
}

/** The cookie the MLflow UI turns into an `Authorization` header. */
export const AUTH_COOKIE = 'mlflow-request-header-Authorization';

/** Marks our messages among whatever else is posted between windows. */
export const CHANNEL = 'sagemaker-studio-mlflow/handoff';

/** Parent → page. */
export type HandoffRequest =
  | { channel: typeof CHANNEL; type: 'store-token'; id: number; token: string }
  | { channel: typeof CHANNEL; type: 'clear-token'; id: number };

/** Page → parent. */
export type HandoffReply =
  | { channel: typeof CHANNEL; type: 'ready' }
  | { channel: typeof CHANNEL; type: 'done'; id: number }
  | { channel: typeof CHANNEL; type: 'refused'; id: number; reason: string };

/** What the gateway serves at {@link PAGES_CONFIG_PATH}: nothing secret. */
export interface IPagesConfig {
  /** Origins allowed to frame the gateway and hand it a token. */
  allowedOrigins: string[];
  /** How `/auth/login` signs in. */
  cognito: {
    region: string;
    userPoolId: string;
    userPoolClientId: string;
    /** A custom endpoint (local identity provider only), or `''`. */
    endpoint: string;
    authFlow: 'USER_SRP_AUTH' | 'USER_PASSWORD_AUTH';
  };
}

export function isHandoffRequest(data: unknown): data is HandoffRequest {
  const message = data as Partial<HandoffRequest> | null;
  if (
    typeof message !== 'object' ||
    message === null ||
    message.channel !== CHANNEL ||
    typeof message.id !== 'number'
  ) {
    return false;
  }
  return (
    message.type === 'clear-token' ||
    (message.type === 'store-token' &&
      typeof (message as { token?: unknown }).token === 'string')
  );
}

export function isHandoffReply(data: unknown): data is HandoffReply {
  const message = data as Partial<HandoffReply> | null;
  return (
    typeof message === 'object' &&
    message !== null &&
    message.channel === CHANNEL &&
    (message.type === 'ready' ||
      message.type === 'done' ||
      message.type === 'refused')
  );
}

/** Three base64url parts: the only shape of token the page will store. */
const JWT_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export function looksLikeJwt(token: string): boolean {
  return token.length <= 16_384 && JWT_PATTERN.test(token);
}

/**
 * The `document.cookie` assignment that stores a token for the MLflow UI.
 *
 * `Secure; SameSite=None; Partitioned`: in Studio the gateway is framed by
 * another site, so the cookie is a third-party one, kept in a jar of its own
 * for that top-level site (CHIPS). It lives until the token expires.
 *
 * @param expiresAtSeconds - The token's `exp` claim.
 */
export function tokenCookie(
  token: string,
  expiresAtSeconds: number,
  nowMs: number
): string {
  const maxAge = Math.max(0, Math.floor(expiresAtSeconds - nowMs / 1000));
  return [
    `${AUTH_COOKIE}=${encodeURIComponent(`Bearer ${token}`)}`,
    'Path=/',
    `Max-Age=${maxAge}`,
    'Secure',
    'SameSite=None',
    'Partitioned'
  ].join('; ');
}

/** The `document.cookie` assignment that removes the token. */
export function clearedTokenCookie(): string {
  return [
    `${AUTH_COOKIE}=`,
    'Path=/',
    'Max-Age=0',
    'Secure',
    'SameSite=None',
    'Partitioned'
  ].join('; ');
}

/**
 * The MLflow UI route (its hash part, e.g. `/experiments/1`) to open after
 * sign-in. Routes live after `#`, so no value can lead off the gateway;
 * anything that is not a route opens the start page.
 */
export function routeOrHome(next: string | null): string {
  const printable = (text: string) =>
    [...text].every(char => char.charCodeAt(0) >= 0x20);
  return next !== null && next.startsWith('/') && printable(next) ? next : '/';
}
