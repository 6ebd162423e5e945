/**
 * Selectors name sets of operations in role definitions:
 * an operation id (`runs.search`), `family:<family>` or `access:<access>`.
 */
import {
  ACCESS_LEVELS,
  Access,
  FAMILIES,
  Family,
  Operation
} from './operation';
import { OPERATIONS, findOperation } from './operations';

export type Selector = string;

export interface SelectorProblem {
  readonly code: 'unknown-operation' | 'unknown-family' | 'invalid-selector';
  readonly message: string;
}

export type SelectorResult =
  | { readonly ok: true; readonly operations: readonly Operation[] }
  | { readonly ok: false; readonly problem: SelectorProblem };

/** The operations a selector names, or why it names none. */
export function resolveSelector(selector: Selector): SelectorResult {
  const [kind, value, ...rest] = selector.split(':');
  if (value === undefined) {
    const operation = findOperation(selector);
    return operation !== undefined
      ? found([operation])
      : problem('unknown-operation', `unknown operation "${selector}"`);
  }
  if (rest.length === 0 && kind === 'family') {
    return isFamily(value)
      ? found(OPERATIONS.filter(op => op.family === value))
      : problem(
          'unknown-family',
          `unknown family "${value}" (known: ${FAMILIES.join(', ')})`
        );
  }
  if (rest.length === 0 && kind === 'access' && isAccess(value)) {
    return found(OPERATIONS.filter(op => op.access === value));
  }
  return problem(
    'invalid-selector',
    `invalid selector "${selector}": use an operation id, ` +
      `family:<family> or access:<${ACCESS_LEVELS.join('|')}>`
  );
}

function found(operations: readonly Operation[]): SelectorResult {
  return { ok: true, operations };
}

function problem(
  code: SelectorProblem['code'],
  message: string
): SelectorResult {
  return { ok: false, problem: { code, message } };
}

function isFamily(value: string): value is Family {
  return (FAMILIES as readonly string[]).includes(value);
}

function isAccess(value: string): value is Access {
  return (ACCESS_LEVELS as readonly string[]).includes(value);
}
