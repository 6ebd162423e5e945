import { caretDownIcon, caretRightIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { ITableItem } from '../table';
import { IRunBrowserViewProps } from './props';

/**
 * A run's name cell: the fold of its children, its name (opens it in
 * MLflow), their count, and the button to its actions. None is a Tab stop:
 * the line is (its keys do the same).
 */
export function NameCell(
  props: IRunBrowserViewProps & { item: ITableItem }
): JSX.Element {
  const { model, trans, actions, item } = props;
  const { row } = item;
  return (
    <>
      {item.childCount > 0 ? (
        <button
          className="jp-MlflowRuns-expander"
          tabIndex={-1}
          aria-label={
            item.expanded
              ? trans.__('Hide the child runs of %1', row.name)
              : trans.__(
                  'Show the %1 child runs of %2',
                  item.childCount,
                  row.name
                )
          }
          onClick={() => model.toggleExpanded(row.id)}
        >
          {item.expanded ? (
            <caretDownIcon.react tag="span" />
          ) : (
            <caretRightIcon.react tag="span" />
          )}
        </button>
      ) : (
        <span className="jp-MlflowRuns-expanderSpace" />
      )}
      <button
        className="jp-MlflowRuns-runName"
        tabIndex={-1}
        title={trans.__('%1 (%2): open in MLflow', row.name, row.id)}
        onClick={() => actions.openRun(row)}
      >
        {row.name}
      </button>
      {item.childCount > 0 && (
        <span className="jp-MlflowRuns-childCount">{item.childCount}</span>
      )}
      <button
        className="jp-MlflowRuns-menuButton"
        tabIndex={-1}
        aria-label={trans.__('Actions for %1', row.name)}
        title={trans.__('Actions')}
        onClick={event => actions.showRunMenu(event, row)}
      >
        ⋯
      </button>
    </>
  );
}
