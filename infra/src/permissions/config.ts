import * as fs from 'node:fs';

import { policyResources } from './policy';
import {
  InvalidRoleConfigError,
  PermissionsConfig,
  compileRoles
} from './roles';

/**
 * Operators define their roles in one file, `infra/roles.json`, read by the
 * local stack (and the CDK app): `{"roles": [{"name", "description",
 * "extends"?, "allow", "deny"?}]}`. A missing file means the built-in roles
 * only; an invalid one fails with every problem listed.
 */
export function loadPermissionsConfig(file: string): PermissionsConfig {
  if (!fs.existsSync(file)) {
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const roles = (parsed as { roles?: unknown } | null)?.roles;
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    Array.isArray(parsed) ||
    !Array.isArray(roles)
  ) {
    throw new Error(`${file} must hold {"roles": [...]}.`);
  }
  const config = { roles } as PermissionsConfig;
  let table;
  try {
    table = compileRoles(config);
  } catch (error) {
    if (error instanceof InvalidRoleConfigError) {
      throw new InvalidRoleConfigError(error.problems, file);
    }
    throw error;
  }
  // A role must also be expressible as policies, or deployment would fail later.
  for (const [name, allowed] of table) {
    try {
      policyResources(allowed, 'iam');
      policyResources(allowed, 'token');
    } catch (error) {
      throw new Error(`${file}: role "${name}": ${(error as Error).message}`);
    }
  }
  return config;
}
