import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { MlflowApiError } from '../api';
import {
  AccessLevel,
  EVERYONE,
  IAccessAnswer,
  IAccessClient,
  IAccessResource,
  IResourceAccess
} from './mlflow';

/** Where the Access view stands. */
export type AccessState =
  | { readonly kind: 'loading' }
  /** `noAccess`: the resource is restricted to teams the caller is not in. */
  | { readonly kind: 'failed'; readonly message: string; noAccess: boolean }
  | {
      readonly kind: 'ready';
      readonly access: IResourceAccess;
      readonly canManage: boolean;
    };

/**
 * The Access view's state for one experiment or registered model: who has
 * access, and the grants and revocations its managers make, one at a time.
 */
export class AccessModel implements IDisposable {
  constructor(options: AccessModel.IOptions) {
    this._client = options.client;
    this.resource = options.resource;
  }

  readonly resource: IAccessResource;

  get changed(): ISignal<AccessModel, void> {
    return this._changed;
  }

  get state(): AccessState {
    return this._state;
  }

  /** Whether a grant or revocation is under way. */
  get busy(): boolean {
    return this._busy;
  }

  /** Why the last change failed, in words; `null` after a success. */
  get problem(): string | null {
    return this._problem;
  }

  /** How many changes went through since the view opened. */
  get changes(): number {
    return this._changes;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Ask who has access (again). */
  async load(): Promise<void> {
    this._set({ kind: 'loading' });
    try {
      this._ready(await this._client.get(this.resource));
    } catch (reason) {
      const error = reason as Error;
      this._set({
        kind: 'failed',
        message: error.message ?? String(reason),
        noAccess:
          error instanceof MlflowApiError &&
          error.errorCode === 'RESOURCE_DOES_NOT_EXIST'
      });
    }
  }

  /** Give `team` (or `everyone`) `level`; whether it went through. */
  grant(team: string, level: AccessLevel): Promise<boolean> {
    return this._change(() => this._client.grant(this.resource, team, level));
  }

  /** Take `team`'s grant away; `everyone` restricts the resource. */
  revoke(team: string): Promise<boolean> {
    return this._change(() => this._client.revoke(this.resource, team));
  }

  /** Restrict the resource to its teams, its creator and admins. */
  restrict(): Promise<boolean> {
    return this.revoke(EVERYONE);
  }

  /** Open the resource again: everyone reaches it as their roles allow. */
  open(): Promise<boolean> {
    return this.grant(EVERYONE, 'manage');
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    Signal.clearData(this);
  }

  private async _change(call: () => Promise<IAccessAnswer>): Promise<boolean> {
    if (this._busy || this._state.kind !== 'ready') {
      return false;
    }
    this._busy = true;
    this._problem = null;
    this._emit();
    try {
      this._ready(await call());
      this._changes += 1;
      return true;
    } catch (reason) {
      this._problem = (reason as Error).message ?? String(reason);
      return false;
    } finally {
      this._busy = false;
      this._emit();
    }
  }

  private _ready(answer: IAccessAnswer): void {
    this._set({
      kind: 'ready',
      access: answer.access,
      canManage: answer.canManage
    });
  }

  private _set(state: AccessState): void {
    this._state = state;
    this._emit();
  }

  private _emit(): void {
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  private readonly _client: IAccessClient;
  private _state: AccessState = { kind: 'loading' };
  private _busy = false;
  private _problem: string | null = null;
  private _changes = 0;
  private _isDisposed = false;
  private readonly _changed = new Signal<AccessModel, void>(this);
}

export namespace AccessModel {
  export interface IOptions {
    client: IAccessClient;
    resource: IAccessResource;
  }
}
