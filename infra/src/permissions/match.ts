/**
 * From a request (method + path) to the operation it performs.
 */
import { HTTP_METHODS, Operation, pathTemplates } from './operation';
import { OPERATIONS } from './operations';
import {
  PathTemplate,
  SegmentRank,
  compareRanks,
  isMatchablePath,
  matchPathTemplate,
  parsePathTemplate,
  pathSegments,
  templateShape
} from './path-template';

interface CompiledTemplate {
  readonly operation: Operation;
  readonly template: PathTemplate;
}

/**
 * Parses every template once and checks the catalogue: unique ids, and no
 * two operations of one method on templates that match the same paths.
 */
export function compileOperations(
  operations: readonly Operation[]
): ReadonlyMap<string, readonly CompiledTemplate[]> {
  const byMethod = new Map<string, CompiledTemplate[]>(
    HTTP_METHODS.map(method => [method, []])
  );
  const ids = new Set<string>();
  const shapes = new Map<string, string>();
  for (const operation of operations) {
    if (ids.has(operation.id)) {
      throw new Error(`Duplicate operation id "${operation.id}"`);
    }
    ids.add(operation.id);
    if ('roots' in operation && operation.path.startsWith('/')) {
      throw new Error(`${operation.id}: a REST path follows its root, no "/"`);
    }
    for (const source of pathTemplates(operation)) {
      const template = parsePathTemplate(source);
      const shape = `${operation.method} ${templateShape(template)}`;
      const other = shapes.get(shape);
      if (other !== undefined) {
        throw new Error(`${operation.id} and ${other} both match ${shape}`);
      }
      shapes.set(shape, operation.id);
      byMethod.get(operation.method)?.push({ operation, template });
    }
  }
  return byMethod;
}

const COMPILED = compileOperations(OPERATIONS);

/**
 * The operation a request performs, or undefined, which means deny: unknown
 * method or path, a path spelled differently from MLflow's route (case,
 * trailing slash, `//`, encoded or dot segments), or a path that two
 * operations match equally well.
 *
 * When several templates match, the one with literal segments earliest wins,
 * as in MLflow's own routers (`traces/batchGet` over `traces/{trace_id}`).
 */
export function matchOperation(
  method: string,
  path: string
): Operation | undefined {
  const candidates = COMPILED.get(method);
  if (candidates === undefined || !isMatchablePath(path)) {
    return undefined;
  }
  const segments = pathSegments(path);
  let best: { operation: Operation; ranks: SegmentRank[] } | undefined;
  let tied = false;
  for (const { operation, template } of candidates) {
    const ranks = matchPathTemplate(template, segments);
    if (ranks === undefined) {
      continue;
    }
    const order = best === undefined ? -1 : compareRanks(ranks, best.ranks);
    if (order < 0) {
      best = { operation, ranks };
      tied = false;
    } else if (order === 0 && operation !== best?.operation) {
      tied = true;
    }
  }
  return tied ? undefined : best?.operation;
}
