/**
 * The model registry calls of the models view, typed, through the gateway
 * with the user's token. Only the fields the view reads are declared.
 */
import { IApiOptions, callMlflow } from '../api';
import { IPage, likeLiteral } from '../runs/mlflow';
import { pythonString } from '../runs/table';

/** A registered model as `registered-models/search` returns it. */
export interface IRegisteredModel {
  readonly name: string;
  readonly description?: string;
  readonly last_updated_timestamp?: number;
  /** The latest version of each stage (`None` included). */
  readonly latest_versions?: ReadonlyArray<IModelVersion>;
  readonly aliases?: ReadonlyArray<{
    readonly alias: string;
    readonly version: string;
  }>;
}

/** A model version as `model-versions/search` returns it. */
export interface IModelVersion {
  readonly name: string;
  readonly version: string;
  readonly creation_timestamp?: number;
  readonly last_updated_timestamp?: number;
  /** Who registered the version (the gateway records the caller). */
  readonly user_id?: string;
  readonly current_stage?: string;
  readonly description?: string;
  readonly run_id?: string;
  readonly status?: string;
  readonly aliases?: ReadonlyArray<string>;
}

/** MLflow's stages of a model version (deprecated in MLflow 3, still shown). */
export const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type Stage = (typeof STAGES)[number];

/** The aliases offered first; any other can be typed. */
export const SUGGESTED_ALIASES = ['champion', 'challenger'] as const;

/** The operations behind each change the view offers. */
export const SET_ALIAS_OPERATION = 'registered-models.set-alias';
export const TRANSITION_STAGE_OPERATION = 'model-versions.transition-stage';

/** Registered models by name, optionally those whose name contains `query`. */
export async function searchRegisteredModels(
  api: IApiOptions,
  options: { query?: string; pageToken?: string; maxResults?: number }
): Promise<IPage<IRegisteredModel>> {
  const query = options.query?.trim() ?? '';
  const answer = await callMlflow<{
    registered_models?: IRegisteredModel[];
    next_page_token?: string;
  }>(api, '2.0/mlflow/registered-models/search', {
    query: {
      max_results: String(options.maxResults ?? 100),
      order_by: 'name ASC',
      ...(query === '' ? {} : { filter: `name ILIKE ${likeLiteral(query)}` }),
      ...(options.pageToken ? { page_token: options.pageToken } : {})
    }
  });
  return {
    items: answer?.registered_models ?? [],
    nextPageToken: answer?.next_page_token || null
  };
}

/** A registered model by name. */
export async function getRegisteredModel(
  api: IApiOptions,
  name: string
): Promise<IRegisteredModel> {
  const answer = await callMlflow<{ registered_model: IRegisteredModel }>(
    api,
    '2.0/mlflow/registered-models/get',
    { query: { name } }
  );
  return answer.registered_model;
}

/** A registered model's versions, newest first. */
export async function searchModelVersions(
  api: IApiOptions,
  options: { name: string; pageToken?: string; maxResults?: number }
): Promise<IPage<IModelVersion>> {
  const answer = await callMlflow<{
    model_versions?: IModelVersion[];
    next_page_token?: string;
  }>(api, '2.0/mlflow/model-versions/search', {
    query: {
      filter: `name = ${likeLiteral(options.name, false)}`,
      order_by: 'version_number DESC',
      max_results: String(options.maxResults ?? 20),
      ...(options.pageToken ? { page_token: options.pageToken } : {})
    }
  });
  return {
    items: answer?.model_versions ?? [],
    nextPageToken: answer?.next_page_token || null
  };
}

/** Point `alias` at a version (moving it from the one it pointed at). */
export async function setAlias(
  api: IApiOptions,
  options: { name: string; alias: string; version: string }
): Promise<void> {
  await callMlflow(api, '2.0/mlflow/registered-models/alias', {
    method: 'POST',
    body: options
  });
}

/** Move a version to a stage; other versions keep theirs. */
export async function transitionStage(
  api: IApiOptions,
  options: { name: string; version: string; stage: Stage }
): Promise<void> {
  await callMlflow(api, '2.0/mlflow/model-versions/transition-stage', {
    method: 'POST',
    body: { ...options, archive_existing_versions: false }
  });
}

/** The `models:/` URI of a version, by alias when one is given. */
export function modelUri(
  name: string,
  version: string,
  alias?: string
): string {
  return alias ? `models:/${name}@${alias}` : `models:/${name}/${version}`;
}

/** The code cell that loads a registered model version in a notebook. */
export function loadModelSnippet(
  name: string,
  version: string,
  alias?: string
): string {
  return [
    'import mlflow',
    '',
    `model = mlflow.pyfunc.load_model(${pythonString(modelUri(name, version, alias))})`
  ].join('\n');
}

/** Whether an alias is one MLflow accepts (it refuses `latest` and `v<n>`). */
export function aliasProblem(alias: string): string | null {
  if (alias === '') {
    return 'empty';
  }
  if (!/^[\w-]+$/.test(alias)) {
    return 'characters';
  }
  if (/^(latest|v\d+)$/i.test(alias)) {
    return 'reserved';
  }
  return null;
}
