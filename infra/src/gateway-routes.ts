/**
 * The API Gateway routes of the MLflow gateway, generated from the
 * permission model: which resource paths and methods the REST API has and
 * how each is authorized. The CDK app builds the API from this list; the
 * local gateway decides by the same model (`authorizationOf`), and a test
 * matches the two route by route.
 *
 * Each API root is one greedy resource (`/api/2.0/{proxy+}`): API Gateway
 * puts the real request path in the method ARN, so the IAM and authorizer
 * policies still allow operation by operation, and the API stays far below
 * API Gateway's 300 resources. Other MLflow paths get a resource each.
 */
import {
  API_ROOTS,
  HttpMethod,
  OPERATIONS,
  isRestOperation
} from './permissions';
import { Authorization, authorizationOf } from './permissions/policy';
import { CALLER_PERMISSIONS_PATH } from './authorizer/caller';
import { PAGES_PREFIX } from './gateway-pages';

export interface GatewayRoute {
  /** An API Gateway resource path: static segments, `{name}`, a final `{name+}`. */
  readonly path: string;
  readonly method: HttpMethod | 'ANY';
  readonly authorization: Authorization;
}

/** A path template as API Gateway can hold it: a segment with a parameter inside it (`{id}:run`) makes the rest greedy. */
export function resourcePath(template: string): string {
  const segments = template.split('/').slice(1);
  const kept: string[] = [];
  for (const segment of segments) {
    if (/^\{[A-Za-z_][A-Za-z0-9_]*\+?\}$/.test(segment)) {
      kept.push(segment);
      if (segment.endsWith('+}')) {
        break;
      }
    } else if (segment.includes('{')) {
      kept.push('{proxy+}');
      break;
    } else {
      kept.push(segment);
    }
  }
  return `/${kept.join('/')}`;
}

/** Every route of the API, sorted by path then method. */
export function gatewayRoutes(): GatewayRoute[] {
  const routes = new Map<string, GatewayRoute>();
  const add = (route: GatewayRoute): void => {
    const key = `${route.method} ${route.path}`;
    const existing = routes.get(key);
    if (existing && existing.authorization !== route.authorization) {
      throw new Error(
        `${key} would need two authorizations: ${existing.authorization} and ${route.authorization}.`
      );
    }
    routes.set(key, route);
  };
  for (const root of API_ROOTS) {
    add({
      path: `${root}{proxy+}`,
      method: 'ANY',
      authorization: root.startsWith('/api/') ? 'iam' : 'token'
    });
  }
  for (const op of OPERATIONS) {
    if (isRestOperation(op)) {
      continue;
    }
    add({
      path: resourcePath(op.fullPath),
      method: op.method,
      authorization: authorizationOf(op, op.fullPath)
    });
  }
  // The gateway's own pages, and the caller's permissions (the handler
  // verifies the token itself: no authorizer policy to write for it).
  add({
    path: `${PAGES_PREFIX}{proxy+}`,
    method: 'GET',
    authorization: 'none'
  });
  add({ path: CALLER_PERMISSIONS_PATH, method: 'GET', authorization: 'none' });
  return [...routes.values()].sort(
    (a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method)
  );
}
