import {
  BUILT_IN_ROLES,
  FAMILIES,
  OPERATIONS,
  compileRoles,
  matchOperation
} from '../../src/permissions';
import {
  type Check,
  FOREIGN_ORIGIN,
  type Probe,
  escapeSidestep,
  pathTricks,
  planChecks,
  runIdOf
} from '../../verify/checks';

const RUN_ID = 'verify-20261201t125100z';
const ALL_CREDENTIALS = Object.fromEntries(
  BUILT_IN_ROLES.map(role => [role, { iam: true, token: true }])
);

function plan(
  roles = compileRoles(),
  credentials: Record<
    string,
    { iam: boolean; token: boolean }
  > = ALL_CREDENTIALS
) {
  return planChecks({
    roles,
    credentials,
    runId: RUN_ID,
    allowedOrigins: ['https://d-abc.studio.eu-west-1.sagemaker.aws']
  });
}

/** The probe of a check that needs no earlier answer. */
function probeOf(check: Check): Probe {
  if (typeof check.probe === 'function') {
    throw new Error(`${check.name} depends on an earlier check`);
  }
  return check.probe;
}

const operationOf = (check: Check) => {
  const probe = probeOf(check);
  return matchOperation(probe.method, probe.path);
};

describe('planChecks', () => {
  const { checks } = plan();
  const roles = compileRoles();
  const samples = checks.filter(
    c =>
      BUILT_IN_ROLES.includes(c.role as never) &&
      (c.via === 'iam' || c.via === 'token') &&
      typeof c.probe !== 'function' &&
      !c.name.startsWith('path ') &&
      probeOf(c).spoil === undefined
  );

  it('expects what the permission model says of every sampled operation', () => {
    expect(samples.length).toBeGreaterThan(100);
    for (const check of samples) {
      const op = operationOf(check);
      expect(op).toBeDefined();
      const allowed = roles.get(check.role)!.has(op!.id);
      expect([check.name, check.expected]).toEqual([
        check.name,
        allowed ? 'allow' : 'refuse'
      ]);
    }
  });

  it('samples an allowed and a refused operation of every family a role has them in', () => {
    const readers = samples.filter(c => c.role === 'readers');
    const families = (expected: string) =>
      new Set(
        readers
          .filter(c => c.expected === expected)
          .map(c => operationOf(c)!.family)
      );
    const reads = new Set(
      OPERATIONS.filter(op => op.access === 'read').map(op => op.family)
    );
    const writes = new Set(
      OPERATIONS.filter(op => op.access === 'write').map(op => op.family)
    );
    expect([...families('allow')].sort()).toEqual(
      FAMILIES.filter(f => reads.has(f)).sort()
    );
    expect([...families('refuse')].sort()).toEqual(
      FAMILIES.filter(f => writes.has(f)).sort()
    );
  });

  it('sends allowed writes only to the run’s experiment or to objects that do not exist', () => {
    const writes = checks.filter(c => {
      if (c.expected !== 'allow' || typeof c.probe === 'function') {
        return false;
      }
      const op = matchOperation(c.probe.method, c.probe.path);
      return op?.access === 'write';
    });
    for (const check of writes) {
      expect(check.name).toMatch(
        new RegExp(`${RUN_ID}-admins-(iam|token)$|\\(no such object\\)$`)
      );
    }
    expect(writes.length).toBeGreaterThan(0);
  });

  it('creates the run’s experiments first and deletes them last', () => {
    const creates = checks.filter(c => c.name.includes('experiments.create'));
    const deletes = checks.filter(c =>
      c.name.includes('experiments.delete verify-')
    );
    expect(creates.map(c => `${c.role} ${c.via}`)).toEqual([
      'admins iam',
      'admins token'
    ]);
    expect(deletes).toHaveLength(2);
    expect(checks.slice(0, 4).map(c => c.name)).toEqual([
      `tracking: experiments.create ${RUN_ID}-admins-iam`,
      `tracking: experiments.set-tag on ${RUN_ID}-admins-iam`,
      `tracking: experiments.create ${RUN_ID}-admins-token`,
      `tracking: experiments.set-tag on ${RUN_ID}-admins-token`
    ]);
    expect(checks.slice(-2)).toEqual(deletes);
  });

  it('refuses every path trick, on a refused operation where the role has one', () => {
    const tricks = checks.filter(c => c.name.startsWith('path '));
    expect(tricks.length).toBe(BUILT_IN_ROLES.length * 2 * 6);
    for (const check of tricks) {
      expect(check.expected).toBe('refuse');
    }
    const readerTrick = tricks.find(c => c.role === 'readers')!;
    expect(readerTrick.name).toMatch(/experiments\.delete$/);
  });

  it('checks bad signatures, bad tokens, CORS and the pages’ framing', () => {
    const names = checks.map(c => c.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'unsigned request',
        'no token',
        'signed with a wrong secret key',
        'body changed after signing',
        'a token that is no JWT',
        'an expired token (its claims changed)',
        'a token with one signature byte flipped',
        'CORS preflight from https://d-abc.studio.eu-west-1.sagemaker.aws',
        `CORS preflight from ${FOREIGN_ORIGIN}`,
        'framing of /auth/login',
        'framing of /auth/handoff'
      ])
    );
  });

  it('inspects the framing header against the allowed origins', () => {
    const framing = checks.find(c => c.name === 'framing of /auth/login')!;
    const page = (csp: string) => ({
      status: 200,
      headers: { 'content-security-policy': csp },
      body: ''
    });
    expect(
      framing.inspect!(
        page(
          "frame-ancestors https://d-abc.studio.eu-west-1.sagemaker.aws 'self'"
        )
      )
    ).toEqual([]);
    expect(framing.inspect!(page("frame-ancestors 'self' *"))).toHaveLength(1);
    const foreign = checks.find(
      c => c.name === `CORS preflight from ${FOREIGN_ORIGIN}`
    )!;
    const preflight = (origin?: string) => {
      const headers: Record<string, string> = {};
      if (origin !== undefined) {
        headers['access-control-allow-origin'] = origin;
      }
      return { status: 204, headers, body: '' };
    };
    expect(foreign.inspect!(preflight())).toEqual([]);
    // API Gateway's mock answers another origin with the first allowed one.
    expect(
      foreign.inspect!(
        preflight('https://d-abc.studio.eu-west-1.sagemaker.aws')
      )
    ).toEqual([]);
    expect(foreign.inspect!(preflight(FOREIGN_ORIGIN))).toHaveLength(1);
    expect(foreign.inspect!(preflight('*'))).toHaveLength(1);
  });

  it('reports what it has no credentials for instead of sending it', () => {
    const partial = plan(compileRoles(), {
      admins: { iam: true, token: false }
    });
    expect(partial.notChecked).toEqual(
      expect.arrayContaining([
        { role: 'admins', via: 'token', reason: 'no user of this role' },
        {
          role: 'readers',
          via: 'iam',
          reason: 'no IAM credentials for this role'
        }
      ])
    );
    expect(
      partial.checks.some(
        c => c.role === 'readers' || c.role === 'model-approvers'
      )
    ).toBe(false);
    expect(
      partial.checks.some(c => c.via === 'token' && c.role === 'admins')
    ).toBe(false);
  });
});

describe('pathTricks', () => {
  it('writes the same path with encoded separators, dot segments and an escaped letter', () => {
    expect(pathTricks('/api/2.0/mlflow/experiments/get')).toEqual([
      { trick: '%2F', path: '/api/2.0/mlflow/experiments%2Fget' },
      { trick: '%5C', path: '/api/2.0/mlflow/experiments%5Cget' },
      { trick: '%2E', path: '/api/2.0/mlflow/experiments/%2E/get' },
      { trick: '/../', path: '/api/2.0/mlflow/experiments/verify/../get' },
      { trick: '/./', path: '/api/2.0/mlflow/experiments/./get' },
      { trick: '%67et', path: '/api/2.0/mlflow/experiments/%67et' }
    ]);
  });
});

describe('escapeSidestep', () => {
  it('finds the refused operation a role’s deny would lose to an escaped letter', () => {
    const roles = compileRoles({
      roles: [
        {
          name: 'trace-viewers',
          description: 'Reads, but not whole traces',
          allow: ['access:read'],
          deny: ['traces.get']
        }
      ]
    });
    const sidestep = escapeSidestep(roles.get('trace-viewers')!, 'iam');
    expect(sidestep?.refused.id).toBe('traces.get');
    expect(sidestep?.allowedAs.id).toBe('traces.get-info');
    expect(sidestep?.path).toMatch(/\/mlflow\/traces\/%67et$/);
    const tricks = planChecks({
      roles,
      credentials: { 'trace-viewers': { iam: true, token: false } },
      runId: RUN_ID,
      allowedOrigins: []
    }).checks.filter(c => c.role === 'trace-viewers');
    expect(tricks.map(c => c.name)).toContain(
      'path %67et: traces.get as traces.get-info'
    );
  });

  it('finds none for the built-in roles', () => {
    for (const [, allowed] of compileRoles()) {
      expect(escapeSidestep(allowed, 'iam')).toBeUndefined();
      expect(escapeSidestep(allowed, 'token')).toBeUndefined();
    }
  });
});

describe('runIdOf', () => {
  it('names the run by its UTC time', () => {
    expect(runIdOf(new Date('2026-12-01T12:51:00.123Z'))).toBe(
      'verify-20261201t125100z'
    );
  });
});
