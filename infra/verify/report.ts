/**
 * The run's report: one row per check (role, via, check, expected, got,
 * verdict), what each failure means, and a summary line.
 */
import type { Via } from './checks';
import { type Expected, type Verdict, VERDICTS } from './verdict';

export interface ResultRow {
  readonly role: string;
  readonly via: Via;
  readonly check: string;
  /** `-` where nothing was sent. */
  readonly expected: Expected | '-';
  /** The answer as the table shows it, or why nothing was sent. */
  readonly got: string;
  readonly verdict: Verdict;
  /** What the failure means (shown for failures only). */
  readonly meaning?: string;
}

const COLUMNS = ['role', 'via', 'check', 'expected', 'got', 'verdict'] as const;
/** Longer cells are cut, so a row stays on one terminal line. */
const MAX_CELL = 72;

function cell(text: string): string {
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
}

export function formatTable(rows: readonly ResultRow[]): string {
  const cells = rows.map(row =>
    COLUMNS.map(column => cell(String(row[column])))
  );
  const widths = COLUMNS.map((column, i) =>
    Math.max(column.length, ...cells.map(r => r[i].length))
  );
  const line = (parts: readonly string[]) =>
    parts
      .map((part, i) =>
        i === parts.length - 1 ? part : part.padEnd(widths[i])
      )
      .join('  ');
  return [
    line(COLUMNS),
    line(widths.map(w => '-'.repeat(w))),
    ...cells.map(line)
  ].join('\n');
}

/** The failures, each with what it means. */
export function formatFailures(rows: readonly ResultRow[]): string[] {
  return rows
    .filter(row => row.verdict !== 'pass' && row.verdict !== 'not checked')
    .map(
      row =>
        `${row.verdict}: ${row.role} via ${row.via}, ${row.check}: got ${row.got}` +
        (row.meaning === undefined ? '' : `. ${row.meaning}`)
    );
}

/** `182 checks: 180 pass, 1 FALSE ALLOW, 1 false refusal; 2 not checked`. */
export function formatSummary(rows: readonly ResultRow[]): string {
  const counts = new Map<Verdict, number>();
  for (const row of rows) {
    counts.set(row.verdict, (counts.get(row.verdict) ?? 0) + 1);
  }
  const sent = rows.filter(row => row.verdict !== 'not checked').length;
  const parts = VERDICTS.filter(
    verdict =>
      verdict !== 'not checked' && (verdict === 'pass' || counts.has(verdict))
  ).map(verdict => `${counts.get(verdict) ?? 0} ${verdict}`);
  const notChecked = counts.get('not checked');
  return (
    `${sent} checks: ${parts.join(', ')}` +
    (notChecked === undefined ? '' : `; ${notChecked} not checked`)
  );
}
