/**
 * Concrete requests for the permission model's path templates, naming no
 * object that exists: the access matrix (`scripts/access-matrix.ts`) and
 * the verification command (`verify/`) send them through a running gateway.
 */
import { matchOperation } from './match';
import type { Operation } from './operation';

/** `{x}` → `matrix-x`, `{x+}` → `matrix/x`: values no seeded object has. */
export function samplePath(template: string): string {
  return template.replace(/\{(\w+)(\+?)\}/g, (_, name: string, greedy) =>
    greedy ? `matrix/${name}` : `matrix-${name}`
  );
}

/**
 * The sample path of one of the operation's templates. It must route back
 * to the operation, or a request sent there would test another one.
 */
export function operationSamplePath(op: Operation, template: string): string {
  const path = samplePath(template);
  if (matchOperation(op.method, path) !== op) {
    throw new Error(`${path} does not route to ${op.id}`);
  }
  return path;
}
