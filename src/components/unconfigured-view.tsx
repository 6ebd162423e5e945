import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { Message } from './message';

/**
 * What to do when the settings do not say where MLflow is: the problems,
 * and a button to the settings.
 */
export function UnconfiguredView(props: {
  problems: ReadonlyArray<string>;
  trans: TranslationBundle;
  openSettings: () => void;
}): JSX.Element {
  const { problems, trans, openSettings } = props;
  return (
    <Message title={trans.__('MLflow is not set up yet')}>
      <p>
        {trans.__(
          'The extension needs the MLflow gateway URL and the Cognito user pool. In SageMaker Studio the lifecycle configuration fills them in; you can also enter them in the settings.'
        )}
      </p>
      {problems.length > 0 && (
        <ul className="jp-MlflowProblems">
          {problems.map(problem => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      )}
      <button className="jp-mod-styled jp-mod-accept" onClick={openSettings}>
        {trans.__('Open MLflow settings')}
      </button>
    </Message>
  );
}
