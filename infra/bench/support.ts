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

/** A `runs/log-batch` body of 50 metrics, as a training loop logs them. */
export function metricsBatch(runId: string | undefined): unknown {
  return {
    run_id: runId,
    metrics: Array.from({ length: 50 }, (_, i) => ({
      key: `m${i}`,
      value: Math.random(),
      timestamp: Date.now(),
      step: 0
    }))
  };
}

/**
 * Times `call` on two sides in turn, `warmup + rounds` times each, the
 * side that goes first alternating so neither always meets a warm cache;
 * the ascending times (ms) of each side's last `rounds` calls.
 */
export async function interleaved<Side>(
  sides: readonly [Side, Side],
  rounds: number,
  warmup: number,
  call: (side: Side) => Promise<number>
): Promise<[number[], number[]]> {
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < warmup + rounds; i++) {
    const order = i % 2 === 0 ? [0, 1] : [1, 0];
    for (const index of order) {
      const ms = await call(sides[index]);
      if (i >= warmup) {
        times[index].push(ms);
      }
    }
  }
  times.forEach(samples => samples.sort((a, b) => a - b));
  return times;
}
