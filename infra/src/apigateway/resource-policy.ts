/**
 * What the REST API's resource policy names: the method ARNs anyone may
 * invoke (public and Cognito-authorized methods, CORS preflights: their own
 * authorization still decides) and the method ARNs of the IAM methods,
 * which it refuses to principals outside the deployment. With a resource
 * policy, API Gateway refuses a method without IAM authorization unless
 * the policy allows it; for an IAM method of a same-account caller, an
 * allow in either the caller's IAM policy or the resource policy is
 * enough, so the resource policy must never allow an IAM method.
 *
 * Resource patterns are in API Gateway's shorthand
 * (`execute-api:/<stage>/<METHOD>/<path>`), expanded to the API's ARN when
 * the policy is saved. A `*` there matches `/` too, so a pattern only ever
 * covers a subtree of static path segments in which every method of its
 * HTTP method is of one kind: a request whose path starts there can land
 * on no other method. The HTTP method is always literal: a `*` in its
 * place would also match an IAM request whose path merely contains an open
 * subtree's path (`…/artifacts/x/ajax-api/…`).
 */
import type { Authorization } from './authorization';
import { type ResourceMethod, resourceTree } from './resources';

/** API Gateway's limit on a REST API's resource policy, in characters. */
export const MAX_RESOURCE_POLICY_CHARACTERS = 8192;

/** The HTTP methods an `ANY` method serves. */
export const HTTP_METHODS = [
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT'
] as const;

export interface AuthorizedMethod extends ResourceMethod {
  readonly authorization: Authorization;
}

export interface ResourcePolicyPatterns {
  /** Methods anyone may reach (`none` and `token`, and the preflights): the resource policy allows these. */
  readonly open: readonly string[];
  /** The `iam` methods: the resource policy denies these to principals outside the deployment. */
  readonly iam: readonly string[];
}

type Kind = keyof ResourcePolicyPatterns;

export interface ResourcePolicyOptions {
  readonly stage: string;
  /** Every resource answers `OPTIONS` itself (CORS preflights, no authorization). */
  readonly preflight: boolean;
}

/**
 * The method ARN patterns of each kind, as few as are exact: a subtree of
 * one kind is one pattern. Throws where a path parameter sits beside
 * methods of another kind, which no pattern could tell apart.
 */
export function resourcePolicyPatterns(
  methods: readonly AuthorizedMethod[],
  options: ResourcePolicyOptions
): ResourcePolicyPatterns {
  const tree = resourceTree(methods.map(m => m.path));
  const patterns: Record<Kind, string[]> = { open: [], iam: [] };
  for (const httpMethod of HTTP_METHODS) {
    const served = servedBy(methods, tree, httpMethod, options.preflight);
    const emit = (kind: Kind, path: string) =>
      patterns[kind].push(`execute-api:/${options.stage}/${httpMethod}${path}`);
    compress('', tree, served, emit, httpMethod);
  }
  return patterns;
}

/** Which resources serve an HTTP method, and of which kind. */
function servedBy(
  methods: readonly AuthorizedMethod[],
  tree: readonly string[],
  httpMethod: string,
  preflight: boolean
): Map<string, Kind> {
  const served = new Map<string, Kind>();
  if (httpMethod === 'OPTIONS' && preflight) {
    for (const path of tree) {
      served.set(path, 'open');
    }
    return served;
  }
  const kindOf = (m: AuthorizedMethod): Kind =>
    m.authorization === 'iam' ? 'iam' : 'open';
  for (const m of methods) {
    if (m.method === httpMethod) {
      served.set(m.path, kindOf(m));
    }
  }
  for (const m of methods) {
    if (m.method === 'ANY' && !served.has(m.path)) {
      served.set(m.path, kindOf(m));
    }
  }
  return served;
}

/**
 * The patterns of the subtree at `prefix` (static segments; '' for the
 * root): one kind throughout, the subtree's own pattern; else the node's
 * own method exactly and each static child on its own.
 */
function compress(
  prefix: string,
  tree: readonly string[],
  served: ReadonlyMap<string, Kind>,
  emit: (kind: Kind, path: string) => void,
  httpMethod: string
): void {
  const self = prefix === '' ? '/' : prefix;
  const inside = (path: string) =>
    path === self || path.startsWith(`${prefix}/`);
  const below = [...served.keys()].filter(p => inside(p) && p !== self);
  const kinds = new Set(
    [...served].filter(([path]) => inside(path)).map(([, kind]) => kind)
  );
  const own = served.get(self);
  const emitOwn = (kind: Kind) => {
    emit(kind, self);
    if (kind === 'iam' && prefix !== '') {
      // API Gateway serves `/a/` from `/a` too: no way around the deny.
      emit(kind, `${self}/`);
    }
  };
  if (kinds.size === 1) {
    const [kind] = kinds;
    // `/*` also matches the root's own `/`.
    if (own !== undefined && !(prefix === '' && below.length > 0)) {
      emitOwn(kind);
    }
    if (below.length > 0) {
      emit(kind, `${prefix}/*`);
    }
    return;
  }
  if (kinds.size === 0) {
    return;
  }
  if (own !== undefined) {
    emitOwn(own);
  }
  const depth = prefix.split('/').length;
  const children = tree.filter(
    path =>
      path !== '/' &&
      path.startsWith(`${prefix}/`) &&
      path.split('/').length === depth + 1
  );
  for (const child of children) {
    if (child.slice(prefix.length).includes('{')) {
      const reached = below.filter(
        p => p === child || p.startsWith(`${child}/`)
      );
      if (reached.length > 0) {
        throw new Error(
          `${httpMethod} ${child}: a path parameter beside methods of another authorization under ${self}; no resource policy pattern can tell them apart.`
        );
      }
      continue;
    }
    compress(child, tree, served, emit, httpMethod);
  }
}
