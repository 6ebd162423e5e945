import { defaultRangeExtractor, useVirtualizer } from '@tanstack/react-virtual';
import * as React from 'react';

import { IRunList } from '../model';
import { ITableItem } from '../table';
import { IColumnView, gridLayout } from './column-view';
import { IRunBrowserViewProps } from './props';
import { RunRow } from './run-row';
import { TableHeader } from './table-header';

/** A run's line in the table, in pixels: fixed, so the list can be virtual. */
export const ROW_HEIGHT = 28;

/** How far Page Up and Page Down move the focus, in lines. */
const PAGE_LINES = 10;

/**
 * The runs table: a header, then only the lines on screen (virtualised),
 * asking for the next page as the end of the loaded runs nears. The lines
 * are one Tab stop: the focused line (a roving tabindex), which the arrow
 * keys move; Enter opens its run, Space selects it, Right and Left open
 * and close its children.
 */
export function RunTable(
  props: IRunBrowserViewProps & {
    runs: IRunList;
    items: ReadonlyArray<ITableItem>;
    columns: ReadonlyArray<IColumnView>;
  }
): JSX.Element {
  const { model, actions, runs, items, columns } = props;
  const scroller = React.useRef<HTMLDivElement>(null);
  // The table's width, for the name column's share of it.
  const [available, setAvailable] = React.useState(0);
  React.useLayoutEffect(() => {
    const table = scroller.current;
    if (!table || typeof ResizeObserver === 'undefined') {
      return;
    }
    const measure = () => setAvailable(table.clientWidth);
    const observer = new ResizeObserver(measure);
    observer.observe(table);
    measure();
    return () => observer.disconnect();
  }, []);
  const { template, minWidth } = gridLayout(columns, available);
  const [focusedIndex, setFocusedIndex] = React.useState(0);
  const active = Math.min(focusedIndex, Math.max(items.length - 1, 0));
  // Whether the focus follows `active` once its line is rendered.
  const moveFocus = React.useRef(false);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    // Rows for the first paint, before the sidebar's height is measured.
    initialRect: { width: 0, height: 20 * ROW_HEIGHT },
    // The focused line stays rendered, so that the Tab stop never goes.
    rangeExtractor: range => {
      const indexes = defaultRangeExtractor(range);
      return indexes.includes(active) || active >= items.length
        ? indexes
        : [...indexes, active].sort((a, b) => a - b);
    }
  });
  const visible = virtualizer.getVirtualItems();
  const lastIndex = visible.length > 0 ? visible[visible.length - 1].index : -1;
  // Near the end of what is loaded: ask for the next page.
  React.useEffect(() => {
    if (lastIndex >= items.length - 20 && runs.nextPageToken && !runs.loading) {
      model.loadMoreRuns();
    }
  }, [lastIndex, items.length, runs.nextPageToken, runs.loading, model]);
  React.useEffect(() => {
    if (moveFocus.current) {
      moveFocus.current = false;
      const line = scroller.current?.querySelector<HTMLElement>(
        `.jp-MlflowRuns-runRow[data-index="${active}"]`
      );
      line?.focus({ preventScroll: true });
      // Below the sticky header (the table's scroll-padding).
      line?.scrollIntoView?.({ block: 'nearest' });
    }
  });

  const focusLine = (index: number) => {
    const next = Math.max(0, Math.min(index, items.length - 1));
    moveFocus.current = true;
    setFocusedIndex(next);
  };
  const onKeyDown = (
    event: React.KeyboardEvent<HTMLElement>,
    index: number
  ) => {
    if (event.target !== event.currentTarget) {
      return; // A key for a control inside the line.
    }
    const item = items[index];
    const parentIndex = () => {
      for (let i = index - 1; i >= 0; i--) {
        if (items[i].depth < item.depth) {
          return i;
        }
      }
      return index;
    };
    const moves: Record<string, () => void> = {
      ArrowDown: () => focusLine(index + 1),
      ArrowUp: () => focusLine(index - 1),
      PageDown: () => focusLine(index + PAGE_LINES),
      PageUp: () => focusLine(index - PAGE_LINES),
      Home: () => focusLine(0),
      End: () => focusLine(items.length - 1),
      ArrowRight: () => {
        if (item.childCount > 0 && !item.expanded) {
          model.toggleExpanded(item.row.id);
        } else if (item.expanded) {
          focusLine(index + 1);
        }
      },
      ArrowLeft: () => {
        if (item.expanded) {
          model.toggleExpanded(item.row.id);
        } else {
          focusLine(parentIndex());
        }
      },
      Enter: () => actions.openRun(item.row),
      ' ': () => model.toggleSelected(item.row.id)
    };
    const move = moves[event.key];
    if (move && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      move();
    }
  };

  return (
    <div
      className="jp-MlflowRuns-table"
      ref={scroller}
      role="treegrid"
      aria-rowcount={items.length + 1}
      aria-busy={runs.loading}
      aria-multiselectable
    >
      <TableHeader {...props} template={template} minWidth={minWidth} />
      <div
        className="jp-MlflowRuns-body"
        style={{ height: virtualizer.getTotalSize(), minWidth }}
      >
        {visible.map(virtual => (
          <RunRow
            {...props}
            key={items[virtual.index].row.id}
            index={virtual.index}
            item={items[virtual.index]}
            template={template}
            minWidth={minWidth}
            offset={virtual.start}
            focusable={virtual.index === active}
            onFocus={() => setFocusedIndex(virtual.index)}
            onKeyDown={event => onKeyDown(event, virtual.index)}
          />
        ))}
      </div>
    </div>
  );
}
