import * as fs from 'node:fs';
import * as path from 'node:path';

import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';

import {
  AccessDecision,
  GatewayRequest,
  IamIdentity,
  METHOD_OVERRIDE_HEADERS,
  createAccessControl
} from '../../../local/gateway/access';
import {
  INVALID_SECURITY_TOKEN,
  SIGNATURE_DOES_NOT_MATCH
} from '../../../local/gateway/sigv4';
import {
  ANONYMOUS_PRINCIPAL,
  MAX_PAYLOAD_BYTES,
  PolicyDocument,
  REFUSALS,
  RefusalType,
  edgeRefusal,
  evaluatePolicy
} from '../../../src/apigateway';
import { createAuthorizer } from '../../../src/authorizer/authorizer';
import { samplePath } from '../../../src/gateway-routes';
import { IDENTITY_PATH, SDK_AUTH_PROVIDER } from '../../../src/contract';
import {
  FAMILIES,
  OPERATIONS,
  Operation,
  PermissionsConfig,
  compileRoles,
  findOperation,
  matchOperation,
  pathTemplates
} from '../../../src/permissions';
import {
  ApiTarget,
  apiArnPrefix,
  authorizationOf,
  authorizerPolicy,
  iamPolicyDocuments,
  methodArn,
  policyResources
} from '../../../src/permissions/policy';
import {
  BUILT_IN_ROLES,
  type RoleDefinition
} from '../../../src/permissions/roles';
import { CLIENT_ID, TestIssuer, now } from '../../support/issuer';
import { ClientRequest, signedRequest } from '../../support/signer';

const API: ApiTarget = {
  region: 'us-east-1',
  account: '123456789012',
  apiId: 'abc123',
  stage: 'prod'
};
const ARN_PREFIX = apiArnPrefix(API);
const INFRA = path.join(__dirname, '..', '..', '..');
const HOST = '127.0.0.1:8787';
const SIGNED_AT = new Date('2024-05-06T07:08:09Z');

/** An operator's role with an explicit deny: traces, but not their assessments. */
const PERMISSIONS: PermissionsConfig = {
  roles: [
    {
      name: 'tracers',
      description: 'Readers who also trace, without assessments.',
      extends: 'readers',
      allow: ['family:traces'],
      deny: [
        'traces.create-assessment',
        'traces.get-assessment',
        'traces.update-assessment',
        'traces.delete-assessment'
      ]
    }
  ]
};
const ROLES = compileRoles(PERMISSIONS);
const ROLE_NAMES = [...ROLES.keys()];

/** Each role's access key, as the local stack hands them out. */
const IDENTITIES: Record<string, IamIdentity> = Object.fromEntries(
  ROLE_NAMES.map((role, i) => [
    role,
    {
      accessKeyId: `AKIATESTROLE${String(i).padStart(8, '0')}`,
      secretAccessKey: `secret/of+${role}`,
      role,
      principal: `arn:aws:sts::${API.account}:assumed-role/${role}/job`
    }
  ])
);

const signedAs = (
  key: { accessKeyId: string; secretAccessKey: string },
  request: ClientRequest
): Promise<GatewayRequest> =>
  signedRequest(request, key, {
    region: API.region,
    host: HOST,
    date: SIGNED_AT
  });

/** A request as a browser sends it, with the token in the header when given. */
const browser = (request: ClientRequest, token?: string): GatewayRequest => ({
  method: request.method,
  url: request.path,
  headers: {
    host: HOST,
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    ...request.headers
  },
  body: Buffer.from(request.body ?? '')
});

/** A decision in a line: who is let through, or how the refusal reads. */
function outcome(decision: AccessDecision): string {
  if (decision.allowed) {
    return `allowed ${decision.operation?.id ?? '(no operation)'} as ${decision.principal}`;
  }
  const { status, errorType, body } = decision.refusal;
  return `${status} ${errorType} ${body.error_code}`;
}

/** The outcome of a refusal of this type, as the table gives it. */
function refused(type: RefusalType, errorType?: string): string {
  const kind = REFUSALS[type] as {
    status: number;
    errorType?: string;
    errorCode: string;
  };
  return `${kind.status} ${kind.errorType ?? errorType} ${kind.errorCode}`;
}

const allowedAs = (op: Operation | undefined, principal: string): string =>
  `allowed ${op?.id ?? '(no operation)'} as ${principal}`;

const operation = (id: string): Operation => findOperation(id) as Operation;

/**
 * For each family, its first read and first write, at each path template
 * whose sample path routes back to it: the sample the matrices below
 * decide for every role.
 */
const SAMPLES = FAMILIES.flatMap(family =>
  (['read', 'write'] as const).flatMap(access => {
    const op = OPERATIONS.find(o => o.family === family && o.access === access);
    return op === undefined
      ? []
      : pathTemplates(op)
          .map(template => ({ op, template, path: samplePath(template) }))
          .filter(sample => matchOperation(op.method, sample.path) === op);
  })
);

const request = (sample: (typeof SAMPLES)[number]): ClientRequest => ({
  method: sample.op.method,
  path: sample.path,
  headers: { 'content-type': 'application/json' },
  body: sample.op.method === 'GET' ? '' : '{}'
});

describe('the local gateway’s access control', () => {
  let issuer: TestIssuer;
  let decide: (request: GatewayRequest) => Promise<AccessDecision>;
  let authorizerCalls: APIGatewayRequestAuthorizerEvent[];

  beforeAll(async () => {
    issuer = new TestIssuer();
    await issuer.start();
    await issuer.addKey('key-1');
    const authorizer = createAuthorizer({
      issuer: issuer.url,
      clientIds: [CLIENT_ID],
      tokenUse: 'access',
      permissions: PERMISSIONS
    });
    decide = createAccessControl({
      api: API,
      iam: Object.values(IDENTITIES),
      permissions: PERMISSIONS,
      authorize: event => {
        authorizerCalls.push(event);
        return authorizer(event);
      },
      now: () => SIGNED_AT
    });
  });

  beforeEach(() => {
    authorizerCalls = [];
  });

  afterAll(() => issuer.stop());

  const tokenOf = (groups: string[], username = 'someone') =>
    issuer.accessToken({ username, 'cognito:groups': groups });

  describe('roles × operations, exactly as the permission model says', () => {
    const iamSamples = SAMPLES.filter(
      s => authorizationOf(s.op, s.template) === 'iam'
    );
    const tokenSamples = SAMPLES.filter(
      s => authorizationOf(s.op, s.template) === 'token'
    );

    it('covers reads and writes of every family on both kinds of path', () => {
      expect(iamSamples.length).toBeGreaterThan(20);
      expect(tokenSamples.length).toBeGreaterThan(30);
      for (const samples of [iamSamples, tokenSamples]) {
        expect(new Set(samples.map(s => s.op.access))).toEqual(
          new Set(['read', 'write'])
        );
      }
    });

    it.each(ROLE_NAMES)(
      'signed with the %s key (SigV4 on /api/)',
      async role => {
        const identity = IDENTITIES[role];
        const decided: string[] = [];
        const expected: string[] = [];
        for (const sample of iamSamples) {
          const line = `${sample.op.method} ${sample.path}: `;
          decided.push(
            line +
              outcome(await decide(await signedAs(identity, request(sample))))
          );
          expected.push(
            line +
              (ROLES.get(role)?.has(sample.op.id)
                ? allowedAs(sample.op, identity.principal)
                : refused('ACCESS_DENIED'))
          );
        }
        expect(decided).toEqual(expected);
        // Every role here may do some and not others: the matrix means something.
        expect(decided.some(line => line.includes('allowed'))).toBe(true);
        if (role !== 'admins') {
          expect(decided.some(line => line.includes(' 403 '))).toBe(true);
        }
      }
    );

    it.each(ROLE_NAMES)(
      'with the token of a member of %s (the authorizer elsewhere)',
      async role => {
        const token = await tokenOf([role], `member-of-${role}`);
        const decided: string[] = [];
        const expected: string[] = [];
        for (const sample of tokenSamples) {
          const line = `${sample.op.method} ${sample.path}: `;
          decided.push(
            line + outcome(await decide(browser(request(sample), token)))
          );
          expected.push(
            line +
              (ROLES.get(role)?.has(sample.op.id)
                ? allowedAs(sample.op, `member-of-${role}`)
                : refused('ACCESS_DENIED'))
          );
        }
        expect(decided).toEqual(expected);
        expect(decided.some(line => line.includes('allowed'))).toBe(true);
        if (role !== 'admins') {
          expect(decided.some(line => line.includes(' 403 '))).toBe(true);
        }
      }
    );

    it('lets anyone load the public routes, as the anonymous principal', async () => {
      const publicOps = OPERATIONS.filter(op => op.access === 'public');
      expect(publicOps.length).toBeGreaterThan(2);
      for (const op of publicOps) {
        for (const template of pathTemplates(op)) {
          const decision = await decide(
            browser({ method: op.method, path: samplePath(template) })
          );
          expect(outcome(decision)).toBe(allowedAs(op, ANONYMOUS_PRINCIPAL));
        }
      }
      expect(authorizerCalls).toEqual([]);
    });
  });

  describe('a route the SDK and the UI’s clients both call (OTLP spans)', () => {
    const SPANS: ClientRequest = {
      method: 'POST',
      path: '/v1/traces',
      headers: {
        'content-type': 'application/x-protobuf',
        'x-mlflow-experiment-id': '1'
      },
      body: 'spans'
    };
    const otlp = operation('traces.export-otlp');

    it('is IAM in the API, one authorization per method', () => {
      expect(authorizationOf(otlp, '/v1/traces')).toBe('iam');
    });

    it('decides a signed export as IAM, without the authorizer', async () => {
      for (const role of ['admins', 'readers']) {
        const identity = IDENTITIES[role];
        expect(outcome(await decide(await signedAs(identity, SPANS)))).toBe(
          role === 'admins'
            ? allowedAs(otlp, identity.principal)
            : refused('ACCESS_DENIED')
        );
      }
      expect(authorizerCalls).toEqual([]);
    });

    it('hands a Bearer token to the authorizer', async () => {
      const admin = await decide(
        browser(SPANS, await tokenOf(['admins'], 'exporter'))
      );
      expect(admin.allowed && admin.operation).toBe(otlp);
      expect(
        outcome(await decide(browser(SPANS, await tokenOf(['readers']))))
      ).toBe(refused('ACCESS_DENIED'));
      expect(outcome(await decide(browser(SPANS)))).toBe(
        refused(
          'MISSING_AUTHENTICATION_TOKEN',
          'MissingAuthenticationTokenException'
        )
      );
      expect(authorizerCalls.map(call => call.path)).toEqual([
        '/v1/traces',
        '/v1/traces'
      ]);
    });

    it('takes no token on the SDK’s REST routes', async () => {
      const sample = SAMPLES.find(s => s.path.startsWith('/api/'));
      const token = await tokenOf(['admins']);
      expect(
        outcome(
          await decide(
            browser(request(sample as (typeof SAMPLES)[number]), token)
          )
        )
      ).toBe(
        refused('MISSING_AUTHENTICATION_TOKEN', 'IncompleteSignatureException')
      );
      expect(authorizerCalls).toEqual([]);
    });
  });

  describe('an explicit deny', () => {
    const TRACE = '/api/3.0/mlflow/traces/tr-1';
    const ASSESSMENT = '/api/3.0/mlflow/traces/tr-1/assessments/as-1';

    it('is what keeps the tracers from assessments: their allows alone reach them', () => {
      const allowsOnly = (policy: PolicyDocument): PolicyDocument => ({
        ...policy,
        Statement: policy.Statement.filter(s => s.Effect === 'Allow')
      });
      const tracers = ROLES.get('tracers') as ReadonlySet<string>;
      const iam: PolicyDocument = {
        Version: '2012-10-17',
        Statement: iamPolicyDocuments(tracers, API).flatMap(d => d.Statement)
      };
      const token = authorizerPolicy(tracers, ARN_PREFIX);
      for (const [policy, path] of [
        [iam, ASSESSMENT],
        [token, ASSESSMENT.replace('/api/', '/ajax-api/')]
      ] as const) {
        const arn = methodArn(ARN_PREFIX, 'GET', path);
        expect(evaluatePolicy(allowsOnly(policy), arn)).toBe('allow');
        expect(evaluatePolicy(policy, arn)).toBe('deny');
      }
    });

    it('refuses the tracers’ key and token an assessment, not the trace', async () => {
      const identity = IDENTITIES.tracers;
      const token = await tokenOf(['tracers'], 'tracer');
      const get = (path: string) => ({ method: 'GET', path });
      expect(outcome(await decide(await signedAs(identity, get(TRACE))))).toBe(
        allowedAs(operation('traces.get-info'), identity.principal)
      );
      expect(
        outcome(await decide(await signedAs(identity, get(ASSESSMENT))))
      ).toBe(refused('ACCESS_DENIED'));
      const ajax = (path: string) => path.replace('/api/', '/ajax-api/');
      expect(outcome(await decide(browser(get(ajax(TRACE)), token)))).toBe(
        allowedAs(operation('traces.get-info'), 'tracer')
      );
      expect(outcome(await decide(browser(get(ajax(ASSESSMENT)), token)))).toBe(
        refused('ACCESS_DENIED')
      );
    });
  });

  it('says in words what a token caller may not do, with the caller’s roles, as API Gateway’s response does', async () => {
    const token = await tokenOf(['readers']);
    const decision = await decide(
      browser(
        { method: 'POST', path: '/ajax-api/2.0/mlflow/experiments/update' },
        token
      )
    );
    expect(decision.allowed).toBe(false);
    expect(!decision.allowed && decision.refusal.body.message).toBe(
      'You may not rename an experiment (experiments.update). Your roles: readers. ' +
        'Roles that may: admins. Ask your MLflow administrator to add you to one of them. ' +
        'User is not authorized to access this resource'
    );
  });

  describe('requests MLflow would read otherwise', () => {
    const SEARCH = {
      method: 'POST',
      path: '/api/2.0/mlflow/experiments/search',
      headers: { 'content-type': 'application/json' },
      body: '{}'
    };

    it.each(METHOD_OVERRIDE_HEADERS)(
      'refuses the method-override header %s with 400, however well signed',
      async header => {
        const admin = IDENTITIES.admins;
        const plain = await signedAs(admin, SEARCH);
        expect(outcome(await decide(plain))).toBe(
          allowedAs(operation('experiments.search'), admin.principal)
        );
        // Signed with the header, and added after signing.
        for (const overridden of [
          await signedAs(admin, {
            ...SEARCH,
            headers: { ...SEARCH.headers, [header]: 'DELETE' }
          }),
          { ...plain, headers: { ...plain.headers, [header]: 'DELETE' } }
        ]) {
          expect(outcome(await decide(overridden))).toBe(
            refused('BAD_REQUEST_PARAMETERS')
          );
        }
      }
    );

    it.each([
      ['a dot segment', '/api/2.0/mlflow/experiments/get/../delete'],
      ['a single dot', '/api/2.0/mlflow/./experiments/delete'],
      ['an encoded dot segment', '/api/2.0/mlflow/experiments/%2e%2E/delete'],
      ['an encoded slash', '/api/2.0/mlflow/experiments%2Fdelete'],
      ['an encoded slash, lower case', '/api/2.0/mlflow/experiments%2fdelete'],
      ['an encoded backslash', '/api/2.0/mlflow/experiments%5Cdelete'],
      ['a backslash', '/api/2.0/mlflow/experiments\\delete'],
      ['a bad escape', '/api/2.0/mlflow/experiments/delete%zz'],
      ['a cut escape', '/api/2.0/mlflow/experiments/delete%2'],
      ['an escaped letter', '/api/2.0/mlflow/experiments/%64elete'],
      ['an escaped capital', '/api/2.0/mlflow/experiments/%44ELETE'],
      ['an escaped digit', '/api/%32.0/mlflow/experiments/delete'],
      ['an escaped hyphen', '/api/2.0/mlflow/registered-models/delete%2Dtag'],
      ['an escaped underscore', '/api/2.0/mlflow/experiments/x%5fy'],
      ['an escaped tilde', '/api/2.0/mlflow/experiments/x%7Ey'],
      ['an encoded dot', '/api/2.0/mlflow/experiments/%2E/delete']
    ])(
      'refuses a path with %s with 400, however well signed',
      async (_, path) => {
        const admin = IDENTITIES.admins;
        const body = '{"experiment_id": "1"}';
        const signed = await signedAs(admin, { method: 'POST', path, body });
        expect(outcome(await decide(signed))).toBe(
          refused('BAD_REQUEST_PARAMETERS')
        );
        const token = await tokenOf(['admins']);
        const ajax = path.replace('/api/', '/ajax-api/');
        expect(
          outcome(
            await decide(browser({ method: 'POST', path: ajax, body }, token))
          )
        ).toBe(refused('BAD_REQUEST_PARAMETERS'));
        expect(authorizerCalls).toEqual([]);
      }
    );
  });

  describe('a path MLflow would route to another operation than the gateway saw', () => {
    // MLflow decodes escapes before routing: `%67et` is `get`, and
    // `traces/get` is traces.get, while the raw `traces/%67et` would match
    // `traces/{trace_id}` (traces.get-info).
    const DISGUISED = '/api/3.0/mlflow/traces/%67et';

    it('is refused before any authorization, signed or with a token', async () => {
      const admin = IDENTITIES.admins;
      const token = await tokenOf(['admins']);
      const get = (path: string) => ({ method: 'GET', path });
      expect(outcome(await decide(await signedAs(admin, get(DISGUISED))))).toBe(
        refused('BAD_REQUEST_PARAMETERS')
      );
      expect(
        outcome(
          await decide(
            browser(get(DISGUISED.replace('/api/', '/ajax-api/')), token)
          )
        )
      ).toBe(refused('BAD_REQUEST_PARAMETERS'));
      expect(authorizerCalls).toEqual([]);
    });

    it('answers with the message the web ACL gives', async () => {
      const decision = await decide(
        await signedAs(IDENTITIES.admins, { method: 'GET', path: DISGUISED })
      );
      expect(decision).toEqual({
        allowed: false,
        refusal: edgeRefusal('NON_CANONICAL_PATH')
      });
    });
  });

  describe('a deny a caller would hide by encoding a separator', () => {
    // The example deployment's roles (and the tracers' explicit deny): for
    // each role, every deny its policies need, with a `/` of the denied
    // path sent as `%2F`. Such a path matches a wildcard allow but not the
    // deny, while MLflow decodes it and runs the denied operation; the
    // gateway refuses it before any policy is read.
    const rolesIn = (file: string): readonly RoleDefinition[] => {
      const json = JSON.parse(
        fs.readFileSync(path.join(INFRA, file), 'utf-8')
      ) as PermissionsConfig & { permissions?: PermissionsConfig };
      return json.permissions?.roles ?? json.roles ?? [];
    };
    // The local stack's roles file holds the example's role too: once each.
    const byName = new Map(
      [
        ...rolesIn('deploy.example.json'),
        ...rolesIn('roles.json'),
        ...(PERMISSIONS.roles ?? [])
      ].map(role => [role.name, role])
    );
    const permissions: PermissionsConfig = { roles: [...byName.values()] };
    const roles = compileRoles(permissions);
    const identities = new Map(
      [...roles.keys()].map((role, i) => [
        role,
        {
          accessKeyId: `AKIAEXAMPLEROLE${String(i).padStart(5, '0')}`,
          secretAccessKey: `secret/of+${role}`,
          role,
          principal: `arn:aws:sts::${API.account}:assumed-role/${role}/job`
        }
      ])
    );
    let exampleDecide: (request: GatewayRequest) => Promise<AccessDecision>;

    beforeAll(() => {
      exampleDecide = createAccessControl({
        api: API,
        iam: [...identities.values()],
        permissions,
        authorize: createAuthorizer({
          issuer: issuer.url,
          clientIds: [CLIENT_ID],
          tokenUse: 'access',
          permissions
        }),
        now: () => SIGNED_AT
      });
    });

    /** The denied path with its last `/`, or every `/` below the API's root, encoded. */
    const hidden = (denied: string): string[] => {
      const parts = denied.split('/');
      const last = parts.length - 1;
      return [
        `${parts.slice(0, last).join('/')}%2F${parts[last]}`,
        `${parts.slice(0, 4).join('/')}/${parts.slice(4).join('%2F')}`
      ];
    };

    it('covers a role whose deny its allow would reach', () => {
      expect(policyResources(roles.get('tracers')!, 'iam').deny).toContain(
        'GET/api/3.0/mlflow/traces/*/assessments/*'
      );
      expect(roles.size).toBeGreaterThan(BUILT_IN_ROLES.length + 1);
    });

    it.each([...roles.keys()])(
      'refuses %s every denied path with an encoded separator, which its policy alone would allow',
      async role => {
        const allowed = roles.get(role) as ReadonlySet<string>;
        const identity = identities.get(role) as IamIdentity;
        const token = await tokenOf([role], `member-of-${role}`);
        const policies = {
          iam: {
            Version: '2012-10-17',
            Statement: iamPolicyDocuments(allowed, API).flatMap(
              d => d.Statement
            )
          } as PolicyDocument,
          token: authorizerPolicy(allowed, ARN_PREFIX)
        };
        let sidesteps = 0;
        for (const kind of ['iam', 'token'] as const) {
          for (const resource of policyResources(allowed, kind).deny) {
            const [method, ...rest] = resource.split('/');
            const denied = `/${rest.join('/')}`.replace(/\*/g, 'x1');
            for (const variant of hidden(denied)) {
              const sent = {
                method,
                path: variant,
                body: method === 'GET' ? '' : '{}'
              };
              const decision = await exampleDecide(
                kind === 'iam'
                  ? await signedAs(identity, sent)
                  : browser(sent, token)
              );
              expect([variant, decision]).toEqual([
                variant,
                { allowed: false, refusal: edgeRefusal('NON_CANONICAL_PATH') }
              ]);
              const arn = methodArn(ARN_PREFIX, method, variant);
              sidesteps +=
                evaluatePolicy(policies[kind], arn) === 'allow' ? 1 : 0;
            }
          }
        }
        if (role === 'tracers') {
          // Without the refusal these would have reached MLflow.
          expect(sidesteps).toBeGreaterThan(0);
        }
      }
    );
  });

  describe('what is not an MLflow operation, as API Gateway answers it', () => {
    it('refuses a path without a resource, or a resource without the method, before any authorization', async () => {
      const admin = IDENTITIES.admins;
      const token = await tokenOf(['admins']);
      for (const [method, path] of [
        ['GET', '/nothing-here'],
        ['GET', '/api/4.0/mlflow/experiments/search'],
        ['POST', '/health'],
        ['DELETE', '/graphql'],
        ['GET', '/api/2.0']
      ]) {
        for (const sent of [
          await signedAs(admin, { method, path }),
          browser({ method, path }, token),
          browser({ method, path })
        ]) {
          expect([method, path, outcome(await decide(sent))]).toEqual([
            method,
            path,
            refused(
              'MISSING_AUTHENTICATION_TOKEN',
              'MissingAuthenticationTokenException'
            )
          ]);
        }
      }
      expect(authorizerCalls).toEqual([]);
    });

    it('lets the policies refuse what lands on an API root’s greedy resource', async () => {
      const reader = IDENTITIES.readers;
      const token = await tokenOf(['readers']);
      const denied = refused('ACCESS_DENIED');
      // Not a route of MLflow's, and HEAD is no GET.
      for (const [method, path] of [
        ['POST', '/api/2.0/mlflow/no-such-route'],
        ['HEAD', '/api/2.0/mlflow/experiments/get']
      ]) {
        expect(
          outcome(await decide(await signedAs(reader, { method, path })))
        ).toBe(denied);
        expect(outcome(await decide(browser({ method, path })))).toBe(
          refused(
            'MISSING_AUTHENTICATION_TOKEN',
            'MissingAuthenticationTokenException'
          )
        );
        const ajax = path.replace('/api/', '/ajax-api/');
        expect(
          outcome(await decide(browser({ method, path: ajax }, token)))
        ).toBe(denied);
        expect(outcome(await decide(browser({ method, path: ajax })))).toBe(
          refused('UNAUTHORIZED')
        );
      }
    });

    it('lets on what a policy’s wildcard reaches, operation or not, as API Gateway does', async () => {
      // `traces/*` (a trace's info) also reaches paths MLflow has no route for.
      const path = '/api/3.0/mlflow/traces/tr-1/x/y';
      expect(matchOperation('GET', path)).toBeUndefined();
      const reader = IDENTITIES.readers;
      expect(
        outcome(await decide(await signedAs(reader, { method: 'GET', path })))
      ).toBe(allowedAs(undefined, reader.principal));
      // Admins may do everything, so one wildcard per method stands for
      // all of it, and reaches every path that method may take.
      const admin = IDENTITIES.admins;
      const token = await tokenOf(['admins']);
      for (const other of [
        '/api/2.0/mlflow/no-such-route',
        '/ajax-api/2.0/mlflow/no-such-route'
      ]) {
        const request = { method: 'POST', path: other };
        expect(
          outcome(
            await decide(
              other.startsWith('/api/')
                ? await signedAs(admin, request)
                : browser(request, token)
            )
          )
        ).toMatch(/^allowed \(no operation\)/);
      }
    });
  });

  describe('the caller’s identity (GET /iam/identity)', () => {
    const identity = { method: 'GET', path: IDENTITY_PATH };

    it.each(ROLE_NAMES)(
      'lets a caller signed with the %s key through, as itself, to MLflow’s answer',
      async role => {
        const decision = await decide(
          await signedAs(IDENTITIES[role], identity)
        );
        expect(outcome(decision)).toBe(
          allowedAs(undefined, IDENTITIES[role].principal)
        );
        expect(decision).toMatchObject({ authorization: 'iam' });
      }
    );

    it('refuses an unsigned caller and a token, and takes only GET', async () => {
      const token = await tokenOf(['admins']);
      expect(outcome(await decide(browser(identity)))).toBe(
        refused(
          'MISSING_AUTHENTICATION_TOKEN',
          'MissingAuthenticationTokenException'
        )
      );
      expect(outcome(await decide(browser(identity, token)))).not.toMatch(
        /^allowed/
      );
      expect(
        outcome(
          await decide(
            await signedAs(IDENTITIES.admins, { ...identity, method: 'POST' })
          )
        )
      ).toBe(
        refused(
          'MISSING_AUTHENTICATION_TOKEN',
          'MissingAuthenticationTokenException'
        )
      );
      expect(authorizerCalls).toEqual([]);
    });
  });

  describe('credentials that do not hold', () => {
    const READ = { method: 'GET', path: '/api/2.0/mlflow/experiments/search' };

    it('refuses an unsigned request, an unknown key, a wrong secret and a garbled signature', async () => {
      const admin = IDENTITIES.admins;
      const good = await signedAs(admin, READ);
      expect(outcome(await decide(good))).toBe(
        allowedAs(operation('experiments.search-via-get'), admin.principal)
      );
      const cases: [string, GatewayRequest, string][] = [
        [
          'unsigned',
          browser(READ),
          refused(
            'MISSING_AUTHENTICATION_TOKEN',
            'MissingAuthenticationTokenException'
          )
        ],
        [
          'unknown key',
          await signedAs(
            {
              accessKeyId: 'AKIANOTAKNOWNKEY0000',
              secretAccessKey: admin.secretAccessKey
            },
            READ
          ),
          refused('INVALID_SIGNATURE', 'UnrecognizedClientException')
        ],
        [
          'wrong secret',
          await signedAs({ ...admin, secretAccessKey: 'not-the-secret' }, READ),
          refused('INVALID_SIGNATURE', 'InvalidSignatureException')
        ],
        [
          'garbled',
          {
            ...good,
            headers: { ...good.headers, authorization: 'AWS4-HMAC-SHA256 x' }
          },
          refused(
            'MISSING_AUTHENTICATION_TOKEN',
            'IncompleteSignatureException'
          )
        ],
        [
          'a token instead of a signature',
          browser(READ, await tokenOf(['admins'])),
          refused(
            'MISSING_AUTHENTICATION_TOKEN',
            'IncompleteSignatureException'
          )
        ]
      ];
      for (const [name, sent, expected] of cases) {
        expect([name, outcome(await decide(sent))]).toEqual([name, expected]);
      }
      expect(authorizerCalls).toEqual([]);
    });

    it('says why a signature failed, in API Gateway’s words, and how to fix MLflow’s stock signer', async () => {
      const answers = [
        [
          { accessKeyId: 'AKIANOTAKNOWNKEY0000', secretAccessKey: 'x' },
          INVALID_SECURITY_TOKEN
        ],
        [
          { ...IDENTITIES.admins, secretAccessKey: 'not-the-secret' },
          SIGNATURE_DOES_NOT_MATCH
        ]
      ] as const;
      for (const [credentials, words] of answers) {
        const decision = await decide(await signedAs(credentials, READ));
        expect(decision.allowed).toBe(false);
        if (!decision.allowed) {
          const { body } = decision.refusal;
          expect(body.gateway_message).toBe(words);
          expect(body.message).toContain(
            `MLFLOW_TRACKING_AUTH=${SDK_AUTH_PROVIDER}`
          );
          expect(body.message).toContain('unset MLFLOW_TRACKING_AWS_SIGV4');
        }
      }
    });

    it('names the method ARN an IAM caller was refused', async () => {
      const reader = IDENTITIES.readers;
      const path = '/api/2.0/mlflow/experiments/delete';
      const decision = await decide(
        await signedAs(reader, { method: 'POST', path, body: '{}' })
      );
      expect(decision.allowed).toBe(false);
      if (!decision.allowed) {
        expect(decision.refusal.body.message).toBe(
          `User: ${reader.principal} is not authorized to perform: ` +
            `execute-api:Invoke on resource: ${methodArn(ARN_PREFIX, 'POST', path)}`
        );
      }
    });

    it('answers 401 for a missing, expired or forged token, and 403 for a user without a role', async () => {
      const forger = new TestIssuer();
      await forger.start();
      await forger.addKey('key-1');
      const forged = await forger.accessToken({
        iss: issuer.url,
        'cognito:groups': ['admins']
      });
      await forger.stop();
      const READ_AJAX = {
        method: 'POST',
        path: '/ajax-api/2.0/mlflow/experiments/search',
        body: '{}'
      };
      const cases: [string, string | undefined, string][] = [
        ['no token', undefined, refused('UNAUTHORIZED')],
        [
          'expired',
          await issuer.accessToken({
            'cognito:groups': ['admins'],
            iat: now() - 7200,
            exp: now() - 60
          }),
          refused('UNAUTHORIZED')
        ],
        ['forged', forged, refused('UNAUTHORIZED')],
        ['no group', await tokenOf([]), refused('ACCESS_DENIED')],
        [
          'no role among its groups',
          await tokenOf(['data-scientists']),
          refused('ACCESS_DENIED')
        ],
        [
          'a reader',
          await tokenOf(['readers'], 'reader'),
          allowedAs(operation('experiments.search'), 'reader')
        ]
      ];
      for (const [name, token, expected] of cases) {
        expect([
          name,
          outcome(await decide(browser(READ_AJAX, token)))
        ]).toEqual([name, expected]);
      }
    });

    it('answers 500 when the authorizer fails otherwise than with Unauthorized', async () => {
      const failing = createAccessControl({
        api: API,
        iam: [],
        authorize: async () => {
          throw new Error('JWKS endpoint unreachable');
        }
      });
      const decision = await failing(
        browser({ method: 'GET', path: '/graphql' }, await tokenOf(['admins']))
      );
      expect(outcome(decision)).toBe(refused('AUTHORIZER_CONFIGURATION_ERROR'));
      expect(!decision.allowed && decision.refusal.body.message).toBe(
        REFUSALS.AUTHORIZER_CONFIGURATION_ERROR.message
      );
    });
  });

  describe('told to let everything through (a test’s switch)', () => {
    let through: (request: GatewayRequest) => Promise<AccessDecision>;

    beforeAll(async () => {
      const authorizer = createAuthorizer({
        issuer: issuer.url,
        clientIds: [CLIENT_ID],
        tokenUse: 'access',
        permissions: PERMISSIONS
      });
      through = createAccessControl({
        api: API,
        iam: Object.values(IDENTITIES),
        permissions: PERMISSIONS,
        authorize: authorizer,
        now: () => SIGNED_AT,
        letEverythingThrough: true
      });
    });

    /** Who MLflow would be told made the request, and as which operation. */
    const toldAs = (decision: AccessDecision): string =>
      decision.allowed
        ? `${decision.authorization} ${decision.principal} ${decision.caller.authorizer?.groups ?? ''} ` +
          (decision.operation?.id ?? '(no operation)')
        : `refused ${decision.refusal.status}`;

    const DELETE = {
      method: 'POST',
      path: '/api/2.0/mlflow/experiments/delete',
      headers: { 'content-type': 'application/json' },
      body: '{"experiment_id": "1"}'
    };

    it('names a signer its policy refuses, and a token user their groups would refuse', async () => {
      const reader = IDENTITIES.readers;
      expect(outcome(await decide(await signedAs(reader, DELETE)))).toBe(
        refused('ACCESS_DENIED')
      );
      expect(toldAs(await through(await signedAs(reader, DELETE)))).toBe(
        `iam ${reader.principal}  experiments.delete`
      );
      const ajax = {
        ...DELETE,
        path: DELETE.path.replace('/api/', '/ajax-api/')
      };
      const token = await tokenOf(['readers'], 'rita');
      expect(outcome(await decide(browser(ajax, token)))).toBe(
        refused('ACCESS_DENIED')
      );
      expect(toldAs(await through(browser(ajax, token)))).toBe(
        'token rita readers experiments.delete'
      );
      // Even where the API takes no token (the SDK’s REST routes).
      expect(toldAs(await through(browser(DELETE, token)))).toBe(
        'token rita readers experiments.delete'
      );
    });

    it('skips the method-override, path and route checks', async () => {
      const admin = IDENTITIES.admins;
      const overridden = await signedAs(admin, {
        ...DELETE,
        headers: { ...DELETE.headers, 'x-http-method-override': 'GET' }
      });
      expect(toldAs(await through(overridden))).toBe(
        `iam ${admin.principal}  experiments.delete`
      );
      for (const path of [
        '/api/2.0/mlflow/experiments%2Fdelete',
        '/api/2.0/mlflow/experiments/get/../delete',
        '/api/3.0/mlflow/traces/%67et',
        '/nothing-here'
      ]) {
        const sent = await signedAs(admin, { ...DELETE, path });
        expect(outcome(await decide(sent))).toMatch(/^(400|403) /);
        expect([path, toldAs(await through(sent))]).toEqual([
          path,
          `iam ${admin.principal}  (no operation)`
        ]);
      }
    });

    it('lets a caller without valid credentials through as anonymous', async () => {
      const reader = IDENTITIES.readers;
      const signed = await signedAs(reader, DELETE);
      const forged = await tokenOf(['admins'], 'mallory');
      for (const sent of [
        browser(DELETE),
        { ...signed, body: Buffer.from('{"experiment_id": "2"}') },
        await signedAs(
          { accessKeyId: reader.accessKeyId, secretAccessKey: 'wrong' },
          DELETE
        ),
        browser(DELETE, `${forged.slice(0, -4)}AAAA`)
      ]) {
        expect(toldAs(await through(sent))).toBe(
          `none ${ANONYMOUS_PRINCIPAL}  experiments.delete`
        );
      }
    });

    it('tells public routes’ callers as anonymous, as API Gateway does', async () => {
      const token = await tokenOf(['admins']);
      expect(
        toldAs(await through(browser({ method: 'GET', path: '/' }, token)))
      ).toBe(`none ${ANONYMOUS_PRINCIPAL}  ui.index`);
    });

    it('still refuses a body over the payload limit', async () => {
      const tooLarge = Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20);
      expect(
        toldAs(
          await through(
            await signedAs(IDENTITIES.admins, { ...DELETE, body: tooLarge })
          )
        )
      ).toBe('refused 413');
    });
  });

  describe('the payload limit', () => {
    const LOG_BATCH = {
      method: 'POST',
      path: '/api/2.0/mlflow/runs/log-batch',
      headers: { 'content-type': 'application/json' }
    };

    it('refuses a body over 10 MB with 413 before anything else, with the table’s answer', async () => {
      const tooLarge = Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20);
      const token = await tokenOf(['admins']);
      for (const sent of [
        await signedAs(IDENTITIES.admins, { ...LOG_BATCH, body: tooLarge }),
        browser({ ...LOG_BATCH, body: tooLarge }),
        browser(
          {
            ...LOG_BATCH,
            path: LOG_BATCH.path.replace('/api/', '/ajax-api/'),
            body: tooLarge
          },
          token
        ),
        browser({ method: 'POST', path: '/nothing-here', body: tooLarge })
      ]) {
        const decision = await decide(sent);
        expect(decision).toEqual({
          allowed: false,
          refusal: {
            type: 'REQUEST_TOO_LARGE',
            status: 413,
            errorType: REFUSALS.REQUEST_TOO_LARGE.errorType,
            body: {
              error_code: REFUSALS.REQUEST_TOO_LARGE.errorCode,
              message: REFUSALS.REQUEST_TOO_LARGE.message
            }
          }
        });
      }
      expect(authorizerCalls).toEqual([]);
    });

    it('lets a body of exactly 10 MB through', async () => {
      const admin = IDENTITIES.admins;
      const decision = await decide(
        await signedAs(admin, {
          ...LOG_BATCH,
          body: Buffer.alloc(MAX_PAYLOAD_BYTES, 0x20)
        })
      );
      expect(outcome(decision)).toBe(
        allowedAs(operation('runs.log-batch'), admin.principal)
      );
    });
  });
});
