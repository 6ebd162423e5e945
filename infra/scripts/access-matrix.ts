/**
 * Prints the access matrix as JSON: one concrete request for every path
 * template of every operation, how it is authorized, and which roles the
 * permission model lets perform it. The integration tests send each of them
 * through the running gateway as every role and compare.
 *
 *   npm --prefix infra run --silent access-matrix
 */
import { OPERATIONS, compileRoles, pathTemplates } from '../src/permissions';
import { authorizationOf } from '../src/permissions/policy';
import { operationSamplePath } from '../src/permissions/samples';

const roles = compileRoles();
const rows = OPERATIONS.flatMap(op =>
  pathTemplates(op).map(template => {
    const path = operationSamplePath(op, template);
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
