import { TranslationBundle } from '@jupyterlab/translation';

import {
  formatDuration,
  formatMetric,
  formatStart,
  formatStartShort
} from '../format';
import { ColumnId, IRunRow, RunStatus, columnKey, durationOf } from '../table';

/** How a column looks: its header, width, alignment and cell text. */
export interface IColumnView {
  readonly id: ColumnId;
  readonly label: string;
  /** Its CSS grid track. */
  readonly width: string;
  /** The narrowest it gets, in pixels: the table scrolls sideways below. */
  readonly minWidth: number;
  readonly numeric: boolean;
  readonly cell: (row: IRunRow) => string;
  /** The cell's tooltip, when it says more than the cell. */
  readonly tooltip?: (row: IRunRow) => string;
}

/** The checkbox column, in pixels. */
const CHECKBOX_WIDTH = 22;

/** The run's name at its narrowest, and as wide as it needs when there is room. */
const NAME_MIN_WIDTH = 84;
const NAME_WIDTH = 196;

/** The columns that must show at the default width: name, status, start, a metric. */
const LEADING_COLUMNS = 4;

/** A column of fixed width. */
function fixed(pixels: number): Pick<IColumnView, 'width' | 'minWidth'> {
  return { width: `${pixels}px`, minWidth: pixels };
}

/** A run status in words. */
export function statusLabel(
  status: RunStatus,
  trans: TranslationBundle
): string {
  const labels: Record<RunStatus, string> = {
    RUNNING: trans.__('Running'),
    SCHEDULED: trans.__('Scheduled'),
    FINISHED: trans.__('Finished'),
    FAILED: trans.__('Failed'),
    KILLED: trans.__('Killed')
  };
  return labels[status];
}

/**
 * A column's header, width and cell, with times relative to `now`. Sized
 * so that at JupyterLab's default sidebar width (250 px, less a scroll bar)
 * the run's name, status and start and the first chosen metric show.
 */
export function columnView(
  column: ColumnId,
  trans: TranslationBundle,
  now: number
): IColumnView {
  const key = columnKey(column);
  if (key?.kind === 'metric') {
    const cell = (row: IRunRow) => formatMetric(row.metrics[key.key]);
    return { id: column, label: key.key, ...fixed(54), numeric: true, cell };
  }
  if (key?.kind === 'param') {
    const cell = (row: IRunRow) => row.params[key.key] ?? '';
    return { id: column, label: key.key, ...fixed(80), numeric: false, cell };
  }
  const attributes: Record<string, Omit<IColumnView, 'id'>> = {
    name: {
      label: trans.__('Run'),
      // The room the others leave (see `gridLayout`).
      width: `minmax(${NAME_MIN_WIDTH}px, 1fr)`,
      minWidth: NAME_MIN_WIDTH,
      numeric: false,
      cell: row => row.name
    },
    status: {
      label: trans.__('Status'),
      ...fixed(22),
      numeric: false,
      cell: row => statusLabel(row.status, trans)
    },
    start: {
      label: trans.__('Started'),
      ...fixed(52),
      numeric: false,
      cell: row => formatStartShort(row.startTime, now),
      tooltip: row => formatStart(row.startTime, now)
    },
    duration: {
      label: trans.__('Duration'),
      ...fixed(68),
      numeric: true,
      cell: row => formatDuration(durationOf(row, now))
    },
    user: {
      label: trans.__('User'),
      ...fixed(80),
      numeric: false,
      cell: row => row.user
    }
  };
  return { id: column, ...attributes[column] };
}

/**
 * The CSS grid of the table's lines (the checkbox, then each column) in a
 * table `available` pixels wide, and the narrowest the lines get before the
 * table scrolls sideways. The name takes what the leading columns leave, up
 * to `NAME_WIDTH` when later columns scroll, so that a narrow sidebar still
 * shows the leading columns and a wider one shows whole names.
 */
export function gridLayout(
  columns: ReadonlyArray<IColumnView>,
  available: number
): { template: string; minWidth: number } {
  const leading = columns
    .slice(0, LEADING_COLUMNS)
    .filter(column => column.id !== 'name')
    .reduce((sum, column) => sum + column.minWidth, CHECKBOX_WIDTH);
  const nameMin = Math.max(
    NAME_MIN_WIDTH,
    Math.min(NAME_WIDTH, available - leading)
  );
  const tracks = columns.map(column =>
    column.id === 'name' ? `minmax(${nameMin}px, 1fr)` : column.width
  );
  const minWidth = columns.reduce(
    (sum, column) => sum + (column.id === 'name' ? nameMin : column.minWidth),
    CHECKBOX_WIDTH
  );
  return { template: [`${CHECKBOX_WIDTH}px`, ...tracks].join(' '), minWidth };
}
