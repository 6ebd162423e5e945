import {
  callerPermissions,
  createCallerPermissionsHandler
} from '../../../src/authorizer/caller';
import { AUTH_COOKIE, CallerPermissions } from '../../../src/contract';
import {
  MODEL_APPROVER_OPERATIONS,
  compileRoles
} from '../../../src/permissions';
import { CLIENT_ID, TestIssuer, now } from '../../support/issuer';

describe('callerPermissions (pure)', () => {
  const roles = compileRoles({
    roles: [
      {
        name: 'experimenters',
        description: 'Readers who may create runs.',
        extends: 'readers',
        allow: ['runs.create']
      }
    ]
  });

  it('gives a reader reads only, and names the groups that are roles', () => {
    const answer = callerPermissions(roles, 'reader', ['readers', 'staff']);
    expect(answer.roles).toEqual(['readers']);
    expect(answer.groups).toEqual(['readers', 'staff']);
    expect(answer.operations).toContain('runs.search');
    expect(answer.operations).not.toContain('model-versions.create');
    expect(answer.operations).not.toContain('experiments.delete');
  });

  it('gives model-approvers model registration on top of reading', () => {
    const { operations } = callerPermissions(roles, 'approver', [
      'model-approvers'
    ]);
    expect(operations).toEqual(
      expect.arrayContaining([...MODEL_APPROVER_OPERATIONS, 'runs.search'])
    );
    expect(operations).not.toContain('experiments.delete');
  });

  it('unites the roles of several groups, operator-defined ones included', () => {
    const { operations } = callerPermissions(roles, 'u', [
      'experimenters',
      'model-approvers'
    ]);
    expect(operations).toContain('runs.create');
    expect(operations).toContain('model-versions.create');
    expect([...operations].sort()).toEqual(operations);
  });

  it('gives a user with no role nothing but leaves out public operations', () => {
    const answer = callerPermissions(roles, 'guest', ['staff']);
    expect(answer).toEqual({
      principal: 'guest',
      groups: ['staff'],
      roles: [],
      operations: []
    });
  });
});

const STUDIO = 'https://d-abc.studio.us-east-1.sagemaker.aws';

describe('GET /auth/permissions (handler)', () => {
  let issuer: TestIssuer;
  let handle: ReturnType<typeof createCallerPermissionsHandler>;

  beforeAll(async () => {
    issuer = new TestIssuer();
    await issuer.start();
    await issuer.addKey('key-1');
    handle = createCallerPermissionsHandler({
      issuer: issuer.url,
      clientIds: [CLIENT_ID],
      tokenUse: 'access',
      allowedOrigins: [STUDIO]
    });
  });

  afterAll(() => issuer.stop());

  it('lets only the allowed origins read the answer, its errors included', async () => {
    const token = await issuer.accessToken({
      username: 'reader',
      'cognito:groups': ['readers']
    });
    const from = (origin: string, authorization = `Bearer ${token}`) =>
      handle({ headers: { origin, Authorization: authorization } });
    const allowed = await from(STUDIO);
    expect(allowed.statusCode).toBe(200);
    expect(allowed.headers?.['access-control-allow-origin']).toBe(STUDIO);
    expect(allowed.headers?.vary).toBe('Origin');
    const refused = await from(STUDIO, 'Bearer nope');
    expect(refused.statusCode).toBe(401);
    expect(refused.headers?.['access-control-allow-origin']).toBe(STUDIO);
    const other = await from('https://evil.example');
    expect(other.headers?.['access-control-allow-origin']).toBeUndefined();
  });

  it('answers the verified user’s permissions, never cached', async () => {
    const token = await issuer.accessToken({
      username: 'approver',
      'cognito:groups': ['model-approvers']
    });
    const answer = await handle({
      headers: { Authorization: `Bearer ${token}` }
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers?.['cache-control']).toBe('no-store');
    const body = JSON.parse(answer.body) as CallerPermissions;
    expect(body.principal).toBe('approver');
    expect(body.roles).toEqual(['model-approvers']);
    expect(body.operations).toContain('model-versions.create');
  });

  it.each<[string, Record<string, string> | string]>([
    ['no token', {}],
    ['a malformed header', { Authorization: 'Bearer nope' }],
    ['a token only in the cookie', 'cookie'],
    ['an expired token', 'expired'],
    ['a token of another app client', 'client'],
    ['a forged signature', 'forged']
  ])('refuses %s with 401', async (_, how) => {
    let headers: Record<string, string>;
    if (typeof how === 'object') {
      headers = how;
    } else if (how === 'cookie') {
      const token = await issuer.accessToken();
      headers = {
        cookie: `${AUTH_COOKIE}=${encodeURIComponent(`Bearer ${token}`)}`
      };
    } else {
      const claims =
        how === 'expired'
          ? { exp: now() - 60, iat: now() - 3660 }
          : how === 'client'
            ? { client_id: 'another-client' }
            : {};
      let token = await issuer.accessToken(claims);
      if (how === 'forged') {
        const [header, , signature] = token.split('.');
        const payload = Buffer.from(
          JSON.stringify({ username: 'x', 'cognito:groups': ['admins'] })
        ).toString('base64url');
        token = `${header}.${payload}.${signature}`;
      }
      headers = { Authorization: `Bearer ${token}` };
    }
    const answer = await handle({ headers });
    expect(answer.statusCode).toBe(401);
    expect(JSON.parse(answer.body)).toEqual({
      error_code: 'UNAUTHENTICATED',
      message: expect.stringContaining('Sign in')
    });
  });
});
