import * as fs from 'node:fs';
import * as path from 'node:path';

/** The part of `.local/stack.json` (written by `npm run local -- up`) the UI tests use. */
export interface Stack {
  gateway: string;
  /** MLflow itself, behind the gateway: it answers only the gateway (and its health check). */
  mlflow: string;
  jupyterlab: string;
  jupyterlabToken: string;
  /** Where a JupyterLab standing in for a Studio space runs (tests/studio.py). */
  studioSpace: string;
  region: string;
  cognito: { endpoint: string; userPoolId: string; clientId: string };
  users: Record<
    string,
    {
      username: string;
      password: string;
      accessKeyId: string;
      secretAccessKey: string;
      teams?: string[];
    }
  >;
  /** The organisation's identity provider the pool federates to, and its people by role. */
  sso: {
    provider: string;
    issuer: string;
    users: Record<string, { username: string; password: string }>;
  };
  /** Each seeded team: its members and what is restricted to it. */
  teams: Record<
    string,
    { members: string[]; experiments: string[]; registeredModels: string[] }
  >;
}

export const STACK_FILE = path.resolve(__dirname, '..', '.local', 'stack.json');

/** What outlives `down`, with the local operator's key (owner-readable only). */
export const STATE_FILE = path.resolve(__dirname, '..', '.local', 'state.json');

export function readStack(): Stack {
  if (!fs.existsSync(STACK_FILE)) {
    throw new Error(
      `${STACK_FILE} is missing: start the local stack with \`npm run local -- up\`.`
    );
  }
  return JSON.parse(fs.readFileSync(STACK_FILE, 'utf8')) as Stack;
}
