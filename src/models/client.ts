import { IApiOptions } from '../api';
import { ICallerPermissions, IPage, callerPermissions } from '../runs/mlflow';
import * as registry from './mlflow';

/**
 * What the models view asks of MLflow and the gateway; one implementation
 * talks to the gateway, tests give another.
 */
export interface IModelsClient {
  permissions(): Promise<ICallerPermissions>;
  searchModels(options: {
    query?: string;
    pageToken?: string;
  }): Promise<IPage<registry.IRegisteredModel>>;
  getModel(name: string): Promise<registry.IRegisteredModel>;
  searchVersions(options: {
    name: string;
    pageToken?: string;
  }): Promise<IPage<registry.IModelVersion>>;
  setAlias(options: {
    name: string;
    alias: string;
    version: string;
  }): Promise<void>;
  transitionStage(options: {
    name: string;
    version: string;
    stage: registry.Stage;
  }): Promise<void>;
}

/** The models view's calls through the gateway, with the user's token. */
export function gatewayModelsClient(api: IApiOptions): IModelsClient {
  return {
    permissions: () => callerPermissions(api),
    searchModels: options => registry.searchRegisteredModels(api, options),
    getModel: name => registry.getRegisteredModel(api, name),
    searchVersions: options => registry.searchModelVersions(api, options),
    setAlias: options => registry.setAlias(api, options),
    transitionStage: options => registry.transitionStage(api, options)
  };
}
