import fc from 'fast-check';

import type { Authorization } from '../../../src/apigateway/authorization';
import {
  PolicyDocument,
  evaluatePolicy
} from '../../../src/apigateway/policy-evaluation';
import {
  FAMILIES,
  OPERATIONS,
  Operation,
  compileRoles,
  findOperation,
  matchOperation,
  pathTemplates
} from '../../../src/permissions';
import { isMatchablePath } from '../../../src/permissions/path-template';
import {
  COOKIE_OPERATIONS,
  IDENTITY_RESOURCE,
  MAX_MANAGED_POLICY_CHARS,
  apiArnPrefix,
  authorizationOf,
  authorizerPolicy,
  iamPolicyDocuments,
  methodArn,
  patternsOverlap,
  policyResources,
  templateToArnPath
} from '../../../src/permissions/policy';
import type { PolicyStatement } from '../../../src/apigateway/policy-evaluation';
import { samplePath } from '../../../src/gateway-routes';

const TARGET = {
  region: 'eu-west-1',
  account: '123456789012',
  apiId: 'a1b2c3d4e5',
  stage: 'prod'
};
const PREFIX = apiArnPrefix(TARGET);
const ROLES = compileRoles({
  roles: [
    {
      // An operator role whose allows reach operations it lacks: the
      // policy needs explicit denies to stay exact.
      name: 'trace-viewers',
      description: 'Trace details only.',
      allow: ['traces.get-info', 'datasets.get', 'logged-models.get']
    }
  ]
});

/** Fills a template's parameters: one segment each, greedy ones with several. */
function fill(template: string, values: readonly string[]): string {
  let n = 0;
  return template.replace(/\{\w+(\+?)\}/g, (_, greedy: string) => {
    const value = values[n++ % values.length];
    return greedy ? `${value}/${value}` : value;
  });
}

/** Every (operation, template) on one kind of path. */
const templatesOf = (kind: Authorization) =>
  OPERATIONS.flatMap(op =>
    pathTemplates(op)
      .filter(template => authorizationOf(op, template) === kind)
      .map(template => ({ op, template }))
  );

/** What API Gateway decides for a request, given the role's policy documents. */
function decide(
  policies: readonly PolicyDocument[],
  method: string,
  path: string
): 'allow' | 'deny' {
  const arn = methodArn(PREFIX, method, path);
  const statements = policies.flatMap(policy => policy.Statement);
  return evaluatePolicy({ Version: '2012-10-17', Statement: statements }, arn);
}

describe('resource patterns', () => {
  it('turns each parameter into a wildcard after the method', () => {
    expect(templateToArnPath('/api/3.0/mlflow/traces/{trace_id}/tags')).toBe(
      'api/3.0/mlflow/traces/*/tags'
    );
    expect(
      templateToArnPath('/api/2.0/mlflow-artifacts/artifacts/{path+}')
    ).toBe('api/2.0/mlflow-artifacts/artifacts/*');
    expect(methodArn(PREFIX, 'GET', '/api/2.0/mlflow/runs/get')).toBe(
      'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/api/2.0/mlflow/runs/get'
    );
  });

  it('knows when two wildcard patterns match a common string', () => {
    expect(patternsOverlap('GET/a/*', 'GET/a/*/tags')).toBe(true);
    expect(patternsOverlap('GET/a/*/x', 'GET/a/*/y')).toBe(false);
    expect(patternsOverlap('GET/*/b', 'GET/a/*')).toBe(true);
    expect(patternsOverlap('GET/a', 'POST/a')).toBe(false);
    expect(patternsOverlap('a*c', 'ab*')).toBe(true);
    expect(patternsOverlap('a*c', 'b*')).toBe(false);
  });

  it('gives the MLflow SDK /api/ and the browser everything else', () => {
    const runsGet = findOperation('runs.get') as Operation;
    expect(authorizationOf(runsGet, '/api/2.0/mlflow/runs/get')).toBe('iam');
    expect(authorizationOf(runsGet, '/ajax-api/2.0/mlflow/runs/get')).toBe(
      'token'
    );
    const index = findOperation('ui.index') as Operation;
    expect(authorizationOf(index, '/')).toBe('none');
  });
});

describe('policies agree with the permission model', () => {
  const values = ['x1', 'get', 'search', 'tags', 'versions', 'a.b', 'batchGet'];

  for (const [role, allowed] of ROLES) {
    it(`${role}: IAM and authorizer policies allow exactly what the role may do`, () => {
      const iam = iamPolicyDocuments(allowed, TARGET);
      const token = [authorizerPolicy(allowed, PREFIX)];
      let checked = 0;
      for (const kind of ['iam', 'token'] as const) {
        const policies = kind === 'iam' ? iam : token;
        for (const { op, template } of templatesOf(kind)) {
          for (const value of values) {
            const path = fill(template, [value]);
            // A value can turn the path into another operation's (`traces/get`).
            const routed = matchOperation(op.method, path);
            if (routed === undefined) {
              continue;
            }
            const expected = allowed.has(routed.id) ? 'allow' : 'deny';
            expect([path, decide(policies, op.method, path)]).toEqual([
              path,
              expected
            ]);
            checked++;
          }
        }
      }
      expect(checked).toBeGreaterThan(1000);
    });
  }

  it('needs explicit denies where an allow reaches operations the role lacks', () => {
    const allowed = ROLES.get('trace-viewers') as ReadonlySet<string>;
    const { deny } = policyResources(allowed, 'iam');
    expect(deny).toEqual(
      expect.arrayContaining([
        'GET/api/3.0/mlflow/traces/get',
        'GET/api/3.0/mlflow/traces/batchGet',
        'GET/api/3.0/mlflow/traces/*/assessments/*',
        'GET/api/3.0/mlflow/datasets/search'
      ])
    );
    const iam = iamPolicyDocuments(allowed, TARGET);
    expect(decide(iam, 'GET', '/api/3.0/mlflow/traces/tr-1')).toBe('allow');
    expect(decide(iam, 'GET', '/api/3.0/mlflow/traces/get')).toBe('deny');
    expect(
      decide(iam, 'GET', '/api/3.0/mlflow/traces/tr-1/assessments/a-1')
    ).toBe('deny');
  });

  it('refuses roles no policy can express, naming both operations', () => {
    // MCP server names may contain "/", so `mcp-servers/*` reaches the
    // version routes and no deny can tell them apart.
    expect(() => policyResources(new Set(['mcp-servers.get']), 'iam')).toThrow(
      /cannot allow mcp-servers\.get without mcp-servers\.(search-versions|get-version).*Allow or deny both/
    );
  });

  it('holds for random parameter values (property)', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9._~%-]{1,12}$/);
    const entries = [...templatesOf('iam'), ...templatesOf('token')];
    const policies = new Map<string, Record<'iam' | 'token', PolicyDocument[]>>(
      [...ROLES].map(([role, allowed]) => [
        role,
        {
          iam: iamPolicyDocuments(allowed, TARGET),
          token: [authorizerPolicy(allowed, PREFIX)]
        }
      ])
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...entries),
        fc.array(segment, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(...ROLES.keys()),
        ({ op, template }, params, role) => {
          const path = fill(template, params);
          const routed = isMatchablePath(path)
            ? matchOperation(op.method, path)
            : undefined;
          fc.pre(routed !== undefined);
          const kind = authorizationOf(op, template) as 'iam' | 'token';
          const allowed = ROLES.get(role) as ReadonlySet<string>;
          const decision = decide(policies.get(role)![kind], op.method, path);
          return decision === (allowed.has(routed!.id) ? 'allow' : 'deny');
        }
      ),
      { numRuns: 5000 }
    );
  });
});

describe('partitions', () => {
  const china = { ...TARGET, partition: 'aws-cn', region: 'cn-north-1' };
  const admins = ROLES.get('admins') as ReadonlySet<string>;

  it('name the API in its own partition, aws unless told', () => {
    expect(PREFIX.startsWith('arn:aws:execute-api:eu-west-1:')).toBe(true);
    const prefix = apiArnPrefix(china);
    expect(prefix).toBe(
      'arn:aws-cn:execute-api:cn-north-1:123456789012:a1b2c3d4e5/prod/'
    );
    const resources = [
      ...iamPolicyDocuments(admins, china),
      authorizerPolicy(admins, prefix)
    ].flatMap(document =>
      document.Statement.flatMap(statement => [statement.Resource].flat())
    );
    expect(resources.length).toBeGreaterThan(0);
    for (const resource of resources) {
      expect(resource.startsWith(prefix)).toBe(true);
    }
  });
});

describe('IAM policy documents', () => {
  it('split the same way whatever the placeholders of a target not yet known', () => {
    // An operator role that few wildcards can stand for: the writes of
    // every other family and the reads of the rest.
    const writing = FAMILIES.filter((_, i) => i % 2 === 0);
    const allowed = new Set(
      OPERATIONS.filter(
        op =>
          op.access !== 'public' &&
          (op.access === 'write') === writing.includes(op.family)
      ).map(op => op.id)
    );
    // What a target made of unresolved tokens looks like before synthesis:
    // placeholders whose length has nothing to do with the deployed value.
    const placeholders = (n: number) => ({
      partition: `\${Token[AWS.Partition.${n}]}`,
      region: `\${Token[AWS.Region.${n}]}`,
      account: `\${Token[AWS.AccountId.${n}]}`,
      apiId: `\${Token[TOKEN.${n}]}`,
      stage: 'prod'
    });
    const longest = {
      partition: 'aws-us-gov',
      region: 'us-isof-south-1',
      account: '123456789012',
      apiId: 'a1b2c3d4e5',
      stage: 'prod'
    };
    const shape = (documents: PolicyDocument[]) =>
      documents.map(document =>
        document.Statement.map(statement => [statement.Resource].flat().length)
      );
    const short = iamPolicyDocuments(allowed, placeholders(1), longest);
    const long = iamPolicyDocuments(allowed, placeholders(123456), longest);
    expect(shape(long)).toEqual(shape(short));
    expect(shape(iamPolicyDocuments(allowed, longest))).toEqual(shape(short));
    expect(short.length).toBeGreaterThan(1);
  });

  it('fit IAM managed policies and every role needs at most ten', () => {
    for (const [, allowed] of ROLES) {
      const documents = iamPolicyDocuments(allowed, TARGET);
      expect(documents.length).toBeGreaterThan(0);
      expect(documents.length).toBeLessThanOrEqual(10);
      for (const document of documents) {
        expect(JSON.stringify(document).length).toBeLessThanOrEqual(
          MAX_MANAGED_POLICY_CHARS
        );
      }
    }
  });

  it('let every role, even one with no operation, ask who it is, and nothing else of the gateway’s own', () => {
    const identityArn = methodArn(PREFIX, 'GET', '/iam/identity');
    for (const allowed of [...ROLES.values(), new Set<string>()]) {
      const policy: PolicyDocument = {
        Version: '2012-10-17',
        Statement: iamPolicyDocuments(allowed, TARGET).flatMap(d => d.Statement)
      };
      expect(evaluatePolicy(policy, identityArn)).toBe('allow');
      for (const path of ['/auth/permissions', '/iam/other', '/iam/']) {
        expect(evaluatePolicy(policy, methodArn(PREFIX, 'GET', path))).not.toBe(
          'allow'
        );
      }
      expect(
        evaluatePolicy(policy, methodArn(PREFIX, 'POST', '/iam/identity'))
      ).not.toBe('allow');
    }
  });

  it('cover only the SDK’s paths (/api/, OTLP), the caller’s identity and only execute-api:Invoke', () => {
    const documents = iamPolicyDocuments(
      ROLES.get('admins') as ReadonlySet<string>,
      TARGET
    );
    const resources: string[] = [];
    for (const statement of documents.flatMap(d => d.Statement)) {
      expect(statement.Action).toBe('execute-api:Invoke');
      for (const resource of statement.Resource as string[]) {
        expect(resource.startsWith(PREFIX)).toBe(true);
        resources.push(resource.slice(PREFIX.length));
      }
    }
    expect(
      resources.filter(
        resource => !/^(GET|POST|PUT|PATCH|DELETE)\/api\//.test(resource)
      )
    ).toEqual(['POST/v1/traces', IDENTITY_RESOURCE]);
  });
});

/** A role's policy on one kind of path without subtree wildcards: one allow per template. */
function uncollapsedPolicy(
  allowed: ReadonlySet<string>,
  kind: 'iam' | 'token'
): PolicyDocument {
  const { allow, deny } = policyResources(allowed, kind);
  const statement = (
    effect: PolicyStatement['Effect'],
    resources: readonly string[]
  ): PolicyStatement => ({
    Effect: effect,
    Action: 'execute-api:Invoke',
    Resource: resources.map(resource => PREFIX + resource)
  });
  return {
    Version: '2012-10-17',
    Statement: [statement('Allow', allow), statement('Deny', deny)]
  };
}

/** A role's policies as generated and without subtree wildcards, by kind of path. */
function bothPolicies(
  allowed: ReadonlySet<string>
): Record<
  'iam' | 'token',
  { collapsed: PolicyDocument; uncollapsed: PolicyDocument }
> {
  const merged = (documents: PolicyDocument[]): PolicyDocument => ({
    Version: '2012-10-17',
    Statement: documents.flatMap(document => document.Statement)
  });
  return {
    iam: {
      collapsed: merged(iamPolicyDocuments(allowed, TARGET)),
      uncollapsed: uncollapsedPolicy(allowed, 'iam')
    },
    token: {
      collapsed: authorizerPolicy(allowed, PREFIX),
      uncollapsed: uncollapsedPolicy(allowed, 'token')
    }
  };
}

/** Sample requests of every operation: parameters filled in several ways. */
const SAMPLES = (['iam', 'token'] as const).flatMap(kind =>
  templatesOf(kind).flatMap(({ op, template }) =>
    [
      samplePath(template),
      ...['x1', 'get', 'search', 'a.b', 'batchGet'].map(value =>
        fill(template, [value])
      )
    ].map(path => ({ kind, method: op.method, path }))
  )
);

describe('subtree wildcards', () => {
  it('keep the admins’ policies small: one wildcard per method and subtree', () => {
    const admins = ROLES.get('admins') as ReadonlySet<string>;
    const collapsed = JSON.stringify(authorizerPolicy(admins, PREFIX)).length;
    const uncollapsed = JSON.stringify(
      uncollapsedPolicy(admins, 'token')
    ).length;
    expect(uncollapsed).toBeGreaterThan(20_000);
    expect(collapsed).toBeLessThan(4096);
    const documents = iamPolicyDocuments(admins, TARGET);
    expect(documents).toHaveLength(1);
    expect(JSON.stringify(documents[0]).length).toBeLessThan(2048);
  });

  it('decide every operation’s requests as the policies without them, for every role', () => {
    for (const [role, allowed] of ROLES) {
      const policies = bothPolicies(allowed);
      for (const { kind, method, path } of SAMPLES) {
        const arn = methodArn(PREFIX, method, path);
        const { collapsed, uncollapsed } = policies[kind];
        expect([role, method, path, evaluatePolicy(collapsed, arn)]).toEqual([
          role,
          method,
          path,
          evaluatePolicy(uncollapsed, arn)
        ]);
      }
    }
  });

  it('allow no more for random roles, but paths that are no operation (property)', () => {
    const families = [...new Set(OPERATIONS.map(op => op.family))];
    const methods = [...new Set(OPERATIONS.map(op => op.method))];
    const ids = OPERATIONS.map(op => op.id);
    // Roles made of whole families, access levels and methods, less a few
    // operations: the shapes that make whole subtrees, and holes in them.
    const role = fc
      .record({
        families: fc.subarray(families),
        access: fc.subarray(['read', 'write']),
        methods: fc.subarray(methods, { minLength: 1 }),
        without: fc.subarray(ids, { maxLength: 6 })
      })
      .map(
        ({ families, access, methods, without }) =>
          new Set(
            OPERATIONS.filter(
              op =>
                (families.includes(op.family) || access.includes(op.access)) &&
                methods.includes(op.method) &&
                !without.includes(op.id)
            ).map(op => op.id)
          )
      );
    const segment = fc.stringMatching(/^[A-Za-z0-9._~%-]{1,8}$/);
    fc.assert(
      fc.property(
        role,
        fc.array(segment, { minLength: 1, maxLength: 3 }),
        (allowed, extra) => {
          let policies: ReturnType<typeof bothPolicies>;
          try {
            policies = bothPolicies(allowed);
          } catch {
            // A role no policy can express (see above): refused either way.
            return fc.pre(false);
          }
          return SAMPLES.every(({ kind, method, path }) => {
            const { collapsed, uncollapsed } = policies[kind];
            const decide = (policy: PolicyDocument, requestPath: string) =>
              evaluatePolicy(policy, methodArn(PREFIX, method, requestPath));
            // Any other path below an operation's: more may pass, where
            // no operation is.
            const below = [path, ...extra].join('/');
            return (
              decide(collapsed, path) === decide(uncollapsed, path) &&
              (decide(collapsed, below) === decide(uncollapsed, below) ||
                (decide(collapsed, below) === 'allow' &&
                  matchOperation(method, below) === undefined))
            );
          });
        }
      ),
      { numRuns: 25 }
    );
  });
});

describe('authorizer policies', () => {
  it('deny everything when the groups allow nothing', () => {
    const policy = authorizerPolicy(new Set(), PREFIX);
    expect(policy.Statement).toEqual([
      { Effect: 'Deny', Action: 'execute-api:Invoke', Resource: [`${PREFIX}*`] }
    ]);
  });

  it('let cookies reach reads only: downloads and GraphQL queries', () => {
    for (const id of COOKIE_OPERATIONS) {
      const op = findOperation(id) as Operation;
      expect([id, op.access]).toEqual([id, 'read']);
      expect(op.method === 'GET' || op.family === 'graphql').toBe(true);
    }
  });
});
