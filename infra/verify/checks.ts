/**
 * The checks of a verification run, derived from the permission model:
 * per role, a sample of allowed and refused operations of every family
 * over IAM and over tokens; bad tokens and bad signatures; paths that a
 * gateway matching the raw path would read otherwise than MLflow; CORS and
 * the framing of the gateway's pages.
 *
 * Every request is harmless on a real deployment: allowed requests are
 * reads, writes to an experiment named for the run (deleted at the end by
 * a role that may), or writes naming an object that does not exist;
 * refused writes carry an empty body, which MLflow's handlers reject for
 * want of their parameters, or name the run's own experiment.
 */
import { HANDOFF_PAGE, LOGIN_PAGE, PAGES_PREFIX } from '../src/contract';
import { frameAncestorsPolicy } from '../src/pages';
import {
  FAMILIES,
  OPERATIONS,
  type Operation,
  type RoleTable,
  findOperation,
  matchOperation,
  pathTemplates
} from '../src/permissions';
import { authorizationOf } from '../src/permissions/policy';
import { operationSamplePath } from '../src/permissions/samples';
import type { HttpAnswer } from './http';
import type { Expected } from './verdict';

/** How a check's request reaches the gateway. */
export type Via = 'iam' | 'token' | 'anonymous' | 'browser';

/** What is wrong with a request on purpose. */
export type Spoil =
  | 'wrong-secret'
  | 'body-after-signing'
  | 'garbage-token'
  | 'expired-token'
  | 'flipped-signature';

export interface Probe {
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The role's credentials that go with it: signed, a token, or none. */
  readonly credentials: 'iam' | 'token' | 'none';
  readonly spoil?: Spoil;
}

/** What checks hand on to later ones: the experiments the run created. */
export interface RunState {
  /** Experiment id by the name the run gave it. */
  readonly experiments: Map<string, string>;
}

export interface Check {
  /** The role whose credentials the request carries; `-` for none. */
  readonly role: string;
  readonly via: Via;
  readonly name: string;
  readonly expected: Expected;
  /** The request, or why it cannot be sent (an earlier step failed). */
  readonly probe: Probe | ((state: RunState) => Probe | string);
  /** For header checks: what is wrong with the answer (nothing: a pass). */
  readonly inspect?: (answer: HttpAnswer) => string[];
  readonly remember?: (answer: HttpAnswer, state: RunState) => void;
  /** What a failure of this check means, said under the table. */
  readonly meaning?: string;
}

/** Which credentials the target has for a role. */
export interface RoleCredentials {
  readonly iam: boolean;
  readonly token: boolean;
}

export interface PlanInput {
  readonly roles: RoleTable;
  readonly credentials: Readonly<Record<string, RoleCredentials>>;
  /** Names what the run creates, e.g. `verify-20261201t125100z`. */
  readonly runId: string;
  /** The origins the gateway lets call it and frame its pages. */
  readonly allowedOrigins: readonly string[];
}

export interface Plan {
  readonly checks: Check[];
  /** Roles and paths nothing was sent for, and why. */
  readonly notChecked: { role: string; via: Via; reason: string }[];
}

/** `verify-20261201t125100z`: unique per run, and readable in MLflow. */
export function runIdOf(now: Date): string {
  return `verify-${now
    .toISOString()
    .replace(/[-:]|\.\d+/g, '')
    .toLowerCase()}`;
}

/** An origin no deployment allows (`.invalid` never resolves). */
export const FOREIGN_ORIGIN = 'https://verify.invalid';

const SIGNED_VIAS = ['iam', 'token'] as const;
type SignedVia = (typeof SIGNED_VIAS)[number];

const JSON_HEADERS = { 'content-type': 'application/json' };

/** The operation's first template that is authorized this way. */
function templateOf(
  op: Operation,
  via: SignedVia | 'none'
): string | undefined {
  return pathTemplates(op).find(t => authorizationOf(op, t) === via);
}

/** Bodies MLflow reads without error where an empty object would fail it. */
const SAMPLE_BODIES: Readonly<Record<string, unknown>> = {
  'graphql.query': { query: '{ __typename }' }
};

function probeOf(
  op: Operation,
  via: SignedVia,
  body: unknown = SAMPLE_BODIES[op.id] ?? {}
): Probe | undefined {
  const template = templateOf(op, via);
  if (template === undefined) {
    return undefined;
  }
  const path = operationSamplePath(op, template);
  return op.method === 'GET' || op.method === 'DELETE'
    ? { method: op.method, path, credentials: via }
    : {
        method: op.method,
        path,
        credentials: via,
        headers: JSON_HEADERS,
        body: JSON.stringify(body)
      };
}

/**
 * The refused write to sample: one naming an object (a path parameter,
 * which the sample fills with a name no object has), else one that is not
 * a creation, so that even a gateway that let it through changes nothing.
 */
function harmlessness(op: Operation): number {
  const names = pathTemplates(op).some(t => t.includes('{'));
  const creates = /\.(create|log|upload|register|start|submit|invoke|run)/.test(
    op.id
  );
  return (names ? 0 : 1) + (creates ? 2 : 0);
}

/** Writes MLflow refuses with 404 when the named object does not exist. */
const WRITES_TO_ABSENT_OBJECTS: Readonly<
  Record<string, (runId: string) => unknown>
> = {
  'registered-models.set-tag': runId => ({
    name: `${runId}-absent`,
    key: 'mlflow.verify',
    value: runId
  })
};

function familySamples(
  role: string,
  allowed: ReadonlySet<string>,
  via: SignedVia,
  runId: string
): Check[] {
  const checks: Check[] = [];
  for (const family of FAMILIES) {
    const ops = OPERATIONS.filter(
      op => op.family === family && op.access !== 'public'
    );
    const read = ops.find(
      op =>
        op.access === 'read' &&
        allowed.has(op.id) &&
        templateOf(op, via) !== undefined
    );
    if (read !== undefined) {
      checks.push({
        role,
        via,
        name: `${family}: ${read.id}`,
        expected: 'allow',
        probe: probeOf(read, via) as Probe
      });
    }
    for (const op of ops) {
      const body = WRITES_TO_ABSENT_OBJECTS[op.id];
      const probe = body && allowed.has(op.id) && probeOf(op, via, body(runId));
      if (probe) {
        checks.push({
          role,
          via,
          name: `${family}: ${op.id} (no such object)`,
          expected: 'allow',
          probe
        });
      }
    }
    const refused = ops
      .filter(op => !allowed.has(op.id) && templateOf(op, via) !== undefined)
      .sort((a, b) => harmlessness(a) - harmlessness(b))[0];
    if (refused !== undefined) {
      checks.push({
        role,
        via,
        name: `${family}: ${refused.id}`,
        expected: 'refuse',
        probe: probeOf(refused, via) as Probe,
        meaning: `a ${role} request for ${refused.id}, which the role does not allow, reached MLflow`
      });
    }
  }
  return checks;
}

/** Escapes the first letter of a path segment (`get` → `%67et`). */
function escapeFirstLetter(segment: string): string | undefined {
  const index = segment.search(/[A-Za-z]/);
  if (index < 0) {
    return undefined;
  }
  const hex = segment.charCodeAt(index).toString(16);
  return `${segment.slice(0, index)}%${hex}${segment.slice(index + 1)}`;
}

/**
 * The same request as MLflow reads it, written so that a gateway matching
 * the raw path sees another one: encoded separators, dot segments, and an
 * escape of a letter that needs none. Each must be refused.
 */
export function pathTricks(path: string): { trick: string; path: string }[] {
  const cut = path.lastIndexOf('/');
  const head = path.slice(0, cut);
  const last = path.slice(cut + 1);
  const tricks = [
    { trick: '%2F', path: `${head}%2F${last}` },
    { trick: '%5C', path: `${head}%5C${last}` },
    { trick: '%2E', path: `${head}/%2E/${last}` },
    { trick: '/../', path: `${head}/verify/../${last}` },
    { trick: '/./', path: `${head}/./${last}` }
  ];
  const escaped = escapeFirstLetter(last);
  if (escaped !== undefined) {
    tricks.push({ trick: escapeLabel(escaped), path: `${head}/${escaped}` });
  }
  return tricks;
}

function escapeLabel(escaped: string): string {
  return (/%[0-9a-f]{2}\w*/i.exec(escaped) ?? [escaped])[0];
}

/**
 * A refused operation whose path, one letter escaped, the permission model
 * (matching raw paths) reads as an operation the role may perform, e.g. a
 * deny of `traces.get` sidestepped by `traces/%67et` (`traces.get-info`).
 */
export function escapeSidestep(
  allowed: ReadonlySet<string>,
  via: SignedVia
): { refused: Operation; allowedAs: Operation; path: string } | undefined {
  for (const refused of OPERATIONS) {
    const template = allowed.has(refused.id)
      ? undefined
      : templateOf(refused, via);
    if (template === undefined) {
      continue;
    }
    const segments = operationSamplePath(refused, template).split('/');
    const literal = template.split('/');
    for (let i = 1; i < segments.length; i++) {
      const escaped = literal[i]?.includes('{')
        ? undefined
        : escapeFirstLetter(segments[i]);
      if (escaped === undefined) {
        continue;
      }
      const path = [
        ...segments.slice(0, i),
        escaped,
        ...segments.slice(i + 1)
      ].join('/');
      // The policies see the escaped segment as no literal: the operation
      // they authorize is the one a segment of another name would match
      // (the model's matcher refuses escaped paths themselves).
      const allowedAs = matchOperation(
        refused.method,
        [
          ...segments.slice(0, i),
          'verify-escaped-segment',
          ...segments.slice(i + 1)
        ].join('/')
      );
      if (allowedAs !== undefined && allowed.has(allowedAs.id)) {
        return { refused, allowedAs, path };
      }
    }
  }
  return undefined;
}

function trickChecks(
  role: string,
  allowed: ReadonlySet<string>,
  via: SignedVia
): Check[] {
  // A refused operation where the role has one; for a role allowed
  // everything (admins), a read: MLflow would run it as the path decodes,
  // not as the gateway matched it.
  const target =
    OPERATIONS.filter(
      op =>
        !allowed.has(op.id) &&
        op.family === 'tracking' &&
        templateOf(op, via) !== undefined
    ).sort((a, b) => harmlessness(a) - harmlessness(b))[0] ??
    findOperation('experiments.get');
  const probe = probeOf(target as Operation, via) as Probe;
  const checks: Check[] = pathTricks(probe.path).map(({ trick, path }) => ({
    role,
    via,
    name: `path ${trick}: ${target?.id}`,
    expected: 'refuse',
    probe: { ...probe, path },
    meaning: `the gateway let ${path} through; MLflow decodes and normalises it to ${probe.path}, so a policy matching the raw path was sidestepped`
  }));
  const sidestep = escapeSidestep(allowed, via);
  if (sidestep !== undefined) {
    const sample = probeOf(sidestep.refused, via) as Probe;
    checks.push({
      role,
      via,
      name: `path ${escapeLabel(sidestep.path.split('/').find(s => s.includes('%')) ?? '')}: ${sidestep.refused.id} as ${sidestep.allowedAs.id}`,
      expected: 'refuse',
      probe: { ...sample, path: sidestep.path },
      meaning: `the gateway authorized ${sidestep.path} as ${sidestep.allowedAs.id}; MLflow runs ${sidestep.refused.id}, which the role does not allow`
    });
  }
  return checks;
}

/** Creates the run's experiment, tags it; deletes it in the cleanup. */
function experimentChecks(
  role: string,
  allowed: ReadonlySet<string>,
  via: SignedVia,
  runId: string
): { setup: Check[]; cleanup: Check[]; name?: string } {
  if (!allowed.has('experiments.create')) {
    return { setup: [], cleanup: [] };
  }
  const name = `${runId}-${role}-${via}`;
  const request = (id: string, body: (experimentId: string) => unknown) => {
    const op = findOperation(id) as Operation;
    return (state: RunState): Probe | string => {
      const experimentId = state.experiments.get(name);
      return experimentId === undefined
        ? `experiment ${name} was not created`
        : (probeOf(op, via, body(experimentId)) as Probe);
    };
  };
  const setup: Check[] = [
    {
      role,
      via,
      name: `tracking: experiments.create ${name}`,
      expected: 'allow',
      probe: probeOf(findOperation('experiments.create') as Operation, via, {
        name
      }) as Probe,
      remember: (answer, state) => {
        try {
          const id = (JSON.parse(answer.body) as { experiment_id?: unknown })
            .experiment_id;
          if (typeof id === 'string') {
            state.experiments.set(name, id);
          }
        } catch {
          // No id: the later steps say why they were not sent.
        }
      }
    }
  ];
  if (allowed.has('experiments.set-tag')) {
    setup.push({
      role,
      via,
      name: `tracking: experiments.set-tag on ${name}`,
      expected: 'allow',
      probe: request('experiments.set-tag', experimentId => ({
        experiment_id: experimentId,
        key: 'mlflow.verify',
        value: runId
      }))
    });
  }
  const cleanup: Check[] = allowed.has('experiments.delete')
    ? [
        {
          role,
          via,
          name: `tracking: experiments.delete ${name}`,
          expected: 'allow',
          probe: request('experiments.delete', experimentId => ({
            experiment_id: experimentId
          }))
        }
      ]
    : [];
  return { setup, cleanup, name };
}

/** A refused tag on an experiment the run created as another role. */
function foreignExperimentCheck(
  role: string,
  allowed: ReadonlySet<string>,
  via: SignedVia,
  experimentNames: readonly string[],
  runId: string
): Check[] {
  if (allowed.has('experiments.set-tag') || experimentNames.length === 0) {
    return [];
  }
  const op = findOperation('experiments.set-tag') as Operation;
  return [
    {
      role,
      via,
      name: `tracking: experiments.set-tag on ${experimentNames[0]}`,
      expected: 'refuse',
      probe: state => {
        const id = state.experiments.get(experimentNames[0]);
        return id === undefined
          ? `experiment ${experimentNames[0]} was not created`
          : (probeOf(op, via, {
              experiment_id: id,
              key: 'mlflow.verify',
              value: runId
            }) as Probe);
      },
      meaning: `a ${role} request changed an experiment`
    }
  ];
}

function badCredentialChecks(
  roles: readonly string[],
  credentials: PlanInput['credentials']
): Check[] {
  const checks: Check[] = [];
  const read = findOperation('experiments.search-via-get') as Operation;
  const search = findOperation('experiments.search') as Operation;
  const iamRead = probeOf(read, 'iam') as Probe;
  const tokenRead = probeOf(read, 'token') as Probe;
  checks.push(
    {
      role: '-',
      via: 'iam',
      name: 'unsigned request',
      expected: 'refuse',
      probe: { ...iamRead, credentials: 'none' },
      meaning: 'an unsigned request reached MLflow'
    },
    {
      role: '-',
      via: 'token',
      name: 'no token',
      expected: 'refuse',
      probe: { ...tokenRead, credentials: 'none' },
      meaning: 'a request without a token reached MLflow'
    }
  );
  const signer = roles.find(role => credentials[role]?.iam);
  if (signer !== undefined) {
    checks.push(
      {
        role: signer,
        via: 'iam',
        name: 'signed with a wrong secret key',
        expected: 'refuse',
        probe: { ...iamRead, spoil: 'wrong-secret' },
        meaning: 'a signature made with another secret key was accepted'
      },
      {
        role: signer,
        via: 'iam',
        name: 'body changed after signing',
        expected: 'refuse',
        probe: {
          ...(probeOf(search, 'iam', { max_results: 1 }) as Probe),
          spoil: 'body-after-signing'
        },
        meaning: 'a body that is not the signed one was accepted'
      }
    );
  }
  const user = roles.find(role => credentials[role]?.token);
  if (user !== undefined) {
    const spoils: [Spoil, string][] = [
      ['garbage-token', 'a token that is no JWT'],
      ['expired-token', 'an expired token (its claims changed)'],
      ['flipped-signature', 'a token with one signature byte flipped']
    ];
    for (const [spoil, name] of spoils) {
      checks.push({
        role: user,
        via: 'token',
        name,
        expected: 'refuse',
        probe: { ...tokenRead, spoil },
        meaning: `${name} was accepted`
      });
    }
  }
  return checks;
}

function publicChecks(): Check[] {
  return OPERATIONS.filter(op => op.access === 'public').map(op => ({
    role: '-',
    via: 'anonymous' as const,
    name: `${op.family}: ${op.id} (public)`,
    expected: 'allow' as const,
    probe: {
      method: op.method,
      path: operationSamplePath(op, templateOf(op, 'none') as string),
      credentials: 'none' as const
    }
  }));
}

/** The value of one directive of a Content-Security-Policy, its sources sorted. */
function directiveSources(
  policy: string | undefined,
  directive: string
): string | undefined {
  const found = (policy ?? '')
    .split(',')
    .flatMap(p => p.split(';'))
    .map(part => part.trim().split(/\s+/))
    .find(([name]) => name.toLowerCase() === directive);
  return found?.slice(1).sort().join(' ');
}

function browserChecks(allowedOrigins: readonly string[]): Check[] {
  const read = probeOf(
    findOperation('experiments.search') as Operation,
    'token'
  ) as Probe;
  const preflight = (origin: string): Probe => ({
    method: 'OPTIONS',
    path: read.path,
    credentials: 'none',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type'
    }
  });
  const checks: Check[] = [];
  const origin = allowedOrigins[0];
  if (origin !== undefined) {
    checks.push({
      role: '-',
      via: 'browser',
      name: `CORS preflight from ${origin}`,
      expected: 'headers',
      probe: preflight(origin),
      inspect: answer => {
        const problems: string[] = [];
        if (answer.status < 200 || answer.status > 299) {
          problems.push(`status ${answer.status}`);
        }
        if (answer.headers['access-control-allow-origin'] !== origin) {
          problems.push('no Access-Control-Allow-Origin for it');
        }
        if (
          !(answer.headers['access-control-allow-methods'] ?? '').includes(
            'POST'
          )
        ) {
          problems.push('POST not in Access-Control-Allow-Methods');
        }
        if (
          !/authorization/i.test(
            answer.headers['access-control-allow-headers'] ?? ''
          )
        ) {
          problems.push('Authorization not in Access-Control-Allow-Headers');
        }
        return problems;
      },
      meaning: 'the Studio origin cannot call the gateway from the browser'
    });
  }
  checks.push({
    role: '-',
    via: 'browser',
    name: `CORS preflight from ${FOREIGN_ORIGIN}`,
    expected: 'headers',
    probe: preflight(FOREIGN_ORIGIN),
    inspect: answer => {
      const allowOrigin = answer.headers['access-control-allow-origin'];
      return allowOrigin === FOREIGN_ORIGIN || allowOrigin === '*'
        ? [`Access-Control-Allow-Origin: ${allowOrigin}`]
        : [];
    },
    meaning: 'another site may call the gateway from its users’ browsers'
  });
  const expected = directiveSources(
    frameAncestorsPolicy(allowedOrigins),
    'frame-ancestors'
  );
  for (const page of [LOGIN_PAGE, HANDOFF_PAGE]) {
    checks.push({
      role: '-',
      via: 'browser',
      name: `framing of ${PAGES_PREFIX}${page}`,
      expected: 'headers',
      probe: {
        method: 'GET',
        path: `${PAGES_PREFIX}${page}`,
        credentials: 'none'
      },
      inspect: answer => {
        const problems: string[] = [];
        if (answer.status !== 200) {
          problems.push(`status ${answer.status}`);
        }
        const sources = directiveSources(
          answer.headers['content-security-policy'],
          'frame-ancestors'
        );
        if (sources !== expected) {
          problems.push(
            `frame-ancestors ${sources ?? 'missing'}, expected ${expected}`
          );
        }
        const frameOptions = answer.headers['x-frame-options'];
        if (frameOptions !== undefined && /allow/i.test(frameOptions)) {
          problems.push(`X-Frame-Options: ${frameOptions}`);
        }
        return problems;
      },
      meaning: 'the sign-in pages may be framed by sites other than Studio'
    });
  }
  return checks;
}

/** Every check of a run, in the order they are sent. */
export function planChecks(input: PlanInput): Plan {
  const roles = [...input.roles.keys()];
  const notChecked: Plan['notChecked'] = [];
  const setup: Check[] = [];
  const cleanup: Check[] = [];
  const experiments: string[] = [];
  const perRole: Check[] = [];
  for (const role of roles) {
    const allowed = input.roles.get(role) as ReadonlySet<string>;
    for (const via of SIGNED_VIAS) {
      if (!input.credentials[role]?.[via]) {
        notChecked.push({
          role,
          via,
          reason:
            via === 'iam'
              ? 'no IAM credentials for this role'
              : 'no user of this role'
        });
        continue;
      }
      const experiment = experimentChecks(role, allowed, via, input.runId);
      setup.push(...experiment.setup);
      cleanup.push(...experiment.cleanup);
      if (experiment.name !== undefined) {
        experiments.push(experiment.name);
      }
    }
  }
  for (const role of roles) {
    const allowed = input.roles.get(role) as ReadonlySet<string>;
    for (const via of SIGNED_VIAS) {
      if (input.credentials[role]?.[via]) {
        perRole.push(
          ...familySamples(role, allowed, via, input.runId),
          ...foreignExperimentCheck(
            role,
            allowed,
            via,
            experiments,
            input.runId
          ),
          ...trickChecks(role, allowed, via)
        );
      }
    }
  }
  return {
    checks: [
      ...setup,
      ...perRole,
      ...badCredentialChecks(roles, input.credentials),
      ...publicChecks(),
      ...browserChecks(input.allowedOrigins),
      ...cleanup
    ],
    notChecked
  };
}
