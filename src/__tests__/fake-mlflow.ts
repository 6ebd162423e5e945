/**
 * MLflow in memory for the run browser's tests, and a model wired to it.
 */
import { MlflowApiError } from '../api';
import { IRunBrowserClient } from '../runs/client';
import {
  ICallerPermissions,
  IExperiment,
  IPage,
  IRunJson
} from '../runs/mlflow';
import { IRememberedState, IStateStore, RunBrowserModel } from '../runs/model';

import { CONFIGURED, FakeAuth, FakeSettings, accessToken } from './fakes';

export const settle = async () => {
  for (let i = 0; i < 5; i++) {
    await new Promise(resolve => setTimeout(resolve, 0));
  }
};

export const CHURN: IExperiment = {
  experiment_id: '1',
  name: 'churn-prediction'
};
export const VISION: IExperiment = {
  experiment_id: '2',
  name: 'image-classifier'
};

export interface IFakeRun {
  id: string;
  rmse: number;
  start: number;
  status?: string;
  /** How long it ran, in ms (1 s unless given); running runs have no end. */
  duration?: number;
  parent?: string;
  model?: string;
}

export function runJson(run: IFakeRun): IRunJson {
  return {
    info: {
      run_id: run.id,
      experiment_id: '1',
      run_name: run.id,
      user_id: 'admin',
      status: run.status ?? 'FINISHED',
      start_time: run.start,
      end_time:
        run.status === 'RUNNING'
          ? undefined
          : run.start + (run.duration ?? 1000)
    },
    data: {
      metrics: [{ key: 'rmse', value: run.rmse }],
      params: [{ key: 'model', value: 'xgb' }],
      tags: run.parent ? [{ key: 'mlflow.parentRunId', value: run.parent }] : []
    },
    outputs: run.model ? { model_outputs: [{ model_id: run.model }] } : {}
  };
}

/** What the MLflow server app answers a caller outside a resource's teams. */
export function teamRefusal(): MlflowApiError {
  return new MlflowApiError(
    'forbidden',
    'You may not get an experiment here: it is restricted to teams, and yours (teams: none) have no access or too low a level. Ask its managers (Access in the run browser) or an MLflow administrator to grant one of your teams access.',
    403,
    'PERMISSION_DENIED',
    'teams'
  );
}

/**
 * MLflow in memory: runs of one experiment, paged by offset, ordered by
 * rmse or start time, and filtered by `metrics.rmse < N` (any other filter
 * is refused, as MLflow refuses what it cannot parse).
 */
export class FakeMlflow implements IRunBrowserClient {
  runs: IFakeRun[] = [];
  operations: string[] = ['experiments.search', 'runs.search'];
  experiments: IExperiment[] = [CHURN, VISION];
  searches: { filter?: string; orderBy?: string[]; pageToken?: string }[] = [];
  polled: string[][] = [];
  failNext: Error | null = null;
  /** Experiments (by id or name) restricted to teams the caller is not in. */
  restricted = new Set<string>();
  registered: { name: string; runId: string; modelId: string }[] = [];

  async permissions(): Promise<ICallerPermissions> {
    this.maybeFail();
    return {
      principal: 'reader',
      groups: ['readers'],
      roles: ['readers'],
      operations: this.operations
    };
  }

  async searchExperiments(options: {
    query?: string;
  }): Promise<IPage<IExperiment>> {
    this.maybeFail();
    const query = (options.query ?? '').toLowerCase();
    return {
      items: this.experiments.filter(e => e.name.includes(query)),
      nextPageToken: null
    };
  }

  async findExperiment(idOrName: string): Promise<IExperiment | null> {
    this.maybeFail();
    if (this.restricted.has(idOrName)) {
      throw teamRefusal();
    }
    return (
      this.experiments.find(
        e => e.experiment_id === idOrName || e.name === idOrName
      ) ?? null
    );
  }

  async searchRuns(options: {
    filter?: string;
    orderBy?: string[];
    pageToken?: string;
    maxResults?: number;
  }): Promise<IPage<IRunJson>> {
    this.searches.push(options);
    this.maybeFail();
    let runs = [...this.runs];
    const filter = options.filter ?? '';
    if (filter !== '') {
      const match = /^metrics\.rmse < ([\d.]+)$/.exec(filter);
      if (!match) {
        throw new MlflowApiError(
          'mlflow',
          `Invalid clause(s) in filter string: '${filter}'`,
          400,
          'INVALID_PARAMETER_VALUE'
        );
      }
      runs = runs.filter(run => run.rmse < Number(match[1]));
    }
    const [first] = options.orderBy ?? [];
    const [field, direction] = (first ?? 'attributes.start_time DESC').split(
      ' '
    );
    const key = (run: IFakeRun) =>
      field === 'metrics.rmse' ? run.rmse : run.start;
    runs.sort((a, b) => (key(a) - key(b)) * (direction === 'DESC' ? -1 : 1));
    const offset = Number(options.pageToken ?? '0');
    const size = options.maxResults ?? 100;
    const end = offset + size;
    return {
      items: runs.slice(offset, end).map(runJson),
      nextPageToken: end < runs.length ? String(end) : null
    };
  }

  async getRuns(_: string, runIds: ReadonlyArray<string>): Promise<IRunJson[]> {
    this.polled.push([...runIds]);
    return this.runs.filter(run => runIds.includes(run.id)).map(runJson);
  }

  async loggedModelName(): Promise<string> {
    return 'model';
  }

  registeredModels: string[] = [];

  async registeredModelNames(): Promise<string[]> {
    return this.registeredModels;
  }

  async modelVersionsOfRun(name: string, runId: string): Promise<string[]> {
    return this.registered
      .filter(version => version.name === name && version.runId === runId)
      .map((_, index) => String(index + 1));
  }

  async registerModel(options: {
    name: string;
    runId: string;
    modelId: string;
  }): Promise<string> {
    this.registered.push(options);
    return '3';
  }

  private maybeFail(): void {
    const failure = this.failNext;
    this.failNext = null;
    if (failure) {
      throw failure;
    }
  }
}

export class MemoryStore implements IStateStore {
  state: IRememberedState | undefined;
  async load() {
    return this.state;
  }
  async save(state: IRememberedState) {
    this.state = JSON.parse(JSON.stringify(state));
  }
}

export const lastOrder = (mlflow: FakeMlflow) =>
  mlflow.searches[mlflow.searches.length - 1]?.orderBy?.[0];

export function manyRuns(count: number): IFakeRun[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `run-${String(i).padStart(5, '0')}`,
    rmse: ((i * 37) % 100) / 100,
    start: 1_000_000 + i * 1000
  }));
}

export async function setup(
  options: {
    runs?: IFakeRun[];
    config?: Partial<typeof CONFIGURED>;
    store?: MemoryStore;
    signedIn?: boolean;
    pageSize?: number;
    pollMs?: number;
    /** What the caller's roles allow (`experiments.search` and `runs.search`). */
    operations?: string[];
    /** Experiments restricted to teams the caller is not in. */
    restricted?: string[];
  } = {}
) {
  const settings = new FakeSettings({ ...CONFIGURED, ...options.config });
  const auth = new FakeAuth();
  if (options.signedIn !== false) {
    auth.set('signed-in', accessToken('reader', ['readers']));
  }
  const mlflow = new FakeMlflow();
  mlflow.runs = options.runs ?? [];
  mlflow.operations = options.operations ?? mlflow.operations;
  mlflow.restricted = new Set(options.restricted ?? []);
  const model = new RunBrowserModel({
    settings,
    auth,
    client: mlflow,
    store: options.store,
    pageSize: options.pageSize ?? 10,
    pollMs: options.pollMs ?? 20
  });
  model.active = true;
  await settle();
  return { settings, auth, mlflow, model };
}
