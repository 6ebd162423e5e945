import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { DEFAULT_PORTS, PATHS } from '../../local/config';
import {
  MLFLOW_APP_NAME,
  mlflowIdentities,
  mlflowLaunch,
  prepareMlflowFolders
} from '../../local/mlflow';
import { completeState } from '../../local/stack';
import { rolesTable } from '../../src/permissions/export';
import {
  type PermissionsConfig,
  compileRoles
} from '../../src/permissions/roles';

/** An operator's role, so that the table MLflow gets is the deployment's, not the built-in one. */
const PERMISSIONS: PermissionsConfig = {
  roles: [
    {
      name: 'tracers',
      description: 'Readers who also trace.',
      extends: 'readers',
      allow: ['family:traces']
    }
  ]
};

describe('how the local stack runs MLflow', () => {
  const state = completeState({});
  const launch = mlflowLaunch(DEFAULT_PORTS, state, PERMISSIONS);

  it('runs mlflow server with our app, on 127.0.0.1 and its port', () => {
    expect(launch.command).toBe(`${PATHS.venvBin}/mlflow`);
    expect(launch.args.slice(0, 3)).toEqual([
      'server',
      '--app-name',
      MLFLOW_APP_NAME
    ]);
    expect(MLFLOW_APP_NAME).toBe('sagemaker-studio-mlflow');
    const flag = (name: string) => launch.args[launch.args.indexOf(name) + 1];
    expect(flag('--host')).toBe('127.0.0.1');
    expect(flag('--port')).toBe(String(DEFAULT_PORTS.mlflow));
    expect(flag('--cors-allowed-origins').split(',')).toContain(
      `http://127.0.0.1:${DEFAULT_PORTS.gateway}`
    );
  });

  it('gives the app the gateway’s proof, the deployment’s roles and where to audit', () => {
    expect(launch.env.STUDIO_MLFLOW_GATEWAY_PROOF).toBe(state.gatewayProof);
    expect(JSON.parse(launch.env.STUDIO_MLFLOW_ROLES)).toEqual(
      rolesTable(compileRoles(PERMISSIONS))
    );
    expect(Object.keys(JSON.parse(launch.env.STUDIO_MLFLOW_ROLES))).toContain(
      'tracers'
    );
    expect(launch.env.STUDIO_MLFLOW_AUDIT_LOG).toBe(PATHS.auditLog);
    expect(PATHS.auditLog).toMatch(/\/\.local\/audit\/audit\.jsonl$/);
    // Nothing else of the state: no user's secret, no operator key.
    const env = JSON.stringify(launch.env);
    expect(env).not.toContain(state.users.admins.secretAccessKey);
    expect(env).not.toContain(state.operator.secretAccessKey);
  });

  it('maps each seeded user’s IAM principal to that user and role', () => {
    const identities = JSON.parse(launch.env.STUDIO_MLFLOW_IDENTITIES);
    expect(identities).toEqual(mlflowIdentities(state));
    expect(identities).toEqual({
      'arn:aws:iam::000000000000:user/admin': {
        user: 'admin',
        roles: ['admins']
      },
      'arn:aws:iam::000000000000:user/reader': {
        user: 'reader',
        roles: ['readers']
      },
      'arn:aws:iam::000000000000:user/approver': {
        user: 'approver',
        roles: ['model-approvers']
      }
    });
  });

  it('makes the audit folder the owner’s alone, even when it was there before', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-folders-'));
    try {
      const paths = {
        mlflow: path.join(dir, 'mlflow'),
        auditLog: path.join(dir, 'audit', 'audit.jsonl')
      };
      fs.mkdirSync(path.join(dir, 'audit'), { mode: 0o755 });
      prepareMlflowFolders(paths);
      expect(fs.statSync(path.join(dir, 'audit')).mode & 0o777).toBe(0o700);
      expect(fs.existsSync(path.join(paths.mlflow, 'artifacts'))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
