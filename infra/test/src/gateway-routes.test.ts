import { resourceTree, routeOf } from '../../src/apigateway/resources';
import { gatewayRoutes } from '../../src/gateway-routes';
import { PUBLIC_ROUTES, authorizationMismatches } from '../support/routes';

describe('the API Gateway routes generated from the permission model', () => {
  const routes = gatewayRoutes();
  const paths = [...new Set(routes.map(route => route.path))];
  const routeFor = (method: string, path: string) =>
    routeOf(routes, method, path);

  it('authorizes every MLflow operation exactly as the local gateway does', () => {
    expect(authorizationMismatches(routes)).toEqual([]);
  });

  it('takes the token from the cookie only on the routes of the UI’s cookie reads', () => {
    const cookieRoutes = routes
      .filter(route => route.cookie)
      .map(route => `${route.method} ${route.path}`);
    expect(cookieRoutes.sort()).toEqual(
      [
        'GET /ajax-api/2.0/mlflow-artifacts/artifacts/{artifact_path+}',
        'GET /ajax-api/2.0/mlflow/logged-models/{model_id}/artifacts/files',
        'GET /get-artifact',
        'GET /graphql',
        'GET /model-versions/get-artifact',
        'POST /graphql'
      ].sort()
    );
    // Any other request to those resources is authorized by the header.
    expect(
      routeFor('PUT', '/ajax-api/2.0/mlflow-artifacts/artifacts/a/b.txt')
    ).toMatchObject({ authorization: 'token', cookie: false });
    expect(
      routeFor('POST', '/ajax-api/2.0/mlflow/logged-models/search')
    ).toMatchObject({ authorization: 'token', cookie: false });
  });

  it('gives every resource an operation lands on a method of its own, so no request is refused for want of one', () => {
    const tree = resourceTree(paths);
    expect(tree).toContain('/ajax-api/2.0/mlflow/logged-models/{model_id}');
    expect(
      routeFor('GET', '/ajax-api/2.0/mlflow/logged-models/m-1')
    ).toMatchObject({
      path: '/ajax-api/2.0/mlflow/logged-models/{model_id}',
      authorization: 'token'
    });
  });

  it('leaves public only the data-free UI shell, health and the gateway’s own pages', () => {
    const open = routes
      .filter(route => route.authorization === 'none')
      .map(route => `${route.method} ${route.path}`);
    expect(open.sort()).toEqual([...PUBLIC_ROUTES].sort());
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

  it('signs the caller’s identity with IAM, on a resource of its own outside the public /auth/ pages', () => {
    expect(routeFor('GET', '/iam/identity')).toMatchObject({
      path: '/iam/identity',
      authorization: 'iam'
    });
    expect(routeFor('POST', '/iam/identity')).toBeUndefined();
    expect(routeFor('GET', '/auth/identity')?.authorization).toBe('none');
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
});
