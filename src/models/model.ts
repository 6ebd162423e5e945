import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { ACCESS_GET_OPERATION } from '../access/mlflow';
import { ApiErrorKind, MlflowApiError } from '../api';
import { NotSignedInError } from '../auth/errors';
import { SessionChecks, SessionGate } from '../auth/gate';
import { IPagedListState, PagedList } from '../runs/paged-list';
import { ICallerPermissions } from '../runs/mlflow';
import { IMlflowAuth, IMlflowSettings } from '../tokens';
import { IModelsClient } from './client';
import {
  IModelVersion,
  IRegisteredModel,
  SET_ALIAS_OPERATION,
  Stage,
  TRANSITION_STAGE_OPERATION
} from './mlflow';

/** Whether the models view can talk to MLflow (`signed-in` once it may). */
export type ModelsSession =
  | Exclude<SessionGate, { kind: 'signed-in' }>
  | {
      kind: 'ready';
    };

/** A failed call, as the view explains it. */
export interface IModelsError {
  readonly kind: ApiErrorKind;
  readonly message: string;
}

export type IModelList = IPagedListState<
  IRegisteredModel,
  string,
  IModelsError
>;
export type IVersionList = IPagedListState<IModelVersion, string, IModelsError>;

/**
 * The models view's state: the session, the registered models (searched by
 * name), the versions of the models the user opened, and what the user's
 * roles allow. Nothing is asked before the view is first shown; shown
 * again, it reloads what is open (an alias may have moved meanwhile).
 */
export class ModelsModel implements IDisposable {
  constructor(options: ModelsModel.IOptions) {
    this._settings = options.settings;
    this._auth = options.auth;
    this._sessionChecks = new SessionChecks(
      this._settings,
      this._auth,
      () => this._isDisposed
    );
    this._client = options.client;
    this._models = new PagedList({
      query: '',
      fetch: (query, pageToken) =>
        this._ask(() => this._client.searchModels({ query, pageToken })),
      keyOf: model => model.name,
      describeError: toModelsError
    });
    this._models.changed.connect(this._emit, this);
    this._settings.changed.connect(this._onSessionChanged, this);
    this._auth.changed.connect(this._onSessionChanged, this);
  }

  get changed(): ISignal<ModelsModel, void> {
    return this._changed;
  }

  get session(): ModelsSession {
    return this._session;
  }

  get auth(): IMlflowAuth {
    return this._auth;
  }

  get permissions(): ICallerPermissions | null {
    return this._permissions;
  }

  /** Setting and moving aliases is offered only to roles that may. */
  get canSetAlias(): boolean {
    return this._allows(SET_ALIAS_OPERATION);
  }

  /** Moving versions between stages is offered only to roles that may. */
  get canTransitionStage(): boolean {
    return this._allows(TRANSITION_STAGE_OPERATION);
  }

  /** Who has access to a model is shown to roles that may ask. */
  get canSeeAccess(): boolean {
    return this._allows(ACCESS_GET_OPERATION);
  }

  get models(): IModelList {
    return this._models.state;
  }

  /** Whether a model's versions are shown. */
  isExpanded(name: string): boolean {
    return this._versions.has(name);
  }

  /** A shown model's versions, newest first; `null` when not shown. */
  versions(name: string): IVersionList | null {
    return this._versions.get(name)?.state ?? null;
  }

  /** The version an alias of a loaded model points at, if any. */
  aliasTarget(name: string, alias: string): string | null {
    const model = this._models.state.items.find(m => m.name === name);
    return model?.aliases?.find(a => a.alias === alias)?.version ?? null;
  }

  /**
   * The aliases pointing at a version. MLflow's version search leaves them
   * out; the registered model lists them all.
   */
  versionAliases(version: IModelVersion): string[] {
    const model = this._models.state.items.find(m => m.name === version.name);
    const fromModel = (model?.aliases ?? [])
      .filter(a => a.version === version.version)
      .map(a => a.alias);
    return [...new Set([...fromModel, ...(version.aliases ?? [])])];
  }

  /** The aliases of a loaded model. */
  aliases(name: string): string[] {
    const model = this._models.state.items.find(m => m.name === name);
    return (model?.aliases ?? []).map(a => a.alias);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Whether the view is on screen: the first time, the session is checked
   * and the models loaded; each time after, what is open is reloaded.
   */
  set active(active: boolean) {
    if (!active) {
      return;
    }
    if (!this._started) {
      this._started = true;
      this._evaluate();
    } else if (this._session.kind === 'ready') {
      this.refresh();
    }
  }

  searchModels(query: string): void {
    this._closeVersions();
    void this._models.load(query);
  }

  loadMoreModels(): void {
    void this._models.loadMore();
  }

  /** Show or hide a model's versions (loaded when shown). */
  toggleExpanded(name: string): void {
    const shown = this._versions.get(name);
    if (shown) {
      shown.dispose();
      this._versions.delete(name);
      this._emit();
      return;
    }
    const list = new PagedList<IModelVersion, string, IModelsError>({
      query: name,
      fetch: (model, pageToken) =>
        this._ask(() =>
          this._client.searchVersions({ name: model, pageToken })
        ),
      keyOf: version => version.version,
      describeError: toModelsError
    });
    list.changed.connect(this._emit, this);
    this._versions.set(name, list);
    void list.load(name);
  }

  loadMoreVersions(name: string): void {
    void this._versions.get(name)?.loadMore();
  }

  /** Load the models afresh, and the versions shown; or retry the session. */
  refresh(): void {
    if (this._session.kind !== 'ready' || this._permissions === null) {
      this._evaluate();
      return;
    }
    void this._models.load(this._models.state.query);
    for (const [name, list] of this._versions) {
      void list.load(name);
    }
  }

  /**
   * Point `alias` of a model at a version, then show the model afresh.
   *
   * @throws what MLflow or the gateway answered (a refusal in its words).
   */
  async setAlias(name: string, version: string, alias: string): Promise<void> {
    await this._ask(() => this._client.setAlias({ name, alias, version }));
    await this._reloadModel(name);
  }

  /** Move a version to a stage, then show the model afresh. */
  async transitionStage(
    name: string,
    version: string,
    stage: Stage
  ): Promise<void> {
    await this._ask(() =>
      this._client.transitionStage({ name, version, stage })
    );
    await this._reloadModel(name);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._closeVersions();
    this._models.dispose();
    Signal.clearData(this);
  }

  private _allows(operation: string): boolean {
    return this._permissions?.operations.includes(operation) ?? false;
  }

  private async _reloadModel(name: string): Promise<void> {
    const fresh = await this._ask(() => this._client.getModel(name)).catch(
      () => null
    );
    if (fresh) {
      await this._models.update(async () => [fresh]);
    }
    await this._versions.get(name)?.load(name);
  }

  private _onSessionChanged(): void {
    if (this._started) {
      this._evaluate();
    }
  }

  /** Where the session stands, then the permissions and the first page. */
  private _evaluate(): void {
    this._permissions = null;
    const { gate, current } = this._sessionChecks.next(reason => {
      this._setSession({ kind: 'signed-out' });
      console.error('MLflow: the sign-in could not start.', reason);
    });
    if (gate.kind !== 'signed-in') {
      this._setSession(gate);
      return;
    }
    this._setSession({ kind: 'connecting' });
    void (async () => {
      try {
        const permissions = await this._ask(() => this._client.permissions());
        if (!current()) {
          return;
        }
        this._permissions = permissions;
        this._setSession({ kind: 'ready' });
        void this._models.load(this._models.state.query);
      } catch (reason) {
        if (current()) {
          // Shown in the list, with a way to try again.
          this._setSession({ kind: 'ready' });
          this._models.fail(reason);
        }
      }
    })();
  }

  /** A call that finds nobody signed in shows the sign-in. */
  private async _ask<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (reason) {
      if (reason instanceof NotSignedInError && !this._isDisposed) {
        this._evaluate();
      }
      throw reason;
    }
  }

  private _setSession(session: ModelsSession): void {
    this._session = session;
    if (session.kind !== 'ready') {
      this._closeVersions();
      this._models.reset('');
    }
    this._emit();
  }

  private _closeVersions(): void {
    for (const list of this._versions.values()) {
      list.dispose();
    }
    this._versions.clear();
  }

  private _emit(): void {
    this._changed.emit();
  }

  private readonly _settings: IMlflowSettings;
  private readonly _auth: IMlflowAuth;
  private readonly _client: IModelsClient;
  private readonly _models: PagedList<IRegisteredModel, string, IModelsError>;
  private readonly _versions = new Map<
    string,
    PagedList<IModelVersion, string, IModelsError>
  >();
  private _session: ModelsSession = { kind: 'connecting' };
  private _permissions: ICallerPermissions | null = null;
  private _started = false;
  private readonly _sessionChecks: SessionChecks;
  private _isDisposed = false;
  private readonly _changed = new Signal<ModelsModel, void>(this);
}

export namespace ModelsModel {
  export interface IOptions {
    settings: IMlflowSettings;
    auth: IMlflowAuth;
    client: IModelsClient;
  }
}

/** A failure as the view explains it: the server's message as it is. */
export function toModelsError(reason: unknown): IModelsError {
  if (reason instanceof MlflowApiError) {
    return { kind: reason.kind, message: reason.message };
  }
  return {
    kind: 'unreachable',
    message: reason instanceof Error ? reason.message : String(reason)
  };
}
