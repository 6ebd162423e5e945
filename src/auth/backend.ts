import type { MlflowConfig } from '../config';

/**
 * What the auth model needs from an identity library. Amplify implements it
 * (see `./amplify.ts`, loaded only when sign-in is first needed); tests use
 * a fake.
 */
export interface IAuthBackend {
  /**
   * The stored session's access token, refreshed when it is (about to be)
   * expired or when `forceRefresh` is set; `null` when nobody is signed in
   * or the session cannot be refreshed.
   */
  accessToken(forceRefresh: boolean): Promise<string | null>;

  /** Forget the session on this device (and revoke its tokens if possible). */
  signOut(): Promise<void>;

  /**
   * Call `listener` whenever a user signs in (through a sign-in form) or
   * the session ends elsewhere; returns a function that stops listening.
   */
  listen(listener: (event: 'signedIn' | 'signedOut') => void): () => void;
}

/** Loads and configures a backend for a configuration. */
export type AuthBackendLoader = (config: MlflowConfig) => Promise<IAuthBackend>;

/** What a sign-in form needs (see `./signin.tsx`). */
export interface ISignInFormProps {
  /** Sign-in flow and user pool, from the settings. */
  config: MlflowConfig;
  /** Translated labels. */
  trans: { __(msgid: string, ...args: any[]): string };
}
