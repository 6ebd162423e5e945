import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { promisify } from 'node:util';

import { loadPermissionsConfig } from '../src/permissions/config';
import { type PermissionsConfig, compileRoles } from '../src/permissions/roles';
import { bundleAuthorizer } from './authorizer-bundle';
import { provisionCognito } from './cognito/pool';
import { OPERATOR_KEY_ENV } from './cognito/provider';
import {
  DEFAULT_PORTS,
  LOCAL_API,
  LOCAL_REGION,
  PATHS,
  type Ports,
  SERVICES,
  type ServiceName,
  allowedOrigins,
  localPrincipal,
  portEnvName,
  portFlag,
  urlOf
} from './config';
import {
  type LocalDatabase,
  describeDatabase,
  mlflowLaunch,
  prepareMlflowFolders
} from './mlflow';
import {
  DEFAULT_DATABASE,
  DEFAULT_POSTGRES_PORT,
  type DatabaseKind,
  POSTGRES_PORT_ENV,
  POSTGRES_PORT_FLAG,
  ensureMlflowDatabase,
  postgresAnswers,
  postgresLaunch,
  postgresServer,
  preparePostgres,
  stopPostgres
} from './postgres';
import {
  jupyterLabArgs,
  linkExtensionBuild,
  jupyterLabEnv,
  localExtensionSettings,
  writeExtensionOverrides
} from './jupyterlab';
import {
  type StartedProcess,
  StartupError,
  answersOk,
  findStackProcesses,
  isAlive,
  isPortInUse,
  readStartedProcesses,
  startProcess,
  writeStartedProcesses,
  stopProcesses,
  waitUntilReady
} from './processes';
import type { GatewayConfig } from './gateway/config';
import type { OrgIdpConfig } from './idp/server';
import {
  type ManagedLoginConfig,
  idpResponseUrl,
  idpSignedOutUrl
} from './cognito/managed-login';
import { SIGNED_OUT_PATH, SSO_CALLBACK_PATH } from '../src/contract';
import {
  type LocalState,
  type StackDescription,
  describeStack,
  type LocalTeam,
  loadOrCreateState,
  localTeams,
  roleOf,
  readStack,
  SSO_GROUPS,
  SSO_PROVIDER,
  SSO_PROVIDER_LABEL,
  saveState,
  sdkEnvironment,
  writePrivateJson,
  writeStack
} from './stack';

const run = promisify(execFile);

type Say = (line: string) => void;

function requireSetup(): void {
  const missing = [
    [`${PATHS.venvBin}/mlflow`, 'the Python environment (.venv)'],
    [`${PATHS.venvBin}/jupyter-lab`, 'JupyterLab in .venv'],
    [PATHS.cognitoLocalServer, "infra's npm packages"],
    [PATHS.tsxCli, "infra's npm packages"]
  ].filter(([file]) => !fs.existsSync(file));
  if (missing.length > 0) {
    const what = [...new Set(missing.map(([, what]) => what))];
    throw new Error(
      `Missing ${what.join(', ')}. Run scripts/setup.sh first (or the README's first command).`
    );
  }
}

/** The ports of a stack that is (or was) up, read back from the stack file. */
export function portsOf(stack: StackDescription): Ports {
  const portOf = (url: string) => Number(new URL(url).port);
  return {
    idp: stack.sso ? portOf(stack.sso.issuer) : DEFAULT_PORTS.idp,
    cognito: portOf(stack.cognito.endpoint),
    mlflow: portOf(stack.mlflow),
    gateway: portOf(stack.gateway),
    jupyterlab: portOf(stack.jupyterlab)
  };
}

/**
 * Health checks: each service is ready when this answers. The gateway's
 * `/health` goes through to MLflow and back.
 */
function readiness(service: ServiceName, port: number): () => Promise<boolean> {
  const path =
    {
      jupyterlab: '/api',
      idp: '/.well-known/openid-configuration'
    }[service as string] ?? '/health';
  return () => answersOk(`${urlOf(port)}${path}`);
}

const STARTUP_TIMEOUT_MS: Record<ServiceName, number> = {
  idp: 30_000,
  cognito: 30_000,
  mlflow: 120_000,
  gateway: 30_000,
  jupyterlab: 90_000
};

/**
 * The gateway decides like API Gateway with our authorizer: the bundle
 * configured for cognito-local, and one IAM identity per role.
 */
async function writeGatewayConfig(
  ports: Ports,
  state: LocalState,
  permissions: PermissionsConfig
): Promise<void> {
  await bundleAuthorizer(PATHS.authorizerBundle);
  const issuer = `${urlOf(ports.cognito)}/${state.cognito!.userPoolId}`;
  const config: GatewayConfig = {
    upstream: urlOf(ports.mlflow),
    api: LOCAL_API,
    iam: Object.entries(state.users).map(([key, user]) => ({
      accessKeyId: user.accessKeyId,
      secretAccessKey: user.secretAccessKey,
      role: roleOf(key, user),
      principal: localPrincipal(user.username)
    })),
    allowedOrigins: allowedOrigins(ports),
    authorizer: {
      bundle: PATHS.authorizerBundle,
      environment: {
        COGNITO_ISSUER: issuer,
        COGNITO_CLIENT_IDS: state.cognito!.clientId,
        TOKEN_USE: 'access'
      }
    },
    permissions,
    proof: state.gatewayProof,
    pages: {
      dir: PATHS.gatewayPages,
      config: {
        allowedOrigins: allowedOrigins(ports),
        cognito: {
          region: LOCAL_REGION,
          userPoolId: state.cognito!.userPoolId,
          userPoolClientId: state.cognito!.clientId,
          endpoint: urlOf(ports.cognito),
          authFlow: 'USER_PASSWORD_AUTH',
          signIn: ['password', 'sso'],
          sso: {
            // The managed login stand-in shares the pool's port.
            domain: urlOf(ports.cognito),
            providers: [{ name: SSO_PROVIDER, label: SSO_PROVIDER_LABEL }]
          }
        }
      }
    }
  };
  writePrivateJson(PATHS.gatewayConfig, config);
}

/** The user pool's client at the IdP: the stand-in for Cognito's federation signs in as it. */
export const IDP_CLIENT_ID = 'local-user-pool';

/** The gateway's pages Cognito's managed login returns to (the CDK app's callback and sign-out URLs). */
export function ssoPages(ports: Ports): {
  callback: string;
  signedOut: string;
} {
  return {
    callback: `${urlOf(ports.gateway)}${SSO_CALLBACK_PATH}`,
    signedOut: `${urlOf(ports.gateway)}${SIGNED_OUT_PATH}`
  };
}

/** What the managed login stand-in federates with, once the pool exists. */
function writeManagedLoginConfig(ports: Ports, state: LocalState): void {
  const pages = ssoPages(ports);
  const config: ManagedLoginConfig = {
    userPoolId: state.cognito!.userPoolId,
    clientId: state.cognito!.clientId,
    callbackUrls: [pages.callback],
    signOutUrls: [pages.signedOut],
    poolUrl: urlOf(ports.cognito),
    idp: {
      provider: SSO_PROVIDER,
      issuer: urlOf(ports.idp),
      clientId: IDP_CLIENT_ID,
      clientSecret: state.sso.clientSecret
    },
    groups: { [SSO_PROVIDER]: SSO_GROUPS }
  };
  writePrivateJson(PATHS.managedLoginConfig, config);
}

/** The organisation's identity provider: its seeded users, the pool as its one client. */
function writeIdpConfig(ports: Ports, state: LocalState): void {
  const config: OrgIdpConfig = {
    issuer: urlOf(ports.idp),
    clients: [
      {
        client_id: IDP_CLIENT_ID,
        client_secret: state.sso.clientSecret,
        redirect_uris: [idpResponseUrl(urlOf(ports.cognito))],
        post_logout_redirect_uris: [idpSignedOutUrl(urlOf(ports.cognito))]
      }
    ],
    users: Object.values(state.sso.users).map(user => ({
      username: user.username,
      password: user.password,
      email: `${user.username}@example.com`,
      name: user.username,
      groups: user.groups
    })),
    signingKey: state.sso.signingKey,
    cookieKeys: [state.sso.cookieKey]
  };
  writePrivateJson(PATHS.idpConfig, config);
}

function startService(
  service: ServiceName,
  ports: Ports,
  state: LocalState,
  permissions: PermissionsConfig,
  database: LocalDatabase
): StartedProcess {
  const venv = (tool: string) => `${PATHS.venvBin}/${tool}`;
  switch (service) {
    case 'idp':
      writeIdpConfig(ports, state);
      return startProcess('idp', process.execPath, [
        PATHS.tsxCli,
        PATHS.idpMain,
        '--port',
        String(ports.idp),
        '--config',
        PATHS.idpConfig
      ]);
    case 'cognito':
      // cognito-local behind the bridge that adds GetTokensFromRefreshToken;
      // the bridge holds the public port and writes cognito-local's config.
      return startProcess(
        'cognito',
        process.execPath,
        [
          PATHS.tsxCli,
          PATHS.cognitoMain,
          '--port',
          String(ports.cognito),
          '--dir',
          PATHS.cognito,
          '--managed-login-config',
          PATHS.managedLoginConfig
        ],
        {
          env: {
            [OPERATOR_KEY_ENV.accessKeyId]: state.operator.accessKeyId,
            [OPERATOR_KEY_ENV.secretAccessKey]: state.operator.secretAccessKey
          }
        }
      );
    case 'mlflow': {
      prepareMlflowFolders();
      const { command, args, env } = mlflowLaunch(
        ports,
        state,
        permissions,
        database
      );
      return startProcess('mlflow', command, args, { env });
    }
    case 'gateway':
      return startProcess('gateway', process.execPath, [
        PATHS.tsxCli,
        PATHS.gatewayMain,
        '--port',
        String(ports.gateway),
        '--config',
        PATHS.gatewayConfig
      ]);
    case 'jupyterlab':
      linkExtensionBuild();
      return startProcess(
        'jupyterlab',
        venv('jupyter'),
        jupyterLabArgs(ports.jupyterlab, state.jupyterlabToken),
        {
          env: jupyterLabEnv(urlOf(ports.gateway), state.users.readers)
        }
      );
  }
}

async function seedMlflow(
  gateway: string,
  state: LocalState,
  say: Say
): Promise<void> {
  say('Seeding demo data into MLflow...');
  try {
    const { stdout } = await run(
      `${PATHS.venvBin}/python`,
      [PATHS.seedScript, PATHS.seededTeams],
      {
        env: {
          ...process.env,
          ...sdkEnvironment(gateway, state.users.admins),
          PYTHONUNBUFFERED: '1'
        },
        timeout: 300_000
      }
    );
    // MLflow prints a line per run; the script's own summary is the last line.
    say(stdout.trim().split('\n').pop() ?? '');
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new StartupError(
      `Seeding MLflow failed.\n${stderr.trim().split('\n').slice(-15).join('\n')}`
    );
  }
}

function readSeededTeams(): Record<
  string,
  Pick<LocalTeam, 'experiments' | 'registeredModels'>
> {
  return JSON.parse(fs.readFileSync(PATHS.seededTeams, 'utf8'));
}

export interface DatabaseOptions {
  /** MLflow's backend store (`--db`). */
  database?: DatabaseKind;
  postgresPort?: number;
}

/**
 * With `--db postgres`: the cluster made on the first `up`, started, and
 * answering with MLflow's database in it before MLflow starts.
 */
async function startPostgres(
  port: number,
  state: LocalState,
  say: Say,
  record: (started: StartedProcess) => void
): Promise<LocalDatabase> {
  if (await isPortInUse(port)) {
    throw new Error(
      `Port ${port} (postgres) is already in use by another program. ` +
        `Choose another with ${POSTGRES_PORT_FLAG} <port> or ${POSTGRES_PORT_ENV}=<port>.`
    );
  }
  const server = postgresServer(port, state.postgresPassword);
  say(`Starting postgres on 127.0.0.1:${port}...`);
  await preparePostgres(server);
  const { command, args } = postgresLaunch(server);
  const started = startProcess('postgres', command, args, { cwd: '/' });
  record(started);
  await waitUntilReady(started, () => postgresAnswers(server), 60_000);
  await ensureMlflowDatabase(server);
  return { kind: 'postgres', server };
}

/**
 * Starts the whole stack in the background and returns once every part
 * answers, the demo data is in place and `.local/stack.json` is written.
 */
export async function up(
  ports: Ports,
  say: Say,
  {
    database: databaseKind = DEFAULT_DATABASE,
    postgresPort = DEFAULT_POSTGRES_PORT
  }: DatabaseOptions = {}
): Promise<StackDescription> {
  requireSetup();
  // A bad roles file fails here, before anything starts.
  const permissions = loadPermissionsConfig(PATHS.rolesConfig);
  const existing = readStack();
  if (existing && findStackProcesses().length > 0) {
    say('The local stack is already up.');
    return existing;
  }
  // Leftovers of a stack that died without `down`.
  await down(() => undefined);

  for (const service of SERVICES) {
    if (await isPortInUse(ports[service])) {
      throw new Error(
        `Port ${ports[service]} (${service}) is already in use by another program. ` +
          `Choose another with ${portFlag(service)} <port> or ${portEnvName(service)}=<port>.`
      );
    }
  }

  let state = loadOrCreateState([...compileRoles(permissions).keys()]);
  const started: StartedProcess[] = [];
  let interrupted = false;
  const onInterrupt = () => {
    interrupted = true;
  };
  process.once('SIGINT', onInterrupt);
  const record = (started_: StartedProcess) => {
    started.push(started_);
    writeStartedProcesses(started);
  };
  let database: LocalDatabase = { kind: 'sqlite' };
  const start = (service: ServiceName): StartedProcess => {
    say(`Starting ${service} on ${urlOf(ports[service])}...`);
    const started_ = startService(service, ports, state, permissions, database);
    record(started_);
    return started_;
  };
  const ready = async (process_: StartedProcess, service: ServiceName) => {
    await waitUntilReady(
      process_,
      readiness(service, ports[service]),
      STARTUP_TIMEOUT_MS[service]
    );
    if (interrupted) {
      throw new StartupError('Interrupted.');
    }
  };
  try {
    // MLflow is the slowest to start, so it starts at once (once its
    // database answers); the gateway and JupyterLab need the user pool's
    // ids, so they follow its provisioning.
    const idp = start('idp');
    const cognito = start('cognito');
    if (databaseKind === 'postgres') {
      database = await startPostgres(postgresPort, state, say, record);
    }
    const mlflow = start('mlflow');
    await ready(cognito, 'cognito');
    state = await provisionCognito(ports.cognito, state);
    saveState(state);
    writeManagedLoginConfig(ports, state);
    await writeGatewayConfig(ports, state, permissions);
    const gateway = start('gateway');
    writeExtensionOverrides(
      localExtensionSettings(
        urlOf(ports.gateway),
        urlOf(ports.cognito),
        state.cognito!
      )
    );
    const jupyterlab = start('jupyterlab');
    await ready(mlflow, 'mlflow');
    await ready(gateway, 'gateway');
    await seedMlflow(urlOf(ports.gateway), state, say);
    await ready(idp, 'idp');
    await ready(jupyterlab, 'jupyterlab');
  } catch (error) {
    say('Stopping what was started...');
    await down(() => undefined);
    throw error;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }

  const stack = describeStack(
    ports,
    state,
    describeDatabase(database),
    localTeams(state, readSeededTeams())
  );
  writeStack(stack);
  return stack;
}

/** Stops every process of this checkout's stack; the data stays for the next `up`. */
export async function down(say: Say): Promise<number> {
  // Newest first: JupyterLab, then the parts it relies on.
  const running = readStartedProcesses()
    .reverse()
    .filter(p => isAlive(p.pid));
  if (running.length > 0) {
    say(`Stopping ${running.map(p => p.name).join(', ')}...`);
  }
  await stopProcesses(
    running.filter(p => p.name !== 'postgres').map(p => p.pid),
    { groups: true }
  );
  // Last, once MLflow is gone, and whoever started it (a fault test
  // restarts it): PostgreSQL's fast shutdown keeps every committed write.
  const stoppedPostgres = await stopPostgres(postgresServer(0, ''));
  await stopProcesses(
    running.filter(p => p.name === 'postgres').map(p => p.pid),
    { groups: true }
  );
  // Whatever they left behind (kernels, workers) carries the stack marker.
  const leftovers = findStackProcesses();
  await stopProcesses(leftovers, { graceMs: 3000 });
  fs.rmSync(PATHS.processesFile, { force: true });
  fs.rmSync(PATHS.stackFile, { force: true });
  return running.length + leftovers.length + (stoppedPostgres ? 1 : 0);
}

/**
 * Stops one service of a stack that is up, leaving the others running (a
 * fault test's outage). Its data stays; `startOne` brings it back.
 */
export async function stopOne(service: ServiceName, say: Say): Promise<void> {
  if (!readStack()) {
    throw new Error('The local stack is down: npm run local -- up');
  }
  const recorded = readStartedProcesses();
  const running = recorded.filter(p => p.name === service && isAlive(p.pid));
  say(`Stopping ${service}...`);
  await stopProcesses(
    running.map(p => p.pid),
    { groups: true }
  );
  writeStartedProcesses(recorded.filter(p => p.name !== service));
}

/**
 * Starts one service of a stack that is up, as `up` did, on the same port
 * and with the same configuration; returns once it answers.
 */
export async function startOne(service: ServiceName, say: Say): Promise<void> {
  const stack = readStack();
  if (!stack) {
    throw new Error('The local stack is down: npm run local -- up');
  }
  const recorded = readStartedProcesses();
  if (recorded.some(p => p.name === service && isAlive(p.pid))) {
    say(`${service} is already running.`);
    return;
  }
  const ports = portsOf(stack);
  const permissions = loadPermissionsConfig(PATHS.rolesConfig);
  const state = loadOrCreateState([...compileRoles(permissions).keys()]);
  say(`Starting ${service} on ${urlOf(ports[service])}...`);
  // MLflow comes back on the database the stack was started with.
  const database: LocalDatabase =
    stack.database?.kind === 'postgres'
      ? {
          kind: 'postgres',
          server: postgresServer(stack.database.port, state.postgresPassword)
        }
      : { kind: 'sqlite' };
  const started = startService(service, ports, state, permissions, database);
  writeStartedProcesses([...recorded.filter(p => p.name !== service), started]);
  await waitUntilReady(
    started,
    readiness(service, ports[service]),
    STARTUP_TIMEOUT_MS[service]
  );
}

export interface ServiceStatus {
  service: ServiceName;
  url: string;
  running: boolean;
  answering: boolean;
}

/** The stack's PostgreSQL (`up --db postgres`), beside the four services. */
export interface DatabaseStatus {
  address: string;
  running: boolean;
  answering: boolean;
}

export async function status(): Promise<{
  stack?: StackDescription;
  services: ServiceStatus[];
  database?: DatabaseStatus;
  strays: number;
}> {
  const stack = readStack();
  const recorded = readStartedProcesses();
  const services: ServiceStatus[] = [];
  if (stack) {
    const ports = portsOf(stack);
    for (const service of SERVICES) {
      const process_ = recorded.find(p => p.name === service);
      services.push({
        service,
        url: urlOf(ports[service]),
        running: process_ !== undefined && isAlive(process_.pid),
        answering: await readiness(service, ports[service])().catch(() => false)
      });
    }
  }
  let database: DatabaseStatus | undefined;
  if (stack?.database.kind === 'postgres') {
    const process_ = recorded.find(p => p.name === 'postgres');
    database = {
      address: `127.0.0.1:${stack.database.port}`,
      running: process_ !== undefined && isAlive(process_.pid),
      answering: await postgresAnswers({
        ...stack.database,
        password: ''
      })
    };
  }
  // Without a stack file, every process with the marker is left over,
  // including those `up` recorded before it was killed.
  const strays = stack ? 0 : findStackProcesses().length;
  return { stack, services, database, strays };
}
