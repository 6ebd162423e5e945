import * as React from 'react';

import { IRunList } from '../model';
import { shownColumns } from '../table';
import { columnView } from './column-view';
import { ErrorNotice } from './error-notice';
import { ProgressBar } from './progress-bar';
import { IRunBrowserViewProps } from './props';
import { RunTable } from './run-table';
import { RunsActionBar } from './runs-action-bar';
import { RunsFooter } from './runs-footer';
import { RunsHeader } from './runs-header';
import { RunsToolbar } from './runs-toolbar';

/** One experiment's runs: its header, the filter, the table and a count. */
export function RunsView(
  props: IRunBrowserViewProps & { runs: IRunList }
): JSX.Element {
  const { model, trans, runs } = props;
  const items = model.items;
  const now = Date.now();
  const columns = shownColumns(runs.columns).map(column =>
    columnView(column, trans, now)
  );
  return (
    <div className="jp-MlflowRuns-section jp-MlflowRuns-runs">
      <RunsHeader {...props} />
      <RunsToolbar {...props} />
      <RunsActionBar {...props} />
      {runs.loading && <ProgressBar label={trans.__('Loading runs')} />}
      {runs.error ? (
        <ErrorNotice
          error={runs.error}
          model={model}
          trans={trans}
          onRetry={() => model.refresh()}
        />
      ) : items.length === 0 && !runs.loading ? (
        <p className="jp-MlflowRuns-empty">
          {runs.filter === ''
            ? trans.__(
                'No runs in this experiment yet. Log one from a notebook with mlflow.start_run().'
              )
            : trans.__('No runs match “%1”.', runs.filter)}
        </p>
      ) : (
        <RunTable {...props} items={items} columns={columns} />
      )}
      <RunsFooter {...props} />
    </div>
  );
}
