/**
 * What an MLflow operation is, as the permission model sees it: one HTTP
 * method on one path template, classified by family and by access.
 */

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/**
 * `read` changes nothing in MLflow, `write` changes state, spends money
 * (LLM calls) or runs work on the server. `public` is reserved for the
 * data-free UI shell, health and version, which anyone may load.
 */
export const ACCESS_LEVELS = ['read', 'write', 'public'] as const;
export type Access = (typeof ACCESS_LEVELS)[number];

/** The prefixes MLflow serves its REST API under (SDK: `/api`, UI: `/ajax-api`). */
export const API_ROOTS = [
  '/api/2.0/',
  '/api/3.0/',
  '/ajax-api/2.0/',
  '/ajax-api/3.0/'
] as const;
export type ApiRoot = (typeof API_ROOTS)[number];

/**
 * Who calls an operation, which decides how the gateway authenticates it:
 * `sdk` is the MLflow Python client and CLI (notebooks, jobs), which sign
 * requests with the caller's AWS credentials (SigV4); `ui` is the MLflow
 * UI, the extension and the clients the UI sets up (its OpenTelemetry
 * snippet), which carry a Cognito token. A REST operation's callers follow
 * its root: `/api/` is the SDK's, `/ajax-api/` the UI's.
 */
export const CALLERS = ['sdk', 'ui'] as const;
export type Caller = (typeof CALLERS)[number];

/** Groups of operations, named after the MLflow features they belong to. */
export const FAMILIES = [
  'tracking',
  'artifacts',
  'registry',
  'logged-models',
  'traces',
  'datasets',
  'scorers',
  'evaluation',
  'labeling',
  'issues',
  'prompts',
  'webhooks',
  'gateway',
  'gateway-invocations',
  'mcp-servers',
  'jobs',
  'assistant',
  'workspaces',
  'graphql',
  'server',
  'ui',
  'access'
] as const;
export type Family = (typeof FAMILIES)[number];

interface OperationBase {
  /** Stable identifier used in role definitions, e.g. `runs.search`. */
  readonly id: string;
  readonly method: HttpMethod;
  readonly family: Family;
  readonly access: Access;
  /** Why the classification is not obvious, shown in the permission table. */
  readonly note?: string;
}

/**
 * A REST operation, served under one or more API roots. `path` follows the
 * root and has no leading slash. `{name}` matches one non-empty segment,
 * `{name+}` one or more, `{name}suffix` a segment ending in `suffix`.
 */
export interface RestOperation extends OperationBase {
  readonly roots: readonly ApiRoot[];
  readonly path: string;
}

/** An operation outside the REST roots (`/graphql`, `/health`, ...). */
export interface FullPathOperation extends OperationBase {
  readonly fullPath: string;
  /** Who calls it; MLflow's own client is listed first when it does. */
  readonly callers: readonly Caller[];
}

export type Operation = RestOperation | FullPathOperation;

export function isRestOperation(op: Operation): op is RestOperation {
  return 'roots' in op;
}

/** Who calls the operation at one of its path templates. */
export function callersOf(op: Operation, template: string): readonly Caller[] {
  if (isRestOperation(op)) {
    return template.startsWith('/api/') ? ['sdk'] : ['ui'];
  }
  return op.callers;
}

/** Every absolute path template the operation is served at. */
export function pathTemplates(op: Operation): string[] {
  return isRestOperation(op)
    ? op.roots.map(root => root + op.path)
    : [op.fullPath];
}
