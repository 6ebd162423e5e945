/**
 * The Lambda entry points: `handler` (the authorizer), `cookieHandler`
 * (the authorizer of the cookie reads' routes) and `permissions`
 * (the `GET /auth/permissions` integration). Configured by environment variables, so one bundle
 * serves the deployed API (Cognito) and the local stack (cognito-local):
 *
 * - `COGNITO_ISSUER`: the user pool's issuer URL (required)
 * - `COGNITO_CLIENT_IDS`: comma-separated app client ids (required)
 * - `COGNITO_JWKS_URI`: where the keys are; default `<issuer>/.well-known/jwks.json`
 * - `TOKEN_USE`: `access` (default) or `id`
 * - `PERMISSIONS`: operator-defined roles as JSON (`{"roles": [...]}`)
 * - `ALLOWED_ORIGINS`: comma-separated browser origins that may read
 *   `/auth/permissions` (its CORS header)
 */
import type {
  APIGatewayProxyEvent,
  APIGatewayRequestAuthorizerEvent
} from 'aws-lambda';

import type { PermissionsConfig } from '../permissions/roles';
import { Authorizer, createAuthorizer } from './authorizer';
import {
  CallerPermissionsConfig,
  CallerPermissionsHandler,
  createCallerPermissionsHandler
} from './caller';

/** Reads the authorizer's configuration; throws naming every problem. */
export function configFromEnvironment(
  env: Record<string, string | undefined>
): CallerPermissionsConfig {
  const problems: string[] = [];
  const issuer = env.COGNITO_ISSUER ?? '';
  if (!/^https?:\/\/[^/]+\/[^/]+$/.test(issuer)) {
    problems.push('COGNITO_ISSUER must be the user pool issuer URL');
  }
  const clientIds = list(env.COGNITO_CLIENT_IDS);
  if (clientIds.length === 0) {
    problems.push('COGNITO_CLIENT_IDS must list at least one app client id');
  }
  const tokenUse = env.TOKEN_USE ?? 'access';
  if (tokenUse !== 'access' && tokenUse !== 'id') {
    problems.push('TOKEN_USE must be "access" or "id"');
  }
  let permissions: PermissionsConfig | undefined;
  try {
    permissions = env.PERMISSIONS ? JSON.parse(env.PERMISSIONS) : undefined;
  } catch {
    problems.push('PERMISSIONS must be JSON');
  }
  if (problems.length > 0) {
    throw new Error(`Authorizer misconfigured: ${problems.join('; ')}.`);
  }
  return {
    issuer,
    clientIds,
    jwksUri: env.COGNITO_JWKS_URI || undefined,
    tokenUse: tokenUse as CallerPermissionsConfig['tokenUse'],
    permissions,
    allowedOrigins: list(env.ALLOWED_ORIGINS)
  };
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map(item => item.trim())
    .filter(item => item !== '');

let authorizer: Authorizer | undefined;

/** Built on the first call and kept warm, with its JWKS cache and policies. */
export function handler(event: APIGatewayRequestAuthorizerEvent) {
  authorizer ??= createAuthorizer(configFromEnvironment(process.env));
  return authorizer(event);
}

let cookieAuthorizer: Authorizer | undefined;

/**
 * The authorizer API Gateway keys by the `Cookie` header: it decides by the
 * cookie's token alone, so what it caches for a cookie is that cookie's.
 */
export function cookieHandler(event: APIGatewayRequestAuthorizerEvent) {
  cookieAuthorizer ??= createAuthorizer({
    ...configFromEnvironment(process.env),
    tokenSource: 'cookie'
  });
  return cookieAuthorizer(event);
}

let callerPermissions: CallerPermissionsHandler | undefined;

/** `GET /auth/permissions`, as a Lambda proxy integration, from the same bundle. */
export function permissions(event: Pick<APIGatewayProxyEvent, 'headers'>) {
  callerPermissions ??= createCallerPermissionsHandler(
    configFromEnvironment(process.env)
  );
  return callerPermissions(event);
}
