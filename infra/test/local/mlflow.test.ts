import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { DEFAULT_PORTS, PATHS } from '../../local/config';
import {
  LOCAL_MLFLOW_SETTINGS,
  describeDatabase,
  mlflowIdentities,
  mlflowLaunch,
  prepareMlflowFolders
} from '../../local/mlflow';
import { postgresServer } from '../../local/postgres';
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

  it('runs the container image’s entry point, on 127.0.0.1 and its port', () => {
    expect(launch.command).toBe(`${PATHS.venvBin}/python`);
    expect(launch.args[0]).toBe(PATHS.mlflowEntrypoint);
    expect(PATHS.mlflowEntrypoint).toMatch(
      /\/infra\/mlflow-image\/entrypoint\.py$/
    );
    expect(fs.existsSync(PATHS.mlflowEntrypoint)).toBe(true);
    // The entry point starts `mlflow` from the PATH: the venv's.
    expect(launch.env.PATH.split(':')[0]).toBe(PATHS.venvBin);
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

  it('gives the entry point only the settings where this machine differs', () => {
    expect(LOCAL_MLFLOW_SETTINGS).toEqual({ STUDIO_MLFLOW_WORKERS: '2' });
    expect(launch.env.STUDIO_MLFLOW_WORKERS).toBe('2');
    // Pool sizes and timeouts are the entry point's own, not set here.
    expect(Object.keys(launch.env).join()).not.toMatch(
      /SQLALCHEMYSTORE|KEEP_ALIVE|CONNECT_TIMEOUT/
    );
    expect(launch.args).not.toContain('--workers');
  });

  it('hands MLflow a SQLite file by default, as a backend store URI', () => {
    expect(launch.env.MLFLOW_BACKEND_STORE_URI).toBe(
      `sqlite:///${PATHS.mlflow}/mlflow.db`
    );
    expect(launch.env.DB_HOST).toBeUndefined();
  });

  it('hands MLflow the PostgreSQL server as the ECS task’s DB_* variables', () => {
    const server = postgresServer(5632, 'pw with spaces&=', 1000);
    const onPostgres = mlflowLaunch(DEFAULT_PORTS, state, PERMISSIONS, {
      kind: 'postgres',
      server
    });
    expect(onPostgres.env).toMatchObject({
      DB_HOST: '127.0.0.1',
      DB_PORT: '5632',
      DB_NAME: 'mlflow',
      DB_USER: 'mlflow',
      DB_PASSWORD: 'pw with spaces&='
    });
    expect(onPostgres.env.MLFLOW_BACKEND_STORE_URI).toBeUndefined();
    const described = describeDatabase({ kind: 'postgres', server });
    expect(described).toMatchObject({ kind: 'postgres', port: 5632 });
    const uri = new URL(described.uri);
    expect(decodeURIComponent(uri.password)).toBe('pw with spaces&=');
    expect(uri.pathname).toBe('/mlflow');
  });

  it('maps each seeded user’s IAM principal to that user, role and teams', () => {
    const identities = JSON.parse(launch.env.STUDIO_MLFLOW_IDENTITIES);
    expect(identities).toEqual(mlflowIdentities(state));
    expect(identities).toEqual({
      'arn:aws:iam::000000000000:user/admin': {
        user: 'admin',
        roles: ['admins'],
        teams: []
      },
      'arn:aws:iam::000000000000:user/reader': {
        user: 'reader',
        roles: ['readers'],
        teams: ['team-a']
      },
      'arn:aws:iam::000000000000:user/approver': {
        user: 'approver',
        roles: ['model-approvers'],
        teams: []
      },
      'arn:aws:iam::000000000000:user/alice': {
        user: 'alice',
        roles: ['model-approvers'],
        teams: ['team-a']
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
