/**
 * How the run browser writes times, durations and values: short enough for
 * a sidebar, exact in the tooltip.
 */

/**
 * `Nov 24 13:05` in the user's locale and time zone; the year only when it
 * is not the current one.
 */
export function formatStart(
  epochMs: number | null,
  now: number = Date.now()
): string {
  if (epochMs === null) {
    return '';
  }
  const date = new Date(epochMs);
  const sameYear = date.getFullYear() === new Date(now).getFullYear();
  return date.toLocaleString(undefined, {
    year: sameYear ? undefined : 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false
  });
}

/**
 * The start as the table's narrow column shows it: the time for a run of
 * today, the day for one of this year, else the month and year.
 */
export function formatStartShort(
  epochMs: number | null,
  now: number = Date.now()
): string {
  if (epochMs === null) {
    return '';
  }
  const date = new Date(epochMs);
  const today = new Date(now);
  if (date.toDateString() === today.toDateString()) {
    return date.toLocaleTimeString(undefined, {
      hour: '2-digit',
      minute: '2-digit',
      hour12: false
    });
  }
  return date.toLocaleDateString(
    undefined,
    date.getFullYear() === today.getFullYear()
      ? { month: 'short', day: 'numeric' }
      : { month: 'short', year: 'numeric' }
  );
}

/** `850ms`, `12.4s`, `3.2min`, `5.0h`, `2.1d`, as MLflow's runs table does. */
export function formatDuration(ms: number | null): string {
  if (ms === null) {
    return '';
  }
  if (Math.round(ms) < 1000) {
    return `${Math.round(ms)}ms`;
  }
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's']
  ];
  for (let i = 0; i < units.length; i++) {
    const [size, unit] = units[i];
    if (Math.round(ms) < size) {
      continue;
    }
    const value = Math.round((ms / size) * 10) / 10;
    // 59.96 s would read 60.0s: that is the next unit's 1.0.
    if (i > 0 && value * size >= units[i - 1][0]) {
      return `1.0${units[i - 1][1]}`;
    }
    return `${value.toFixed(1)}${unit}`;
  }
  return `${Math.round(ms)}ms`;
}

/** A metric with up to four significant decimals. */
export function formatMetric(value: number | undefined): string {
  if (value === undefined) {
    return '';
  }
  if (!Number.isFinite(value)) {
    return String(value);
  }
  return Math.abs(value) >= 1e6 || (value !== 0 && Math.abs(value) < 1e-4)
    ? value.toExponential(3)
    : String(Number(value.toFixed(4)));
}
