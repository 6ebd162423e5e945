/**
 * A model registry in memory, behind the models view's client interface,
 * with the gateway's permission answer of a role.
 */
import { MlflowApiError } from '../api';
import { IModelsClient } from '../models/client';
import { IModelVersion, IRegisteredModel, Stage } from '../models/mlflow';
import { ModelsModel } from '../models/model';
import { ICallerPermissions, IPage } from '../runs/mlflow';
import { FakeAuth, FakeSettings, CONFIGURED, accessToken } from './fakes';
import { settle } from './fake-mlflow';

export const APPROVER_OPERATIONS = [
  'model-versions.search',
  'model-versions.transition-stage',
  'registered-models.search',
  'registered-models.set-alias'
];
export const READER_OPERATIONS = [
  'model-versions.search',
  'registered-models.search'
];

export class FakeRegistry implements IModelsClient {
  operations: string[] = READER_OPERATIONS;
  /** Versions by model name, oldest first. */
  models = new Map<string, IModelVersion[]>();
  aliases = new Map<string, Map<string, string>>();
  pageSize = 100;
  calls: string[] = [];
  failNext: Error | null = null;

  add(name: string, versions: number, user = 'admin'): void {
    this.models.set(
      name,
      Array.from({ length: versions }, (_, i) => ({
        name,
        version: String(i + 1),
        user_id: user,
        creation_timestamp: Date.UTC(2026, 10, 24, 13, i),
        current_stage: 'None'
      }))
    );
    this.aliases.set(name, new Map());
  }

  async permissions(): Promise<ICallerPermissions> {
    this.calls.push('permissions');
    return {
      principal: 'reader',
      groups: ['readers'],
      roles: ['readers'],
      operations: this.operations
    };
  }

  async searchModels(options: {
    query?: string;
    pageToken?: string;
  }): Promise<IPage<IRegisteredModel>> {
    this.calls.push(`searchModels:${options.query ?? ''}`);
    this._failIfAsked();
    const names = [...this.models.keys()]
      .filter(name => name.includes(options.query ?? ''))
      .sort();
    const start = Number(options.pageToken ?? 0);
    const page = names.slice(start, start + this.pageSize);
    return {
      items: page.map(name => this._model(name)),
      nextPageToken:
        start + this.pageSize < names.length
          ? String(start + this.pageSize)
          : null
    };
  }

  async getModel(name: string): Promise<IRegisteredModel> {
    this.calls.push(`getModel:${name}`);
    return this._model(name);
  }

  async searchVersions(options: {
    name: string;
    pageToken?: string;
  }): Promise<IPage<IModelVersion>> {
    this.calls.push(`searchVersions:${options.name}`);
    this._failIfAsked();
    // As MLflow's search: newest first, without the aliases.
    const versions = [...(this.models.get(options.name) ?? [])].reverse();
    return { items: versions, nextPageToken: null };
  }

  async setAlias(options: {
    name: string;
    alias: string;
    version: string;
  }): Promise<void> {
    this.calls.push(`setAlias:${options.alias}=${options.version}`);
    this._failIfAsked();
    this.aliases.get(options.name)!.set(options.alias, options.version);
  }

  async transitionStage(options: {
    name: string;
    version: string;
    stage: Stage;
  }): Promise<void> {
    this.calls.push(`transitionStage:${options.version}=${options.stage}`);
    this._failIfAsked();
    const versions = this.models.get(options.name)!;
    this.models.set(
      options.name,
      versions.map(v =>
        v.version === options.version
          ? { ...v, current_stage: options.stage }
          : v
      )
    );
  }

  private _model(name: string): IRegisteredModel {
    const versions = this.models.get(name) ?? [];
    return {
      name,
      latest_versions: versions.slice(-1),
      aliases: [...(this.aliases.get(name) ?? new Map()).entries()].map(
        ([alias, version]) => ({ alias, version })
      )
    };
  }

  private _failIfAsked(): void {
    const failure = this.failNext;
    if (failure) {
      this.failNext = null;
      throw failure;
    }
  }
}

export const refusal = (message: string) =>
  new MlflowApiError('forbidden', message, 403, 'PERMISSION_DENIED');

/** A models model over a fake registry, shown and signed in (unless not). */
export async function setupModels(
  options: {
    operations?: string[];
    signedIn?: boolean;
    /** Whether the sidebar is shown (it is unless `false`). */
    shown?: boolean;
    config?: Partial<typeof CONFIGURED>;
    fill?: (registry: FakeRegistry) => void;
  } = {}
) {
  const settings = new FakeSettings({ ...CONFIGURED, ...options.config });
  const auth = new FakeAuth();
  if (options.signedIn !== false) {
    auth.set('signed-in', accessToken('reader', ['readers']));
  }
  const registry = new FakeRegistry();
  registry.operations = options.operations ?? READER_OPERATIONS;
  if (options.fill) {
    options.fill(registry);
  } else {
    registry.add('churn-classifier', 2);
    registry.aliases.get('churn-classifier')!.set('champion', '2');
  }
  const model = new ModelsModel({ settings, auth, client: registry });
  if (options.shown !== false) {
    model.active = true;
  }
  await settle();
  return { settings, auth, registry, model };
}
