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
import { COOKIE_OPERATIONS, authorizerPolicy } from '../permissions/policy';
import type { PolicyDocument } from './policy-evaluation';
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
   * Where the token is read from. `header` (the default): the
   * `Authorization` header, for data requests. `cookie`: the MLflow UI's
   * header cookie, for the plain-link downloads that cannot carry a header;
   * such a token allows downloads only, so the cookie is no way into the API.
   */
  readonly tokenSource?: 'header' | 'cookie';
}

/** The message API Gateway turns into 401, for any missing or invalid token. */
export const UNAUTHORIZED = 'Unauthorized';

/** Context keys the integration reads (`$context.authorizer.principal`). */
export interface AuthorizerContext {
  readonly principal: string;
  /** The user's Cognito groups, comma-separated. */
  readonly groups: string;
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

/** `arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/` of a method ARN. */
function arnPrefix(methodArn: string): string {
  const match = /^(arn:[^:]+:execute-api:[^:]*:[^:]*:[^/]+\/[^/]+\/)/.exec(
    methodArn
  );
  if (match === null) {
    throw new Error('The request has no API Gateway method ARN.');
  }
  return match[1];
}

/**
 * Makes the authorizer. It throws `Unauthorized` (401) when the token is
 * missing or fails verification, and returns a Deny-everything policy (403)
 * for a verified user none of whose groups is a role. It never logs tokens.
 */
export function createAuthorizer(config: AuthorizerConfig): Authorizer {
  const roles: RoleTable = compileRoles(config.permissions);
  const verify = createTokenVerifier(config);
  const readToken =
    config.tokenSource === 'cookie'
      ? tokenFromCookie
      : tokenFromAuthorizationHeader;
  const policyFor = memoize((groups: readonly string[], prefix: string) => {
    const allowed = new Set<string>();
    for (const group of groups) {
      roles.get(group)?.forEach(id => {
        if (config.tokenSource !== 'cookie' || COOKIE_OPERATIONS.has(id)) {
          allowed.add(id);
        }
      });
    }
    return authorizerPolicy(allowed, prefix);
  });

  return async event => {
    const prefix = arnPrefix(event.methodArn);
    const token = readToken(event.headers);
    if (token === undefined) {
      throw new Error(UNAUTHORIZED);
    }
    let user: VerifiedUser;
    try {
      user = await verify(token);
    } catch {
      throw new Error(UNAUTHORIZED);
    }
    return {
      principalId: user.username,
      policyDocument: policyFor(user.groups, prefix),
      context: { principal: user.username, groups: user.groups.join(',') }
    };
  };
}

/**
 * Users share a handful of group combinations and one API: build each
 * policy once. Bounded, since the groups come from tokens.
 */
function memoize(
  build: (groups: readonly string[], prefix: string) => PolicyDocument
): (groups: readonly string[], prefix: string) => PolicyDocument {
  const cache = new Map<string, PolicyDocument>();
  return (groups, prefix) => {
    const key = JSON.stringify([[...groups].sort(), prefix]);
    let policy = cache.get(key);
    if (policy === undefined) {
      policy = build(groups, prefix);
      if (cache.size < 256) {
        cache.set(key, policy);
      }
    }
    return policy;
  };
}
