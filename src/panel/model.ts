import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { ApiErrorKind, MlflowApiError, callMlflow } from '../api';
import { NotSignedInError } from '../auth/errors';
import { SessionChecks } from '../auth/gate';
import { HandoffError } from '../handoff/client';
import { IMlflowAuth, IMlflowSettings } from '../tokens';
import { HOME_ROUTE, mlflowUrl } from './routes';
import { routeTeamRefusal } from './route-access';
import type { IMlflowUiPreferences } from './ui-preferences';

/**
 * What the MLflow panel shows.
 */
export type PanelState =
  | { kind: 'unconfigured'; problems: ReadonlyArray<string> }
  | { kind: 'connecting' }
  | { kind: 'signed-out' }
  | { kind: 'ready'; url: string }
  /** The route shows what is restricted to teams the user is not in. */
  | { kind: 'no-access'; route: string; message: string }
  | { kind: 'error'; error: PanelError; message: string };

/**
 * Why the panel cannot show MLflow: an API failure, the hand-off page did
 * not take the token, or the sign-in library did not load.
 */
export type PanelError = ApiErrorKind | 'handoff' | 'sign-in';

/** Stores (or clears) the token where the MLflow UI reads it. */
export interface ITokenStore {
  store(token: string): Promise<void>;
  clear(): Promise<void>;
}

/** Passes the panel's preferences to the MLflow UI (the hand-off page). */
export interface IPreferencesStore {
  preferences(preferences: IMlflowUiPreferences): Promise<void>;
}

/**
 * The state of the MLflow panel: is everything in place to show the MLflow
 * UI (settings, sign-in, a gateway that accepts the token, the token handed
 * to the UI), and at which route.
 */
export class MlflowPanelModel implements IDisposable {
  constructor(options: MlflowPanelModel.IOptions) {
    this._settings = options.settings;
    this._auth = options.auth;
    this._sessionChecks = new SessionChecks(
      this._settings,
      this._auth,
      () => this._isDisposed
    );
    this._tokenStore = options.tokenStore;
    this._probe = options.probe ?? probeGateway;
    this._routeRefusal = options.routeRefusal ?? routeTeamRefusal;
    this._route = options.route ?? HOME_ROUTE;
    this._routeUser = options.routeUser ?? null;
    this._uiPreferences = options.uiPreferences ?? null;
    this._settings.changed.connect(this._evaluate, this);
    this._auth.changed.connect(this._evaluate, this);
    this._auth.tokenChanged.connect(this._onTokenChanged, this);
    this._evaluate();
  }

  get state(): PanelState {
    return this._state;
  }

  get stateChanged(): ISignal<MlflowPanelModel, PanelState> {
    return this._stateChanged;
  }

  /** The MLflow UI route shown (the part after `#`). */
  get route(): string {
    return this._route;
  }

  set route(route: string) {
    this._route = route;
    this._routeUser = this._auth.user?.username ?? null;
    if (this._state.kind === 'ready' || this._state.kind === 'no-access') {
      const shown = ++this._shown;
      void this._showRoute(
        this._settings.config.gatewayUrl,
        () => shown === this._shown && !this._isDisposed
      );
    }
  }

  /**
   * Who opened the route, if known: someone else signing in starts at the
   * home route, not at a route they may not see.
   */
  get routeUser(): string | null {
    return this._routeUser;
  }

  get auth(): IMlflowAuth {
    return this._auth;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Try again after an error. */
  retry(): void {
    this._evaluate();
  }

  /**
   * Pass the current preferences to the MLflow UI (JupyterLab's theme
   * changed, or the UI loaded and its links need preparing).
   */
  applyPreferences(): void {
    if (this._state.kind !== 'ready') {
      return;
    }
    void this._storePreferences(this._settings.config.gatewayUrl);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._settings.changed.disconnect(this._evaluate, this);
    this._auth.changed.disconnect(this._evaluate, this);
    this._auth.tokenChanged.disconnect(this._onTokenChanged, this);
    Signal.clearData(this);
  }

  private _evaluate(): void {
    const { gate, current } = this._sessionChecks.next(reason =>
      this._fail('sign-in', describe(reason))
    );
    if (gate.kind !== 'signed-in') {
      this._setState(gate);
      return;
    }
    const user = this._auth.user?.username ?? null;
    if (this._routeUser !== null && user !== this._routeUser) {
      this._route = HOME_ROUTE;
    }
    this._routeUser = user;
    this._setState({ kind: 'connecting' });
    const gatewayUrl = this._settings.config.gatewayUrl;
    void (async () => {
      try {
        const token = await this._auth.accessToken();
        await this._probe(gatewayUrl, async () => token);
        await this._tokenStore(gatewayUrl).store(token);
        // Before the UI loads, which reads them once.
        await this._storePreferences(gatewayUrl);
        const shown = ++this._shown;
        await this._showRoute(
          gatewayUrl,
          () => current() && shown === this._shown
        );
      } catch (reason) {
        if (current()) {
          this._failWith(reason);
        }
      }
    })();
  }

  /**
   * Show the MLflow UI at the route, or say there is no access when it
   * shows what is restricted to other teams (where the UI stays blank).
   */
  private async _showRoute(
    gatewayUrl: string,
    current: () => boolean
  ): Promise<void> {
    const route = this._route;
    const refusal = await this._routeRefusal(gatewayUrl, route, () =>
      this._auth.accessToken()
    );
    if (!current()) {
      return;
    }
    this._setState(
      refusal === null
        ? { kind: 'ready', url: mlflowUrl(gatewayUrl, route) }
        : { kind: 'no-access', route, message: refusal }
    );
  }

  private _onTokenChanged(_: IMlflowAuth, token: string | null): void {
    if (!this._settings.isConfigured) {
      return;
    }
    // Signing out clears the cookie where the panels are made
    // (`PanelFactory`), also with every panel closed.
    if (token !== null && this._state.kind === 'ready') {
      // A refreshed token replaces the cookie; the UI keeps running.
      this._tokenStore(this._settings.config.gatewayUrl)
        .store(token)
        .catch(reason => this._failWith(reason));
    }
  }

  /** Preferences only shape the UI: failing to pass them is no error. */
  private async _storePreferences(gatewayUrl: string): Promise<void> {
    if (this._uiPreferences === null) {
      return;
    }
    const { current, store } = this._uiPreferences;
    try {
      await store(gatewayUrl).preferences(current());
    } catch (reason) {
      console.error('MLflow: passing the UI preferences failed.', reason);
    }
  }

  private _failWith(reason: unknown): void {
    if (reason instanceof MlflowApiError) {
      this._fail(reason.kind, reason.message);
    } else if (reason instanceof HandoffError) {
      this._fail('handoff', reason.message);
    } else if (reason instanceof NotSignedInError) {
      this._setState({ kind: 'signed-out' });
    } else {
      this._fail('unreachable', describe(reason));
    }
  }

  private _fail(error: PanelError, message: string): void {
    this._setState({ kind: 'error', error, message });
  }

  private _setState(state: PanelState): void {
    if (JSON.stringify(state) === JSON.stringify(this._state)) {
      return;
    }
    this._state = state;
    this._stateChanged.emit(state);
  }

  private readonly _settings: IMlflowSettings;
  private readonly _auth: IMlflowAuth;
  private readonly _tokenStore: (gatewayUrl: string) => ITokenStore;
  private readonly _probe: MlflowPanelModel.Probe;
  private _route: string;
  private _routeUser: string | null;
  private readonly _uiPreferences: MlflowPanelModel.IUiPreferences | null;
  private _state: PanelState = { kind: 'connecting' };
  private readonly _routeRefusal: MlflowPanelModel.RouteRefusal;
  /** Bumped at each route shown: an older check's answer is dropped. */
  private _shown = 0;
  private readonly _sessionChecks: SessionChecks;
  private _isDisposed = false;
  private readonly _stateChanged = new Signal<MlflowPanelModel, PanelState>(
    this
  );
}

export namespace MlflowPanelModel {
  /** Checks that the gateway accepts the token for reading MLflow. */
  export type Probe = (
    gatewayUrl: string,
    token: () => Promise<string>
  ) => Promise<void>;

  /** Why the user may not see what a route shows (teams), or `null`. */
  export type RouteRefusal = (
    gatewayUrl: string,
    route: string,
    token: () => Promise<string>
  ) => Promise<string | null>;

  export interface IUiPreferences {
    /** The preferences now (JupyterLab's theme, for one). */
    current: () => IMlflowUiPreferences;
    /** The store of a gateway, shared by all panels. */
    store: (gatewayUrl: string) => IPreferencesStore;
  }

  export interface IOptions {
    settings: IMlflowSettings;
    auth: IMlflowAuth;
    /** The token store (hand-off) of a gateway, shared by all panels. */
    tokenStore: (gatewayUrl: string) => ITokenStore;
    /** The first route to show; the start page by default. */
    route?: string;
    /** Who opened `route` (restored after a reload), if known. */
    routeUser?: string | null;
    /** What to ask of the MLflow UI, and where (none by default). */
    uiPreferences?: IUiPreferences;
    probe?: Probe;
    /** By default, asks MLflow for the route's experiment or model. */
    routeRefusal?: RouteRefusal;
  }
}

/**
 * The cheapest read the MLflow UI makes: one experiment. A 401 or 403 here
 * explains a blank MLflow UI before it happens.
 */
async function probeGateway(
  gatewayUrl: string,
  token: () => Promise<string>
): Promise<void> {
  await callMlflow({ gatewayUrl, token }, '2.0/mlflow/experiments/search', {
    query: { max_results: '1' }
  });
}

function describe(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}
