/**
 * The Lambda authorizer: a Cognito token in, the policy of everything the
 * user's groups allow out. API Gateway evaluates the policy against the
 * request's method ARN and may cache it per token.
 */
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';

import {
  PermissionsConfig,
  RoleTable,
  compileRoles
} from '../permissions/roles';
import { matchOperation } from '../permissions/match';
import { COOKIE_OPERATIONS, authorizerPolicy } from '../permissions/policy';
import { UNAUTHORIZED_ERROR } from '../apigateway/authorization';
import { REFUSAL_CONTEXT_KEY, ROLES_CONTEXT_KEY } from '../apigateway/refusals';
import { refusalSentence, rolesThatMay } from '../permissions/words';
import type { PolicyDocument } from '../apigateway/policy-evaluation';
import { tokenFromAuthorizationHeader, tokenFromCookie } from './token';
import {
  TokenVerifierConfig,
  VerifiedUser,
  createTokenVerifier
} from './verifier';

export interface AuthorizerConfig extends TokenVerifierConfig {
  /** Operator-defined roles on top of the built-in ones. */
  readonly permissions?: PermissionsConfig;
  /**
   * Where the token is: `request` (the `Authorization` header, and for the
   * cookie reads the cookie after it) or `cookie` (the cookie only: the
   * authorizer API Gateway caches by the `Cookie` header must decide by
   * what it is keyed by, or a policy built from one request's header would
   * be served to the next request with the same cookie).
   *
   * @default 'request'
   */
  readonly tokenSource?: 'request' | 'cookie';
}

/** Context keys the integration reads (`$context.authorizer.principal`). */
export interface AuthorizerContext {
  readonly principal: string;
  /** The user's Cognito groups, comma-separated. */
  readonly groups: string;
  /** Those of the groups that are roles, comma-separated. */
  readonly [ROLES_CONTEXT_KEY]: string;
  /**
   * For a request the policy refuses: what, in words, with the caller's
   * roles and whom to ask (the `ACCESS_DENIED` response shows it); empty
   * otherwise. It describes this request, so API Gateway must key its
   * cache by the request's method and path too (the CDK app does).
   */
  readonly [REFUSAL_CONTEXT_KEY]: string;
  [key: string]: string;
}

/** What API Gateway expects back (`APIGatewayAuthorizerResult`), typed for our policies. */
export interface AuthorizerResult {
  principalId: string;
  policyDocument: PolicyDocument;
  context: AuthorizerContext;
}

export type Authorizer = (
  event: APIGatewayRequestAuthorizerEvent
) => Promise<AuthorizerResult>;

/** A method ARN's parts: `arn:PARTITION:execute-api:REGION:ACCOUNT:API/STAGE/` + `METHOD` + `/path`, in whichever partition the API is. */
function parseMethodArn(methodArn: string): {
  prefix: string;
  method: string;
  path: string;
} {
  const match =
    /^(arn:[^:]+:execute-api:[^:]*:[^:]*:[^/]+\/[^/]+\/)([A-Z]+)(\/.*)?$/.exec(
      methodArn
    );
  if (match === null) {
    throw new Error('The request has no API Gateway method ARN.');
  }
  return { prefix: match[1], method: match[2], path: match[3] ?? '/' };
}

/**
 * Where the tokens are, in the order to try them: the `Authorization`
 * header, then for the reads the UI makes without a fresh header (see
 * `COOKIE_OPERATIONS`), the MLflow UI's header cookie. A cookie token
 * allows those reads only, so the cookie is no way into the API for
 * another site.
 */
function findTokens(
  event: APIGatewayRequestAuthorizerEvent,
  method: string,
  path: string,
  source: 'request' | 'cookie'
): { token: string; scope: 'all' | 'cookie' }[] {
  const found: { token: string; scope: 'all' | 'cookie' }[] = [];
  const header =
    source === 'request'
      ? tokenFromAuthorizationHeader(event.headers)
      : undefined;
  if (header !== undefined) {
    found.push({ token: header, scope: 'all' });
  }
  const op = matchOperation(method, path);
  const cookie =
    op !== undefined && COOKIE_OPERATIONS.has(op.id)
      ? tokenFromCookie(event.headers)
      : undefined;
  if (cookie !== undefined && cookie !== header) {
    found.push({ token: cookie, scope: 'cookie' });
  }
  return found;
}

/**
 * Makes the authorizer. It throws `Unauthorized` (401) when the token is
 * missing or fails verification, and returns a Deny-everything policy (403)
 * for a verified user none of whose groups is a role. It never logs tokens.
 */
export function createAuthorizer(config: AuthorizerConfig): Authorizer {
  const roles: RoleTable = compileRoles(config.permissions);
  const verify = createTokenVerifier(config);
  const policyFor = memoize(
    (groups: readonly string[], scope: 'all' | 'cookie', prefix: string) => {
      const allowed = new Set<string>();
      for (const group of groups) {
        roles.get(group)?.forEach(id => {
          if (scope === 'all' || COOKIE_OPERATIONS.has(id)) {
            allowed.add(id);
          }
        });
      }
      return authorizerPolicy(allowed, prefix);
    }
  );

  /** The words of the refusal of this request, if the caller's roles refuse it. */
  const refusalWords = (
    method: string,
    path: string,
    callerRoles: readonly string[],
    scope: 'all' | 'cookie'
  ): string => {
    const op = matchOperation(method, path);
    if (op === undefined) {
      return '';
    }
    const allowed = callerRoles.some(role => roles.get(role)?.has(op.id));
    if (allowed && (scope === 'all' || COOKIE_OPERATIONS.has(op.id))) {
      return '';
    }
    // API Gateway's own text follows in the same message.
    return `${refusalSentence({
      operation: op,
      callerRoles,
      allowedRoles: rolesThatMay(roles, op.id)
    })} `;
  };

  const source = config.tokenSource ?? 'request';
  return async event => {
    const { prefix, method, path } = parseMethodArn(event.methodArn);
    for (const found of findTokens(event, method, path, source)) {
      let user: VerifiedUser;
      try {
        user = await verify(found.token);
      } catch {
        continue;
      }
      const callerRoles = user.groups.filter(group => roles.has(group));
      return {
        principalId: user.username,
        policyDocument: policyFor(user.groups, found.scope, prefix),
        context: {
          principal: user.username,
          groups: user.groups.join(','),
          [ROLES_CONTEXT_KEY]: callerRoles.join(','),
          [REFUSAL_CONTEXT_KEY]: refusalWords(
            method,
            path,
            callerRoles,
            found.scope
          )
        }
      };
    }
    throw new Error(UNAUTHORIZED_ERROR);
  };
}

/**
 * Users share a handful of group combinations and one API: build each
 * policy once. Bounded, since the groups come from tokens.
 */
function memoize<Rest extends string[]>(
  build: (groups: readonly string[], ...rest: Rest) => PolicyDocument
): (groups: readonly string[], ...rest: Rest) => PolicyDocument {
  const cache = new Map<string, PolicyDocument>();
  return (groups, ...rest) => {
    const key = JSON.stringify([[...groups].sort(), ...rest]);
    let policy = cache.get(key);
    if (policy === undefined) {
      policy = build(groups, ...rest);
      if (cache.size < 256) {
        cache.set(key, policy);
      }
    }
    return policy;
  };
}
