import * as React from 'react';

import { IRunList } from '../model';
import { IColumnView } from './column-view';
import { IRunBrowserViewProps } from './props';

/** The column headers; a click sorts by the column (again: the other way). */
export function TableHeader(
  props: IRunBrowserViewProps & {
    runs: IRunList;
    columns: ReadonlyArray<IColumnView>;
    template: string;
    minWidth: number;
  }
): JSX.Element {
  const { model, trans, runs, columns, template, minWidth } = props;
  const sort = runs.sort;
  return (
    <div
      className="jp-MlflowRuns-row jp-MlflowRuns-headerRow"
      role="row"
      style={{ gridTemplateColumns: template, minWidth }}
    >
      <span role="columnheader" />
      {columns.map(column => (
        <span
          key={column.id}
          role="columnheader"
          aria-sort={
            sort.column === column.id
              ? sort.descending
                ? 'descending'
                : 'ascending'
              : 'none'
          }
          className={column.numeric ? 'jp-mod-numeric' : undefined}
        >
          <button
            className="jp-MlflowRuns-sort"
            data-column={column.id}
            onClick={() => model.sortBy(column.id)}
            title={trans.__('Sort by %1', column.label)}
          >
            {column.label}
            {sort.column === column.id && (sort.descending ? ' ↓' : ' ↑')}
          </button>
        </span>
      ))}
    </div>
  );
}
