import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { LOCAL_DIR } from './config';

const execFileAsync = promisify(execFile);

/** Runs in `/`: the checkout's folders may be closed to the server's user. */
function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv } = {}
) {
  return execFileAsync(command, args, { cwd: '/', ...options });
}

/**
 * The local stack's PostgreSQL: Debian 12's `postgresql-15`, installed by
 * scripts/setup.sh. Aurora runs 17 (infra/cdk/data.ts); 15 is the newest
 * release Debian's packages offer here, and MLflow's schema uses nothing
 * newer (docs/local-stack.md).
 */
export const POSTGRES_MAJOR = 15;

/** Where Debian installs the server's programs. */
export const POSTGRES_BIN = `/usr/lib/postgresql/${POSTGRES_MAJOR}/bin`;

export const DEFAULT_POSTGRES_PORT = 5532;
export const POSTGRES_PORT_ENV = 'LOCAL_POSTGRES_PORT';
export const POSTGRES_PORT_FLAG = '--postgres-port';

/** MLflow's database and its owner, as the CDK app names them. */
export const POSTGRES_DATABASE = { name: 'mlflow', user: 'mlflow' } as const;

/** The cluster's folder; the settings file in it is rewritten at every `up`. */
export const POSTGRES_DATA_DIR = path.join(LOCAL_DIR, 'postgres');
const SETTINGS_FILE = 'local-stack.conf';

/** PostgreSQL refuses to run as root: then it runs as Debian's `postgres` user. */
export const POSTGRES_OS_USER = 'postgres';

/**
 * Where a root-run stack keeps its cluster: in the `postgres` user's home,
 * one folder per checkout. The checkout's own folders may be closed to that
 * user (a clone under /root or in a `mktemp -d` folder is 0700), and
 * PostgreSQL must open its data folder as itself.
 */
export function serverUserDataDir(
  home: string,
  localDir: string = LOCAL_DIR
): string {
  const checkout = createHash('sha256')
    .update(path.resolve(localDir))
    .digest('hex')
    .slice(0, 16);
  return path.join(home, 'sagemaker-studio-mlflow', checkout);
}

function homeOf(user: string): string {
  // getent passwd: name:password:uid:gid:gecos:home:shell
  const entry = execFileSync('getent', ['passwd', user], { encoding: 'utf8' });
  const home = entry.trim().split(':')[5];
  if (!home) {
    throw new Error(
      `The system user "${user}" has no home folder. Run scripts/setup.sh first.`
    );
  }
  return home;
}

export type DatabaseKind = 'sqlite' | 'postgres';
export const DATABASE_KINDS: readonly DatabaseKind[] = ['sqlite', 'postgres'];
/** The measurement behind it is in docs/local-stack.md. */
export const DEFAULT_DATABASE: DatabaseKind = 'sqlite';

export function parseDatabaseKind(raw: string | undefined): DatabaseKind {
  const kind = raw ?? DEFAULT_DATABASE;
  if (!(DATABASE_KINDS as readonly string[]).includes(kind)) {
    throw new Error(
      `--db must be one of ${DATABASE_KINDS.join(', ')}, not "${kind}".`
    );
  }
  return kind as DatabaseKind;
}

/** A flag wins over the environment, which wins over the default. */
export function resolvePostgresPort(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env
): number {
  const raw = flag ?? env[POSTGRES_PORT_ENV];
  if (raw === undefined || raw === '') {
    return DEFAULT_POSTGRES_PORT;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1024 || value > 65535) {
    const source = flag !== undefined ? POSTGRES_PORT_FLAG : POSTGRES_PORT_ENV;
    throw new Error(
      `${source} must be a whole number from 1024 to 65535, not "${raw}".`
    );
  }
  return value;
}

export interface PostgresServer {
  port: number;
  password: string;
  dataDir: string;
  binDir: string;
  /** The system user the server runs as when the stack runs as root. */
  osUser?: string;
}

export function postgresServer(
  port: number,
  password: string,
  uid: number = process.getuid?.() ?? 0,
  home: (user: string) => string = homeOf
): PostgresServer {
  const asRoot = uid === 0;
  return {
    port,
    password,
    dataDir: asRoot
      ? serverUserDataDir(home(POSTGRES_OS_USER))
      : POSTGRES_DATA_DIR,
    binDir: POSTGRES_BIN,
    osUser: asRoot ? POSTGRES_OS_USER : undefined
  };
}

/** `up --fresh`: the cluster goes with the rest of the stack's data. */
export function forgetPostgres(server: Pick<PostgresServer, 'dataDir'>): void {
  fs.rmSync(server.dataDir, { recursive: true, force: true });
}

/** A command of the server's, run as its user (setpriv execs it: no process in between). */
export function asServerUser(
  server: Pick<PostgresServer, 'binDir' | 'osUser'>,
  program: string,
  args: string[]
): { command: string; args: string[] } {
  const binary = path.join(server.binDir, program);
  if (!server.osUser) {
    return { command: binary, args };
  }
  return {
    command: 'setpriv',
    args: [
      `--reuid=${server.osUser}`,
      `--regid=${server.osUser}`,
      '--init-groups',
      binary,
      ...args
    ]
  };
}

/**
 * The settings the stack owns: loopback TCP only (no socket file),
 * password sign-in, and durable commits as Aurora's (fsync and synchronous
 * commit stay on: an acknowledged write survives a crash).
 */
export function postgresSettings(port: number): string {
  return [
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    "unix_socket_directories = ''",
    'max_connections = 250',
    "password_encryption = 'scram-sha-256'",
    'fsync = on',
    'synchronous_commit = on',
    ''
  ].join('\n');
}

/** What MLflow's entry point builds the URI from (infra/mlflow-image/entrypoint.py), as in ECS. */
export function postgresEnvironment(
  server: Pick<PostgresServer, 'port' | 'password'>
): Record<string, string> {
  return {
    DB_HOST: '127.0.0.1',
    DB_PORT: String(server.port),
    DB_NAME: POSTGRES_DATABASE.name,
    DB_USER: POSTGRES_DATABASE.user,
    DB_PASSWORD: server.password
  };
}

export function postgresUri(
  server: Pick<PostgresServer, 'port' | 'password'>
): string {
  const { user, name } = POSTGRES_DATABASE;
  return `postgresql+psycopg2://${user}:${encodeURIComponent(server.password)}@127.0.0.1:${server.port}/${name}`;
}

async function chownToServer(server: PostgresServer, target: string) {
  if (server.osUser) {
    await run('chown', ['-R', `${server.osUser}:`, target]);
  }
}

/**
 * Makes the cluster on the first `up` (initdb with MLflow's user as its
 * owner), and writes this `up`'s settings. The data stays across `down`.
 */
export async function preparePostgres(server: PostgresServer): Promise<void> {
  if (!fs.existsSync(path.join(server.binDir, 'postgres'))) {
    throw new Error(
      `PostgreSQL ${POSTGRES_MAJOR} is not installed (${server.binDir}). Run scripts/setup.sh first.`
    );
  }
  const { dataDir } = server;
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    // Its parent open to the server's user, the cluster its alone.
    fs.mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o755 });
    fs.mkdirSync(dataDir, { mode: 0o700 });
    // Beside the cluster, where its user can read it; gone once initdb ran.
    const passwordFile = path.join(dataDir, '..', 'postgres.password');
    fs.writeFileSync(passwordFile, server.password, { mode: 0o600 });
    try {
      await chownToServer(server, dataDir);
      await chownToServer(server, passwordFile);
      const initdb = asServerUser(server, 'initdb', [
        '-D',
        dataDir,
        '-U',
        POSTGRES_DATABASE.user,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C'
      ]);
      await run(initdb.command, initdb.args);
    } finally {
      fs.rmSync(passwordFile, { force: true });
    }
    fs.appendFileSync(
      path.join(dataDir, 'postgresql.conf'),
      `\ninclude '${SETTINGS_FILE}'\n`
    );
  }
  fs.writeFileSync(
    path.join(dataDir, SETTINGS_FILE),
    postgresSettings(server.port)
  );
  await chownToServer(server, path.join(dataDir, SETTINGS_FILE));
}

/** The server in the foreground (the stack's process), its log to stderr. */
export function postgresLaunch(server: PostgresServer): {
  command: string;
  args: string[];
} {
  return asServerUser(server, 'postgres', ['-D', server.dataDir]);
}

function clientEnv(server: PostgresServer): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PGPASSWORD: server.password,
    PGCONNECT_TIMEOUT: '3'
  };
}

export async function postgresAnswers(
  server: PostgresServer
): Promise<boolean> {
  try {
    await run(
      path.join(server.binDir, 'pg_isready'),
      ['-q', '-h', '127.0.0.1', '-p', String(server.port)],
      { env: clientEnv(server) }
    );
    return true;
  } catch {
    return false;
  }
}

/** Creates MLflow's database once; MLflow makes its tables itself. */
export async function ensureMlflowDatabase(
  server: PostgresServer
): Promise<void> {
  const psql = (sql: string) =>
    run(
      path.join(server.binDir, 'psql'),
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(server.port),
        '-U',
        POSTGRES_DATABASE.user,
        '-d',
        'postgres',
        '-v',
        'ON_ERROR_STOP=1',
        '-tAc',
        sql
      ],
      { env: clientEnv(server) }
    );
  const { stdout } = await psql(
    `SELECT 1 FROM pg_database WHERE datname = '${POSTGRES_DATABASE.name}'`
  );
  if (stdout.trim() !== '1') {
    await psql(`CREATE DATABASE ${POSTGRES_DATABASE.name}`);
  }
}

/**
 * Stops the cluster whoever started it (the stack, or a test that
 * restarted it): a fast shutdown, which lets every committed write stay.
 */
export async function stopPostgres(
  server: Pick<PostgresServer, 'binDir' | 'osUser' | 'dataDir'>
): Promise<boolean> {
  if (!fs.existsSync(path.join(server.dataDir, 'postmaster.pid'))) {
    return false;
  }
  const stop = asServerUser(server, 'pg_ctl', [
    'stop',
    '-D',
    server.dataDir,
    '-m',
    'fast',
    '-w'
  ]);
  try {
    await run(stop.command, stop.args);
    return true;
  } catch {
    // A pid file left by a crash: nothing runs.
    return false;
  }
}
