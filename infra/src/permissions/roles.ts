/**
 * Roles: which operations the members of a Cognito group (or the holder of a
 * role's IAM credentials) may perform. Deny by default: a role grants only
 * what its definition selects, plus the public operations everyone has.
 */
import { OPERATIONS } from './operations';
import { Selector, SelectorProblem, resolveSelector } from './selector';

export const BUILT_IN_ROLES = ['admins', 'readers', 'model-approvers'] as const;
export type BuiltInRole = (typeof BUILT_IN_ROLES)[number];

/**
 * What model-approvers may do on top of reading: register models and
 * versions, describe and tag them, move stages and aliases. Deleting or
 * renaming models stays with admins.
 */
export const MODEL_APPROVER_OPERATIONS = [
  'registered-models.create',
  'registered-models.update',
  'registered-models.set-tag',
  'registered-models.delete-tag',
  'registered-models.set-alias',
  'registered-models.delete-alias',
  'model-versions.create',
  'model-versions.update',
  'model-versions.set-tag',
  'model-versions.delete-tag',
  'model-versions.transition-stage',
  // Of the models they manage (they register them): the MLflow app decides.
  'access.grant',
  'access.revoke'
] as const;

/** A role, built in or defined by the operator in configuration. */
export interface RoleDefinition {
  /** The Cognito group whose members have the role. */
  readonly name: string;
  readonly description: string;
  /** Start from everything this role allows (built in or operator-defined). */
  readonly extends?: string;
  readonly allow: readonly Selector[];
  /** Taken away after `extends` and `allow`; public operations stay. */
  readonly deny?: readonly Selector[];
}

export interface PermissionsConfig {
  readonly roles?: readonly RoleDefinition[];
}

/** Operations anyone may perform, signed in or not: the data-free UI shell. */
export const PUBLIC_OPERATIONS: ReadonlySet<string> = new Set(
  OPERATIONS.filter(op => op.access === 'public').map(op => op.id)
);

export const BUILT_IN_ROLE_DEFINITIONS: readonly RoleDefinition[] = [
  {
    name: 'admins',
    description: 'Every operation, including configuration and deletion.',
    allow: ['access:read', 'access:write']
  },
  {
    name: 'readers',
    description: 'Every read, including searches; no change of any kind.',
    allow: ['access:read']
  },
  {
    name: 'model-approvers',
    description:
      'Readers who also register models and versions, edit their ' +
      'descriptions and tags, transition stages and set aliases.',
    extends: 'readers',
    allow: MODEL_APPROVER_OPERATIONS
  }
];

export type RoleProblemCode =
  | 'invalid-definition'
  | 'invalid-name'
  | 'built-in-name'
  | 'duplicate-name'
  | 'unknown-role'
  | 'cycle'
  | SelectorProblem['code'];

export interface RoleProblem {
  /** The role the problem is in, as written (may be empty or not a string). */
  readonly role: string;
  readonly code: RoleProblemCode;
  readonly message: string;
}

export class InvalidRoleConfigError extends Error {
  constructor(
    readonly problems: readonly RoleProblem[],
    source = 'role configuration'
  ) {
    super(
      `Invalid ${source}:\n` +
        problems.map(p => `  - role "${p.role}": ${p.message}`).join('\n')
    );
    this.name = 'InvalidRoleConfigError';
  }
}

// Cognito group names: 1 to 128 letters, marks, symbols, numbers or
// punctuation; no whitespace or control characters.
const ROLE_NAME = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u;
const DEFINITION_FIELDS = new Set([
  'name',
  'description',
  'extends',
  'allow',
  'deny'
]);

/** Every problem in the operator's role definitions; empty when valid. */
export function validateRoleDefinitions(
  definitions: readonly unknown[]
): RoleProblem[] {
  const problems: RoleProblem[] = [];
  const seen = new Set<string>();
  const wellFormed: RoleDefinition[] = [];

  definitions.forEach((definition, index) => {
    const shapeProblems = checkShape(definition, index);
    problems.push(...shapeProblems);
    if (shapeProblems.length > 0) {
      return;
    }
    const role = definition as RoleDefinition;
    const report = (code: RoleProblemCode, message: string): void => {
      problems.push({ role: role.name, code, message });
    };
    if (!ROLE_NAME.test(role.name)) {
      report(
        'invalid-name',
        'a role name is a Cognito group name: 1 to 128 characters, ' +
          'no spaces or control characters'
      );
    }
    const builtIn = BUILT_IN_ROLES.find(
      name => name.toLowerCase() === role.name.toLowerCase()
    );
    if (builtIn !== undefined) {
      report('built-in-name', `clashes with the built-in role "${builtIn}"`);
    } else if (seen.has(role.name)) {
      report('duplicate-name', 'is defined more than once');
    }
    seen.add(role.name);
    for (const selector of [...role.allow, ...(role.deny ?? [])]) {
      const resolved = resolveSelector(selector);
      if (!resolved.ok) {
        report(resolved.problem.code, resolved.problem.message);
      }
    }
    wellFormed.push(role);
  });

  const known = new Set([...BUILT_IN_ROLES, ...seen]);
  for (const role of wellFormed) {
    if (role.extends !== undefined && !known.has(role.extends)) {
      problems.push({
        role: role.name,
        code: 'unknown-role',
        message: `extends "${role.extends}", which is not a role`
      });
    }
  }
  problems.push(...findCycles(wellFormed));
  return problems;
}

function checkShape(definition: unknown, index: number): RoleProblem[] {
  const isObject =
    typeof definition === 'object' &&
    definition !== null &&
    !Array.isArray(definition);
  const record = (isObject ? definition : {}) as Record<string, unknown>;
  const role = typeof record.name === 'string' ? record.name : `#${index + 1}`;
  const problem = (message: string): RoleProblem => ({
    role,
    code: 'invalid-definition',
    message
  });
  if (!isObject) {
    return [problem('a role definition is an object')];
  }
  const problems: RoleProblem[] = [];
  if (typeof record.name !== 'string') {
    problems.push(problem('"name" must be a string'));
  }
  if (typeof record.description !== 'string') {
    problems.push(problem('"description" must be a string'));
  }
  if (record.extends !== undefined && typeof record.extends !== 'string') {
    problems.push(problem('"extends" must be a role name'));
  }
  if (!isStringArray(record.allow)) {
    problems.push(problem('"allow" must be a list of selectors'));
  }
  if (record.deny !== undefined && !isStringArray(record.deny)) {
    problems.push(problem('"deny" must be a list of selectors'));
  }
  for (const key of Object.keys(record)) {
    if (!DEFINITION_FIELDS.has(key)) {
      problems.push(problem(`unknown field "${key}"`));
    }
  }
  return problems;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every(item => typeof item === 'string');
}

/** Operator roles that extend each other in a circle, reported once each. */
function findCycles(roles: readonly RoleDefinition[]): RoleProblem[] {
  const parent = new Map(roles.map(role => [role.name, role.extends]));
  const reported = new Set<string>();
  const problems: RoleProblem[] = [];
  for (const role of roles) {
    const chain = [role.name];
    let next = parent.get(role.name);
    while (next !== undefined && parent.has(next) && !chain.includes(next)) {
      chain.push(next);
      next = parent.get(next);
    }
    // Only a chain that returns to its start is this role's cycle; a role
    // that merely leads into one is reported when its members are visited.
    if (next === role.name) {
      const cycle = [...chain, next];
      if (!cycle.some(name => reported.has(name))) {
        cycle.forEach(name => reported.add(name));
        problems.push({
          role: role.name,
          code: 'cycle',
          message: `extends itself: ${cycle.join(' → ')}`
        });
      }
    }
  }
  return problems;
}

/** Role name → ids of the operations it allows, in catalogue order. */
export type RoleTable = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * The built-in and operator-defined roles, resolved. Throws
 * InvalidRoleConfigError listing every problem when the configuration is
 * invalid, so a bad configuration fails the deployment, not a request.
 */
export function compileRoles(config: PermissionsConfig = {}): RoleTable {
  const custom = config.roles ?? [];
  const problems = validateRoleDefinitions(custom);
  if (problems.length > 0) {
    throw new InvalidRoleConfigError(problems);
  }
  const definitions = new Map(
    [...BUILT_IN_ROLE_DEFINITIONS, ...custom].map(role => [role.name, role])
  );
  const resolved = new Map<string, ReadonlySet<string>>();
  const resolve = (name: string): ReadonlySet<string> => {
    const done = resolved.get(name);
    if (done !== undefined) {
      return done;
    }
    const role = definitions.get(name) as RoleDefinition;
    const ids = new Set(
      role.extends === undefined ? [] : resolve(role.extends)
    );
    role.allow.forEach(selector =>
      selected(selector).forEach(id => ids.add(id))
    );
    role.deny?.forEach(selector =>
      selected(selector).forEach(id => ids.delete(id))
    );
    PUBLIC_OPERATIONS.forEach(id => ids.add(id));
    const ordered = new Set(
      OPERATIONS.filter(op => ids.has(op.id)).map(op => op.id)
    );
    resolved.set(name, ordered);
    return ordered;
  };
  definitions.forEach((_, name) => resolve(name));
  return resolved;
}

function selected(selector: Selector): string[] {
  const resolved = resolveSelector(selector);
  return resolved.ok ? resolved.operations.map(op => op.id) : [];
}

/**
 * Ids of the operations a role allows. A name that is no role (a Cognito
 * group that means something else) allows the public operations only.
 */
export function allowedOperations(
  role: string,
  config: PermissionsConfig = {}
): ReadonlySet<string> {
  return compileRoles(config).get(role) ?? PUBLIC_OPERATIONS;
}

/**
 * Ids of the operations the members of these groups may perform: the union
 * of their roles. Groups that are no role add nothing; public operations
 * are left out (everyone has them).
 */
export function operationsOfGroups(
  roles: RoleTable,
  groups: readonly string[]
): ReadonlySet<string> {
  const allowed = new Set<string>();
  for (const group of groups) {
    roles.get(group)?.forEach(id => {
      if (!PUBLIC_OPERATIONS.has(id)) {
        allowed.add(id);
      }
    });
  }
  return allowed;
}
