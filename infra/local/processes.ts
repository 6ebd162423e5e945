import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

import { PATHS, REPO_ROOT, STACK_MARKER } from './config';

export interface StartedProcess {
  name: string;
  pid: number;
  log: string;
}

/** `.local/processes.json`: what `up` started, for `down` and `status`. */
export function readStartedProcesses(): StartedProcess[] {
  return fs.existsSync(PATHS.processesFile)
    ? (JSON.parse(
        fs.readFileSync(PATHS.processesFile, 'utf8')
      ) as StartedProcess[])
    : [];
}

export function writeStartedProcesses(started: StartedProcess[]): void {
  fs.writeFileSync(PATHS.processesFile, JSON.stringify(started, null, 2));
}

export interface StartOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts a long-running program in its own process group, detached from the
 * caller so that `up` can return, with its output in `.local/logs/<name>.log`.
 * The stack marker in its environment lets `down` find it and everything it
 * spawns, even after the recorded pids are gone.
 */
export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: StartOptions = {}
): StartedProcess {
  fs.mkdirSync(PATHS.logs, { recursive: true });
  const log = path.join(PATHS.logs, `${name}.log`);
  const out = fs.openSync(log, 'w');
  const child = spawn(command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env, [STACK_MARKER]: REPO_ROOT },
    detached: true,
    stdio: ['ignore', out, out]
  });
  fs.closeSync(out);
  if (child.pid === undefined) {
    throw new Error(`Could not start ${name} (${command}).`);
  }
  child.unref();
  return { name, pid: child.pid, log };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pids of every process that carries this checkout's stack marker. */
export function findStackProcesses(): number[] {
  const wanted = `${STACK_MARKER}=${REPO_ROOT}`;
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    const pid = Number(entry);
    if (pid === process.pid) {
      continue;
    }
    try {
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (environ.split('\0').includes(wanted)) {
        pids.push(pid);
      }
    } catch {
      // The process ended while we looked, or is not ours to read.
    }
  }
  return pids;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * Stops processes politely (SIGTERM, so JupyterLab shuts its kernels down and
 * MLflow closes its database), then forcefully after `graceMs`. With
 * `groups`, each pid leads a process group that `startProcess` made, and the
 * whole group (the service and the workers it forked) gets the signals.
 */
export async function stopProcesses(
  pids: number[],
  {
    graceMs = 10000,
    groups = false
  }: { graceMs?: number; groups?: boolean } = {}
): Promise<void> {
  const send = (sig: NodeJS.Signals) => {
    for (const pid of pids) {
      signal(groups ? -pid : pid, sig);
    }
  };
  send('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(isAlive) && Date.now() < deadline) {
    await sleep(100);
  }
  // Also reaches group members whose leader has already exited.
  send('SIGKILL');
  while (pids.some(isAlive)) {
    await sleep(50);
  }
}

/** Resolves whether something already listens on 127.0.0.1:port. */
export function isPortInUse(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const server = net.createServer();
    server.once('error', () => resolve(true));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      server.close(() => resolve(false));
    });
  });
}

export class StartupError extends Error {}

/**
 * Waits until `check` succeeds, failing early with the end of the process's
 * log when the process dies, and with a clear message after `timeoutMs`.
 */
export async function waitUntilReady(
  started: StartedProcess,
  check: () => Promise<boolean>,
  timeoutMs: number
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) {
      return;
    }
    if (!isAlive(started.pid)) {
      throw new StartupError(
        `${started.name} exited while starting.\n${tail(started.log)}`
      );
    }
    await sleep(250);
  }
  throw new StartupError(
    `${started.name} did not answer within ${Math.round(timeoutMs / 1000)} s.\n${tail(started.log)}`
  );
}

/** Resolves true when a GET on `url` answers with a 2xx status within 2 s. */
export async function answersOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  // Read the body so the connection is released.
  await response.arrayBuffer();
  return response.ok;
}

export function tail(file: string, lines = 20): string {
  try {
    const text = fs
      .readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-lines)
      .join('\n');
    return `Last lines of ${path.relative(REPO_ROOT, file)}:\n${text}`;
  } catch {
    return `(no log at ${path.relative(REPO_ROOT, file)})`;
  }
}
