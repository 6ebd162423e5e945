import { refreshIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { SearchBox } from '../../components/search-box';
import { IRunList } from '../model';
import { IRunBrowserViewProps } from './props';

/** The runs' filter, in MLflow's search syntax, and a refresh. */
export function RunsToolbar(
  props: IRunBrowserViewProps & { runs: IRunList }
): JSX.Element {
  const { model, trans, runs } = props;
  const filter = React.useCallback(
    (text: string) => model.setFilter(text),
    [model]
  );
  return (
    <div className="jp-MlflowRuns-toolbar">
      <SearchBox
        value={runs.filter}
        placeholder={trans.__('metrics.rmse < 0.5 and params.model = "xgb"')}
        label={trans.__('Filter runs')}
        onChange={filter}
        onEnter
      />
      <button
        className="jp-MlflowRuns-iconButton"
        title={trans.__('Refresh the runs')}
        onClick={() => model.refresh()}
      >
        <refreshIcon.react tag="span" />
      </button>
    </div>
  );
}
