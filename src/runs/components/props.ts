import type { TranslationBundle } from '@jupyterlab/translation';

import type { IRunBrowserActions } from '../actions';
import type { RunBrowserModel } from '../model';

/** What every part of the run browser's view is given. */
export interface IRunBrowserViewProps {
  model: RunBrowserModel;
  actions: IRunBrowserActions;
  trans: TranslationBundle;
}
