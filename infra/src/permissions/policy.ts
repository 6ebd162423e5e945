/**
 * From roles to the policy documents API Gateway evaluates: the IAM policies
 * of the SageMaker execution roles (SigV4 on the SDK's routes) and the
 * policies the Lambda authorizer returns (Cognito tokens on the UI's).
 *
 * API Gateway matches a policy's resource ARNs against the method ARN
 * `arn:PARTITION:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/path`, where `*`
 * matches any characters, `/` included. A template parameter written as `*`
 * therefore also matches paths of other operations (`traces/*` covers
 * `traces/ID/tags`), so every allow is paired with explicit denies for the
 * operations the role lacks that its allows would reach. Generation fails
 * when such a deny would also block an allowed operation. Where a role may
 * perform every operation of a method below a path, one wildcard stands for
 * all of them (`subtreeWildcards`), which keeps the admins' policies small.
 */
import { Operation, callersOf, pathTemplates } from './operation';
import { OPERATIONS } from './operations';
import { matchOperation } from './match';
import type { Authorization } from '../apigateway/authorization';
import { IDENTITY_PATH } from '../contract';
import type {
  PolicyDocument,
  PolicyStatement
} from '../apigateway/policy-evaluation';

/**
 * How a path may be authorized, by who calls it: a SigV4 signature for the
 * MLflow SDK and CLI (`iam`), a Cognito token for the UI (`token`); the
 * data-free UI shell is public (`none`). The local gateway accepts each.
 */
export function authorizationsOf(
  op: Operation,
  template: string
): Authorization[] {
  if (op.access === 'public') {
    return ['none'];
  }
  return callersOf(op, template).map(caller =>
    caller === 'sdk' ? 'iam' : 'token'
  );
}

/**
 * How API Gateway authorizes a path, one type per method: where both the
 * SDK and the UI call it, IAM, since MLflow's client can only sign and a
 * failed call there loses data (span export) without telling the user.
 */
export function authorizationOf(
  op: Operation,
  template: string
): Authorization {
  return authorizationsOf(op, template)[0];
}

/**
 * The reads for which a token in the MLflow UI's header cookie counts, and
 * which it alone allows:
 * - downloads the UI makes with plain links (`<img src>`), which carry the
 *   cookie but no `Authorization` header;
 * - GraphQL queries, whose client copies the cookie into a header once,
 *   when the UI loads, and so keeps sending an expired token after the
 *   panel has handed over a fresh one.
 * All of them read only, so another site that makes a browser send the
 * cookie changes nothing (and cannot read the answer).
 */
export const COOKIE_OPERATIONS: ReadonlySet<string> = new Set([
  'artifacts.download',
  'model-versions.download-artifact',
  'logged-models.download-artifact',
  'mlflow-artifacts.download',
  'graphql.query',
  'graphql.query-via-get'
]);

/** The deployed API a policy is for; `*` is allowed in each part. */
export interface ApiTarget {
  /**
   * The AWS partition of the API's region (`aws-cn`, `aws-us-gov`…).
   *
   * @default 'aws'
   */
  readonly partition?: string;
  readonly region: string;
  readonly account: string;
  readonly apiId: string;
  readonly stage: string;
}

/** `arn:PARTITION:execute-api:REGION:ACCOUNT:API/STAGE/`, what every method ARN starts with. */
export function apiArnPrefix(target: ApiTarget): string {
  const { partition = 'aws', region, account, apiId, stage } = target;
  return `arn:${partition}:execute-api:${region}:${account}:${apiId}/${stage}/`;
}

/** The method ARN API Gateway builds for a request: the path without its leading `/`. */
export function methodArn(
  prefix: string,
  method: string,
  path: string
): string {
  return `${prefix}${method}/${path.replace(/^\//, '')}`;
}

/** A path template as an ARN resource pattern: every parameter becomes `*`. */
export function templateToArnPath(template: string): string {
  if (/[*?]/.test(template)) {
    throw new Error(`${template}: "*" and "?" are wildcards in policies`);
  }
  return template
    .replace(/^\//, '')
    .replace(/\{[A-Za-z_][A-Za-z0-9_]*\+?\}/g, '*');
}

/** What one step of a pattern accepts: one character, any, or any but `/`. */
type CharClass = { readonly char: string } | 'any' | 'segment';

interface Token {
  readonly accepts: CharClass;
  /** Repeated zero or more times, or exactly once. */
  readonly repeats: boolean;
}

const literalTokens = (text: string): Token[] =>
  [...text].map(char => ({ accepts: { char }, repeats: false }));

/** An ARN resource pattern: `*` is any run of characters. */
function globTokens(glob: string): Token[] {
  return [...glob].map(char =>
    char === '*'
      ? { accepts: 'any', repeats: true }
      : { accepts: { char }, repeats: false }
  );
}

/**
 * A `METHOD/path-template` as the paths it matches: a parameter is one or
 * more characters other than `/`; a greedy one is one or more of anything.
 */
function templateTokens(resource: string): Token[] {
  const tokens: Token[] = [];
  const parameter = /\{[A-Za-z_][A-Za-z0-9_]*(\+?)\}/g;
  let last = 0;
  for (const match of resource.matchAll(parameter)) {
    tokens.push(...literalTokens(resource.slice(last, match.index)));
    const accepts: CharClass = match[1] ? 'any' : 'segment';
    tokens.push({ accepts, repeats: false }, { accepts, repeats: true });
    last = match.index + match[0].length;
  }
  tokens.push(...literalTokens(resource.slice(last)));
  return tokens;
}

function classesMeet(a: CharClass, b: CharClass): boolean {
  if (typeof a === 'object' && typeof b === 'object') {
    return a.char === b.char;
  }
  if (typeof a === 'object') {
    return b === 'any' || a.char !== '/';
  }
  if (typeof b === 'object') {
    return a === 'any' || b.char !== '/';
  }
  return true;
}

/**
 * Whether some string matches both token patterns: a search over pairs of
 * positions, where a repeated token may be left or consume a character the
 * other pattern consumes at the same time.
 */
function tokensIntersect(a: readonly Token[], b: readonly Token[]): boolean {
  const seen = new Set<number>();
  const stack: [number, number][] = [[0, 0]];
  while (stack.length > 0) {
    const [i, j] = stack.pop() as [number, number];
    const key = i * (b.length + 1) + j;
    if (seen.has(key)) {
      continue;
    }
    seen.add(key);
    if (i === a.length && j === b.length) {
      return true;
    }
    if (a[i]?.repeats) {
      stack.push([i + 1, j]);
    }
    if (b[j]?.repeats) {
      stack.push([i, j + 1]);
    }
    if (
      i < a.length &&
      j < b.length &&
      classesMeet(a[i].accepts, b[j].accepts)
    ) {
      stack.push([a[i].repeats ? i : i + 1, b[j].repeats ? j : j + 1]);
    }
  }
  return false;
}

/** Whether some string matches both ARN patterns (`*` = any characters). */
export function patternsOverlap(a: string, b: string): boolean {
  return tokensIntersect(globTokens(a), globTokens(b));
}

interface Entry {
  readonly op: Operation;
  /** How the path may be authorized (`authorizationsOf`). */
  readonly authorizations: readonly Authorization[];
  /** `METHOD/path-template`, e.g. `GET/api/3.0/mlflow/traces/{trace_id}`. */
  readonly template: string;
  /** The template as a resource pattern after the API's ARN prefix. */
  readonly resource: string;
}

/** Every path template of every operation, public ones included. */
const ALL_ENTRIES: readonly Entry[] = OPERATIONS.flatMap(op =>
  pathTemplates(op).map(template => ({
    op,
    authorizations: authorizationsOf(op, template),
    template: `${op.method}${template}`,
    resource: `${op.method}/${templateToArnPath(template)}`
  }))
);

const entries = (authorization: Exclude<Authorization, 'none'>): Entry[] =>
  ALL_ENTRIES.filter(entry => entry.authorizations.includes(authorization));

const ENTRIES = {
  iam: entries('iam'),
  token: entries('token')
} as const;

/** Whether a resource pattern matches some request path of the entry's template. */
function reaches(resource: string, entry: Entry): boolean {
  return tokensIntersect(globTokens(resource), templateTokens(entry.template));
}

/**
 * A deny that blocks an allowed entry's paths is harmless only when it names
 * a single path and MLflow routes that path to the denied operation (a
 * literal route such as `traces/get` beside `traces/{trace_id}`).
 */
function blocksAllowed(denied: Entry, allowed: Entry): boolean {
  if (!reaches(denied.resource, allowed)) {
    return false;
  }
  if (denied.resource.includes('*')) {
    return true;
  }
  const [method, ...path] = denied.resource.split('/');
  return matchOperation(method, `/${path.join('/')}`) !== denied.op;
}

/** The resources to allow and to deny, after the API's ARN prefix. */
export interface PolicyResources {
  readonly allow: readonly string[];
  readonly deny: readonly string[];
}

/**
 * What a set of allowed operations becomes on one kind of path: each allowed
 * template, and a deny for every other template an allow's wildcards reach.
 * Throws when a needed deny would also block an allowed operation.
 */
export function policyResources(
  allowed: ReadonlySet<string>,
  authorization: Exclude<Authorization, 'none'>
): PolicyResources {
  const all = ENTRIES[authorization];
  const allow = all.filter(entry => allowed.has(entry.op.id));
  const others = all.filter(entry => !allowed.has(entry.op.id));
  const deny = others.filter(other =>
    allow.some(entry => reaches(entry.resource, other))
  );
  for (const denied of deny) {
    const blocked = allow.find(entry => blocksAllowed(denied, entry));
    if (blocked !== undefined) {
      throw new Error(
        `A policy cannot allow ${blocked.op.id} without ${denied.op.id}: ` +
          `"${blocked.resource}" reaches ${denied.template}, and denying ` +
          `"${denied.resource}" would block ${blocked.template}. ` +
          'Allow or deny both.'
      );
    }
  }
  return {
    allow: unique(allow.map(entry => entry.resource)),
    deny: unique(deny.map(entry => entry.resource))
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/**
 * Whether `${prefix}*` reaches the entry's paths. Most entries are told
 * apart by their literal start; the rest by the full search.
 */
function prefixReaches(prefix: string, entry: Entry): boolean {
  const literal = entry.template.split('{')[0];
  const common = Math.min(prefix.length, literal.length);
  if (prefix.slice(0, common) !== literal.slice(0, common)) {
    return false;
  }
  return common === prefix.length || reaches(`${prefix}*`, entry);
}

/**
 * The `METHOD/…/` prefixes a resource lies under, shortest first: its
 * literal start (up to its first wildcard) cut after each `/`.
 */
function subtreesOf(resource: string): string[] {
  const literal = resource.split('*')[0];
  const prefixes: string[] = [];
  for (let end = literal.indexOf('/'); end >= 0;) {
    prefixes.push(literal.slice(0, end + 1));
    end = literal.indexOf('/', end + 1);
  }
  return prefixes;
}

/**
 * The allows with whole subtrees folded into wildcards: `METHOD/prefix/*`
 * in place of the two or more allows under it, where every operation path
 * the wildcard reaches is one of this kind of path and of an operation
 * the role has. Each folded allow's paths stay allowed, no operation
 * the role lacks becomes reachable (so no deny is needed and the denies
 * stay as they are), and what the wildcard adds is paths that are no
 * operation, which MLflow answers 404, as for a parameter's `*`. The method
 * stays literal: `HEAD` and `OPTIONS` stay refused.
 */
export function subtreeWildcards(
  allow: readonly string[],
  allowed: ReadonlySet<string>,
  authorization: Exclude<Authorization, 'none'>
): string[] {
  const whole = new Map<string, boolean>();
  const isWhole = (prefix: string): boolean => {
    let result = whole.get(prefix);
    if (result === undefined) {
      result = ALL_ENTRIES.every(
        entry =>
          !prefixReaches(prefix, entry) ||
          (entry.authorizations.includes(authorization) &&
            allowed.has(entry.op.id))
      );
      whole.set(prefix, result);
    }
    return result;
  };
  const under = new Map<string, string[]>();
  for (const resource of allow) {
    const key = subtreesOf(resource).find(isWhole) ?? resource;
    under.set(key, [...(under.get(key) ?? []), resource]);
  }
  return [...under].flatMap(([prefix, resources]) =>
    resources.length > 1 ? [`${prefix}*`] : resources
  );
}

/**
 * {@link policyResources} with {@link subtreeWildcards}: what the policies
 * are written from.
 */
export function compactPolicyResources(
  allowed: ReadonlySet<string>,
  authorization: Exclude<Authorization, 'none'>
): PolicyResources {
  const { allow, deny } = policyResources(allowed, authorization);
  return { allow: subtreeWildcards(allow, allowed, authorization), deny };
}

const INVOKE = 'execute-api:Invoke';

function statement(
  effect: PolicyStatement['Effect'],
  resources: readonly string[],
  prefix: string
): PolicyStatement {
  return {
    Effect: effect,
    Action: INVOKE,
    Resource: resources.map(resource => prefix + resource)
  };
}

/**
 * The policy a Lambda authorizer returns for a user whose groups allow
 * `allowed`: everything they may do on the token paths, so API Gateway can
 * cache one answer per token. No allowed operation → deny everything.
 */
export function authorizerPolicy(
  allowed: ReadonlySet<string>,
  prefix: string
): PolicyDocument {
  const { allow, deny } = compactPolicyResources(allowed, 'token');
  if (allow.length === 0) {
    return {
      Version: '2012-10-17',
      Statement: [statement('Deny', ['*'], prefix)]
    };
  }
  const statements = [statement('Allow', allow, prefix)];
  if (deny.length > 0) {
    statements.push(statement('Deny', deny, prefix));
  }
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * What every execution role may call besides its operations: who it is
 * (`GET /iam/identity`, answered from the deployment's identities), so that
 * a notebook can tell its user which MLflow role it acts as.
 */
export const IDENTITY_RESOURCE = `GET/${templateToArnPath(IDENTITY_PATH)}`;

/** IAM counts a managed policy's size without whitespace; 6,144 characters at most. */
export const MAX_MANAGED_POLICY_CHARS = 6144;

/**
 * The IAM policy documents of a role's execution role for `/api/` (and
 * {@link IDENTITY_RESOURCE}): allows
 * and denies split over as many managed policies as IAM's size limit needs
 * (a deny in any policy attached to the role wins, so splitting is safe).
 * The size is that of the ARNs of `sizedAs`: for a target not known
 * before deployment (placeholders of tokens), the longest it can be once
 * deployed, so the split is the same on every synthesis and fits.
 */
export function iamPolicyDocuments(
  allowed: ReadonlySet<string>,
  target: ApiTarget,
  sizedAs: ApiTarget = target
): PolicyDocument[] {
  const prefix = apiArnPrefix(target);
  const { allow, deny } = compactPolicyResources(allowed, 'iam');
  const documents: PolicyDocument[] = [];
  let current: PolicyStatement[] = [];
  // JSON escapes nothing in an ARN prefix: each resource's share of a
  // document's size is its own length plus the prefix's.
  const prefixGrowth = apiArnPrefix(sizedAs).length - prefix.length;
  const size = (statements: PolicyStatement[]): number =>
    JSON.stringify({ Version: '2012-10-17', Statement: statements }).length +
    prefixGrowth *
      statements.reduce(
        (count, statement) => count + [statement.Resource].flat().length,
        0
      );
  const add = (
    effect: PolicyStatement['Effect'],
    resources: readonly string[]
  ) => {
    for (const resource of resources) {
      const last = current[current.length - 1];
      if (last?.Effect === effect) {
        const grown = {
          ...last,
          Resource: [...(last.Resource as string[]), prefix + resource]
        };
        if (
          size([...current.slice(0, -1), grown]) <= MAX_MANAGED_POLICY_CHARS
        ) {
          current[current.length - 1] = grown;
          continue;
        }
      } else {
        const next = statement(effect, [resource], prefix);
        if (size([...current, next]) <= MAX_MANAGED_POLICY_CHARS) {
          current.push(next);
          continue;
        }
      }
      documents.push({ Version: '2012-10-17', Statement: current });
      current = [statement(effect, [resource], prefix)];
    }
  };
  add('Allow', [...allow, IDENTITY_RESOURCE]);
  add('Deny', deny);
  if (current.length > 0) {
    documents.push({ Version: '2012-10-17', Statement: current });
  }
  return documents;
}
