import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { SDK_AUTH_PROVIDER } from '../src/contract';
import { BUILT_IN_ROLES } from '../src/roles';
import type { DatabaseDescription } from './mlflow';
import {
  LOCAL_REGION,
  PATHS,
  type Ports,
  studioSpacePort,
  urlOf
} from './config';

/** One seeded identity: a Cognito user and the IAM access key of its role. */
export interface LocalUser {
  username: string;
  password: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Its teams: Cognito groups for sign-ins, `STUDIO_MLFLOW_IDENTITIES` for its key. */
  teams: string[];
  /**
   * Its role, for a user keyed by its username (more than one per role);
   * a user keyed by a role has that role.
   */
  role?: string;
}

/** A person of the organisation's identity provider (SSO), signing in through it. */
export interface LocalSsoUser {
  username: string;
  password: string;
  /** The IdP's groups: the pool maps them to roles and teams ({@link SSO_GROUPS}). */
  groups: string[];
}

/** What `.local/stack.json` says of SSO (`sso`). */
export interface LocalSso {
  /** The provider's name in the user pool: federated users are `<provider>_<username>`. */
  provider: string;
  /** The organisation's identity provider (an OpenID Connect provider). */
  issuer: string;
  /** By role for the built-in roles; more users by their username. */
  users: Record<string, LocalSsoUser>;
}

/** The role of `stack.users[key]`. */
export function roleOf(key: string, user: Pick<LocalUser, 'role'>): string {
  return user.role ?? key;
}

/** What `.local/stack.json` says of a team (`teams`). */
export interface LocalTeam {
  members: string[];
  experiments: string[];
  registeredModels: string[];
}

/**
 * `.local/stack.json`: what runs while the stack is up. Other scripts and
 * tests rely on these fields; extend it, do not rename them.
 */
export interface StackDescription {
  gateway: string;
  mlflow: string;
  jupyterlab: string;
  /** The JupyterLab server token (JupyterLab opens at `${jupyterlab}/lab?token=...`). */
  jupyterlabToken: string;
  /** Where a second JupyterLab, standing in for a Studio space, may run; the gateway accepts its origin. */
  studioSpace: string;
  region: string;
  cognito: {
    endpoint: string;
    userPoolId: string;
    clientId: string;
    issuer: string;
  };
  /** By role for every role (built-in and `infra/roles.json`'s); more users by their username (with `role`). */
  users: Record<string, LocalUser>;
  /** The seeded teams: members by username, the experiments and models restricted to them. */
  teams: Record<string, LocalTeam>;
  /** MLflow's audit file (absolute path): one JSON line per write and per refusal. */
  auditLog: string;
  /** MLflow's backend store (`npm run local -- up --db sqlite|postgres`). */
  database: DatabaseDescription;
  /** The organisation's identity provider and its seeded users. */
  sso: LocalSso;
}

/** An access key pair (the identity provider's operator). */
export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * `.local/state.json`: what outlives `down` so the next `up` finds the same
 * pool, users and keys (the data in MLflow and cognito-local persists too).
 */
export interface LocalState {
  users: Record<string, LocalUser>;
  jupyterlabToken: string;
  cognito?: { userPoolId: string; clientId: string };
  /**
   * The secret the gateway sends MLflow with every request
   * (`X-Gateway-Proof`); MLflow refuses requests without it. Never in stack.json.
   */
  gatewayProof: string;
  /** The key the identity provider's admin API wants (the local stack's own provisioning). */
  operator: AccessKey;
  /** The password of MLflow's PostgreSQL user (`--db postgres`), set when its cluster is made. */
  postgresPassword: string;
  /** The identity provider's users and secrets (its client's, its signing key, its cookies'). */
  sso: LocalSsoState;
}

export interface LocalSsoState {
  users: Record<string, LocalSsoUser>;
  /** The secret the user pool (the stand-in for Cognito's federation) signs in to the IdP with. */
  clientSecret: string;
  /** The IdP's RS256 signing key (a private JWK), kept so its tokens stay verifiable across restarts. */
  signingKey: Record<string, unknown>;
  cookieKey: string;
}

/** The seeded sign-in of each built-in role; an operator's role signs in as its own name. */
export const SEEDED_USERNAMES: Record<string, string> = {
  admins: 'admin',
  readers: 'reader',
  'model-approvers': 'approver'
};

/** The username the local stack seeds for a role. */
export function seededUsername(role: string): string {
  return SEEDED_USERNAMES[role] ?? role;
}

/** The seeded team, and the one the reader is in. */
export const SEEDED_TEAM = 'team-a';

/** The seeded users' teams, by username. */
export const SEEDED_TEAMS: Record<string, string[]> = {
  reader: [SEEDED_TEAM],
  alice: [SEEDED_TEAM],
  carol: [SEEDED_TEAM]
};

/**
 * Users besides one per role, keyed by username: team members who change
 * models (alice) and log runs (carol, when `infra/roles.json` defines
 * `experimenters`). A user whose role is not defined is not seeded.
 */
export const EXTRA_SEEDED_USERS: Record<string, string> = {
  alice: 'model-approvers',
  carol: 'experimenters'
};

/** The organisation's identity provider's name in the local user pool. */
export const SSO_PROVIDER = 'LocalIdP';

/** What its button says: “Sign in with <label>”. */
export const SSO_PROVIDER_LABEL = 'Example Org SSO';

/** How the local pool maps the IdP's groups to roles and teams (`cognito.identityProviders[].groups`). */
export const SSO_GROUPS: Readonly<Record<string, readonly string[]>> = {
  'org-mlflow-admins': ['admins'],
  'org-mlflow-readers': ['readers'],
  'org-mlflow-approvers': ['model-approvers'],
  'org-forecasting': [SEEDED_TEAM]
};

/** The seeded federated users: one per built-in role, keyed by it; a team member by its username. */
export const SEEDED_SSO_USERS: Readonly<
  Record<string, { username: string; groups: readonly string[] }>
> = {
  admins: { username: 'sso-admin', groups: ['org-mlflow-admins'] },
  readers: { username: 'sso-reader', groups: ['org-mlflow-readers'] },
  'model-approvers': {
    username: 'sso-approver',
    groups: ['org-mlflow-approvers']
  },
  'sso-dana': {
    username: 'sso-dana',
    groups: ['org-mlflow-readers', 'org-forecasting']
  }
};

const ALPHANUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function randomString(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out += alphabet[randomInt(alphabet.length)];
  }
  return out;
}

/** A password that meets Cognito's default policy (upper, lower, digit, symbol). */
function newPassword(): string {
  return `Mlf-${randomBytes(6).toString('hex')}-${randomString(ALPHANUM, 4)}1!`;
}

/** Shaped like IAM's long-term access keys; only the local stack knows them. */
function newAccessKey(): AccessKey {
  return {
    accessKeyId: `AKIA${randomString(ALPHANUM, 16)}`,
    secretAccessKey: randomBytes(30).toString('base64')
  };
}

const PROOF_ALPHABET =
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The gateway's proof: 48 random letters and digits (MLflow wants at least 32). */
export const GATEWAY_PROOF_LENGTH = 48;

function newUser(username: string): LocalUser {
  return {
    username,
    password: newPassword(),
    ...newAccessKey(),
    teams: SEEDED_TEAMS[username] ?? []
  };
}

/** One user per role, keyed by it, and the further seeded users whose roles exist. */
function seededUsers(roles: readonly string[]): Record<string, LocalUser> {
  const users: Record<string, LocalUser> = {};
  for (const role of roles) {
    users[role] = newUser(seededUsername(role));
  }
  for (const [username, role] of Object.entries(EXTRA_SEEDED_USERS)) {
    if (roles.includes(role)) {
      users[username] = { ...newUser(username), role };
    }
  }
  return users;
}

/** The identity provider's users and secrets; users it lacks are added, the rest kept. */
export function completeSso(
  saved: Partial<LocalSsoState> | undefined
): LocalSsoState {
  const users: Record<string, LocalSsoUser> = {};
  for (const [key, seeded] of Object.entries(SEEDED_SSO_USERS)) {
    users[key] = saved?.users?.[key] ?? {
      username: seeded.username,
      password: newPassword(),
      groups: [...seeded.groups]
    };
  }
  return {
    users,
    clientSecret: saved?.clientSecret ?? randomBytes(32).toString('base64url'),
    signingKey:
      saved?.signingKey ??
      (generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
        format: 'jwk'
      }) as Record<string, unknown>),
    cookieKey: saved?.cookieKey ?? randomBytes(32).toString('base64url')
  };
}

function newState(roles: readonly string[]): Omit<LocalState, 'sso'> {
  return {
    users: seededUsers(roles),
    jupyterlabToken: randomBytes(24).toString('hex'),
    gatewayProof: randomString(PROOF_ALPHABET, GATEWAY_PROOF_LENGTH),
    operator: newAccessKey(),
    postgresPassword: randomString(PROOF_ALPHABET, 32)
  };
}

/**
 * A state file as an older checkout wrote it, with what it lacks made
 * now: the same users, pool and token, and a new proof and operator key;
 * users for the roles (built-in and `infra/roles.json`'s) it lacks, and
 * none for a role no longer defined.
 */
export function completeState(
  saved: Partial<LocalState>,
  roles: readonly string[] = BUILT_IN_ROLES
): LocalState {
  const fresh = newState(roles);
  return {
    ...saved,
    users: completeUsers(saved.users, fresh.users, roles),
    jupyterlabToken: saved.jupyterlabToken ?? fresh.jupyterlabToken,
    gatewayProof: saved.gatewayProof ?? fresh.gatewayProof,
    operator: saved.operator ?? fresh.operator,
    postgresPassword: saved.postgresPassword ?? fresh.postgresPassword,
    sso: completeSso(saved.sso)
  };
}

/** The saved state as the stack wrote it (its proof, for benches that call MLflow as the gateway). */
export function readState(): LocalState {
  return JSON.parse(fs.readFileSync(PATHS.stateFile, 'utf8')) as LocalState;
}

export function loadOrCreateState(roles: readonly string[]): LocalState {
  const saved: Partial<LocalState> = fs.existsSync(PATHS.stateFile)
    ? readState()
    : {};
  const state = completeState(saved, roles);
  if (JSON.stringify(state) !== JSON.stringify(saved)) {
    saveState(state);
  }
  return state;
}

export function saveState(state: LocalState): void {
  writePrivateJson(PATHS.stateFile, state);
}

export function readStack(): StackDescription | undefined {
  if (!fs.existsSync(PATHS.stackFile)) {
    return undefined;
  }
  return JSON.parse(
    fs.readFileSync(PATHS.stackFile, 'utf8')
  ) as StackDescription;
}

/**
 * An older state's users of roles that exist, with the teams they lack, and
 * the seeded users it lacks (the identity provider gets them at the next start).
 */
function completeUsers(
  saved:
    Record<string, Omit<LocalUser, 'teams'> & { teams?: string[] }> | undefined,
  fresh: Record<string, LocalUser>,
  roles: readonly string[]
): Record<string, LocalUser> {
  if (saved === undefined) {
    return fresh;
  }
  const completed = Object.fromEntries(
    Object.entries(saved)
      .filter(([key, user]) => roles.includes(roleOf(key, user)))
      .map(([key, user]) => [
        key,
        { ...user, teams: user.teams ?? SEEDED_TEAMS[user.username] ?? [] }
      ])
  );
  return { ...fresh, ...completed };
}

/** stack.json's `teams`: each team's members (from the users) and what the seed restricted to it. */
export function localTeams(
  state: Pick<LocalState, 'users'>,
  restricted: Record<
    string,
    Pick<LocalTeam, 'experiments' | 'registeredModels'>
  >
): Record<string, LocalTeam> {
  const names = new Set(Object.keys(restricted));
  Object.values(state.users).forEach(user =>
    user.teams.forEach(t => names.add(t))
  );
  return Object.fromEntries(
    [...names].sort().map(team => [
      team,
      {
        members: Object.values(state.users)
          .filter(user => user.teams.includes(team))
          .map(user => user.username)
          .sort(),
        experiments: restricted[team]?.experiments ?? [],
        registeredModels: restricted[team]?.registeredModels ?? []
      }
    ])
  );
}

/**
 * What `.local/stack.json` says of a stack that is up: its addresses,
 * users and audit file. The gateway's proof and the operator's key stay
 * in the state file: nothing that reads stack.json needs them.
 */
export function describeStack(
  ports: Ports,
  state: LocalState,
  database: DatabaseDescription,
  teams: Record<string, LocalTeam>,
  auditLog: string = PATHS.auditLog
): StackDescription {
  const cognito = state.cognito!;
  return {
    gateway: urlOf(ports.gateway),
    mlflow: urlOf(ports.mlflow),
    jupyterlab: urlOf(ports.jupyterlab),
    jupyterlabToken: state.jupyterlabToken,
    studioSpace: urlOf(studioSpacePort(ports)),
    region: LOCAL_REGION,
    cognito: {
      endpoint: urlOf(ports.cognito),
      userPoolId: cognito.userPoolId,
      clientId: cognito.clientId,
      issuer: `${urlOf(ports.cognito)}/${cognito.userPoolId}`
    },
    users: state.users,
    teams,
    auditLog,
    database,
    sso: {
      provider: SSO_PROVIDER,
      issuer: urlOf(ports.idp),
      users: state.sso.users
    }
  };
}

export function writeStack(stack: StackDescription): void {
  writePrivateJson(PATHS.stackFile, stack);
}

/** Written readable by the owner only: they hold passwords and keys. */
export function writePrivateJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(value, null, 2) + '\n', {
    mode: 0o600
  });
  fs.renameSync(temp, file);
}

/**
 * The environment in which the MLflow SDK signs its requests with a local
 * user's role keys, as a SageMaker execution role would in AWS.
 */
export function sdkEnvironment(
  gateway: string,
  user: LocalUser
): Record<string, string> {
  return {
    MLFLOW_TRACKING_URI: gateway,
    MLFLOW_TRACKING_AUTH: SDK_AUTH_PROVIDER,
    AWS_ACCESS_KEY_ID: user.accessKeyId,
    AWS_SECRET_ACCESS_KEY: user.secretAccessKey,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    // Nothing else on this machine may lend other credentials.
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true'
  };
}
