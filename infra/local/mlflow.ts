import * as fs from 'node:fs';
import * as path from 'node:path';

import { rolesTable } from '../src/permissions/export';
import { type PermissionsConfig, compileRoles } from '../src/permissions/roles';
import {
  PATHS,
  type Ports,
  allowedOrigins,
  localPrincipal,
  urlOf
} from './config';
import {
  type PostgresServer,
  postgresEnvironment,
  postgresUri
} from './postgres';
import { type LocalState, roleOf } from './stack';

/** The `mlflow.app` entry point of our Python package (`sagemaker_studio_mlflow.server`). */
export const MLFLOW_APP_NAME = 'sagemaker-studio-mlflow';

/** The MLflow server app's configuration, all in its environment. */
export const MLFLOW_APP_ENV = {
  proof: 'STUDIO_MLFLOW_GATEWAY_PROOF',
  roles: 'STUDIO_MLFLOW_ROLES',
  identities: 'STUDIO_MLFLOW_IDENTITIES',
  auditLog: 'STUDIO_MLFLOW_AUDIT_LOG',
  authDatabase: 'STUDIO_MLFLOW_AUTH_DATABASE_URI'
} as const;

/** Who an IAM principal is to MLflow: a user, their roles and teams. */
export interface MlflowIdentity {
  user: string;
  roles: string[];
  teams: string[];
}

/**
 * Each seeded user's access key is that user's identity: the gateway names
 * the key's principal, and MLflow finds the user and the role here.
 */
export function mlflowIdentities(
  state: Pick<LocalState, 'users'>
): Record<string, MlflowIdentity> {
  return Object.fromEntries(
    Object.entries(state.users).map(([key, user]) => [
      localPrincipal(user.username),
      { user: user.username, roles: [roleOf(key, user)], teams: user.teams }
    ])
  );
}

/**
 * The one setting of MLflow's entry point the local stack gives itself:
 * workers for this machine's 2 cores (the container's default is for
 * Fargate's task; docs/operations.md). The rest is the entry point's.
 */
export const LOCAL_MLFLOW_SETTINGS = {
  STUDIO_MLFLOW_WORKERS: '2'
} as const;

/** MLflow's backend store: a SQLite file, or the stack's PostgreSQL. */
export type LocalDatabase =
  { kind: 'sqlite' } | { kind: 'postgres'; server: PostgresServer };

/** `.local/stack.json`'s `database`: what a test needs to read or stop it. */
export type DatabaseDescription =
  | { kind: 'sqlite'; uri: string; path: string }
  | {
      kind: 'postgres';
      uri: string;
      port: number;
      dataDir: string;
      binDir: string;
      /** The system user the server runs as (when the stack runs as root). */
      osUser?: string;
    };

export function sqliteFile(paths: Pick<typeof PATHS, 'mlflow'> = PATHS) {
  return `${paths.mlflow}/mlflow.db`;
}

export function describeDatabase(
  database: LocalDatabase,
  paths: Pick<typeof PATHS, 'mlflow'> = PATHS
): DatabaseDescription {
  if (database.kind === 'sqlite') {
    const file = sqliteFile(paths);
    return { kind: 'sqlite', uri: `sqlite:///${file}`, path: file };
  }
  const { server } = database;
  return {
    kind: 'postgres',
    uri: postgresUri(server),
    port: server.port,
    dataDir: server.dataDir,
    binDir: server.binDir,
    ...(server.osUser ? { osUser: server.osUser } : {})
  };
}

/** The entry point's database variables: the ECS task's DB_* for PostgreSQL. */
function databaseEnvironment(
  database: LocalDatabase,
  paths: Pick<typeof PATHS, 'mlflow'>
): Record<string, string> {
  // On PostgreSQL the entry point names the auth store's database itself.
  return database.kind === 'postgres'
    ? postgresEnvironment(database.server)
    : {
        MLFLOW_BACKEND_STORE_URI: describeDatabase(database, paths).uri,
        [MLFLOW_APP_ENV.authDatabase]: `sqlite:///${paths.mlflow}/auth.db`
      };
}

export interface MlflowLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * How the local stack runs MLflow: the container image's entry point
 * (`mlflow server` with the same workers, pool and timeouts) with our app, which
 * refuses every request without the gateway's proof (but `GET /health`,
 * the readiness check), decides it again from the same roles as the
 * gateway, and writes its audit events to `paths.auditLog`.
 */
export function mlflowLaunch(
  ports: Ports,
  state: Pick<LocalState, 'users' | 'gatewayProof'>,
  permissions: PermissionsConfig,
  database: LocalDatabase = { kind: 'sqlite' },
  paths: Pick<
    typeof PATHS,
    'venvBin' | 'mlflow' | 'auditLog' | 'packageDir' | 'mlflowEntrypoint'
  > = PATHS
): MlflowLaunch {
  return {
    command: `${paths.venvBin}/python`,
    args: [
      paths.mlflowEntrypoint,
      // After the entry point's own options: these win.
      '--host',
      '127.0.0.1',
      '--port',
      String(ports.mlflow),
      '--artifacts-destination',
      `${paths.mlflow}/artifacts`,
      // Behind the gateway, browsers call from JupyterLab's origin (the
      // run browser) or the gateway's own (the MLflow UI in the panel,
      // whose writes carry that Origin): MLflow's own check must agree.
      '--cors-allowed-origins',
      [...allowedOrigins(ports), urlOf(ports.gateway)].join(',')
    ],
    env: {
      ...LOCAL_MLFLOW_SETTINGS,
      ...databaseEnvironment(database, paths),
      // The entry point starts `mlflow` from the PATH, as in the image.
      PATH: `${paths.venvBin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      // The job runner (GenAI evaluation jobs) starts seven worker processes;
      // nothing local needs it.
      MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false',
      // The app's code from this checkout, whichever checkout the venv's
      // editable install points to.
      PYTHONPATH: [path.dirname(paths.packageDir), process.env.PYTHONPATH]
        .filter(Boolean)
        .join(':'),
      [MLFLOW_APP_ENV.proof]: state.gatewayProof,
      [MLFLOW_APP_ENV.roles]: JSON.stringify(
        rolesTable(compileRoles(permissions))
      ),
      [MLFLOW_APP_ENV.identities]: JSON.stringify(mlflowIdentities(state)),
      [MLFLOW_APP_ENV.auditLog]: paths.auditLog
    }
  };
}

/** Makes the folders MLflow writes to; the audit trail's is the owner's alone. */
export function prepareMlflowFolders(
  paths: Pick<typeof PATHS, 'mlflow' | 'auditLog'> = PATHS
): void {
  fs.mkdirSync(`${paths.mlflow}/artifacts`, { recursive: true });
  const auditDir = path.dirname(paths.auditLog);
  fs.mkdirSync(auditDir, { recursive: true, mode: 0o700 });
  // An existing folder keeps its mode under mkdir: set it.
  fs.chmodSync(auditDir, 0o700);
}
