import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { ApiErrorKind, MlflowApiError } from '../api';
import { NotSignedInError } from '../auth/errors';
import { sessionGate } from '../auth/gate';
import { IMlflowAuth, IMlflowSettings } from '../tokens';
import { IRunBrowserClient } from './client';
import {
  ICallerPermissions,
  IExperiment,
  REGISTER_MODEL_OPERATIONS
} from './mlflow';
import {
  ColumnId,
  DEFAULT_SORT,
  ISort,
  ITableItem,
  IRunRow,
  columnKey,
  defaultColumns,
  isActive,
  latestModelId,
  orderByOf,
  sortLocally,
  tableItems,
  toRunRow
} from './table';

/** Whether the run browser can talk to MLflow at all. */
export type SessionState =
  | { kind: 'unconfigured'; problems: ReadonlyArray<string> }
  | { kind: 'connecting' }
  | { kind: 'signed-out' }
  | { kind: 'ready' };

/** A failed call, as the views explain it. `filter`: MLflow refused the filter. */
export interface IBrowserError {
  readonly kind: ApiErrorKind | 'filter';
  readonly message: string;
}

/** The list of experiments. */
export interface IExperimentList {
  readonly query: string;
  readonly items: ReadonlyArray<IExperiment>;
  readonly nextPageToken: string | null;
  readonly loading: boolean;
  readonly error: IBrowserError | null;
}

/** The runs of the chosen experiment. */
export interface IRunList {
  readonly experiment: IExperiment;
  readonly filter: string;
  readonly sort: ISort;
  /** The loaded runs, in the server's order (or sorted here: `RunBrowserModel.sortedLocally`). */
  readonly rows: ReadonlyArray<IRunRow>;
  readonly nextPageToken: string | null;
  readonly loading: boolean;
  readonly error: IBrowserError | null;
  /** The metric and param columns shown. */
  readonly columns: ReadonlyArray<ColumnId>;
  readonly expanded: ReadonlySet<string>;
  readonly selected: ReadonlySet<string>;
}

/** What the run browser remembers between sessions. */
export interface IRememberedState {
  lastExperimentId?: string;
  /** The chosen metric and param columns, per experiment id. */
  columns?: Record<string, ColumnId[]>;
}

/** Where the remembered state is kept (JupyterLab's state database). */
export interface IStateStore {
  load(): Promise<IRememberedState | undefined>;
  save(state: IRememberedState): Promise<void>;
}

/**
 * The run browser's state: the session, the experiments, the chosen
 * experiment's runs (paged from the server), what the user's roles allow,
 * and the live refresh of running runs.
 */
export class RunBrowserModel implements IDisposable {
  constructor(options: RunBrowserModel.IOptions) {
    this._settings = options.settings;
    this._auth = options.auth;
    this._client = options.client;
    this._store = options.store ?? null;
    this._pageSize = options.pageSize ?? 100;
    this._pollMs = options.pollMs ?? 5000;
    this._now = options.now ?? Date.now;
    this._settings.changed.connect(this._onSessionChanged, this);
    this._auth.changed.connect(this._onSessionChanged, this);
  }

  /** Emitted whenever anything the views show changes. */
  get changed(): ISignal<RunBrowserModel, void> {
    return this._changed;
  }

  get session(): SessionState {
    return this._session;
  }

  get auth(): IMlflowAuth {
    return this._auth;
  }

  /** What the gateway says the user may do, once known. */
  get permissions(): ICallerPermissions | null {
    return this._permissions;
  }

  /** Registering models is offered only to roles that may. */
  get canRegisterModels(): boolean {
    const allowed = new Set(this._permissions?.operations ?? []);
    return REGISTER_MODEL_OPERATIONS.every(id => allowed.has(id));
  }

  get experiments(): IExperimentList {
    return this._experiments;
  }

  /** The chosen experiment's runs, or `null` while choosing one. */
  get runs(): IRunList | null {
    return this._runs;
  }

  /**
   * Whether the runs are sorted here, among the loaded ones only: MLflow
   * cannot sort by the duration, and more pages exist.
   */
  get sortedLocally(): boolean {
    const runs = this._runs;
    return (
      runs !== null &&
      orderByOf(runs.sort) === null &&
      runs.nextPageToken !== null
    );
  }

  /** The lines of the runs table, parents above their expanded children. */
  get items(): ReadonlyArray<ITableItem> {
    if (this._items === null) {
      const runs = this._runs;
      this._items = runs
        ? tableItems(
            sortLocally(runs.rows, runs.sort, this._now()),
            runs.expanded
          )
        : [];
    }
    return this._items;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Whether the browser is on screen. Nothing is loaded before it is shown
   * first (the sign-in library included), and live updates run only while
   * it is.
   */
  set active(active: boolean) {
    this._active = active;
    if (active && !this._started) {
      this._started = true;
      this._evaluate();
    }
    this._schedulePoll();
  }

  /** Search experiments by name (any case, part of the name). */
  searchExperiments(query: string): void {
    this._experiments = { ...this._experiments, query };
    this._runs = null;
    this._emit();
    void this._loadExperiments(false);
  }

  /** Load the next page of experiments. */
  loadMoreExperiments(): void {
    if (this._experiments.nextPageToken && !this._experiments.loading) {
      void this._loadExperiments(true);
    }
  }

  /** Back to the list of experiments. */
  showExperiments(): void {
    this._runs = null;
    this._runsGeneration++;
    this._emit();
    if (this._experiments.items.length === 0 && !this._experiments.loading) {
      void this._loadExperiments(false);
    }
  }

  /** Show an experiment's runs, and remember it. */
  openExperiment(experiment: IExperiment): void {
    const remembered = this._remembered.columns?.[experiment.experiment_id];
    this._runs = {
      experiment,
      filter: '',
      sort: DEFAULT_SORT,
      rows: [],
      nextPageToken: null,
      loading: true,
      error: null,
      columns: remembered ?? [],
      expanded: new Set(),
      selected: new Set()
    };
    this._remember({ lastExperimentId: experiment.experiment_id });
    this._emit();
    void this._loadRuns(false);
  }

  /** Filter runs with MLflow's search syntax; `''` shows all. */
  setFilter(filter: string): void {
    if (!this._runs) {
      return;
    }
    this._updateRuns({ filter: filter.trim() });
    void this._loadRuns(false);
  }

  /**
   * Sort by a column: the same column again flips the direction; a new
   * one starts with the largest (or newest) first for numbers and times.
   */
  sortBy(column: ColumnId): void {
    const runs = this._runs;
    if (!runs) {
      return;
    }
    const descending =
      runs.sort.column === column
        ? !runs.sort.descending
        : column === 'start' ||
          column === 'duration' ||
          columnKey(column)?.kind === 'metric';
    const before = orderByOf(runs.sort);
    const sort = { column, descending };
    const after = orderByOf(sort);
    this._updateRuns({ sort });
    if (after !== null || before !== null) {
      // The server's order changes (to MLflow's default for the duration).
      void this._loadRuns(false);
    }
  }

  /** Load the next page of runs, if there is one and none is loading. */
  loadMoreRuns(): void {
    if (this._runs?.nextPageToken && !this._runs.loading) {
      void this._loadRuns(true);
    }
  }

  /** Load the runs (or experiments) afresh. */
  refresh(): void {
    if (this._session.kind !== 'ready') {
      this._evaluate();
    } else if (this._runs) {
      void this._loadRuns(false);
    } else {
      void this._loadExperiments(false);
    }
  }

  /** Try again after an error: the session, then what failed. */
  retry(): void {
    this._evaluate();
  }

  toggleExpanded(runId: string): void {
    const runs = this._runs;
    if (!runs) {
      return;
    }
    const expanded = new Set(runs.expanded);
    if (!expanded.delete(runId)) {
      expanded.add(runId);
    }
    this._updateRuns({ expanded });
  }

  toggleSelected(runId: string): void {
    const runs = this._runs;
    if (!runs) {
      return;
    }
    const selected = new Set(runs.selected);
    if (!selected.delete(runId)) {
      selected.add(runId);
    }
    this._updateRuns({ selected });
  }

  /** Show these metric and param columns, and remember them. */
  setColumns(columns: ReadonlyArray<ColumnId>): void {
    const runs = this._runs;
    if (!runs) {
      return;
    }
    this._updateRuns({ columns: [...columns] });
    this._remember({
      columns: {
        ...this._remembered.columns,
        [runs.experiment.experiment_id]: [...columns]
      }
    });
  }

  /** A loaded run by id. */
  row(runId: string): IRunRow | undefined {
    return this._runs?.rows.find(row => row.id === runId);
  }

  /** The name of a run's model in the run (for `runs:/<id>/<name>`). */
  modelPath(row: IRunRow): Promise<string | undefined> {
    const modelId = latestModelId(row);
    return modelId === undefined
      ? Promise.resolve(undefined)
      : this._client.loggedModelName(modelId);
  }

  /** The registered models' names, for choosing where to register. */
  registeredModelNames(): Promise<string[]> {
    return this._client.registeredModelNames();
  }

  /**
   * Register the run's (latest) logged model under `name`.
   *
   * @returns the new version.
   */
  async registerModel(row: IRunRow, name: string): Promise<string> {
    const modelId = latestModelId(row);
    if (modelId === undefined) {
      throw new Error(`The run ${row.name} logged no model.`);
    }
    return this._client.registerModel({ name, runId: row.id, modelId });
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._settings.changed.disconnect(this._onSessionChanged, this);
    this._auth.changed.disconnect(this._onSessionChanged, this);
    this._clearPoll();
    Signal.clearData(this);
  }

  private _onSessionChanged(): void {
    if (this._started) {
      this._evaluate();
    }
  }

  private _evaluate(): void {
    const generation = ++this._sessionGeneration;
    this._runsGeneration++;
    this._experimentsGeneration++;
    const current = () =>
      generation === this._sessionGeneration && !this._isDisposed;
    this._permissions = null;
    const gate = sessionGate(this._settings, this._auth, reason => {
      if (current()) {
        this._setSession({ kind: 'signed-out' });
        console.error('MLflow: the sign-in could not start.', reason);
      }
    });
    if (gate.kind !== 'signed-in') {
      this._setSession(gate);
      return;
    }
    this._setSession({ kind: 'connecting' });
    void (async () => {
      const remembered =
        (await this._store?.load().catch(() => undefined)) ?? {};
      if (!current()) {
        return;
      }
      this._remembered = remembered;
      let permissions: ICallerPermissions;
      try {
        permissions = await this._client.permissions();
      } catch (reason) {
        if (current()) {
          this._failSession(reason);
        }
        return;
      }
      if (!current()) {
        return;
      }
      this._permissions = permissions;
      this._setSession({ kind: 'ready' });
      await this._openFirstExperiment(current);
    })();
  }

  /** The pinned experiment, else the last one, else the list. */
  private async _openFirstExperiment(current: () => boolean): Promise<void> {
    const candidates = [
      this._settings.config.defaultExperiment,
      this._remembered.lastExperimentId ?? ''
    ].filter(candidate => candidate !== '');
    for (const candidate of candidates) {
      try {
        const experiment = await this._client.findExperiment(candidate);
        if (!current()) {
          return;
        }
        if (experiment) {
          this.openExperiment(experiment);
          return;
        }
      } catch (reason) {
        if (current()) {
          this._failSession(reason);
        }
        return;
      }
    }
    if (current()) {
      void this._loadExperiments(false);
    }
  }

  private async _loadExperiments(more: boolean): Promise<void> {
    const generation = ++this._experimentsGeneration;
    const list = this._experiments;
    this._experiments = {
      ...list,
      items: more ? list.items : [],
      nextPageToken: more ? list.nextPageToken : null,
      loading: true,
      error: null
    };
    this._emit();
    try {
      const page = await this._client.searchExperiments({
        query: list.query,
        pageToken: more ? (list.nextPageToken ?? undefined) : undefined
      });
      if (generation !== this._experimentsGeneration) {
        return;
      }
      this._experiments = {
        ...this._experiments,
        items: [...this._experiments.items, ...page.items],
        nextPageToken: page.nextPageToken,
        loading: false
      };
    } catch (reason) {
      if (generation !== this._experimentsGeneration) {
        return;
      }
      if (this._signedOut(reason)) {
        return;
      }
      this._experiments = {
        ...this._experiments,
        loading: false,
        error: toBrowserError(reason)
      };
    }
    this._emit();
  }

  private async _loadRuns(more: boolean): Promise<void> {
    const runs = this._runs;
    if (!runs) {
      return;
    }
    const generation = ++this._runsGeneration;
    this._updateRuns({
      loading: true,
      error: null,
      ...(more
        ? {}
        : {
            rows: [],
            nextPageToken: null,
            selected: new Set<string>()
          })
    });
    try {
      const page = await this._client.searchRuns({
        experimentId: runs.experiment.experiment_id,
        filter: runs.filter,
        orderBy: orderByOf(runs.sort) ?? orderByOf(DEFAULT_SORT) ?? [],
        pageToken: more ? (runs.nextPageToken ?? undefined) : undefined,
        maxResults: this._pageSize
      });
      const latest = this._runs;
      if (generation !== this._runsGeneration || !latest) {
        return;
      }
      // A run that moved across a page boundary meanwhile is shown once.
      const seen = new Set(latest.rows.map(row => row.id));
      const rows = [
        ...latest.rows,
        ...page.items.map(toRunRow).filter(row => !seen.has(row.id))
      ];
      // Until the user picks columns for this experiment, the first keys.
      const chosen =
        this._remembered.columns?.[latest.experiment.experiment_id] !==
        undefined;
      const columns = chosen ? latest.columns : defaultColumns(rows);
      this._updateRuns({
        rows,
        columns,
        nextPageToken: page.nextPageToken,
        loading: false
      });
    } catch (reason) {
      if (generation !== this._runsGeneration || this._signedOut(reason)) {
        return;
      }
      this._updateRuns({ loading: false, error: toBrowserError(reason) });
    }
    this._schedulePoll();
  }

  /** Replace the running runs with their current state. */
  private async _poll(): Promise<void> {
    const runs = this._runs;
    if (!runs) {
      return;
    }
    const generation = this._runsGeneration;
    const activeIds = runs.rows.filter(isActive).map(row => row.id);
    try {
      const fresh = new Map<string, IRunRow>();
      for (let i = 0; i < activeIds.length; i += 100) {
        const found = await this._client.getRuns(
          runs.experiment.experiment_id,
          activeIds.slice(i, i + 100)
        );
        found.map(toRunRow).forEach(row => fresh.set(row.id, row));
      }
      const latest = this._runs;
      if (generation === this._runsGeneration && latest) {
        this._updateRuns({
          rows: latest.rows.map(row => fresh.get(row.id) ?? row)
        });
      }
    } catch (reason) {
      // A missed update is retried on the next tick; a sign-out stops it.
      this._signedOut(reason);
    }
    this._schedulePoll();
  }

  private _schedulePoll(): void {
    this._clearPoll();
    const runs = this._runs;
    if (
      this._isDisposed ||
      !this._active ||
      !runs ||
      runs.loading ||
      !runs.rows.some(isActive)
    ) {
      return;
    }
    this._pollTimer = setTimeout(() => {
      this._pollTimer = null;
      void this._poll();
    }, this._pollMs);
  }

  private _clearPoll(): void {
    if (this._pollTimer !== null) {
      clearTimeout(this._pollTimer);
      this._pollTimer = null;
    }
  }

  /** A call found nobody signed in: show the sign-in. */
  private _signedOut(reason: unknown): boolean {
    if (reason instanceof NotSignedInError) {
      this._evaluate();
      return true;
    }
    return false;
  }

  private _failSession(reason: unknown): void {
    if (this._signedOut(reason)) {
      return;
    }
    // The session is there; what failed is shown in the experiment list.
    this._setSession({ kind: 'ready' });
    this._runs = null;
    this._experiments = {
      ...this._experiments,
      items: [],
      nextPageToken: null,
      loading: false,
      error: toBrowserError(reason)
    };
    this._emit();
  }

  private _remember(change: IRememberedState): void {
    this._remembered = { ...this._remembered, ...change };
    this._store?.save(this._remembered).catch(reason => {
      console.error('MLflow: the run browser state was not saved.', reason);
    });
  }

  private _updateRuns(change: Partial<IRunList>): void {
    if (!this._runs) {
      return;
    }
    this._runs = { ...this._runs, ...change };
    this._emit();
  }

  private _setSession(session: SessionState): void {
    this._session = session;
    if (session.kind !== 'ready') {
      this._runs = null;
      this._experiments = EMPTY_LIST;
      this._clearPoll();
    }
    this._emit();
  }

  private _emit(): void {
    this._items = null;
    this._changed.emit();
  }

  private readonly _settings: IMlflowSettings;
  private readonly _auth: IMlflowAuth;
  private readonly _client: IRunBrowserClient;
  private readonly _store: IStateStore | null;
  private readonly _pageSize: number;
  private readonly _pollMs: number;
  private readonly _now: () => number;
  private _session: SessionState = { kind: 'connecting' };
  private _permissions: ICallerPermissions | null = null;
  private _experiments: IExperimentList = EMPTY_LIST;
  private _runs: IRunList | null = null;
  private _items: ITableItem[] | null = null;
  private _remembered: IRememberedState = {};
  private _active = false;
  private _started = false;
  private _pollTimer: ReturnType<typeof setTimeout> | null = null;
  private _sessionGeneration = 0;
  private _experimentsGeneration = 0;
  private _runsGeneration = 0;
  private _isDisposed = false;
  private readonly _changed = new Signal<RunBrowserModel, void>(this);
}

export namespace RunBrowserModel {
  export interface IOptions {
    settings: IMlflowSettings;
    auth: IMlflowAuth;
    client: IRunBrowserClient;
    store?: IStateStore;
    /** Runs per page (MLflow's `max_results`); 100 by default. */
    pageSize?: number;
    /** How often running runs are refreshed, in ms; 5 s by default. */
    pollMs?: number;
    now?: () => number;
  }
}

const EMPTY_LIST: IExperimentList = Object.freeze({
  query: '',
  items: [],
  nextPageToken: null,
  loading: false,
  error: null
});

/**
 * A failure as the views explain it. MLflow's refusal of the arguments of a
 * runs search is the filter's fault: its message says what is wrong.
 */
export function toBrowserError(reason: unknown): IBrowserError {
  if (reason instanceof MlflowApiError) {
    const badInput =
      reason.kind === 'mlflow' &&
      (reason.errorCode === 'INVALID_PARAMETER_VALUE' ||
        reason.errorCode === 'BAD_REQUEST' ||
        reason.status === 400);
    return { kind: badInput ? 'filter' : reason.kind, message: reason.message };
  }
  return {
    kind: 'unreachable',
    message: reason instanceof Error ? reason.message : String(reason)
  };
}
