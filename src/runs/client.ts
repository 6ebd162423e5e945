import { IApiOptions } from '../api';
import * as mlflow from './mlflow';

/**
 * What the run browser asks of MLflow and the gateway; one implementation
 * talks to the gateway, tests give another.
 */
export interface IRunBrowserClient {
  permissions(): Promise<mlflow.ICallerPermissions>;
  searchExperiments(options: {
    query?: string;
    pageToken?: string;
  }): Promise<mlflow.IPage<mlflow.IExperiment>>;
  findExperiment(idOrName: string): Promise<mlflow.IExperiment | null>;
  searchRuns(options: {
    experimentId: string;
    filter?: string;
    orderBy?: string[];
    pageToken?: string;
    maxResults?: number;
  }): Promise<mlflow.IPage<mlflow.IRunJson>>;
  getRuns(
    experimentId: string,
    runIds: ReadonlyArray<string>
  ): Promise<mlflow.IRunJson[]>;
  loggedModelName(modelId: string): Promise<string>;
  registeredModelNames(): Promise<string[]>;
  registerModel(options: {
    name: string;
    runId: string;
    modelId: string;
  }): Promise<string>;
  modelVersionsOfRun(name: string, runId: string): Promise<string[]>;
}

/** The run browser's calls through the gateway, with the user's token. */
export function gatewayClient(api: IApiOptions): IRunBrowserClient {
  return {
    permissions: () => mlflow.callerPermissions(api),
    searchExperiments: options => mlflow.searchExperiments(api, options),
    findExperiment: idOrName => mlflow.findExperiment(api, idOrName),
    searchRuns: options => mlflow.searchRuns(api, options),
    getRuns: (experimentId, runIds) =>
      mlflow.getRuns(api, experimentId, runIds),
    loggedModelName: modelId => mlflow.loggedModelName(api, modelId),
    registeredModelNames: () => mlflow.registeredModelNames(api),
    registerModel: options => mlflow.registerModel(api, options),
    modelVersionsOfRun: (name, runId) =>
      mlflow.modelVersionsOfRun(api, name, runId)
  };
}
