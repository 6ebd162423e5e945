/**
 * The MLflow calls the run browser makes, typed, through the gateway with
 * the user's token. Only the fields the run browser reads are declared.
 */
import { IApiOptions, MlflowApiError, callMlflow } from '../api';
import type { ICallerPermissions } from '../contract';

export { callerPermissions } from '../api';

export interface IExperiment {
  readonly experiment_id: string;
  readonly name: string;
  readonly lifecycle_stage?: string;
  readonly last_update_time?: number;
}

interface IKeyValue<T> {
  readonly key: string;
  readonly value: T;
}

/** A run as `runs/search` returns it. */
export interface IRunJson {
  readonly info: {
    readonly run_id: string;
    readonly experiment_id: string;
    readonly run_name?: string;
    readonly user_id?: string;
    readonly status?: string;
    readonly start_time?: number;
    readonly end_time?: number;
  };
  readonly data?: {
    readonly metrics?: ReadonlyArray<IKeyValue<number> & { step?: number }>;
    readonly params?: ReadonlyArray<IKeyValue<string>>;
    readonly tags?: ReadonlyArray<IKeyValue<string>>;
  };
  readonly outputs?: {
    readonly model_outputs?: ReadonlyArray<{ readonly model_id: string }>;
  };
}

/** One page of a search and the token of the next, if any. */
export interface IPage<T> {
  readonly items: T[];
  readonly nextPageToken: string | null;
}

export type { ICallerPermissions };

/** The operations that registering a run's model takes. */
export const REGISTER_MODEL_OPERATIONS = [
  'registered-models.create',
  'model-versions.create'
] as const;

/**
 * Experiments by last update, optionally those whose name contains `query`
 * (any case).
 */
export async function searchExperiments(
  api: IApiOptions,
  options: { query?: string; pageToken?: string; maxResults?: number }
): Promise<IPage<IExperiment>> {
  const query = options.query?.trim() ?? '';
  const answer = await callMlflow<{
    experiments?: IExperiment[];
    next_page_token?: string;
  }>(api, '2.0/mlflow/experiments/search', {
    method: 'POST',
    body: {
      max_results: options.maxResults ?? 100,
      order_by: ['last_update_time DESC'],
      view_type: 'ACTIVE_ONLY',
      ...(query === '' ? {} : { filter: `name ILIKE ${likeLiteral(query)}` }),
      ...(options.pageToken ? { page_token: options.pageToken } : {})
    }
  });
  return {
    items: answer?.experiments ?? [],
    nextPageToken: answer?.next_page_token || null
  };
}

/** An experiment by ID (digits) or else by name; `null` when there is none. */
export async function findExperiment(
  api: IApiOptions,
  idOrName: string
): Promise<IExperiment | null> {
  try {
    const answer = /^\d+$/.test(idOrName)
      ? await callMlflow<{ experiment: IExperiment }>(
          api,
          '2.0/mlflow/experiments/get',
          { query: { experiment_id: idOrName } }
        )
      : await callMlflow<{ experiment: IExperiment }>(
          api,
          '2.0/mlflow/experiments/get-by-name',
          { query: { experiment_name: idOrName } }
        );
    return answer.experiment.lifecycle_stage === 'deleted'
      ? null
      : answer.experiment;
  } catch (reason) {
    if (
      reason instanceof MlflowApiError &&
      reason.errorCode === 'RESOURCE_DOES_NOT_EXIST'
    ) {
      return null;
    }
    throw reason;
  }
}

/** One page of an experiment's runs. */
export async function searchRuns(
  api: IApiOptions,
  options: {
    experimentId: string;
    filter?: string;
    orderBy?: string[];
    pageToken?: string;
    maxResults?: number;
  }
): Promise<IPage<IRunJson>> {
  const answer = await callMlflow<{
    runs?: IRunJson[];
    next_page_token?: string;
  }>(api, '2.0/mlflow/runs/search', {
    method: 'POST',
    body: {
      experiment_ids: [options.experimentId],
      filter: options.filter ?? '',
      run_view_type: 'ACTIVE_ONLY',
      max_results: options.maxResults ?? 100,
      order_by: options.orderBy ?? [],
      ...(options.pageToken ? { page_token: options.pageToken } : {})
    }
  });
  return {
    items: answer?.runs ?? [],
    nextPageToken: answer?.next_page_token || null
  };
}

/** The current state of some runs of an experiment, by id. */
export async function getRuns(
  api: IApiOptions,
  experimentId: string,
  runIds: ReadonlyArray<string>
): Promise<IRunJson[]> {
  if (runIds.length === 0) {
    return [];
  }
  const ids = runIds.map(id => likeLiteral(id, false)).join(', ');
  const page = await searchRuns(api, {
    experimentId,
    filter: `attributes.run_id IN (${ids})`,
    maxResults: runIds.length
  });
  return page.items;
}

/** The name (artifact path) under which a logged model is stored in its run. */
export async function loggedModelName(
  api: IApiOptions,
  modelId: string
): Promise<string> {
  const answer = await callMlflow<{ model: { info: { name: string } } }>(
    api,
    `2.0/mlflow/logged-models/${encodeURIComponent(modelId)}`
  );
  return answer.model.info.name;
}

/** The names of the registered models, for the register dialog. */
export async function registeredModelNames(
  api: IApiOptions
): Promise<string[]> {
  const answer = await callMlflow<{
    registered_models?: { name: string }[];
  }>(api, '2.0/mlflow/registered-models/search', {
    query: { max_results: '1000' }
  });
  return (answer?.registered_models ?? []).map(model => model.name).sort();
}

/**
 * Register a run's logged model as a new version of `name`, creating the
 * registered model when it does not exist yet.
 *
 * @returns the new version number.
 */
export async function registerModel(
  api: IApiOptions,
  options: { name: string; runId: string; modelId: string }
): Promise<string> {
  try {
    await callMlflow(api, '2.0/mlflow/registered-models/create', {
      method: 'POST',
      body: { name: options.name }
    });
  } catch (reason) {
    if (!(
      reason instanceof MlflowApiError &&
      reason.errorCode === 'RESOURCE_ALREADY_EXISTS'
    )) {
      throw reason;
    }
  }
  const answer = await callMlflow<{ model_version: { version: string } }>(
    api,
    '2.0/mlflow/model-versions/create',
    {
      method: 'POST',
      body: {
        name: options.name,
        source: `models:/${options.modelId}`,
        run_id: options.runId,
        model_id: options.modelId
      }
    }
  );
  return answer.model_version.version;
}

/** The versions of registered model `name` that came from run `runId`. */
export async function modelVersionsOfRun(
  api: IApiOptions,
  name: string,
  runId: string
): Promise<string[]> {
  const answer = await callMlflow<{
    model_versions?: { version: string }[];
  }>(api, '2.0/mlflow/model-versions/search', {
    query: {
      filter: `name = ${likeLiteral(name, false)} and run_id = ${likeLiteral(runId, false)}`,
      max_results: '1000'
    }
  });
  return (answer?.model_versions ?? []).map(version => version.version);
}

/**
 * A string literal of MLflow's filter syntax, wrapped in `%` for LIKE when
 * `contains`. MLflow's filter parser has no escapes, so the literal is
 * quoted with a quote it does not contain (a text with both loses its
 * double quotes); `%` and `_` stay LIKE's wildcards.
 */
export function likeLiteral(text: string, contains = true): string {
  const body = contains ? `%${text}%` : text;
  if (!body.includes("'")) {
    return `'${body}'`;
  }
  return `"${body.replace(/"/g, '')}"`;
}
