import {
  matchResource,
  methodMatcher,
  resourcePath,
  resourceTree
} from '../../../src/apigateway/resources';

describe('API Gateway resource paths', () => {
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

  it('has every parent of every path in its tree', () => {
    expect(resourceTree(['/a/{b}/c', '/a/d'])).toEqual([
      '/',
      '/a',
      '/a/d',
      '/a/{b}',
      '/a/{b}/c'
    ]);
  });
});

describe('matchResource', () => {
  const tree = resourceTree([
    '/api/2.0/{proxy+}',
    '/api/2.0/mlflow/runs/get',
    '/api/2.0/mlflow/runs/{run_id}',
    '/health'
  ]);

  it.each([
    // A static segment wins over a parameter, which wins over a greedy one.
    ['/api/2.0/mlflow/runs/get', '/api/2.0/mlflow/runs/get'],
    ['/api/2.0/mlflow/runs/r-1', '/api/2.0/mlflow/runs/{run_id}'],
    ['/api/2.0/mlflow/runs/r-1/more', '/api/2.0/{proxy+}'],
    ['/api/2.0/x', '/api/2.0/{proxy+}'],
    // An empty segment is no parameter's.
    ['/api/2.0/mlflow/runs/', '/api/2.0/{proxy+}'],
    // A parent resource is a resource: its own path is not the greedy one's.
    ['/api/2.0/mlflow', '/api/2.0/mlflow'],
    ['/api/2.0', '/api/2.0'],
    ['/health', '/health'],
    ['/', '/']
  ])('%s → %s', (path, resource) => {
    expect(matchResource(tree, path)).toBe(resource);
  });

  it.each(['/nothing', '/health/x', '/api/3.0/mlflow/runs/get'])(
    '%s has no resource',
    path => {
      expect(matchResource(tree, path)).toBeUndefined();
    }
  );
});

describe('methodMatcher', () => {
  const match = methodMatcher([
    { path: '/api/2.0/{proxy+}', method: 'ANY', id: 'proxy' },
    { path: '/graphql', method: 'GET', id: 'graphql-get' },
    { path: '/graphql', method: 'POST', id: 'graphql-post' }
  ]);

  it('takes the method of the chosen resource, else its ANY', () => {
    expect(match('POST', '/graphql')?.id).toBe('graphql-post');
    expect(match('HEAD', '/api/2.0/mlflow/runs/get')?.id).toBe('proxy');
  });

  it('passes nothing on when the chosen resource lacks the method', () => {
    expect(match('DELETE', '/graphql')).toBeUndefined();
    // `/api/2.0` is the greedy resource's parent, without methods.
    expect(match('GET', '/api/2.0')).toBeUndefined();
    expect(match('GET', '/graphql/x')).toBeUndefined();
  });
});
