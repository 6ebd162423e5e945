import {
  BUILT_IN_ROLES,
  InvalidRoleConfigError,
  OPERATIONS,
  Operation,
  PUBLIC_OPERATIONS,
  RoleDefinition,
  RoleProblemCode,
  allowedOperations,
  compileRoles,
  findOperation,
  matchOperation,
  pathTemplates,
  validateRoleDefinitions
} from '../../../src/permissions';
import { compileOperations } from '../../../src/permissions/match';
import {
  MAX_PATH_SEGMENTS,
  matchPathTemplate,
  parsePathTemplate
} from '../../../src/permissions/path-template';

const ALL_IDS = OPERATIONS.map(op => op.id);
const idsWhere = (keep: (op: Operation) => boolean): string[] =>
  OPERATIONS.filter(keep).map(op => op.id);

/** A concrete path for a template: `{x}` → `x1`, `{x+}` → `a1/b1`. */
function samplePath(template: string): string {
  let n = 0;
  return template.replace(/\{(\w+)(\+?)\}/g, (_, name: string, greedy) => {
    n += 1;
    return greedy ? `a${n}/b${n}` : `${name}${n}`;
  });
}

describe('the operation catalogue', () => {
  it('has unique, readable ids', () => {
    expect(new Set(ALL_IDS).size).toBe(ALL_IDS.length);
    for (const id of ALL_IDS) {
      expect(id).toMatch(/^[a-z0-9-]+\.[a-z0-9-]+$/);
    }
  });

  it('writes REST paths after their root and other paths in full', () => {
    for (const op of OPERATIONS) {
      if ('roots' in op) {
        expect(op.roots.length).toBeGreaterThan(0);
        expect(op.path.startsWith('/')).toBe(false);
      } else {
        expect(op.fullPath.startsWith('/')).toBe(true);
      }
    }
  });

  it('makes only the data-free UI shell, health and version public', () => {
    expect([...PUBLIC_OPERATIONS].sort()).toEqual([
      'server.health',
      'server.version',
      'ui.build-files',
      'ui.index',
      'ui.static-files'
    ]);
    for (const id of PUBLIC_OPERATIONS) {
      expect(findOperation(id)?.method).toBe('GET');
    }
  });

  it('classifies the searches the UI and SDK send by POST as reads', () => {
    for (const id of [
      'runs.search',
      'experiments.search',
      'logged-models.search',
      'traces.search',
      'traces.batch-get-infos',
      'traces.query-metrics',
      'datasets.search',
      'issues.search',
      'jobs.search',
      'registered-models.get-latest-versions',
      'artifacts.create-presigned-download-url',
      'graphql.query'
    ]) {
      expect(findOperation(id)).toMatchObject({
        method: 'POST',
        access: 'read'
      });
    }
    expect(findOperation('model-versions.search')?.access).toBe('read');
    expect(findOperation('metrics.get-history-bulk-interval')?.access).toBe(
      'read'
    );
  });

  it('classifies what the SDK logs and the UI edits as writes', () => {
    for (const id of [
      'experiments.create',
      'runs.create',
      'runs.update',
      'runs.log-batch',
      'runs.log-metric',
      'runs.log-param',
      'runs.set-tag',
      'runs.log-inputs',
      'runs.log-outputs',
      'logged-models.create',
      'logged-models.finalize',
      'mlflow-artifacts.upload',
      'artifacts.create-presigned-upload-url',
      'traces.start',
      'traces.export-otlp',
      'traces.create-assessment',
      'registered-models.create',
      'model-versions.create',
      'webhooks.create',
      'webhooks.test',
      'gateway-secrets.create',
      'gateway.invoke-endpoint',
      'jobs.submit',
      'workspaces.create'
    ]) {
      expect(findOperation(id)?.access).toBe('write');
    }
  });

  it('classifies GET routes that do work on the server as writes', () => {
    for (const id of [
      'assistant.stream-response',
      'assistant.check-provider-health',
      'assistant.list-provider-models'
    ]) {
      expect(findOperation(id)).toMatchObject({
        method: 'GET',
        access: 'write'
      });
    }
  });

  it('refuses a catalogue with duplicate ids or overlapping templates', () => {
    const op: Operation = {
      id: 'a.one',
      method: 'POST',
      family: 'tracking',
      access: 'read',
      fullPath: '/x/{a}',
      callers: ['ui']
    };
    expect(() => compileOperations([op, op])).toThrow('Duplicate operation id');
    expect(() =>
      compileOperations([op, { ...op, id: 'a.two', fullPath: '/x/{b}' }])
    ).toThrow('a.two and a.one both match POST /x/{}');
    expect(() =>
      compileOperations([
        op,
        { ...op, id: 'a.two', roots: ['/ajax-api/2.0/'], path: 'x/{b+}' },
        { ...op, id: 'a.three', roots: ['/api/2.0/'], path: 'x/{b+}' }
      ])
    ).not.toThrow();
    expect(() =>
      compileOperations([
        {
          id: 'a.one',
          method: 'GET',
          family: 'tracking',
          access: 'read',
          roots: ['/api/2.0/'],
          path: '/x'
        }
      ])
    ).toThrow('a REST path follows its root');
  });

  it('refuses malformed templates', () => {
    for (const bad of ['x', '/a/{b', '/a/{b+}x', '/{a+}/{b+}', '/a/x{b}']) {
      expect(() => parsePathTemplate(bad)).toThrow('Invalid path template');
    }
  });
});

describe('matchOperation', () => {
  it('finds every operation at every path it is served under', () => {
    const misses: string[] = [];
    for (const op of OPERATIONS) {
      for (const template of pathTemplates(op)) {
        const path = samplePath(template);
        if (matchOperation(op.method, path) !== op) {
          misses.push(`${op.method} ${path} (${op.id})`);
        }
      }
    }
    expect(misses).toEqual([]);
  });

  it.each([
    ['GET', '/api/3.0/mlflow/traces/batchGet', 'traces.batch-get'],
    ['GET', '/api/3.0/mlflow/traces/get', 'traces.get'],
    ['GET', '/api/3.0/mlflow/traces/tr-0123', 'traces.get-info'],
    ['GET', '/ajax-api/3.0/mlflow/datasets/search', 'datasets.search-via-get'],
    ['GET', '/ajax-api/3.0/mlflow/datasets/d-1', 'datasets.get'],
    [
      'GET',
      '/api/3.0/mlflow/mcp-servers/endpoints',
      'mcp-servers.search-all-access-endpoints'
    ],
    ['GET', '/api/3.0/mlflow/mcp-servers/org/tool', 'mcp-servers.get'],
    [
      'GET',
      '/api/3.0/mlflow/mcp-servers/org/tool/versions/1',
      'mcp-servers.get-version'
    ],
    [
      'DELETE',
      '/api/3.0/mlflow/mcp-servers/org/tool/versions/1/tags/k',
      'mcp-servers.delete-version-tag'
    ],
    [
      'DELETE',
      '/api/3.0/mlflow/mcp-servers/org/tool/tags/k',
      'mcp-servers.delete-tag'
    ],
    ['POST', '/gateway/proxy/chat/v1/messages', 'gateway.proxy-raw'],
    [
      'POST',
      '/gateway/gemini/v1beta/models/flash:generateContent',
      'gateway.gemini-generate-content'
    ],
    [
      'POST',
      '/gateway/gemini/v1beta/models/flash:streamGenerateContent',
      'gateway.gemini-stream-generate-content'
    ],
    [
      'GET',
      '/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/model/MLmodel',
      'mlflow-artifacts.download'
    ],
    [
      'GET',
      '/api/2.0/mlflow-artifacts/artifacts/1/my%20file.txt',
      'mlflow-artifacts.download'
    ],
    ['POST', '/ajax-api/3.0/jobs/', 'jobs.submit'],
    ['GET', '/', 'ui.index'],
    ['GET', '/static-files/static/js/main.js', 'ui.static-files']
  ])('%s %s is %s', (method, path, id) => {
    expect(matchOperation(method, path)?.id).toBe(id);
  });

  it.each([
    // trailing slash and missing or extra segments
    ['POST', '/api/2.0/mlflow/runs/search/'],
    ['POST', '/api/2.0/mlflow/runs'],
    ['POST', '/api/2.0/mlflow/runs/search/extra'],
    ['GET', '/api/2.0/mlflow/runs/get/123'],
    ['POST', '/ajax-api/3.0/jobs'],
    ['GET', '/health/'],
    ['GET', ''],
    ['GET', 'health'],
    // case changes, in the path and in the method
    ['POST', '/api/2.0/mlflow/Runs/search'],
    ['POST', '/API/2.0/mlflow/runs/search'],
    ['GET', '/api/3.0/mlflow/traces/batchget/x'],
    ['post', '/api/2.0/mlflow/runs/search'],
    // dot segments, plain or encoded
    ['POST', '/api/2.0/mlflow/experiments/../runs/search'],
    ['POST', '/api/2.0/mlflow/./runs/search'],
    ['GET', '/api/2.0/mlflow-artifacts/artifacts/1/../../etc/passwd'],
    ['GET', '/api/2.0/mlflow-artifacts/artifacts/1/%2e%2e/secret'],
    ['GET', '/api/2.0/mlflow-artifacts/artifacts/1/%2E%2E/secret'],
    ['GET', '/api/2.0/mlflow-artifacts/artifacts/1/.%2e/secret'],
    // encoded separators: MLflow decodes them and would route elsewhere
    ['POST', '/api/2.0/mlflow%2Fruns/search'],
    ['POST', '/api/2.0/mlflow/runs%2fsearch'],
    ['GET', '/api/2.0/mlflow/logged-models/m-1%2Fparams'],
    ['PATCH', '/api/2.0/mlflow/logged-models/m-1%2Ftags'],
    ['GET', '/api/2.0/mlflow-artifacts/artifacts/1%5C..%5Csecret'],
    ['GET', '/api/2.0/mlflow-artifacts/artifacts/1\\secret'],
    // other spellings MLflow would read the same way: still not ours
    ['POST', '/api/2.0/mlflow/runs/%73earch'],
    ['GET', '/api/2.0/mlflow/runs/get%zz'],
    // empty segments
    ['POST', '/api/2.0//mlflow/runs/search'],
    ['POST', '//api/2.0/mlflow/runs/search'],
    ['GET', '/api/2.0/mlflow-artifacts/artifacts/a//b'],
    ['GET', '/api/2.0/mlflow/logged-models/'],
    ['DELETE', '/api/2.0/mlflow/logged-models//tags/k'],
    ['GET', '/api/3.0/mlflow/mcp-servers//versions/1'],
    ['POST', '/gateway/gemini/v1beta/models/:generateContent'],
    // query strings, fragments and matrix parameters
    ['GET', '/api/2.0/mlflow/runs/get?run_id=1'],
    ['GET', '/api/2.0/mlflow/runs/get#x'],
    ['POST', '/api/2.0/mlflow/runs/search;x=1'],
    // wrong method
    ['GET', '/api/2.0/mlflow/runs/search'],
    ['DELETE', '/api/2.0/mlflow/runs/create'],
    ['PUT', '/api/2.0/mlflow/experiments/create'],
    ['HEAD', '/health'],
    ['OPTIONS', '/api/2.0/mlflow/runs/search'],
    ['TRACE', '/'],
    // wrong API root
    ['POST', '/api/2.0/mlflow/traces/search'],
    ['POST', '/api/2.0/mlflow/upload-artifact'],
    ['POST', '/api/4.0/mlflow/runs/search'],
    ['POST', '/ajax-api/mlflow/runs/search'],
    // unknown routes
    ['GET', '/api/2.0/mlflow/not-a-route'],
    ['GET', '/admin'],
    ['GET', '/favicon.ico'],
    ['GET', '/metrics'],
    ['POST', '/static-files/x']
  ])('%s %p is denied (undefined)', (method, path) => {
    expect(matchOperation(method, path)).toBeUndefined();
  });

  it('refuses very long paths instead of matching them', () => {
    const deep = 'd/'.repeat(MAX_PATH_SEGMENTS);
    expect(
      matchOperation('GET', `/api/2.0/mlflow-artifacts/artifacts/${deep}f`)
    ).toBeUndefined();
    expect(
      matchOperation(
        'GET',
        '/api/2.0/mlflow-artifacts/artifacts/' + 'd/'.repeat(100) + 'f'
      )
    ).toBe(findOperation('mlflow-artifacts.download'));
  });

  it('picks the most specific way a greedy parameter can match', () => {
    const template = parsePathTemplate('/s/{name+}/versions/{version+}');
    expect(
      matchPathTemplate(template, ['s', 'a', 'versions', 'b', 'versions', 'c'])
    ).toEqual([0, 3, 0, 3, 3, 3]);
    expect(matchPathTemplate(template, ['s', 'versions', 'b'])).toBeUndefined();
  });
});

describe('built-in roles', () => {
  const roles = compileRoles();
  const allowed = (role: string): string[] => [...(roles.get(role) ?? [])];

  it('defines exactly admins, readers and model-approvers', () => {
    expect([...roles.keys()].sort()).toEqual([...BUILT_IN_ROLES].sort());
  });

  it('lets admins do everything', () => {
    expect(allowed('admins')).toEqual(ALL_IDS);
  });

  it('lets readers read and nothing else', () => {
    expect(allowed('readers')).toEqual(idsWhere(op => op.access !== 'write'));
    for (const id of allowed('readers')) {
      expect(findOperation(id)?.access).not.toBe('write');
    }
  });

  it('gives model-approvers exactly the registry changes on top of reading, and managing access to what they manage', () => {
    const extra = allowed('model-approvers').filter(
      id => !allowed('readers').includes(id)
    );
    expect(extra.sort()).toEqual([
      'access.grant',
      'access.revoke',
      'model-versions.create',
      'model-versions.delete-tag',
      'model-versions.set-tag',
      'model-versions.transition-stage',
      'model-versions.update',
      'registered-models.create',
      'registered-models.delete-alias',
      'registered-models.delete-tag',
      'registered-models.set-alias',
      'registered-models.set-tag',
      'registered-models.update'
    ]);
    expect(allowed('model-approvers')).toEqual(
      expect.arrayContaining(allowed('readers'))
    );
    for (const id of [
      'registered-models.delete',
      'registered-models.rename',
      'model-versions.delete',
      'runs.create',
      'experiments.create',
      'webhooks.create',
      'logged-models.create'
    ]) {
      expect(allowed('model-approvers')).not.toContain(id);
    }
  });

  it('allows public operations to every role and to unknown groups', () => {
    for (const role of [...BUILT_IN_ROLES, 'some-other-group']) {
      const ops = allowedOperations(role);
      for (const id of PUBLIC_OPERATIONS) {
        expect(ops.has(id)).toBe(true);
      }
    }
    expect([...allowedOperations('some-other-group')]).toEqual([
      ...PUBLIC_OPERATIONS
    ]);
  });
});

describe('operator-defined roles', () => {
  const role = (overrides: Partial<RoleDefinition>): RoleDefinition => ({
    name: 'custom',
    description: 'A role for the tests.',
    allow: [],
    ...overrides
  });

  it('combines extends, allow and deny', () => {
    const ops = allowedOperations('registry-editors', {
      roles: [
        role({
          name: 'registry-editors',
          extends: 'readers',
          allow: ['family:registry', 'runs.set-tag'],
          deny: ['registered-models.delete', 'access:public']
        })
      ]
    });
    expect(ops.has('registered-models.rename')).toBe(true);
    expect(ops.has('runs.set-tag')).toBe(true);
    expect(ops.has('runs.search')).toBe(true);
    expect(ops.has('registered-models.delete')).toBe(false);
    expect(ops.has('runs.create')).toBe(false);
    // Public operations cannot be taken away: the gateway never checks them.
    expect(ops.has('ui.index')).toBe(true);
  });

  it('resolves chains of operator roles in any order', () => {
    const table = compileRoles({
      roles: [
        role({
          name: 'tracers',
          extends: 'trace-readers',
          allow: ['family:traces']
        }),
        role({ name: 'trace-readers', allow: ['traces.search', 'traces.get'] })
      ]
    });
    expect(table.get('trace-readers')?.has('traces.start')).toBe(false);
    expect(table.get('tracers')?.has('traces.start')).toBe(true);
    expect(table.get('tracers')?.has('traces.search')).toBe(true);
    expect(table.get('tracers')?.has('runs.search')).toBe(false);
  });

  it('accepts names Cognito accepts', () => {
    for (const name of [
      'data-science',
      'ÉquipeDonnées',
      'team+ml@corp',
      'x'.repeat(128)
    ]) {
      expect(validateRoleDefinitions([role({ name })])).toEqual([]);
    }
  });

  const codes = (roles: unknown[]): RoleProblemCode[] =>
    validateRoleDefinitions(roles).map(problem => problem.code);

  it.each<[string, unknown[], RoleProblemCode[]]>([
    [
      'an unknown operation id',
      [role({ allow: ['runs.serach'] })],
      ['unknown-operation']
    ],
    [
      'an unknown operation id in deny',
      [role({ deny: ['runs.nope'] })],
      ['unknown-operation']
    ],
    [
      'an unknown family',
      [role({ allow: ['family:tracing'] })],
      ['unknown-family']
    ],
    [
      'an unknown access level',
      [role({ allow: ['access:admin'] })],
      ['invalid-selector']
    ],
    [
      'an unknown selector kind',
      [role({ allow: ['method:GET'] })],
      ['invalid-selector']
    ],
    [
      'a selector with extra parts',
      [role({ allow: ['family:traces:x'] })],
      ['invalid-selector']
    ],
    ['a name with a space', [role({ name: 'data science' })], ['invalid-name']],
    ['an empty name', [role({ name: '' })], ['invalid-name']],
    [
      'a name of 129 characters',
      [role({ name: 'x'.repeat(129) })],
      ['invalid-name']
    ],
    [
      'a name with a control character',
      [role({ name: 'a\tb' })],
      ['invalid-name']
    ],
    ['a built-in name', [role({ name: 'admins' })], ['built-in-name']],
    [
      'a built-in name in another case',
      [role({ name: 'Readers' })],
      ['built-in-name']
    ],
    [
      'a name used twice',
      [role({ name: 'a' }), role({ name: 'a' })],
      ['duplicate-name']
    ],
    [
      'extending an unknown role',
      [role({ extends: 'reader' })],
      ['unknown-role']
    ],
    ['a role extending itself', [role({ name: 'a', extends: 'a' })], ['cycle']],
    [
      'roles extending each other',
      [
        role({ name: 'a', extends: 'b' }),
        role({ name: 'b', extends: 'c' }),
        role({ name: 'c', extends: 'a' })
      ],
      ['cycle']
    ],
    ['a definition that is not an object', ['readers'], ['invalid-definition']],
    [
      'a missing allow list',
      [{ name: 'a', description: 'd' }],
      ['invalid-definition']
    ],
    [
      'a missing description',
      [{ name: 'a', allow: [] }],
      ['invalid-definition']
    ],
    [
      'a name that is not a string',
      [{ name: 7, description: 'd', allow: [] }],
      ['invalid-definition']
    ],
    [
      'a selector that is not a string',
      [role({ allow: [42] as unknown as string[] })],
      ['invalid-definition']
    ],
    [
      'a misspelt field',
      [{ ...role({}), denny: ['runs.create'] }],
      ['invalid-definition']
    ]
  ])('refuses %s', (_, roles, expected) => {
    expect(codes(roles)).toEqual(expected);
  });

  it('reports every problem at once, naming the role', () => {
    const config = {
      roles: [
        role({ name: 'bad name', allow: ['runs.nope', 'family:nope'] }),
        role({ name: 'ok', extends: 'missing' })
      ]
    };
    expect(() => compileRoles(config)).toThrow(InvalidRoleConfigError);
    try {
      compileRoles(config);
    } catch (error) {
      const problems = (error as InvalidRoleConfigError).problems;
      expect(problems.map(p => [p.role, p.code])).toEqual([
        ['bad name', 'invalid-name'],
        ['bad name', 'unknown-operation'],
        ['bad name', 'unknown-family'],
        ['ok', 'unknown-role']
      ]);
      expect((error as Error).message).toContain(
        'role "bad name": unknown operation "runs.nope"'
      );
      expect((error as Error).message).toContain(
        'role "ok": extends "missing", which is not a role'
      );
    }
    expect(() => allowedOperations('ok', config)).toThrow(
      InvalidRoleConfigError
    );
  });

  it('describes a cycle by its chain', () => {
    const [problem] = validateRoleDefinitions([
      role({ name: 'a', extends: 'b' }),
      role({ name: 'b', extends: 'a' })
    ]);
    expect(problem.message).toBe('extends itself: a → b → a');
  });
});
