/**
 * MLflow servers for the benches that compare them side by side: each on a
 * fresh SQLite store of its own, one worker, stopped with its process group.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { GATEWAY_HEADERS } from '../src/apigateway';
import { compileRoles } from '../src/permissions';
import { rolesTable } from '../src/permissions/export';
import { PATHS } from '../local/config';
import { MLFLOW_APP_ENV, type MlflowIdentity } from '../local/mlflow';
import { answersOk, isPortInUse } from '../local/processes';

/** What the gateway sends with a signed caller's request (stock MLflow ignores it). */
export function gatewayHeaders(
  principal: string,
  proof: string
): Record<string, string> {
  return {
    [GATEWAY_HEADERS.authorization]: 'iam',
    [GATEWAY_HEADERS.principal]: principal,
    [GATEWAY_HEADERS.roles]: '',
    [GATEWAY_HEADERS.requestId]: 'bench',
    [GATEWAY_HEADERS.proof]: proof
  };
}

/** The MLflow server app's settings: the proof, the built-in roles, who the callers are, the audit log. */
export function mlflowAppEnv(
  proof: string,
  identities: Record<string, MlflowIdentity>,
  auditLog: string
): Record<string, string> {
  return {
    [MLFLOW_APP_ENV.proof]: proof,
    [MLFLOW_APP_ENV.roles]: JSON.stringify(rolesTable(compileRoles())),
    [MLFLOW_APP_ENV.identities]: JSON.stringify(identities),
    [MLFLOW_APP_ENV.auditLog]: auditLog
  };
}

/** Stops `servers` on Ctrl-C too. */
export function stopOnInterrupt(servers: Server[]): void {
  process.on('SIGINT', () => {
    servers.forEach(stop);
    process.exit(130);
  });
}

export interface Server {
  name: string;
  base: string;
  process: ChildProcess;
}

export async function freePort(from: number): Promise<number> {
  for (let port = from; port < from + 100; port++) {
    if (!(await isPortInUse(port))) {
      return port;
    }
  }
  throw new Error(`No free port from ${from}.`);
}

/** Starts a server; it is in `servers` (to be stopped) before it answers. */
export async function startServer(
  servers: Server[],
  name: string,
  port: number,
  dir: string,
  extra: { args: string[]; env: Record<string, string> }
): Promise<Server> {
  fs.mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
  const backend = `sqlite:///${dir}/mlflow.db`;
  if (extra.env[MLFLOW_APP_ENV.authDatabase]) {
    // As the image's entry point does: the auth store once, before MLflow.
    const prepared = spawnSync(
      `${PATHS.venvBin}/python`,
      ['-m', 'sagemaker_studio_mlflow.server.prepare'],
      {
        env: {
          ...process.env,
          MLFLOW_BACKEND_STORE_URI: backend,
          ...extra.env
        },
        encoding: 'utf8'
      }
    );
    if (prepared.status !== 0) {
      throw new Error(
        `${name}: the auth store was not prepared: ${prepared.stderr}`
      );
    }
  }
  const log = fs.openSync(path.join(dir, 'server.log'), 'w');
  const child = spawn(
    `${PATHS.venvBin}/mlflow`,
    [
      'server',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      '1',
      '--backend-store-uri',
      backend,
      '--artifacts-destination',
      `${dir}/artifacts`,
      ...extra.args
    ],
    {
      env: {
        ...process.env,
        MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false',
        ...extra.env
      },
      detached: true,
      stdio: ['ignore', log, log]
    }
  );
  fs.closeSync(log);
  const base = `http://127.0.0.1:${port}`;
  const server = { name, base, process: child };
  servers.push(server);
  const deadline = Date.now() + 120_000;
  while (!(await answersOk(`${base}/health`).catch(() => false))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(
        `${name} did not start; its log: ${path.join(dir, 'server.log')}`
      );
    }
    await new Promise(resolve => setTimeout(resolve, 500));
  }
  return server;
}

export function stop(server: Server): void {
  try {
    // The whole group: uvicorn's supervisor and its worker.
    process.kill(-(server.process.pid as number), 'SIGTERM');
  } catch {
    // Already gone.
  }
}

export async function post(
  base: string,
  route: string,
  body: unknown,
  headers: Record<string, string>
): Promise<unknown> {
  const response = await fetch(`${base}/api/2.0/mlflow/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body)
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(
      `${base} ${route} answered ${response.status}: ${text.slice(0, 200)}`
    );
  }
  return text ? JSON.parse(text) : {};
}
