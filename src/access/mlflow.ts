/**
 * Team permissions through the gateway: who has access to an experiment or
 * a registered model, and the grants and revocations of its managers
 * (`docs/team-permissions.md`, answered by the MLflow server app).
 */
import { IApiOptions, MlflowApiError, callMlflow } from '../api';

/** The kinds of resource a team may be given, as the API names them. */
export type AccessKind = 'experiment' | 'registered-model';

/** What a team's grant lets its members do, lowest first. */
export const ACCESS_LEVELS = ['read', 'edit', 'manage'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

/** The grantee that stands for every caller: a resource given to it is open. */
export const EVERYONE = 'everyone';

/** The operations of the permission model behind the three calls. */
export const ACCESS_GET_OPERATION = 'access.get';
export const ACCESS_GRANT_OPERATION = 'access.grant';

/** A team's name, as the server accepts it (`server/teams.py`). */
const TEAM_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** An experiment (by id) or a registered model (by name). */
export interface IAccessResource {
  readonly kind: AccessKind;
  readonly id: string;
  /** How the resource is shown: an experiment's name, a model's name. */
  readonly label: string;
}

/** Who has access to a resource, as `access/get` answers it. */
export interface IResourceAccess {
  readonly kind: AccessKind;
  readonly id: string;
  /** Restricted: only its teams, its creator and admins reach it. */
  readonly restricted: boolean;
  /** The teams' grants; `everyone` among them when it is open. */
  readonly teams: ReadonlyArray<{ team: string; level: AccessLevel }>;
  /** Users with a grant of their own (its creator). */
  readonly users: ReadonlyArray<{ user: string; level: AccessLevel }>;
}

export interface IAccessAnswer {
  readonly access: IResourceAccess;
  /** Whether the caller may grant and revoke. */
  readonly canManage: boolean;
}

/** Why `name` cannot be given access, or `null` when it can. */
export function teamNameProblem(name: string): string | null {
  if (name === EVERYONE) {
    return null;
  }
  return TEAM_NAME.test(name)
    ? null
    : 'use letters, digits, “.”, “_” and “-”, starting with a letter or digit';
}

/**
 * Whether `error` is a refusal of team permissions: the resource is
 * restricted to teams the caller is not in, or needs a higher level.
 */
export function isTeamRefusal(error: unknown): boolean {
  return (
    error instanceof MlflowApiError &&
    error.kind === 'forbidden' &&
    error.reason === 'teams'
  );
}

/** What the Access view asks of the gateway; tests give another. */
export interface IAccessClient {
  get(resource: IAccessResource): Promise<IAccessAnswer>;
  grant(
    resource: IAccessResource,
    team: string,
    level: AccessLevel
  ): Promise<IAccessAnswer>;
  revoke(resource: IAccessResource, team: string): Promise<IAccessAnswer>;
}

/** The calls through the gateway, with the user's token. */
export function gatewayAccessClient(api: IApiOptions): IAccessClient {
  const route = (action: string) => `2.0/studio-mlflow/access/${action}`;
  return {
    get: ({ kind, id }) =>
      callMlflow<IAccessAnswer>(api, route('get'), { query: { kind, id } }),
    grant: ({ kind, id }, team, level) =>
      callMlflow<IAccessAnswer>(api, route('grant'), {
        method: 'POST',
        body: { kind, id, team, level }
      }),
    revoke: ({ kind, id }, team) =>
      callMlflow<IAccessAnswer>(api, route('revoke'), {
        method: 'POST',
        body: { kind, id, team }
      })
  };
}
