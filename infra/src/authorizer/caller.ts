/**
 * `GET /auth/permissions`: what the caller's token lets them do, so that a
 * UI offers only the actions the user's roles allow. It reveals nothing the
 * caller could not find out by trying; the gateway still decides every
 * request on its own.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

import {
  PermissionsConfig,
  RoleTable,
  compileRoles,
  operationsOfGroups
} from '../permissions/roles';
import type { CallerPermissions } from '../contract';
import { headerValue, tokenFromAuthorizationHeader } from './token';
import { TokenVerifierConfig, createTokenVerifier } from './verifier';

/** The pure part: a verified user's groups against the roles. */
export function callerPermissions(
  roles: RoleTable,
  principal: string,
  groups: readonly string[]
): CallerPermissions {
  return {
    principal,
    groups: [...groups],
    roles: groups.filter(group => roles.has(group)),
    operations: [...operationsOfGroups(roles, groups)].sort()
  };
}

/** A Lambda proxy handler; only the request headers matter. */
export type CallerPermissionsHandler = (
  event: Pick<APIGatewayProxyEvent, 'headers'>
) => Promise<APIGatewayProxyResult>;

export interface CallerPermissionsConfig extends TokenVerifierConfig {
  readonly permissions?: PermissionsConfig;
  /**
   * Browser origins that may read the answer (the extension's). A Lambda
   * proxy integration's answer passes the gateway untouched, so the CORS
   * header is the handler's to add.
   */
  readonly allowedOrigins?: readonly string[];
}

/**
 * Answers the route like a Lambda proxy integration: 200 with
 * {@link CallerPermissions} for a valid `Authorization: Bearer` access
 * token, 401 in MLflow's error format for anything else. Only the header
 * counts: a cookie is no proof that the caller is this page.
 */
export function createCallerPermissionsHandler(
  config: CallerPermissionsConfig
): CallerPermissionsHandler {
  const roles = compileRoles(config.permissions);
  const verify = createTokenVerifier(config);
  const allowedOrigins = new Set(config.allowedOrigins ?? []);
  return async event => {
    const origin = headerValue(event.headers, 'origin');
    const answer = (statusCode: number, body: unknown) => ({
      statusCode,
      headers: {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        vary: 'Origin',
        ...(origin !== undefined && allowedOrigins.has(origin)
          ? { 'access-control-allow-origin': origin }
          : {})
      },
      body: JSON.stringify(body)
    });
    const token = tokenFromAuthorizationHeader(event.headers);
    if (token !== undefined) {
      try {
        const user = await verify(token);
        return answer(
          200,
          callerPermissions(roles, user.username, user.groups)
        );
      } catch {
        // Any failed check is the same 401; which one is not revealed.
      }
    }
    return answer(401, {
      error_code: 'UNAUTHENTICATED',
      message: 'Sign in to see your MLflow permissions.'
    });
  };
}
