import { useVirtualizer } from '@tanstack/react-virtual';
import * as React from 'react';

import { IRunList } from '../model';
import { ITableItem } from '../table';
import { IColumnView, gridTemplate } from './column-view';
import { IRunBrowserViewProps } from './props';
import { RunRow } from './run-row';
import { TableHeader } from './table-header';

/** A run's line in the table, in pixels: fixed, so the list can be virtual. */
export const ROW_HEIGHT = 28;

/**
 * The runs table: a header, then only the lines on screen (virtualised),
 * asking for the next page as the end of the loaded runs nears.
 */
export function RunTable(
  props: IRunBrowserViewProps & {
    runs: IRunList;
    items: ReadonlyArray<ITableItem>;
    columns: ReadonlyArray<IColumnView>;
  }
): JSX.Element {
  const { model, runs, items, columns } = props;
  const template = gridTemplate(columns);
  const scroller = React.useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    // Rows for the first paint, before the sidebar's height is measured.
    initialRect: { width: 0, height: 20 * ROW_HEIGHT }
  });
  const visible = virtualizer.getVirtualItems();
  const lastIndex = visible.length > 0 ? visible[visible.length - 1].index : -1;
  // Near the end of what is loaded: ask for the next page.
  React.useEffect(() => {
    if (lastIndex >= items.length - 20 && runs.nextPageToken && !runs.loading) {
      model.loadMoreRuns();
    }
  }, [lastIndex, items.length, runs.nextPageToken, runs.loading, model]);

  return (
    <div
      className="jp-MlflowRuns-table"
      ref={scroller}
      role="grid"
      aria-rowcount={items.length + 1}
      aria-busy={runs.loading}
    >
      <TableHeader {...props} template={template} />
      <div
        className="jp-MlflowRuns-body"
        style={{ height: virtualizer.getTotalSize() }}
      >
        {visible.map(virtual => (
          <RunRow
            {...props}
            key={items[virtual.index].row.id}
            item={items[virtual.index]}
            template={template}
            offset={virtual.start}
          />
        ))}
      </div>
    </div>
  );
}
