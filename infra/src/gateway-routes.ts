/**
 * The API Gateway routes of the MLflow gateway, generated from the
 * permission model: which resource paths and methods the REST API has and
 * how each is authorized. The CDK app builds the API from this list and
 * the local gateway routes requests by it (`infra/src/apigateway/`'s
 * resource matching); tests check, on this list and on the synthesized
 * API, that every operation lands on a route authorized as the permission
 * model says (`authorizationOf`).
 *
 * Each API root is one greedy resource (`/api/2.0/{proxy+}`): API Gateway
 * puts the real request path in the method ARN, so the IAM and authorizer
 * policies still allow operation by operation, and the API stays far below
 * API Gateway's 300 resources. Other MLflow paths get a resource each, and
 * so do the UI's downloads inside an API root (their token may come from
 * the cookie, so their authorizer differs).
 */
import {
  API_ROOTS,
  HttpMethod,
  OPERATIONS,
  Operation,
  isRestOperation,
  pathTemplates
} from './permissions';
import { COOKIE_OPERATIONS, authorizationOf } from './permissions/policy';
import type { Authorization } from './apigateway/authorization';
import {
  matchResource,
  resourcePath,
  resourceTree
} from './apigateway/resources';
import { IDENTITY_PATH, PAGES_PREFIX, PERMISSIONS_PATH } from './contract';

/** The route of the gateway's own pages (a Lambda in AWS). */
export const PAGES_ROUTE = `${PAGES_PREFIX}{proxy+}`;

export interface GatewayRoute {
  /** An API Gateway resource path: static segments, `{name}`, a final `{name+}`. */
  readonly path: string;
  readonly method: HttpMethod | 'ANY';
  readonly authorization: Authorization;
  /**
   * For `token` routes: the token may also come from the MLflow UI's header
   * cookie (`COOKIE_OPERATIONS`), so the authorizer's identity source (its
   * cache key) is the `Cookie` header instead of `Authorization`.
   */
  readonly cookie: boolean;
}

/** A concrete request path for a template: each parameter filled in. */
export function samplePath(template: string): string {
  return template
    .replace(/\{[A-Za-z_][A-Za-z0-9_]*\+\}/g, 'a/b.txt')
    .replace(/\{[A-Za-z_][A-Za-z0-9_]*\}/g, 'x1');
}

/** Every route of the API, sorted by path then method. */
export function gatewayRoutes(): GatewayRoute[] {
  const routes = new Map<string, GatewayRoute>();
  const add = (route: GatewayRoute): void => {
    const key = `${route.method} ${route.path}`;
    const existing = routes.get(key);
    if (
      existing &&
      (existing.authorization !== route.authorization ||
        existing.cookie !== route.cookie)
    ) {
      throw new Error(
        `${key} would need two authorizations: ${describe(existing)} and ${describe(route)}.`
      );
    }
    routes.set(key, route);
  };
  const opRoute = (op: Operation, template: string, path: string) => {
    const authorization = authorizationOf(op, template);
    return {
      path,
      method: op.method,
      authorization,
      cookie: authorization === 'token' && COOKIE_OPERATIONS.has(op.id)
    };
  };

  for (const root of API_ROOTS) {
    add({
      path: `${root}{proxy+}`,
      method: 'ANY',
      authorization: root.startsWith('/api/') ? 'iam' : 'token',
      cookie: false
    });
  }
  const templates = OPERATIONS.flatMap(op =>
    pathTemplates(op).map(template => ({ op, template }))
  );
  for (const { op, template } of templates) {
    const route = opRoute(op, template, resourcePath(template));
    if (!isRestOperation(op) || route.cookie) {
      add(route);
    }
  }
  // A resource of its own inside an API root (and its parents) also
  // catches other operations' requests: each gets its method there, until
  // every operation lands on a method that authorizes it.
  for (let changed = true; changed;) {
    changed = false;
    for (const { op, template } of templates) {
      const path = matchResource(
        resourceTree([...routes.values()].map(route => route.path)),
        samplePath(template)
      );
      if (path === undefined || routes.has(`ANY ${path}`)) {
        continue;
      }
      const route = opRoute(op, template, path);
      const existing = routes.get(`${op.method} ${path}`);
      if (existing === undefined) {
        add(route);
        changed = true;
      } else if (existing.cookie !== route.cookie) {
        // A cached cookie policy must never reach beyond the cookie reads.
        throw new Error(
          `${op.id} lands on ${op.method} ${path}, which is ${describe(existing)}, but needs ${describe(route)}.`
        );
      }
    }
  }
  // The gateway's own pages, and the caller's permissions (the handler
  // verifies the token itself: no authorizer policy to write for it).
  add({
    path: PAGES_ROUTE,
    method: 'GET',
    authorization: 'none',
    cookie: false
  });
  add({
    path: PERMISSIONS_PATH,
    method: 'GET',
    authorization: 'none',
    cookie: false
  });
  // Who a SigV4 caller is: signed, and answered by the MLflow server app,
  // which knows the IAM principals (`iamPolicyDocuments` allows it to all).
  add({
    path: IDENTITY_PATH,
    method: 'GET',
    authorization: 'iam',
    cookie: false
  });
  return [...routes.values()].sort(
    (a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method)
  );
}

const describe = (route: GatewayRoute): string =>
  route.cookie ? 'token (or cookie)' : route.authorization;
