import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { ACCESS_GET_OPERATION, isTeamRefusal } from '../access/mlflow';
import { ApiErrorKind, MlflowApiError } from '../api';
import { NotSignedInError } from '../auth/errors';
import { SessionChecks } from '../auth/gate';
import { IMlflowAuth, IMlflowSettings } from '../tokens';
import { IRunBrowserClient } from './client';
import {
  ICallerPermissions,
  IExperiment,
  REGISTER_MODEL_OPERATIONS
} from './mlflow';
import { IPagedListState, PagedList } from './paged-list';
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
  /** `noAccess`: restricted to teams the user is not in (its message says whom to ask). */
  readonly kind: ApiErrorKind | 'filter' | 'noAccess';
  readonly message: string;
}

/** The list of experiments, searched by name. */
export type IExperimentList = IPagedListState<
  IExperiment,
  string,
  IBrowserError
>;

/** What the user chose to see of the chosen experiment's runs. */
export interface IRunsView {
  readonly experiment: IExperiment;
  readonly filter: string;
  readonly sort: ISort;
  /** The metric and param columns shown. */
  readonly columns: ReadonlyArray<ColumnId>;
  /** Parents the user opened. */
  readonly expanded: ReadonlySet<string>;
  /** Parents the user closed that a sort by a metric shows open. */
  readonly collapsed: ReadonlySet<string>;
  readonly selected: ReadonlySet<string>;
}

/** The runs of the chosen experiment. */
export interface IRunList extends IRunsView {
  /** The loaded runs, in the server's order (or sorted here: `RunBrowserModel.sortedLocally`). */
  readonly rows: ReadonlyArray<IRunRow>;
  readonly nextPageToken: string | null;
  readonly loading: boolean;
  readonly error: IBrowserError | null;
}

/** What a runs search asks MLflow for. */
export interface IRunsQuery {
  readonly experimentId: string;
  readonly filter: string;
  readonly orderBy: ReadonlyArray<string>;
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
 * The run browser's state: the session, the experiments and the chosen
 * experiment's runs (each a `PagedList`), what the user's roles allow, and
 * the live refresh of running runs.
 */
export class RunBrowserModel implements IDisposable {
  constructor(options: RunBrowserModel.IOptions) {
    this._settings = options.settings;
    this._auth = options.auth;
    this._sessionChecks = new SessionChecks(
      this._settings,
      this._auth,
      () => this._isDisposed
    );
    this._client = options.client;
    this._store = options.store ?? null;
    this._pageSize = options.pageSize ?? 100;
    this._now = options.now ?? Date.now;
    this._experiments = new PagedList({
      query: '',
      fetch: (query, pageToken) =>
        this._ask(() => this._client.searchExperiments({ query, pageToken })),
      keyOf: experiment => experiment.experiment_id,
      describeError: toBrowserError
    });
    this._experiments.changed.connect(this._emit, this);
    // Stands by (asks nothing) unless the sidebar is shown with running
    // runs loaded, and, as JupyterLab's own polls do, while the page is
    // hidden; a failed refresh is tried again later and later.
    this._poll = new Poll({
      auto: false,
      name: 'sagemaker-studio-mlflow:running-runs',
      factory: () => this._refreshRunning(),
      frequency: { interval: options.pollMs ?? 5000, backoff: true },
      standby: () => (this._hasRunningRuns() ? 'when-hidden' : true)
    });
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

  /**
   * The pinned or last experiment, when it is restricted to teams the user
   * is not in, with the refusal's words (whom to ask); until another opens.
   */
  get noAccess(): { experiment: string; message: string } | null {
    return this._noAccess;
  }

  /** Who has access to an experiment is shown to roles that may ask. */
  get canSeeAccess(): boolean {
    return (
      this._permissions?.operations.includes(ACCESS_GET_OPERATION) ?? false
    );
  }

  get experiments(): IExperimentList {
    return this._experiments.state;
  }

  /** The chosen experiment's runs, or `null` while choosing one. */
  get runs(): IRunList | null {
    const runs = this._runs;
    if (runs === null) {
      return null;
    }
    if (this._runList === null) {
      const { items, nextPageToken, loading, error } = runs.list.state;
      this._runList = {
        ...runs.view,
        rows: items,
        nextPageToken,
        loading,
        error
      };
    }
    return this._runList;
  }

  /**
   * Whether the runs are sorted here, among the loaded ones only: MLflow
   * cannot sort by the duration, and more pages exist.
   */
  get sortedLocally(): boolean {
    const runs = this.runs;
    return (
      runs !== null &&
      orderByOf(runs.sort) === null &&
      runs.nextPageToken !== null
    );
  }

  /**
   * The lines of the runs table, parents above their expanded children;
   * sorted by a metric, each family where its best run ranks, open when
   * that run is a descendant.
   */
  get items(): ReadonlyArray<ITableItem> {
    if (this._items === null) {
      const runs = this.runs;
      this._items = runs
        ? tableItems(sortLocally(runs.rows, runs.sort, this._now()), {
            expanded: runs.expanded,
            collapsed: runs.collapsed,
            bestFirst: columnKey(runs.sort.column)?.kind === 'metric'
          })
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
      void this._poll.start();
    }
  }

  /** Search experiments by name (any case, part of the name). */
  searchExperiments(query: string): void {
    this._closeRuns();
    void this._experiments.load(query);
  }

  /** Load the next page of experiments. */
  loadMoreExperiments(): void {
    void this._experiments.loadMore();
  }

  /** Back to the list of experiments. */
  showExperiments(): void {
    this._closeRuns();
    this._emit();
    const list = this._experiments.state;
    if (list.items.length === 0 && !list.loading) {
      void this._experiments.load(list.query);
    }
  }

  /** Show an experiment's runs, and remember it. */
  openExperiment(experiment: IExperiment): void {
    this._closeRuns();
    this._noAccess = null;
    const view: IRunsView = {
      experiment,
      filter: '',
      sort: DEFAULT_SORT,
      columns: this._remembered.columns?.[experiment.experiment_id] ?? [],
      expanded: new Set(),
      collapsed: new Set(),
      selected: new Set()
    };
    const list = new PagedList<IRunRow, IRunsQuery, IBrowserError>({
      query: runsQuery(view),
      fetch: async (query, pageToken) => {
        const page = await this._ask(() =>
          this._client.searchRuns({
            ...query,
            orderBy: [...query.orderBy],
            pageToken,
            maxResults: this._pageSize
          })
        );
        return {
          items: page.items.map(toRunRow),
          nextPageToken: page.nextPageToken
        };
      },
      keyOf: row => row.id,
      describeError: toBrowserError
    });
    list.changed.connect(this._onRunsChanged, this);
    this._runs = { view, list };
    this._remember({ lastExperimentId: experiment.experiment_id });
    this._reloadRuns();
  }

  /** Filter runs with MLflow's search syntax; `''` shows all. */
  setFilter(filter: string): void {
    this._reloadRuns({ filter: filter.trim() });
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
    const current = runs.view.sort;
    const descending =
      current.column === column
        ? !current.descending
        : column === 'start' ||
          column === 'duration' ||
          columnKey(column)?.kind === 'metric';
    const sort = { column, descending };
    if (orderByOf(sort) !== null || orderByOf(current) !== null) {
      // The server's order changes (to MLflow's default for the duration).
      this._reloadRuns({ sort });
    } else {
      this._updateRunsView({ sort });
    }
  }

  /** Load the next page of runs, if there is one and none is loading. */
  loadMoreRuns(): void {
    void this._runs?.list.loadMore();
  }

  /** Load the runs (or experiments) afresh. */
  refresh(): void {
    if (this._session.kind !== 'ready') {
      this._evaluate();
    } else if (this._runs) {
      this._reloadRuns();
    } else {
      void this._experiments.load(this._experiments.state.query);
    }
  }

  /** Try again after an error: the session, then what failed. */
  retry(): void {
    this._evaluate();
  }

  /** Open a parent run to its children, or close it. */
  toggleExpanded(runId: string): void {
    const runs = this._runs;
    if (!runs) {
      return;
    }
    const open = this.items.some(
      item => item.row.id === runId && item.expanded
    );
    const { expanded, collapsed } = runs.view;
    this._updateRunsView({
      expanded: withOrWithout(expanded, runId, !open),
      collapsed: withOrWithout(collapsed, runId, open)
    });
  }

  toggleSelected(runId: string): void {
    const runs = this._runs;
    if (runs) {
      this._updateRunsView({ selected: toggled(runs.view.selected, runId) });
    }
  }

  /** Show these metric and param columns, and remember them. */
  setColumns(columns: ReadonlyArray<ColumnId>): void {
    const runs = this._runs;
    if (!runs) {
      return;
    }
    this._updateRunsView({ columns: [...columns] });
    this._remember({
      columns: {
        ...this._remembered.columns,
        [runs.view.experiment.experiment_id]: [...columns]
      }
    });
  }

  /** A loaded run by id. */
  row(runId: string): IRunRow | undefined {
    return this._runs?.list.state.items.find(row => row.id === runId);
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

  /** The versions of registered model `name` registered from this run. */
  versionsFromRun(row: IRunRow, name: string): Promise<string[]> {
    return this._client.modelVersionsOfRun(name, row.id);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    Signal.clearData(this);
    this._poll.dispose();
    this._closeRuns();
    this._experiments.dispose();
  }

  private _onSessionChanged(): void {
    if (this._started) {
      this._evaluate();
    }
  }

  /** Where the session stands, then the permissions and the first list. */
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
      const remembered =
        (await this._store?.load().catch(() => undefined)) ?? {};
      if (!current()) {
        return;
      }
      this._remembered = remembered;
      try {
        const permissions = await this._ask(() => this._client.permissions());
        if (!current()) {
          return;
        }
        this._permissions = permissions;
        this._setSession({ kind: 'ready' });
        const first = await this._firstExperiment();
        if (!current()) {
          return;
        }
        if (first) {
          this.openExperiment(first);
        } else {
          void this._experiments.load(this._experiments.state.query);
        }
      } catch (reason) {
        if (current()) {
          this._failSession(reason);
        }
      }
    })();
  }

  /** The pinned experiment, else the last one, if they still exist. */
  private async _firstExperiment(): Promise<IExperiment | null> {
    const candidates = [
      this._settings.config.defaultExperiment,
      this._remembered.lastExperimentId ?? ''
    ].filter(candidate => candidate !== '');
    this._noAccess = null;
    for (const candidate of candidates) {
      try {
        const experiment = await this._ask(() =>
          this._client.findExperiment(candidate)
        );
        if (experiment) {
          return experiment;
        }
      } catch (reason) {
        if (!isTeamRefusal(reason)) {
          throw reason;
        }
        // Restricted since it was pinned or last opened: say so over the list.
        this._noAccess ??= {
          experiment: candidate,
          message: (reason as Error).message
        };
      }
    }
    return null;
  }

  /**
   * Make a call to the gateway. A call that finds nobody signed in shows the
   * sign-in (and so drops what was loading); its failure is passed on.
   */
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

  /** The session is there, but what the browser needs first failed. */
  private _failSession(reason: unknown): void {
    // Shown in the experiment list, with a way to try again.
    this._closeRuns();
    this._setSession({ kind: 'ready' });
    this._experiments.fail(reason);
  }

  /**
   * Change what is shown of the runs and load their first page afresh,
   * unselecting all.
   */
  private _reloadRuns(change: Partial<IRunsView> = {}): void {
    const runs = this._runs;
    if (!runs) {
      return;
    }
    runs.view = { ...runs.view, ...change, selected: new Set() };
    void runs.list.load(runsQuery(runs.view)); // which emits the change
  }

  /** Whether there are running runs to refresh, on screen. */
  private _hasRunningRuns(): boolean {
    const runs = this._runs?.list.state;
    return (
      this._active &&
      runs !== undefined &&
      !runs.loading &&
      runs.items.some(isActive)
    );
  }

  /** Replace the running runs with their current state. */
  private async _refreshRunning(): Promise<void> {
    const runs = this._runs;
    if (!runs) {
      return;
    }
    const experimentId = runs.view.experiment.experiment_id;
    await runs.list.update(async rows => {
      const activeIds = rows.filter(isActive).map(row => row.id);
      const fresh: IRunRow[] = [];
      for (let i = 0; i < activeIds.length; i += 100) {
        const found = await this._ask(() =>
          this._client.getRuns(experimentId, activeIds.slice(i, i + 100))
        );
        fresh.push(...found.map(toRunRow));
      }
      return fresh;
    });
  }

  private _onRunsChanged(
    list: PagedList<IRunRow, IRunsQuery, IBrowserError>,
    change: PagedList.Change
  ): void {
    const runs = this._runs;
    if (change === 'page' && runs?.list === list) {
      // Until the user picks columns for this experiment, the first keys.
      const chosen =
        this._remembered.columns?.[runs.view.experiment.experiment_id] !==
        undefined;
      if (!chosen) {
        runs.view = { ...runs.view, columns: defaultColumns(list.state.items) };
      }
    }
    this._emit();
  }

  /** Drop the chosen experiment's runs (and any answer still to come). */
  private _closeRuns(): void {
    this._runs?.list.dispose();
    this._runs = null;
  }

  private _updateRunsView(change: Partial<IRunsView>): void {
    const runs = this._runs;
    if (runs) {
      runs.view = { ...runs.view, ...change };
      this._emit();
    }
  }

  private _remember(change: IRememberedState): void {
    this._remembered = { ...this._remembered, ...change };
    this._store?.save(this._remembered).catch(reason => {
      console.error('MLflow: the run browser state was not saved.', reason);
    });
  }

  private _setSession(session: SessionState): void {
    this._session = session;
    if (session.kind !== 'ready') {
      this._closeRuns();
      this._experiments.reset('');
    }
    this._emit();
  }

  private _emit(): void {
    this._runList = null;
    this._items = null;
    this._changed.emit();
  }

  private readonly _settings: IMlflowSettings;
  private readonly _auth: IMlflowAuth;
  private readonly _client: IRunBrowserClient;
  private readonly _store: IStateStore | null;
  private readonly _pageSize: number;
  private readonly _now: () => number;
  private readonly _experiments: PagedList<IExperiment, string, IBrowserError>;
  private readonly _poll: Poll;
  private _session: SessionState = { kind: 'connecting' };
  private _permissions: ICallerPermissions | null = null;
  private _noAccess: { experiment: string; message: string } | null = null;
  private _runs: {
    view: IRunsView;
    list: PagedList<IRunRow, IRunsQuery, IBrowserError>;
  } | null = null;
  /** `runs`, built once per change. */
  private _runList: IRunList | null = null;
  private _items: ITableItem[] | null = null;
  private _remembered: IRememberedState = {};
  private _active = false;
  private _started = false;
  /** Counts session evaluations: only the latest one goes on. */
  private readonly _sessionChecks: SessionChecks;
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

/** The runs search for what the user chose to see. */
function runsQuery(view: IRunsView): IRunsQuery {
  return {
    experimentId: view.experiment.experiment_id,
    filter: view.filter,
    // The duration, which MLflow cannot sort by, is sorted here among
    // pages in MLflow's default order.
    orderBy: orderByOf(view.sort) ?? orderByOf(DEFAULT_SORT) ?? []
  };
}

/** The set with `id` in it (`present`) or not. */
function withOrWithout(
  set: ReadonlySet<string>,
  id: string,
  present: boolean
): ReadonlySet<string> {
  const next = new Set(set);
  if (present) {
    next.add(id);
  } else {
    next.delete(id);
  }
  return next;
}

/** The set with `id` added, or removed if it was there. */
function toggled(set: ReadonlySet<string>, id: string): ReadonlySet<string> {
  const next = new Set(set);
  if (!next.delete(id)) {
    next.add(id);
  }
  return next;
}

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
    const kind = badInput
      ? 'filter'
      : isTeamRefusal(reason)
        ? 'noAccess'
        : reason.kind;
    return { kind, message: reason.message };
  }
  return {
    kind: 'unreachable',
    message: reason instanceof Error ? reason.message : String(reason)
  };
}
