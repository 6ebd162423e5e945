import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import * as React from 'react';

import { MlflowConfig } from '../config';
import {
  AuthStatus,
  IMlflowAuth,
  IMlflowSettings,
  IMlflowUser,
  SignInFormComponent
} from '../tokens';
import type {
  AuthBackendLoader,
  IAuthBackend,
  ISignInFormProps
} from './backend';
import { ITokenClaims, readClaims, refreshDelayMs } from './claims';
import { NotSignedInError } from './errors';

/**
 * The MLflow sign-in: holds the current user, hands out fresh tokens and
 * refreshes them on a timer, so that copies (the MLflow UI's cookie) are
 * replaced before they expire.
 */
export class MlflowAuth implements IMlflowAuth, IDisposable {
  constructor(options: MlflowAuth.IOptions) {
    this._settings = options.settings;
    this._loadBackend = options.loadBackend;
    this._loadForm = options.loadForm;
    this._now = options.now ?? Date.now;
    this._status = this._settings.isConfigured ? 'unknown' : 'unconfigured';
    this._settings.changed.connect(this._onSettingsChanged, this);
  }

  get status(): AuthStatus {
    return this._status;
  }

  get user(): IMlflowUser | null {
    return this._claims
      ? { username: this._claims.username, groups: this._claims.groups }
      : null;
  }

  get changed(): ISignal<IMlflowAuth, AuthStatus> {
    return this._changed;
  }

  get tokenChanged(): ISignal<IMlflowAuth, string | null> {
    return this._tokenChanged;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  async restore(): Promise<AuthStatus> {
    const backend = await this._backend();
    if (backend === null) {
      return this._status;
    }
    this._take(await backend.accessToken(false));
    return this._status;
  }

  async accessToken(): Promise<string> {
    const backend = await this._backend();
    if (backend === null) {
      throw new NotSignedInError();
    }
    // Amplify refreshes an expired token here; the timer usually has already.
    const token = await backend.accessToken(false);
    this._take(token);
    if (token === null) {
      throw new NotSignedInError();
    }
    return token;
  }

  async signOut(): Promise<void> {
    const backend = await this._backend();
    try {
      await backend?.signOut();
    } finally {
      this._take(null);
    }
  }

  async loadSignInForm(): Promise<SignInFormComponent> {
    const Form = await this._loadForm();
    const settings = this._settings;
    // The form signs in through Amplify; the backend's listener then tells
    // this model, so it must be loaded (and Amplify configured) first.
    await this._backend();
    return props =>
      React.createElement(Form, { ...props, config: settings.config });
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._clearTimer();
    this._unlisten?.();
    this._settings.changed.disconnect(this._onSettingsChanged, this);
    Signal.clearData(this);
  }

  /** The backend for the current settings, or `null` when not configured. */
  private async _backend(): Promise<IAuthBackend | null> {
    if (!this._settings.isConfigured) {
      return null;
    }
    const config = this._settings.config;
    const key = connectionKey(config);
    if (this._backendKey !== key || this._backendPromise === null) {
      this._backendKey = key;
      this._unlisten?.();
      this._unlisten = null;
      const loading = this._loadBackend(config).then(backend => {
        if (this._backendPromise === loading) {
          this._unlisten = backend.listen(event => {
            void (
              event === 'signedIn'
                ? backend.accessToken(false)
                : Promise.resolve(null)
            ).then(token => this._take(token));
          });
        }
        return backend;
      });
      this._backendPromise = loading;
      // A failed load (network) is retried next time.
      loading.catch(() => {
        if (this._backendPromise === loading) {
          this._backendPromise = null;
        }
      });
    }
    return this._backendPromise;
  }

  /** Adopt a token (or the lack of one) and schedule its refresh. */
  private _take(token: string | null): void {
    const before = JSON.stringify([this._status, this.user]);
    let claims: ITokenClaims | null = null;
    if (token !== null) {
      try {
        claims = readClaims(token);
      } catch (reason) {
        console.error(
          'MLflow: the identity provider gave an unusable token.',
          reason
        );
        token = null;
      }
    }
    const previous = this._token;
    this._token = token;
    this._claims = claims;
    this._clearTimer();
    if (claims !== null) {
      this._timer = setTimeout(
        () => void this._refresh(),
        refreshDelayMs(claims, this._now())
      );
    }
    const status: AuthStatus = !this._settings.isConfigured
      ? 'unconfigured'
      : claims
        ? 'signed-in'
        : 'signed-out';
    this._status = status;
    if (token !== previous) {
      this._tokenChanged.emit(token);
    }
    if (JSON.stringify([status, this.user]) !== before) {
      this._changed.emit(status);
    }
  }

  private async _refresh(): Promise<void> {
    const backend = await this._backend();
    if (backend === null || this._isDisposed) {
      return;
    }
    this._take(await backend.accessToken(true));
  }

  private _clearTimer(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private _onSettingsChanged(): void {
    if (connectionKey(this._settings.config) === this._backendKey) {
      return;
    }
    // Another user pool: the old session means nothing there.
    this._backendPromise = null;
    this._backendKey = '';
    this._unlisten?.();
    this._unlisten = null;
    this._take(null);
    if (this._settings.isConfigured && this._status !== 'unknown') {
      this._status = 'unknown';
      this._changed.emit(this._status);
    }
  }

  private readonly _settings: IMlflowSettings;
  private readonly _loadBackend: AuthBackendLoader;
  private readonly _loadForm: MlflowAuth.FormLoader;
  private readonly _now: () => number;
  private _status: AuthStatus;
  private _token: string | null = null;
  private _claims: ITokenClaims | null = null;
  private _backendKey = '';
  private _backendPromise: Promise<IAuthBackend> | null = null;
  private _unlisten: (() => void) | null = null;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _isDisposed = false;
  private readonly _changed = new Signal<IMlflowAuth, AuthStatus>(this);
  private readonly _tokenChanged = new Signal<IMlflowAuth, string | null>(this);
}

export namespace MlflowAuth {
  export type FormLoader = () => Promise<
    (props: ISignInFormProps) => JSX.Element
  >;

  export interface IOptions {
    settings: IMlflowSettings;
    /** Loads the identity library; Amplify in JupyterLab. */
    loadBackend: AuthBackendLoader;
    /** Loads the sign-in form; Amplify UI's Authenticator in JupyterLab. */
    loadForm: FormLoader;
    /** The clock, in ms since the epoch. */
    now?: () => number;
  }
}

/** The settings that decide which session applies. */
function connectionKey(config: MlflowConfig): string {
  return JSON.stringify([
    config.userPoolId,
    config.userPoolClientId,
    config.cognitoEndpoint,
    config.region
  ]);
}
