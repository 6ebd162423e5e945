import {
  GatewayRoute,
  gatewayRoutes,
  resourcePath
} from '../src/gateway-routes';
import { OPERATIONS, isRestOperation } from '../src/permissions';
import { authorizationOf } from '../src/permissions/policy';

/**
 * API Gateway's choice of a resource for a request path: at each level a
 * static segment wins over a `{param}`, which wins over a greedy `{proxy+}`
 * (which takes the rest of the path).
 */
function matchResource(paths: readonly string[], requestPath: string) {
  if (requestPath === '/') {
    return paths.includes('/') ? '/' : null;
  }
  const segments = requestPath.split('/').slice(1);
  const candidates = paths
    .filter(path => path !== '/')
    .map(path => ({
      path,
      parts: path.split('/').slice(1)
    }));
  const score = (parts: string[]): number[] | null => {
    const ranks: number[] = [];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      if (part.endsWith('+}')) {
        return i < segments.length ? [...ranks, 0] : null;
      }
      if (i >= segments.length || segments[i] === '') {
        return null;
      }
      if (part.startsWith('{')) {
        ranks.push(1);
      } else if (part === segments[i]) {
        ranks.push(2);
      } else {
        return null;
      }
    }
    return parts.length === segments.length ? ranks : null;
  };
  let best: { path: string; ranks: number[] } | null = null;
  for (const candidate of candidates) {
    const ranks = score(candidate.parts);
    if (ranks === null) {
      continue;
    }
    if (best === null || compare(ranks, best.ranks) > 0) {
      best = { path: candidate.path, ranks };
    }
  }
  return best?.path ?? null;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) {
      return d;
    }
  }
  return 0;
}

/** A concrete request path for a template: each parameter filled in. */
function samplePath(template: string): string {
  return template
    .replace(/\{[A-Za-z_][A-Za-z0-9_]*\+\}/g, 'a/b.txt')
    .replace(/\{[A-Za-z_][A-Za-z0-9_]*\}/g, 'x1');
}

describe('the API Gateway routes generated from the permission model', () => {
  const routes = gatewayRoutes();
  const paths = [...new Set(routes.map(route => route.path))];
  const routeFor = (method: string, path: string): GatewayRoute | undefined => {
    const resource = matchResource(paths, path);
    return (
      routes.find(r => r.path === resource && r.method === method) ??
      routes.find(r => r.path === resource && r.method === 'ANY')
    );
  };

  it('authorizes every MLflow operation exactly as the local gateway does', () => {
    const mismatches: string[] = [];
    for (const op of OPERATIONS) {
      const templates = isRestOperation(op)
        ? op.roots.map(root => `${root}${op.path}`)
        : [op.fullPath];
      for (const template of templates) {
        const path = samplePath(template);
        const route = routeFor(op.method, path);
        const expected = authorizationOf(op, template);
        if (route?.authorization !== expected) {
          mismatches.push(
            `${op.id}: ${op.method} ${path} → ${route ? `${route.method} ${route.path} (${route.authorization})` : 'no route'}, expected ${expected}`
          );
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('leaves public only the data-free UI shell, health and the gateway’s own pages', () => {
    const open = routes
      .filter(route => route.authorization === 'none')
      .map(route => `${route.method} ${route.path}`);
    expect(open.sort()).toEqual(
      [
        'GET /',
        'GET /auth/permissions',
        'GET /auth/{proxy+}',
        'GET /build/{filename+}',
        'GET /health',
        'GET /static-files/{path+}',
        'GET /version'
      ].sort()
    );
  });

  it('signs the SDK’s /api/ paths with IAM and the UI’s /ajax-api/ paths with the token', () => {
    expect(routeFor('POST', '/api/2.0/mlflow/runs/create')?.authorization).toBe(
      'iam'
    );
    expect(
      routeFor('POST', '/ajax-api/2.0/mlflow/runs/create')?.authorization
    ).toBe('token');
    expect(routeFor('POST', '/graphql')?.authorization).toBe('token');
  });

  it('holds only paths API Gateway accepts, far below its 300 resources', () => {
    const resources = new Set<string>();
    for (const path of paths) {
      expect(path).toMatch(
        /^\/(?:(?:[A-Za-z0-9._:-]+|\{[A-Za-z_][A-Za-z0-9_]*\})\/)*(?:[A-Za-z0-9._:-]+|\{[A-Za-z_][A-Za-z0-9_]*\+?\})?$/
      );
      const parts = path.split('/').slice(1);
      parts.forEach((_, i) => resources.add(parts.slice(0, i + 1).join('/')));
    }
    expect(resources.size).toBeLessThan(100);
  });

  it('makes a segment with a parameter inside it greedy', () => {
    expect(
      resourcePath(
        '/gateway/gemini/v1beta/models/{endpoint_name}:generateContent'
      )
    ).toBe('/gateway/gemini/v1beta/models/{proxy+}');
    expect(resourcePath('/static-files/{path+}')).toBe('/static-files/{path+}');
    expect(resourcePath('/gateway/{endpoint_name}/mlflow/invocations')).toBe(
      '/gateway/{endpoint_name}/mlflow/invocations'
    );
  });
});
