import * as React from 'react';

import { IRunList } from '../model';
import { IRunBrowserViewProps } from './props';

/** The way back to the experiments, the experiment's name, and its pin. */
export function RunsHeader(
  props: IRunBrowserViewProps & { runs: IRunList }
): JSX.Element {
  const { model, trans, actions, runs } = props;
  const experiment = runs.experiment;
  const pinned = actions.pinned();
  const isPinned =
    pinned === experiment.name || pinned === experiment.experiment_id;
  return (
    <div className="jp-MlflowRuns-header">
      <button
        className="jp-MlflowRuns-back"
        onClick={() => model.showExperiments()}
        title={trans.__('Back to the experiments')}
      >
        {trans.__('Experiments')}
      </button>
      <span className="jp-MlflowRuns-crumb">/</span>
      <h2 className="jp-MlflowRuns-title" title={experiment.name}>
        {experiment.name}
      </h2>
      <button
        className={`jp-MlflowRuns-pin${isPinned ? ' jp-mod-active' : ''}`}
        aria-pressed={isPinned}
        onClick={() => actions.pinExperiment(isPinned ? null : experiment)}
        title={
          isPinned
            ? trans.__(
                'The run browser opens this experiment first. Click to unpin.'
              )
            : trans.__('Open this experiment first in the run browser')
        }
      >
        {isPinned ? trans.__('Pinned') : trans.__('Pin')}
      </button>
      {model.canSeeAccess && (
        <button
          className="jp-MlflowRuns-pin jp-MlflowRuns-access"
          onClick={() => actions.showAccess(experiment)}
          title={trans.__('Who may see and change %1', experiment.name)}
        >
          {trans.__('Access')}
        </button>
      )}
    </div>
  );
}
