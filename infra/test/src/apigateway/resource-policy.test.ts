import {
  arnPatternMatches,
  methodMatcher,
  resourceTree
} from '../../../src/apigateway';
import {
  AuthorizedMethod,
  HTTP_METHODS,
  ResourcePolicyPatterns,
  resourcePolicyPatterns
} from '../../../src/apigateway/resource-policy';
import { gatewayRoutes, samplePath } from '../../../src/gateway-routes';

const STAGE = 'prod';

/** The API as API Gateway serves it: with preflights, every resource answers `OPTIONS` unauthorized. */
function apiMethods(
  routes: readonly AuthorizedMethod[],
  preflight: boolean
): AuthorizedMethod[] {
  const preflights = preflight
    ? resourceTree(routes.map(route => route.path)).map(path => ({
        path,
        method: 'OPTIONS',
        authorization: 'none' as const
      }))
    : [];
  return [...routes, ...preflights];
}

/**
 * Requests that would be decided wrongly: an IAM method's request matching
 * an open pattern (the resource policy would allow it whatever the caller's
 * IAM policy says) or no IAM pattern (outsiders are not refused), another
 * method's request matching no open pattern (refused) or an IAM pattern.
 * Samples: every method of every route, and paths below the greedy IAM
 * resources that embed every other sample path.
 */
function misjudged(
  routes: readonly AuthorizedMethod[],
  patterns: ResourcePolicyPatterns,
  preflight: boolean
): string[] {
  const methods = apiMethods(routes, preflight);
  const serve = methodMatcher(methods);
  const requests = methods.flatMap(m =>
    (m.method === 'ANY' ? HTTP_METHODS : [m.method]).map(method => ({
      method,
      path: samplePath(m.path)
    }))
  );
  const greedyIam = routes
    .filter(route => route.authorization === 'iam' && route.path.endsWith('+}'))
    .map(route => route.path.replace(/\{[^}]+\+\}$/, 'x'));
  const embedded = greedyIam.flatMap(root =>
    requests.map(({ method, path }) => ({ method, path: `${root}${path}` }))
  );
  const matches = (list: readonly string[], arn: string) =>
    list.some(pattern => arnPatternMatches(pattern, arn));
  const problems: string[] = [];
  for (const { method, path } of [...requests, ...embedded]) {
    const route = serve(method, path);
    if (route === undefined) {
      continue;
    }
    const arn = `execute-api:/${STAGE}/${method}${path}`;
    const open = matches(patterns.open, arn);
    const iam = matches(patterns.iam, arn);
    if (route.authorization === 'iam' ? open || !iam : !open || iam) {
      problems.push(
        `${arn} (${route.method} ${route.path}, ${route.authorization}): open ${open}, iam ${iam}`
      );
    }
  }
  return problems;
}

describe('the resource policy’s method patterns', () => {
  const routes = gatewayRoutes();

  it.each([true, false])(
    'allow every public and Cognito method and no IAM one, and name every IAM one (preflights: %s)',
    preflight => {
      const patterns = resourcePolicyPatterns(routes, {
        stage: STAGE,
        preflight
      });
      expect(misjudged(routes, patterns, preflight)).toEqual([]);
      expect(patterns.iam.length).toBeGreaterThan(0);
    }
  );

  it('would catch a pattern with a wildcard method: it reaches IAM paths that embed an open one', () => {
    const patterns = resourcePolicyPatterns(routes, {
      stage: STAGE,
      preflight: true
    });
    const widened = {
      ...patterns,
      open: [...patterns.open, 'execute-api:/prod/*/ajax-api/*']
    };
    expect(misjudged(routes, widened, true)).toContainEqual(
      expect.stringMatching(
        /^execute-api:\/prod\/PUT\/api\/2\.0\/x\/ajax-api\/.* \(ANY \/api\/2\.0\/\{proxy\+\}, iam\): open true/
      )
    );
  });

  it('are few: one per HTTP method and subtree of one kind', () => {
    const patterns = resourcePolicyPatterns(routes, {
      stage: STAGE,
      preflight: true
    });
    expect(patterns.open.length + patterns.iam.length).toBeLessThan(
      routes.length
    );
    expect(patterns.iam).toContain('execute-api:/prod/GET/api/*');
    expect(patterns.open).toContain('execute-api:/prod/OPTIONS/*');
    // Never a wildcard method: `/prod/*/ajax-api/*` matches `/prod/PUT/api/2.0/…/ajax-api/…`.
    for (const pattern of [...patterns.open, ...patterns.iam]) {
      expect(pattern).toMatch(
        /^execute-api:\/prod\/(DELETE|GET|HEAD|OPTIONS|PATCH|POST|PUT)\//
      );
    }
  });

  it('without preflights, count an OPTIONS request to an IAM resource as IAM', () => {
    const patterns = resourcePolicyPatterns(routes, {
      stage: STAGE,
      preflight: false
    });
    expect(patterns.iam).toContain('execute-api:/prod/OPTIONS/api/*');
    expect(patterns.open).not.toContain('execute-api:/prod/OPTIONS/*');
  });

  it('tell methods apart within one resource path and where kinds meet at a static segment', () => {
    const mixed: AuthorizedMethod[] = [
      { path: '/', method: 'GET', authorization: 'none' },
      { path: '/a', method: 'GET', authorization: 'iam' },
      { path: '/a', method: 'POST', authorization: 'token' },
      { path: '/a/b/{c+}', method: 'ANY', authorization: 'iam' },
      { path: '/a/d', method: 'GET', authorization: 'token' },
      { path: '/a/d/{e}', method: 'PUT', authorization: 'none' }
    ];
    for (const preflight of [true, false]) {
      const patterns = resourcePolicyPatterns(mixed, {
        stage: STAGE,
        preflight
      });
      expect(misjudged(mixed, patterns, preflight)).toEqual([]);
    }
    expect(
      resourcePolicyPatterns(mixed, { stage: STAGE, preflight: true })
    ).toMatchObject({
      iam: expect.arrayContaining([
        'execute-api:/prod/GET/a',
        'execute-api:/prod/GET/a/',
        'execute-api:/prod/GET/a/b/*'
      ]),
      open: expect.arrayContaining([
        'execute-api:/prod/GET/',
        'execute-api:/prod/POST/a',
        'execute-api:/prod/GET/a/d',
        'execute-api:/prod/PUT/a/d/*'
      ])
    });
  });

  it('fail where a path parameter sits beside methods of another kind', () => {
    const ambiguous: AuthorizedMethod[] = [
      { path: '/api/{proxy+}', method: 'ANY', authorization: 'iam' },
      { path: '/{name}/x', method: 'GET', authorization: 'token' }
    ];
    expect(() =>
      resourcePolicyPatterns(ambiguous, { stage: STAGE, preflight: false })
    ).toThrow(/GET \/\{name\}: a path parameter beside methods/);
    // A parameter serving none of an HTTP method's requests is no obstacle.
    const separate: AuthorizedMethod[] = [
      { path: '/api/{proxy+}', method: 'GET', authorization: 'iam' },
      { path: '/{name}/x', method: 'POST', authorization: 'token' },
      { path: '/b', method: 'GET', authorization: 'token' }
    ];
    const patterns = resourcePolicyPatterns(separate, {
      stage: STAGE,
      preflight: false
    });
    expect(misjudged(separate, patterns, false)).toEqual([]);
  });
});
