import { type StackDescription, readStack } from '../local/stack';

/** The running local stack, or a clear error telling how to start it. */
export function requireStack(): StackDescription {
  const stack = readStack();
  if (!stack) {
    throw new Error(
      'The local stack is not up: run `npm run local -- up` first.'
    );
  }
  return stack;
}

/** The p-th percentile of ascending samples. */
export function percentile(sorted: number[], p: number): number {
  return sorted[
    Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))
  ];
}
