import { Token } from '@lumino/coreutils';
import { ISignal } from '@lumino/signaling';

import type { MlflowConfig } from './config';

/**
 * The extension's settings, parsed and checked, kept current as the user or
 * an administrator changes them.
 */
export interface IMlflowSettings {
  /**
   * The current configuration. Values that failed their checks are replaced
   * by their defaults.
   */
  readonly config: MlflowConfig;

  /**
   * Whether the extension can reach MLflow with this configuration: every
   * connection setting is set and no problem was found.
   */
  readonly isConfigured: boolean;

  /**
   * The problems found in the current settings, one sentence each.
   */
  readonly problems: ReadonlyArray<string>;

  /**
   * Emitted with the new configuration whenever the parsed configuration or
   * its problems change.
   */
  readonly changed: ISignal<IMlflowSettings, MlflowConfig>;
}

/**
 * The token of the MLflow settings service.
 */
export const IMlflowSettings = new Token<IMlflowSettings>(
  'sagemaker-studio-mlflow:IMlflowSettings',
  'The MLflow connection settings (gateway URL, Cognito user pool, sign-in flow, run browser defaults), checked and kept current.'
);

/**
 * Who is signed in to MLflow.
 */
export interface IMlflowUser {
  /** The Cognito user name. */
  readonly username: string;
  /** The user's groups, i.e. their MLflow roles. */
  readonly groups: ReadonlyArray<string>;
}

/**
 * Where the sign-in stands:
 * - `unconfigured`: the settings do not name a user pool yet;
 * - `unknown`: nothing checked yet (Amplify is loaded on first need);
 * - `signed-out`, `signed-in`: as they say.
 */
export type AuthStatus =
  'unconfigured' | 'unknown' | 'signed-out' | 'signed-in';

/**
 * The MLflow sign-in of this JupyterLab: one Amplify session shared by the
 * MLflow panel and the run browser, refreshed silently before it expires.
 */
export interface IMlflowAuth {
  readonly status: AuthStatus;

  /** The signed-in user, or `null`. */
  readonly user: IMlflowUser | null;

  /** Emitted when the status or the user changes. */
  readonly changed: ISignal<IMlflowAuth, AuthStatus>;

  /**
   * Emitted with each new access token (sign-in, silent refresh), and with
   * `null` on sign-out, so that copies of the token can be replaced.
   */
  readonly tokenChanged: ISignal<IMlflowAuth, string | null>;

  /**
   * Load the identity library if needed and find out whether a session is
   * stored; resolves with the resulting status.
   */
  restore(): Promise<AuthStatus>;

  /**
   * A valid access token for the gateway.
   *
   * @throws NotSignedInError (`src/auth/errors.ts`) when nobody is signed in.
   */
  accessToken(): Promise<string>;

  /** End the session on this device. */
  signOut(): Promise<void>;

  /**
   * The sign-in form (Amplify's Authenticator), loaded on first call.
   */
  loadSignInForm(): Promise<SignInFormComponent>;
}

/**
 * A React component rendering the sign-in form.
 */
export type SignInFormComponent = (props: {
  trans: { __(msgid: string, ...args: any[]): string };
}) => JSX.Element;

/**
 * The token of the MLflow sign-in service.
 */
export const IMlflowAuth = new Token<IMlflowAuth>(
  'sagemaker-studio-mlflow:IMlflowAuth',
  'The MLflow sign-in (Amazon Cognito through Amplify): the current user and their groups, fresh access tokens, sign-out.'
);
