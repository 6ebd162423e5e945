import { refreshIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { SearchBox } from '../../components/search-box';
import { ErrorNotice } from './error-notice';
import { ProgressBar } from './progress-bar';
import { IRunBrowserViewProps } from './props';

/** The experiments, searched by name; one click shows its runs. */
export function ExperimentsView(props: IRunBrowserViewProps): JSX.Element {
  const { model, trans, actions } = props;
  const list = model.experiments;
  const search = React.useCallback(
    (query: string) => model.searchExperiments(query),
    [model]
  );
  const pinned = actions.pinned();
  return (
    <div className="jp-MlflowRuns-section">
      <div className="jp-MlflowRuns-header">
        <h2 className="jp-MlflowRuns-title">{trans.__('Experiments')}</h2>
        <button
          className="jp-MlflowRuns-iconButton"
          title={trans.__('Refresh')}
          onClick={() => model.refresh()}
        >
          <refreshIcon.react tag="span" />
        </button>
      </div>
      <SearchBox
        value={list.query}
        placeholder={trans.__('Search experiments by name')}
        label={trans.__('Search experiments')}
        onChange={search}
      />
      {list.loading && <ProgressBar label={trans.__('Loading experiments')} />}
      {model.noAccess && (
        <div className="jp-MlflowRuns-error" role="alert">
          <div className="jp-MlflowRuns-errorTitle">
            {trans.__(
              'No access to the experiment %1',
              model.noAccess.experiment
            )}
          </div>
          <div className="jp-MlflowRuns-errorMessage">
            {model.noAccess.message}
          </div>
        </div>
      )}
      {list.error ? (
        <ErrorNotice
          error={list.error}
          model={model}
          trans={trans}
          onRetry={() => model.retry()}
        />
      ) : list.items.length === 0 && !list.loading ? (
        <p className="jp-MlflowRuns-empty">
          {list.query === ''
            ? trans.__(
                'There are no experiments yet. Runs logged from a notebook with mlflow.set_experiment("name") appear here.'
              )
            : trans.__('No experiment matches “%1”.', list.query)}
        </p>
      ) : (
        <ul className="jp-MlflowRuns-experiments" aria-busy={list.loading}>
          {list.items.map(experiment => (
            <li key={experiment.experiment_id}>
              <button
                className="jp-MlflowRuns-experiment"
                onClick={() => model.openExperiment(experiment)}
                title={trans.__(
                  'Show the runs of %1 (ID %2)',
                  experiment.name,
                  experiment.experiment_id
                )}
              >
                <span className="jp-MlflowRuns-experimentName">
                  {experiment.name}
                </span>
                {(pinned === experiment.name ||
                  pinned === experiment.experiment_id) && (
                  <span className="jp-MlflowRuns-badge">
                    {trans.__('default')}
                  </span>
                )}
                <span className="jp-MlflowRuns-experimentId">
                  {trans.__('ID %1', experiment.experiment_id)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {list.loading && (
        <p className="jp-MlflowRuns-loading" role="status">
          {trans.__('Loading experiments…')}
        </p>
      )}
      {list.nextPageToken && !list.loading && (
        <button
          className="jp-mod-styled jp-MlflowRuns-more"
          onClick={() => model.loadMoreExperiments()}
        >
          {trans.__('Show more experiments')}
        </button>
      )}
    </div>
  );
}
