/**
 * The gateway's side of the contract with the extension: the paths, the
 * pages' configuration, the token cookie, the token's shape and user, the
 * `/auth/permissions` answer, the sign-in flows, the settings plugin's id
 * and the SDK's auth-provider name, all defined by the extension's
 * `src/contract.ts` (the repository root's `src/`).
 *
 * This is the one file of `infra/` that imports the extension's sources;
 * every other one imports from here (`test/src/contract.test.ts` fails
 * otherwise). The names follow infra's style (no `I` prefix).
 */
export {
  AUTH_COOKIE,
  AUTH_FLOWS,
  HANDOFF_PAGE,
  IDENTITY_PATH,
  LOGIN_PAGE,
  PAGES_CONFIG_FILE,
  PAGES_PREFIX,
  PERMISSIONS_PATH,
  SDK_AUTH_PROVIDER,
  SETTINGS_PLUGIN_ID,
  SIGNED_OUT_PAGE,
  SIGNED_OUT_PATH,
  SIGN_IN_METHODS,
  SSO_CALLBACK_PAGE,
  SSO_CALLBACK_PATH,
  SSO_PAGE,
  SSO_PATH,
  TAB_PAGE,
  bearerToken,
  tokenOfCookieValue,
  tokenUser,
  type AuthFlow,
  type SignInMethod,
  type ISsoProvider as SsoProvider,
  type ICallerIdentity as CallerIdentity,
  type ICallerPermissions as CallerPermissions,
  type IPagesConfig as PagesConfig
} from '../../src/contract';
