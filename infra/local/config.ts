import * as path from 'node:path';

import { PAGES_BUILD_DIR } from '../src/pages/build';

/** The repository root: infra/local/ is two levels below it. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Everything the local stack writes lives here (git-ignored). */
export const LOCAL_DIR = path.join(REPO_ROOT, '.local');

export const PATHS = {
  stackFile: path.join(LOCAL_DIR, 'stack.json'),
  stateFile: path.join(LOCAL_DIR, 'state.json'),
  processesFile: path.join(LOCAL_DIR, 'processes.json'),
  gatewayConfig: path.join(LOCAL_DIR, 'gateway.json'),
  /** Operator-defined roles, shared with the CDK app. */
  rolesConfig: path.join(REPO_ROOT, 'infra', 'roles.json'),
  authorizerBundle: path.join(LOCAL_DIR, 'authorizer', 'index.js'),
  /** The gateway's `/auth/` pages, built by the extension's `npm run build:pages`. */
  gatewayPages: PAGES_BUILD_DIR,
  logs: path.join(LOCAL_DIR, 'logs'),
  mlflow: path.join(LOCAL_DIR, 'mlflow'),
  /** MLflow's audit events, one JSON line each (named in stack.json as `auditLog`). */
  auditLog: path.join(LOCAL_DIR, 'audit', 'audit.jsonl'),
  cognito: path.join(LOCAL_DIR, 'cognito'),
  /** The organisation's identity provider's configuration (SSO). */
  idpConfig: path.join(LOCAL_DIR, 'idp', 'config.json'),
  /** The managed login stand-in's configuration (SSO), beside cognito-local's data. */
  managedLoginConfig: path.join(LOCAL_DIR, 'cognito-managed-login.json'),
  jupyter: path.join(LOCAL_DIR, 'jupyter'),
  notebooks: path.join(LOCAL_DIR, 'notebooks'),
  /** The Python package: the MLflow app's code and the extension's build (`labextension/`). */
  packageDir: path.join(REPO_ROOT, 'sagemaker_studio_mlflow'),
  /**
   * A labextensions folder holding only this checkout's build, linked in
   * under the extension's name: JupyterLab serves `/lab/extensions/<name>/`
   * from `<folder>/<name>/`.
   */
  labextensions: path.join(LOCAL_DIR, 'labextensions'),
  venv: path.join(REPO_ROOT, '.venv'),
  venvBin: path.join(REPO_ROOT, '.venv', 'bin'),
  seedScript: path.join(__dirname, 'seed.py'),
  /** What the seed restricted to which team, for stack.json's `teams`. */
  seededTeams: path.join(LOCAL_DIR, 'seeded-teams.json'),
  /** MLflow's one entry point, the container image's and the local stack's. */
  mlflowEntrypoint: path.join(
    REPO_ROOT,
    'infra',
    'mlflow-image',
    'entrypoint.py'
  ),
  gatewayMain: path.join(__dirname, 'gateway', 'main.ts'),
  /** The organisation's identity provider (SSO), an OpenID Connect provider. */
  idpMain: path.join(__dirname, 'idp', 'main.ts'),
  /** cognito-local and the bridge before it, one process. */
  cognitoMain: path.join(__dirname, 'cognito', 'main.ts'),
  cognitoLocalServer: path.join(
    REPO_ROOT,
    'infra',
    'node_modules',
    'cognito-local',
    'lib',
    'server',
    'index.js'
  ),
  tsxCli: path.join(
    REPO_ROOT,
    'infra',
    'node_modules',
    'tsx',
    'dist',
    'cli.mjs'
  )
} as const;

/**
 * Every process of the local stack carries this variable, set to the
 * repository path, so that `down` finds all of them (kernels and their
 * children included) and only those of this checkout.
 */
export const STACK_MARKER = 'SAGEMAKER_STUDIO_MLFLOW_LOCAL_STACK';

/** The AWS region the local stack pretends to be in. */
export const LOCAL_REGION = 'us-east-1';

/** The API the local gateway's method ARNs name, standing in for the deployed one. */
export const LOCAL_API = {
  region: LOCAL_REGION,
  account: '000000000000',
  apiId: 'local',
  stage: 'local'
} as const;

/**
 * The IAM principal a seeded user's access key stands for, as AWS names an
 * IAM user: the gateway tells MLflow this ARN, and MLflow maps it to the user.
 */
export function localPrincipal(username: string): string {
  return `arn:aws:iam::${LOCAL_API.account}:user/${username}`;
}

export type ServiceName =
  'idp' | 'cognito' | 'mlflow' | 'gateway' | 'jupyterlab';

/** Start order; `down` stops them in reverse. */
export const SERVICES: readonly ServiceName[] = [
  'idp',
  'cognito',
  'mlflow',
  'gateway',
  'jupyterlab'
];

export type Ports = Record<ServiceName, number>;

export const DEFAULT_PORTS: Ports = {
  idp: 9230,
  cognito: 9229,
  mlflow: 5500,
  gateway: 5580,
  jupyterlab: 8888
};

/** The environment variable that overrides each port, e.g. `LOCAL_GATEWAY_PORT=9000`. */
export function portEnvName(service: ServiceName): string {
  return `LOCAL_${service.toUpperCase()}_PORT`;
}

/** The command-line flag that overrides each port, e.g. `--gateway-port 9000`. */
export function portFlag(service: ServiceName): string {
  return `--${service}-port`;
}

/**
 * Resolves the ports: a flag wins over the environment, which wins over the default.
 * Throws a readable error for anything that is not a usable TCP port or for two
 * services sharing one port.
 */
export function resolvePorts(
  flags: Partial<Record<ServiceName, string | number | undefined>>,
  env: NodeJS.ProcessEnv = process.env
): Ports {
  const ports = { ...DEFAULT_PORTS };
  for (const service of SERVICES) {
    const fromFlag = flags[service];
    const fromEnv = env[portEnvName(service)];
    const raw = fromFlag ?? fromEnv;
    if (raw === undefined || raw === '') {
      continue;
    }
    const source =
      fromFlag !== undefined ? portFlag(service) : portEnvName(service);
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1024 || value > 65535) {
      throw new Error(
        `${source} must be a whole number from 1024 to 65535, not "${raw}".`
      );
    }
    ports[service] = value;
  }
  const seen = new Map<number, ServiceName>();
  for (const service of SERVICES) {
    const other = seen.get(ports[service]);
    if (other) {
      throw new Error(
        `${other} and ${service} cannot both use port ${ports[service]}.`
      );
    }
    seen.set(ports[service], service);
  }
  return ports;
}

/**
 * The port after JupyterLab's is kept for a second JupyterLab standing in
 * for a Studio space (`tests/studio.py`, the lifecycle configuration's
 * test): the gateway accepts its origin too.
 */
export function studioSpacePort(ports: Ports): number {
  return ports.jupyterlab + 1;
}

/** Browser origins that may call the gateway: JupyterLab's, and a Studio space's stand-in. */
export function allowedOrigins(ports: Ports): string[] {
  return [
    urlOf(ports.jupyterlab),
    `http://localhost:${ports.jupyterlab}`,
    urlOf(studioSpacePort(ports))
  ];
}

export function urlOf(port: number): string {
  return `http://127.0.0.1:${port}`;
}
