/**
 * The gateway contract: what the extension, the gateway's `/auth/` pages
 * (`src/gateway-pages/`) and the gateway itself (`infra/`) must agree on.
 * The gateway's paths and page names, the pages' configuration, the cookie
 * that carries the token to the MLflow UI, what a token must look like and
 * whom it names, the `/auth/permissions` and `/iam/identity` answers, the sign-in flows, the
 * settings plugin's id and the SDK's auth-provider name live here and only
 * here; the messages of the token hand-off are `src/handoff/protocol.ts`.
 *
 * `infra/` imports this module through `infra/src/contract.ts` alone.
 * Files that cannot import TypeScript keep a literal that a test holds to
 * the constant here: `schema/plugin.json` (`src/__tests__/contract.spec.ts`),
 * `lifecycle-config/install-extension.sh`, `pyproject.toml` and
 * `sagemaker_studio_mlflow/sigv4.py` (`infra/test/src/contract.test.ts`).
 *
 * It runs in JupyterLab, in the pages, in the gateway's Lambda functions and
 * in Node: plain data and pure functions only, no imports.
 */

/** Where the gateway serves its own pages, their configuration and `permissions`. */
export const PAGES_PREFIX = '/auth/';

/** The page the extension frames to hand the MLflow UI its token. */
export const HANDOFF_PAGE = 'handoff';

/** The sign-in page, for the MLflow UI outside JupyterLab. */
export const LOGIN_PAGE = 'login';

/**
 * The MLflow UI in a browser tab of its own, signed in as JupyterLab's user
 * (the token comes from the JupyterLab window that opened it).
 */
export const TAB_PAGE = 'tab';

/**
 * The SSO sign-in's start page: in a popup from JupyterLab
 * (`?provider=&state=&origin=`), it runs the code flow against Cognito's
 * managed login; with `?signout&origin=` it ends the session there.
 */
export const SSO_PAGE = 'sso';

/** Where Cognito's managed login returns an SSO sign-in (the code flow's redirect URI). */
export const SSO_CALLBACK_PAGE = 'sso-callback';

/** Where Cognito's sign-out returns. */
export const SIGNED_OUT_PAGE = 'signed-out';

/** The pages' public configuration ({@link IPagesConfig}), beside them. */
export const PAGES_CONFIG_FILE = 'config.json';

/** The gateway path of the hand-off page. */
export const HANDOFF_PATH = `${PAGES_PREFIX}${HANDOFF_PAGE}`;

/** The gateway path of the SSO sign-in's start page. */
export const SSO_PATH = `${PAGES_PREFIX}${SSO_PAGE}`;

/** The gateway path Cognito's managed login returns an SSO sign-in to (the redirect URI). */
export const SSO_CALLBACK_PATH = `${PAGES_PREFIX}${SSO_CALLBACK_PAGE}`;

/** The gateway path Cognito's sign-out returns to. */
export const SIGNED_OUT_PATH = `${PAGES_PREFIX}${SIGNED_OUT_PAGE}`;

/** The gateway path that answers what the caller's token allows. */
export const PERMISSIONS_PATH = `${PAGES_PREFIX}permissions`;

/**
 * The gateway path that tells a SigV4 caller (a notebook's execution role,
 * a job) who it is: IAM-authorized, so outside `/auth/`, whose pages are
 * public; answered by the MLflow server app, which knows the IAM principals.
 */
export const IDENTITY_PATH = '/iam/identity';

/** The sign-in page's parameter naming the MLflow UI route to open after it. */
export const LOGIN_NEXT_PARAM = 'next';

/**
 * The gateway path of the sign-in page that opens the MLflow UI at `route`
 * (its hash part, e.g. `/experiments/1`) once the user is signed in.
 */
export function loginPath(route: string): string {
  return `${PAGES_PREFIX}${LOGIN_PAGE}?${LOGIN_NEXT_PARAM}=${encodeURIComponent(route)}`;
}

/**
 * The gateway path of the browser tab that shows the MLflow UI at `route`
 * as the user signed in to the JupyterLab window that opens it.
 */
export function tabPath(route: string): string {
  return `${PAGES_PREFIX}${TAB_PAGE}?${LOGIN_NEXT_PARAM}=${encodeURIComponent(route)}`;
}

/**
 * The MLflow UI route to open after sign-in, from the sign-in page's
 * {@link LOGIN_NEXT_PARAM}. Routes live after `#`, so no value can lead off
 * the gateway; anything that is not a route opens the start page.
 */
export function routeOrHome(next: string | null): string {
  const printable = (text: string) =>
    [...text].every(char => char.charCodeAt(0) >= 0x20);
  return next !== null && next.startsWith('/') && printable(next) ? next : '/';
}

/** The ways the extension and the sign-in page may send the password. */
export const AUTH_FLOWS = ['USER_SRP_AUTH', 'USER_PASSWORD_AUTH'] as const;

/**
 * A sign-in flow: `USER_SRP_AUTH` for Amazon Cognito, `USER_PASSWORD_AUTH`
 * for the local identity provider, which has no SRP.
 */
export type AuthFlow = (typeof AUTH_FLOWS)[number];

/** How people sign in: a Cognito password, the organisation's identity provider, or both. */
export const SIGN_IN_METHODS = ['password', 'sso'] as const;

export type SignInMethod = (typeof SIGN_IN_METHODS)[number];

/** An identity provider the user pool federates to: one "Sign in with <label>" button. */
export interface ISsoProvider {
  /** Its name in the user pool (the `identity_provider` of `/oauth2/authorize`). */
  name: string;
  /** What the button names it. */
  label: string;
}

/** What the gateway serves at {@link PAGES_CONFIG_FILE}: nothing secret. */
export interface IPagesConfig {
  /** Origins allowed to frame the gateway and hand it a token. */
  allowedOrigins: string[];
  /** How the sign-in page and the extension sign in. */
  cognito: {
    region: string;
    userPoolId: string;
    userPoolClientId: string;
    /** A custom endpoint (local identity provider only), or `''`. */
    endpoint: string;
    authFlow: AuthFlow;
    /** The sign-in methods offered, in the order shown. */
    signIn: SignInMethod[];
    /** With `sso`: Cognito's managed login and the providers it federates to. */
    sso?: {
      /** The managed login's base URL (`/oauth2/authorize`, `/oauth2/token`, `/logout`). */
      domain: string;
      providers: ISsoProvider[];
    };
  };
}

/** What the gateway offers: the sign-in methods, and with SSO its providers' buttons. */
export interface ISignInMethods {
  signIn: ReadonlyArray<SignInMethod>;
  providers: ReadonlyArray<ISsoProvider>;
}

/**
 * The methods a pages configuration offers: passwords when it names none
 * (a gateway older than SSO), providers only with `sso` among them.
 */
export function signInMethodsOf(pages: IPagesConfig): ISignInMethods {
  const signIn = Array.isArray(pages.cognito.signIn)
    ? pages.cognito.signIn.filter(method =>
        (SIGN_IN_METHODS as ReadonlyArray<string>).includes(method)
      )
    : ['password' as const];
  return {
    signIn,
    providers: signIn.includes('sso')
      ? (pages.cognito.sso?.providers ?? [])
      : []
  };
}

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

/** What {@link IDENTITY_PATH} answers a signed caller. */
export interface ICallerIdentity {
  /** The signer's ARN, as the gateway knows it (an assumed role's session). */
  readonly principal: string;
  /** Whom MLflow records as the author of what the caller does. */
  readonly user: string;
  /** The MLflow roles of the caller's IAM role. */
  readonly roles: ReadonlyArray<string>;
  /** The teams of the caller's IAM role: which restricted resources it reaches. */
  readonly teams: ReadonlyArray<string>;
  /** The operation ids the roles allow, sorted; public ones left out. */
  readonly operations: ReadonlyArray<string>;
}

/** Three base64url parts: the only shape of token worth storing or verifying. */
const JWT_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export function looksLikeJwt(token: string): boolean {
  return token.length <= 16_384 && JWT_PATTERN.test(token);
}

/** Whom a token's claims name: the user and their Cognito groups (roles). */
export interface ITokenUser {
  readonly username: string;
  readonly groups: string[];
}

/**
 * The user a Cognito token names: `cognito:username` (ID tokens) or
 * `username` (access tokens), and `cognito:groups`; `undefined` when it
 * names no user. The gateway's principal and the user the extension shows
 * are the same name.
 */
export function tokenUser(
  claims: Readonly<Record<string, unknown>>
): ITokenUser | undefined {
  const username = [claims['cognito:username'], claims.username].find(
    (value): value is string => typeof value === 'string' && value !== ''
  );
  if (username === undefined) {
    return undefined;
  }
  const groups = claims['cognito:groups'];
  return {
    username,
    groups: Array.isArray(groups)
      ? groups.filter((group): group is string => typeof group === 'string')
      : []
  };
}

const BEARER = 'Bearer ';

/** The token of a `Bearer <jwt>` value, if it holds one. */
export function bearerToken(value: string | undefined): string | undefined {
  if (value === undefined || !value.startsWith(BEARER)) {
    return undefined;
  }
  const token = value.slice(BEARER.length);
  return looksLikeJwt(token) ? token : undefined;
}

/**
 * The stock MLflow UI turns each cookie `mlflow-request-header-<Name>` into
 * a request header `<Name>` on its fetches, URI-decoding the value.
 */
export const MLFLOW_HEADER_COOKIE_PREFIX = 'mlflow-request-header-';

/** The cookie the MLflow UI turns into an `Authorization` header. */
export const AUTH_COOKIE = `${MLFLOW_HEADER_COOKIE_PREFIX}Authorization`;

/**
 * The `document.cookie` assignment that stores a token for the MLflow UI:
 * `Bearer <token>`, URI-encoded, until the token expires.
 *
 * @param expiresAtSeconds - The token's `exp` claim.
 */
export function tokenCookie(
  token: string,
  expiresAtSeconds: number,
  nowMs: number
): string {
  const maxAge = Math.max(0, Math.floor(expiresAtSeconds - nowMs / 1000));
  return cookie(encodeURIComponent(`${BEARER}${token}`), maxAge);
}

/** The `document.cookie` assignment that removes the token. */
export function clearedTokenCookie(): string {
  return cookie('', 0);
}

/** The token in a value of {@link AUTH_COOKIE}, as {@link tokenCookie} stored it. */
export function tokenOfCookieValue(value: string): string | undefined {
  try {
    return bearerToken(decodeURIComponent(value));
  } catch {
    return undefined;
  }
}

/**
 * `Secure; SameSite=None; Partitioned`: in Studio the gateway is framed by
 * another site, so the cookie is a third-party one, kept in a jar of its own
 * for that top-level site (CHIPS).
 */
function cookie(value: string, maxAge: number): string {
  return [
    `${AUTH_COOKIE}=${value}`,
    'Path=/',
    `Max-Age=${maxAge}`,
    'Secure',
    'SameSite=None',
    'Partitioned'
  ].join('; ');
}

/** The extension's settings plugin: its settings are `schema/plugin.json`. */
export const SETTINGS_PLUGIN_ID = 'sagemaker-studio-mlflow:plugin';

/**
 * The MLflow request-auth provider our Python package ships
 * (`MLFLOW_TRACKING_AUTH`): the SDK signs `/api/` requests with SigV4.
 */
export const SDK_AUTH_PROVIDER = 'sagemaker-studio-mlflow-sigv4';
