import { TranslationBundle } from '@jupyterlab/translation';

import { formatDuration, formatMetric, formatStart } from '../format';
import { ColumnId, IRunRow, columnKey, durationOf } from '../table';

/** How a column looks: its header, width, alignment and cell text. */
export interface IColumnView {
  readonly id: ColumnId;
  readonly label: string;
  readonly width: string;
  readonly numeric: boolean;
  readonly cell: (row: IRunRow) => string;
}

/** A column's header, width and cell, with times relative to `now`. */
export function columnView(
  column: ColumnId,
  trans: TranslationBundle,
  now: number
): IColumnView {
  const key = columnKey(column);
  if (key?.kind === 'metric') {
    const cell = (row: IRunRow) => formatMetric(row.metrics[key.key]);
    return { id: column, label: key.key, width: '76px', numeric: true, cell };
  }
  if (key?.kind === 'param') {
    const cell = (row: IRunRow) => row.params[key.key] ?? '';
    return { id: column, label: key.key, width: '96px', numeric: false, cell };
  }
  const attributes: Record<string, Omit<IColumnView, 'id'>> = {
    name: {
      label: trans.__('Run'),
      width: '196px',
      numeric: false,
      cell: row => row.name
    },
    status: {
      label: trans.__('Status'),
      width: '84px',
      numeric: false,
      cell: row => row.status
    },
    start: {
      label: trans.__('Started'),
      width: '112px',
      numeric: false,
      cell: row => formatStart(row.startTime, now)
    },
    duration: {
      label: trans.__('Duration'),
      width: '84px',
      numeric: true,
      cell: row => formatDuration(durationOf(row, now))
    },
    user: {
      label: trans.__('User'),
      width: '76px',
      numeric: false,
      cell: row => row.user
    }
  };
  return { id: column, ...attributes[column] };
}

/** The CSS grid of the table's lines: the checkbox, then each column. */
export function gridTemplate(columns: ReadonlyArray<IColumnView>): string {
  return ['28px', ...columns.map(column => column.width)].join(' ');
}
