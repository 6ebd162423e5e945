import * as React from 'react';

import { IRunList } from '../model';
import { IRunBrowserViewProps } from './props';

/** How many runs are loaded, whether more are, and how they are sorted. */
export function RunsFooter(
  props: IRunBrowserViewProps & { runs: IRunList }
): JSX.Element {
  const { model, trans, runs } = props;
  return (
    <div className="jp-MlflowRuns-footer" role="status">
      {runs.loading
        ? trans.__('Loading runs…')
        : runs.nextPageToken
          ? trans.__('%1 runs loaded; scroll for more', runs.rows.length)
          : trans._n('%1 run', '%1 runs', runs.rows.length)}
      {model.sortedLocally && ' · ' + trans.__('sorted among the loaded runs')}
    </div>
  );
}
