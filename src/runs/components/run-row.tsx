import * as React from 'react';

import { IRunList } from '../model';
import { ITableItem } from '../table';
import { IColumnView } from './column-view';
import { NameCell } from './name-cell';
import { IRunBrowserViewProps } from './props';

/** A run's line: its checkbox and cells, at `offset` pixels down the table. */
export function RunRow(
  props: IRunBrowserViewProps & {
    runs: IRunList;
    item: ITableItem;
    columns: ReadonlyArray<IColumnView>;
    template: string;
    offset: number;
  }
): JSX.Element {
  const { model, trans, actions, runs, item, columns, template, offset } =
    props;
  const { row } = item;
  const selected = runs.selected.has(row.id);
  return (
    <div
      role="row"
      aria-selected={selected}
      aria-level={item.depth + 1}
      aria-expanded={item.childCount > 0 ? item.expanded : undefined}
      data-run-id={row.id}
      className={`jp-MlflowRuns-row jp-MlflowRuns-runRow${selected ? ' jp-mod-selected' : ''}`}
      style={{
        gridTemplateColumns: template,
        transform: `translateY(${offset}px)`
      }}
      onDoubleClick={() => actions.openRun(row)}
    >
      <span role="gridcell">
        <input
          type="checkbox"
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
            column.id === 'name' ? { paddingLeft: item.depth * 16 } : undefined
          }
        >
          {column.id === 'name' ? (
            <NameCell {...props} item={item} />
          ) : column.id === 'status' ? (
            <span
              className={`jp-MlflowRuns-status jp-mod-${row.status.toLowerCase()}`}
            >
              {column.cell(row)}
            </span>
          ) : (
            <span title={column.cell(row)}>{column.cell(row)}</span>
          )}
        </span>
      ))}
    </div>
  );
}
