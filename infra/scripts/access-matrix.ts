/**
 * Prints the access matrix as JSON: one concrete request for every path
 * template of every operation, how it is authorized, and which roles the
 * permission model lets perform it. The integration tests send each of them
 * through the running gateway as every role and compare.
 *
 *   npm --prefix infra run --silent access-matrix
 */
import {
  OPERATIONS,
  compileRoles,
  matchOperation,
  pathTemplates
} from '../src/permissions';
import { authorizationOf } from '../src/permissions/policy';

/** `{x}` → `matrix-x`, `{x+}` → `matrix/x`: values no seeded object has. */
function samplePath(template: string): string {
  return template.replace(/\{(\w+)(\+?)\}/g, (_, name: string, greedy) =>
    greedy ? `matrix/${name}` : `matrix-${name}`
  );
}

const roles = compileRoles();
const rows = OPERATIONS.flatMap(op =>
  pathTemplates(op).map(template => {
    const path = samplePath(template);
    // The sample must route back to its own operation, or the row is wrong.
    if (matchOperation(op.method, path) !== op) {
      throw new Error(`${path} does not route to ${op.id}`);
    }
    return {
      operation: op.id,
      method: op.method,
      path,
      access: op.access,
      authorization: authorizationOf(op, template),
      allowed: [...roles].filter(([, ids]) => ids.has(op.id)).map(([r]) => r)
    };
  })
);
process.stdout.write(JSON.stringify(rows, null, 1) + '\n');
