import { routeOf } from '../../src/apigateway/resources';
import { GatewayRoute, samplePath } from '../../src/gateway-routes';
import { OPERATIONS, pathTemplates } from '../../src/permissions';
import {
  COOKIE_OPERATIONS,
  authorizationOf
} from '../../src/permissions/policy';

/** The routes anyone may call: the data-free UI shell, health and the gateway's pages. */
export const PUBLIC_ROUTES = [
  'GET /',
  'GET /auth/permissions',
  'GET /auth/{proxy+}',
  'GET /build/{filename+}',
  'GET /health',
  'GET /static-files/{path+}',
  'GET /version'
];

/**
 * Every MLflow operation whose request would land, by API Gateway's
 * matching, on a route authorized otherwise than the permission model says
 * (`authorizationOf`, the cookie reads): empty when they agree.
 */
export function authorizationMismatches(
  routes: readonly GatewayRoute[]
): string[] {
  const describe = (authorization: string, cookie: boolean) =>
    `${authorization}${cookie ? ', cookie' : ''}`;
  const mismatches: string[] = [];
  for (const op of OPERATIONS) {
    for (const template of pathTemplates(op)) {
      const path = samplePath(template);
      const route = routeOf(routes, op.method, path);
      const expected = authorizationOf(op, template);
      const cookie = expected === 'token' && COOKIE_OPERATIONS.has(op.id);
      if (route?.authorization !== expected || route.cookie !== cookie) {
        mismatches.push(
          `${op.id}: ${op.method} ${path} → ${route ? `${route.method} ${route.path} (${describe(route.authorization, route.cookie)})` : 'no route'}, expected ${describe(expected, cookie)}`
        );
      }
    }
  }
  return mismatches;
}
