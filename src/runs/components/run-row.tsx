import * as React from 'react';

import { IRunList } from '../model';
import { ITableItem, RunStatus } from '../table';
import { IColumnView } from './column-view';
import { NameCell } from './name-cell';
import { IRunBrowserViewProps } from './props';

/** The mark of each status; its name is in words beside it, for screen readers. */
const STATUS_MARKS: Record<RunStatus, string> = {
  FINISHED: '✓',
  FAILED: '✕',
  KILLED: '⊘',
  RUNNING: '',
  SCHEDULED: '◷'
};

/**
 * A run's line: its checkbox and cells, at `offset` pixels down the table.
 * The line itself takes the focus (`focusable`: the table's one Tab stop);
 * its controls are reached with the mouse, or by the line's keys.
 */
export function RunRow(
  props: IRunBrowserViewProps & {
    runs: IRunList;
    index: number;
    item: ITableItem;
    columns: ReadonlyArray<IColumnView>;
    template: string;
    minWidth: number;
    offset: number;
    focusable: boolean;
    onFocus: () => void;
    onKeyDown: (event: React.KeyboardEvent<HTMLElement>) => void;
  }
): JSX.Element {
  const { model, trans, actions, runs, item, columns } = props;
  const { row } = item;
  const selected = runs.selected.has(row.id);
  return (
    <div
      role="row"
      tabIndex={props.focusable ? 0 : -1}
      aria-selected={selected}
      aria-level={item.depth + 1}
      aria-expanded={item.childCount > 0 ? item.expanded : undefined}
      aria-rowindex={props.index + 2}
      data-run-id={row.id}
      data-index={props.index}
      className={`jp-MlflowRuns-row jp-MlflowRuns-runRow${selected ? ' jp-mod-selected' : ''}`}
      style={{
        gridTemplateColumns: props.template,
        minWidth: props.minWidth,
        transform: `translateY(${props.offset}px)`
      }}
      onFocus={props.onFocus}
      onKeyDown={props.onKeyDown}
      onDoubleClick={() => actions.openRun(row)}
    >
      <span role="gridcell">
        <input
          type="checkbox"
          tabIndex={-1}
          checked={selected}
          aria-label={trans.__('Select %1', row.name)}
          onChange={() => model.toggleSelected(row.id)}
        />
      </span>
      {columns.map(column => (
        <span
          key={column.id}
          role="gridcell"
          className={
            column.id === 'name'
              ? 'jp-MlflowRuns-nameCell'
              : column.numeric
                ? 'jp-mod-numeric'
                : undefined
          }
          style={
            column.id === 'name' ? { paddingLeft: item.depth * 12 } : undefined
          }
        >
          {column.id === 'name' ? (
            <NameCell {...props} item={item} />
          ) : column.id === 'status' ? (
            <span
              role="img"
              aria-label={column.cell(row)}
              title={column.cell(row)}
              className={`jp-MlflowRuns-status jp-mod-${row.status.toLowerCase()}`}
            >
              {STATUS_MARKS[row.status]}
            </span>
          ) : (
            <span title={column.tooltip?.(row) ?? column.cell(row)}>
              {column.cell(row)}
            </span>
          )}
        </span>
      ))}
    </div>
  );
}
