import * as React from 'react';

import { IRunList } from '../model';
import { IRunBrowserViewProps } from './props';

/** Choosing the columns, and comparing the selected runs. */
export function RunsActionBar(
  props: IRunBrowserViewProps & { runs: IRunList }
): JSX.Element {
  const { trans, actions, runs } = props;
  return (
    <div className="jp-MlflowRuns-actions">
      <button className="jp-mod-styled" onClick={actions.chooseColumns}>
        {trans.__('Columns')}
      </button>
      <button
        className="jp-mod-styled"
        disabled={runs.selected.size < 2}
        onClick={() => actions.compare([...runs.selected])}
        title={trans.__('Select two or more runs to compare them in MLflow')}
      >
        {trans.__('Compare (%1)', runs.selected.size)}
      </button>
    </div>
  );
}
