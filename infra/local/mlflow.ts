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
import type { LocalState } from './stack';

/** The `mlflow.app` entry point of our Python package (`sagemaker_studio_mlflow.server`). */
export const MLFLOW_APP_NAME = 'sagemaker-studio-mlflow';

/** The MLflow server app's configuration, all in its environment. */
export const MLFLOW_APP_ENV = {
  proof: 'STUDIO_MLFLOW_GATEWAY_PROOF',
  roles: 'STUDIO_MLFLOW_ROLES',
  identities: 'STUDIO_MLFLOW_IDENTITIES',
  auditLog: 'STUDIO_MLFLOW_AUDIT_LOG'
} as const;

/** Who an IAM principal is to MLflow: a user and their roles. */
export interface MlflowIdentity {
  user: string;
  roles: string[];
}

/**
 * Each seeded user's access key is that user's identity: the gateway names
 * the key's principal, and MLflow finds the user and the role here.
 */
export function mlflowIdentities(
  state: Pick<LocalState, 'users'>
): Record<string, MlflowIdentity> {
  return Object.fromEntries(
    Object.entries(state.users).map(([role, user]) => [
      localPrincipal(user.username),
      { user: user.username, roles: [role] }
    ])
  );
}

export interface MlflowLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * How the local stack runs MLflow: `mlflow server` with our app, which
 * refuses every request without the gateway's proof (but `GET /health`,
 * the readiness check), decides it again from the same roles as the
 * gateway, and writes its audit events to `paths.auditLog`.
 */
export function mlflowLaunch(
  ports: Ports,
  state: Pick<LocalState, 'users' | 'gatewayProof'>,
  permissions: PermissionsConfig,
  paths: Pick<
    typeof PATHS,
    'venvBin' | 'mlflow' | 'auditLog' | 'packageDir'
  > = PATHS
): MlflowLaunch {
  return {
    command: `${paths.venvBin}/mlflow`,
    args: [
      'server',
      '--app-name',
      MLFLOW_APP_NAME,
      '--host',
      '127.0.0.1',
      '--port',
      String(ports.mlflow),
      '--workers',
      '1',
      '--backend-store-uri',
      `sqlite:///${paths.mlflow}/mlflow.db`,
      '--artifacts-destination',
      `${paths.mlflow}/artifacts`,
      // Behind the gateway, browsers call from JupyterLab's origin (the
      // run browser) or the gateway's own (the MLflow UI in the panel,
      // whose writes carry that Origin): MLflow's own check must agree.
      '--cors-allowed-origins',
      [...allowedOrigins(ports), urlOf(ports.gateway)].join(',')
    ],
    env: {
      // The job runner (GenAI evaluation jobs) starts seven worker processes;
      // nothing local needs it.
      MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false',
      // The app's code from this checkout, whichever checkout the venv's
      // editable install points to.
      PYTHONPATH: path.dirname(paths.packageDir),
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
