import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import fc from 'fast-check';

import {
  Authorizer,
  createAuthorizer
} from '../../../src/authorizer/authorizer';
import { configFromEnvironment } from '../../../src/authorizer/handler';
import { evaluatePolicy } from '../../../src/apigateway/policy-evaluation';
import { AUTH_COOKIE } from '../../../src/contract';
import { compileRoles, matchOperation } from '../../../src/permissions';
import { methodArn } from '../../../src/permissions/policy';
import { CLIENT_ID, TestIssuer, now } from '../../support/issuer';

const PREFIX = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/';
const ROLES = compileRoles();

/** A REQUEST authorizer event as API Gateway sends it. */
function event(
  method: string,
  path: string,
  headers: Record<string, string> = {}
): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: methodArn(PREFIX, method, path),
    resource: path,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: {},
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {} as APIGatewayRequestAuthorizerEvent['requestContext']
  };
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('the Lambda authorizer', () => {
  let issuer: TestIssuer;
  let authorize: Authorizer;

  beforeAll(async () => {
    issuer = new TestIssuer();
    await issuer.start();
    await issuer.addKey('key-1');
    authorize = createAuthorizer({
      issuer: issuer.url,
      clientIds: [CLIENT_ID],
      tokenUse: 'access'
    });
  });

  afterAll(() => issuer.stop());

  /** Runs the authorizer, then API Gateway's evaluation of its policy. */
  async function decide(
    method: string,
    path: string,
    headers: Record<string, string>
  ): Promise<'allow' | 'deny'> {
    const request = event(method, path, headers);
    const result = await authorize(request);
    return evaluatePolicy(result.policyDocument, request.methodArn);
  }

  it('lets a reader search runs and refuses deleting an experiment', async () => {
    const token = await issuer.accessToken();
    const headers = bearer(token);
    await expect(
      decide('POST', '/ajax-api/2.0/mlflow/runs/search', headers)
    ).resolves.toBe('allow');
    await expect(
      decide('POST', '/ajax-api/2.0/mlflow/experiments/delete', headers)
    ).resolves.toBe('deny');
    await expect(decide('POST', '/graphql', headers)).resolves.toBe('allow');
  });

  it('returns one policy per user that covers every path, so it can be cached', async () => {
    const token = await issuer.accessToken({ 'cognito:groups': ['admins'] });
    const first = await authorize(
      event('GET', '/ajax-api/2.0/mlflow/experiments/get', bearer(token))
    );
    // The policy returned for one path decides every other path too.
    for (const [method, path] of [
      ['POST', '/ajax-api/2.0/mlflow/experiments/delete'],
      ['DELETE', '/ajax-api/2.0/mlflow/registered-models/delete'],
      ['GET', '/get-artifact']
    ]) {
      expect(
        evaluatePolicy(first.policyDocument, methodArn(PREFIX, method, path))
      ).toBe('allow');
    }
  });

  it('answers for the partition the request’s method ARN names (aws-cn, aws-us-gov)', async () => {
    const token = await issuer.accessToken({ 'cognito:groups': ['readers'] });
    for (const partition of ['aws-cn', 'aws-us-gov']) {
      const prefix = PREFIX.replace(/^arn:aws:/, `arn:${partition}:`);
      const request = (method: string, path: string) => ({
        ...event(method, path, bearer(token)),
        methodArn: methodArn(prefix, method, path)
      });
      const search = request('POST', '/ajax-api/2.0/mlflow/runs/search');
      const result = await authorize(search);
      expect(evaluatePolicy(result.policyDocument, search.methodArn)).toBe(
        'allow'
      );
      const remove = request('POST', '/ajax-api/2.0/mlflow/experiments/delete');
      expect(evaluatePolicy(result.policyDocument, remove.methodArn)).toBe(
        'deny'
      );
      // The same request in the default partition is none of this policy's.
      expect(
        evaluatePolicy(
          result.policyDocument,
          methodArn(PREFIX, 'POST', '/ajax-api/2.0/mlflow/runs/search')
        )
      ).toBe('deny');
    }
  });

  it('passes the principal and groups to the integration', async () => {
    const token = await issuer.accessToken({
      username: 'approver',
      'cognito:groups': ['readers', 'model-approvers']
    });
    const result = await authorize(
      event('GET', '/ajax-api/2.0/mlflow/experiments/get', bearer(token))
    );
    expect(result.principalId).toBe('approver');
    expect(result.context).toEqual({
      principal: 'approver',
      groups: 'readers,model-approvers',
      roles: 'readers,model-approvers',
      refusal: ''
    });
  });

  it('says in words what it refuses, the caller’s roles and whom to ask', async () => {
    const token = await issuer.accessToken({
      'cognito:groups': ['readers', 'staff']
    });
    const result = await authorize(
      event('POST', '/ajax-api/2.0/mlflow/experiments/update', bearer(token))
    );
    expect(result.context.roles).toBe('readers');
    expect(result.context.refusal).toBe(
      'You may not rename an experiment (experiments.update). ' +
        'Your roles: readers. Roles that may: admins. ' +
        'Ask your MLflow administrator to add you to one of them. '
    );
  });

  it('names the operator’s roles among those that may', async () => {
    const withTeam = createAuthorizer({
      issuer: issuer.url,
      clientIds: [CLIENT_ID],
      tokenUse: 'access',
      permissions: {
        roles: [
          {
            name: 'curators',
            description: 'Curators',
            extends: 'readers',
            allow: ['registered-models.set-alias']
          }
        ]
      }
    });
    const token = await issuer.accessToken({ 'cognito:groups': [] });
    const result = await withTeam(
      event(
        'POST',
        '/ajax-api/2.0/mlflow/registered-models/alias',
        bearer(token)
      )
    );
    expect(result.context.refusal).toContain(
      'You may not set an alias of a registered model (registered-models.set-alias). Your roles: none. Roles that may: admins, curators, model-approvers.'
    );
  });

  it('gives a member of several groups everything each group allows', async () => {
    const token = await issuer.accessToken({
      'cognito:groups': ['readers', 'model-approvers', 'staff']
    });
    await expect(
      decide(
        'POST',
        '/ajax-api/2.0/mlflow/registered-models/alias',
        bearer(token)
      )
    ).resolves.toBe('allow');
  });

  it.each([
    ['no group', []],
    ['only groups that are no role', ['staff', 'Admins']]
  ])(
    'denies everything to a verified user with %s (403)',
    async (_, groups) => {
      const token = await issuer.accessToken({ 'cognito:groups': groups });
      const result = await authorize(
        event('GET', '/ajax-api/2.0/mlflow/experiments/get', bearer(token))
      );
      expect(result.policyDocument.Statement).toEqual([
        {
          Effect: 'Deny',
          Action: 'execute-api:Invoke',
          Resource: [`${PREFIX}*`]
        }
      ]);
    }
  );

  it.each([
    ['no Authorization header', {}],
    ['a Basic header', { Authorization: 'Basic YWRtaW46YWRtaW4=' }],
    ['a bearer token that is no JWT', { Authorization: 'Bearer abc' }],
    ['a lower-case scheme', { Authorization: 'bearer a.b.c' }]
  ])('answers Unauthorized (401) for %s', async (_, headers) => {
    await expect(
      authorize(event('GET', '/ajax-api/2.0/mlflow/experiments/get', headers))
    ).rejects.toThrow(/^Unauthorized$/);
  });

  it.each([
    ['expired', { exp: now() - 10 }],
    ['not yet valid', { nbf: now() + 600 }],
    ['from another issuer', { iss: 'http://127.0.0.1:1/other_pool' }],
    ['for another client', { client_id: 'client-2' }],
    ['an ID token', { token_use: 'id' }]
  ])('answers Unauthorized (401) for a token %s', async (_, claims) => {
    const token = await issuer.accessToken(claims);
    await expect(
      authorize(
        event('GET', '/ajax-api/2.0/mlflow/experiments/get', bearer(token))
      )
    ).rejects.toThrow(/^Unauthorized$/);
  });

  it('ignores the cookie on data requests, so no other site can ride on it', async () => {
    const token = await issuer.accessToken({ 'cognito:groups': ['admins'] });
    await expect(
      authorize(
        event('POST', '/ajax-api/2.0/mlflow/experiments/delete', {
          Cookie: `${AUTH_COOKIE}=${encodeURIComponent(`Bearer ${token}`)}`
        })
      )
    ).rejects.toThrow(/^Unauthorized$/);
  });

  it('reads the cookie for GraphQL queries when the header token has expired, and then allows only cookie reads', async () => {
    const fresh = await issuer.accessToken({ 'cognito:groups': ['readers'] });
    const expired = await issuer.accessToken({
      'cognito:groups': ['readers'],
      exp: now() - 10
    });
    const headers = {
      ...bearer(expired),
      Cookie: `${AUTH_COOKIE}=${encodeURIComponent(`Bearer ${fresh}`)}`
    };
    const result = await authorize(event('POST', '/graphql', headers));
    const decideWith = (method: string, path: string) =>
      evaluatePolicy(result.policyDocument, methodArn(PREFIX, method, path));
    expect(decideWith('POST', '/graphql')).toBe('allow');
    expect(decideWith('GET', '/get-artifact')).toBe('allow');
    expect(decideWith('POST', '/ajax-api/2.0/mlflow/runs/search')).toBe('deny');
    // Not for REST calls: those carry the fresh header themselves.
    await expect(
      authorize(event('POST', '/ajax-api/2.0/mlflow/runs/search', headers))
    ).rejects.toThrow(/^Unauthorized$/);
    // Nor with an expired cookie.
    await expect(
      authorize(
        event('POST', '/graphql', {
          Cookie: `${AUTH_COOKIE}=${encodeURIComponent(`Bearer ${expired}`)}`
        })
      )
    ).rejects.toThrow(/^Unauthorized$/);
  });

  it('reads the cookie for plain-link downloads only, and then allows only downloads', async () => {
    const token = await issuer.accessToken({ 'cognito:groups': ['admins'] });
    const cookie = {
      Cookie: `theme=dark; ${AUTH_COOKIE}=${encodeURIComponent(`Bearer ${token}`)}`
    };
    const result = await authorize(event('GET', '/get-artifact', cookie));
    const decideWith = (method: string, path: string) =>
      evaluatePolicy(result.policyDocument, methodArn(PREFIX, method, path));
    expect(decideWith('GET', '/get-artifact')).toBe('allow');
    expect(decideWith('GET', '/model-versions/get-artifact')).toBe('allow');
    expect(decideWith('POST', '/ajax-api/2.0/mlflow/runs/search')).toBe('deny');
    expect(decideWith('POST', '/ajax-api/2.0/mlflow/experiments/delete')).toBe(
      'deny'
    );
    // With a header on the same path, the header decides, in full.
    await expect(
      decide('POST', '/ajax-api/2.0/mlflow/experiments/delete', {
        ...cookie,
        ...bearer(token)
      })
    ).resolves.toBe('allow');
  });

  it('as the authorizer keyed by the cookie, decides by the cookie alone, never by the header', async () => {
    const cookieAuthorize = createAuthorizer({
      issuer: issuer.url,
      clientIds: [CLIENT_ID],
      tokenUse: 'access',
      tokenSource: 'cookie'
    });
    const admin = await issuer.accessToken({ 'cognito:groups': ['admins'] });
    const noRole = await issuer.accessToken({ 'cognito:groups': [] });
    const cookieOf = (token: string) => ({
      Cookie: `theme=dark; ${AUTH_COOKIE}=${encodeURIComponent(`Bearer ${token}`)}`
    });
    // API Gateway caches this authorizer's answer by the Cookie header: an
    // admin's header next to another cookie must not become that cookie's policy.
    await expect(
      cookieAuthorize(
        event('GET', '/get-artifact', {
          Cookie: 'theme=dark',
          ...bearer(admin)
        })
      )
    ).rejects.toThrow(/^Unauthorized$/);
    const result = await cookieAuthorize(
      event('GET', '/get-artifact', { ...cookieOf(noRole), ...bearer(admin) })
    );
    expect(
      evaluatePolicy(
        result.policyDocument,
        methodArn(PREFIX, 'GET', '/get-artifact')
      )
    ).toBe('deny');
    const own = await cookieAuthorize(
      event('POST', '/graphql', cookieOf(admin))
    );
    expect(own.principalId).toBe('reader');
    expect(
      evaluatePolicy(own.policyDocument, methodArn(PREFIX, 'POST', '/graphql'))
    ).toBe('allow');
  });

  it('never writes a token to the log', async () => {
    const token = await issuer.accessToken();
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map(
      level => jest.spyOn(console, level).mockImplementation(() => undefined)
    );
    try {
      await authorize(event('GET', '/get-artifact', bearer(token)));
      await authorize(event('GET', '/get-artifact', bearer(`${token}x`))).catch(
        () => undefined
      );
      const logged = spies
        .flatMap(spy => spy.mock.calls)
        .flat()
        .join(' ');
      expect(logged).not.toContain(token.split('.')[1]);
    } finally {
      spies.forEach(spy => spy.mockRestore());
    }
  });

  it('never allows outside the model and never crashes on random tokens and paths (property)', async () => {
    const reader = await issuer.accessToken();
    const segment = fc.constantFrom(
      'ajax-api',
      '2.0',
      '3.0',
      'mlflow',
      'runs',
      'search',
      'experiments',
      'delete',
      'get',
      'graphql',
      'get-artifact',
      'registered-models',
      'alias',
      '..',
      '%2e%2e',
      '',
      'traces',
      'x'
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT'),
        fc.array(segment, { minLength: 1, maxLength: 6 }),
        fc.oneof(
          fc.constant(reader),
          fc.string().map(s => `${reader.slice(0, -4)}${s}`),
          fc.string()
        ),
        async (method, segments, token) => {
          const path = `/${segments.join('/')}`;
          let decision: 'allow' | 'deny';
          try {
            decision = await decide(method, path, bearer(token));
          } catch (error) {
            return (error as Error).message === 'Unauthorized';
          }
          if (decision === 'deny') {
            return true;
          }
          // An allow must be for an operation readers may perform, or for a
          // path MLflow does not serve (the gateway refuses those itself).
          const op = matchOperation(method, path);
          return op === undefined || ROLES.get('readers')!.has(op.id);
        }
      ),
      { numRuns: 2000 }
    );
  });
});

describe('the Lambda handler configuration', () => {
  it('reads the issuer, clients, token use and operator roles', () => {
    expect(
      configFromEnvironment({
        COGNITO_ISSUER: 'http://localhost:9229/local_abc',
        COGNITO_CLIENT_IDS: 'one, two',
        TOKEN_USE: 'id',
        PERMISSIONS: '{"roles": []}',
        ALLOWED_ORIGINS: 'https://a.example, https://b.example'
      })
    ).toEqual({
      issuer: 'http://localhost:9229/local_abc',
      clientIds: ['one', 'two'],
      jwksUri: undefined,
      tokenUse: 'id',
      permissions: { roles: [] },
      allowedOrigins: ['https://a.example', 'https://b.example']
    });
  });

  it('names every problem of a bad configuration', () => {
    expect(() =>
      configFromEnvironment({ TOKEN_USE: 'refresh', PERMISSIONS: '{' })
    ).toThrow(
      'Authorizer misconfigured: COGNITO_ISSUER must be the user pool issuer URL; ' +
        'COGNITO_CLIENT_IDS must list at least one app client id; ' +
        'TOKEN_USE must be "access" or "id"; PERMISSIONS must be JSON.'
    );
  });

  it('refuses invalid operator roles when it is created', () => {
    expect(() =>
      createAuthorizer({
        issuer: 'http://localhost:9229/local_abc',
        clientIds: ['one'],
        tokenUse: 'access',
        permissions: { roles: [{ name: 'admins', description: '', allow: [] }] }
      })
    ).toThrow(/clashes with the built-in role "admins"/);
  });
});
