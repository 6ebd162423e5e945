import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { RunBrowserModel } from './model';
import { IRunBrowserActions, RunBrowserView } from './view';

/**
 * The run browser sidebar: a thin view over its model, which refreshes
 * running runs only while the sidebar is shown.
 */
export class RunBrowser extends ReactWidget {
  constructor(options: RunBrowser.IOptions) {
    super();
    this.model = options.model;
    this._actions = options.actions;
    this._trans = options.trans;
    this.addClass('jp-MlflowRuns');
  }

  readonly model: RunBrowserModel;

  override dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.dispose();
    super.dispose();
  }

  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.model.active = true;
  }

  protected override onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this.model.active = false;
  }

  protected override render(): JSX.Element {
    return (
      <RunBrowserView
        model={this.model}
        actions={this._actions}
        trans={this._trans}
      />
    );
  }

  private readonly _actions: IRunBrowserActions;
  private readonly _trans: TranslationBundle;
}

export namespace RunBrowser {
  export interface IOptions {
    model: RunBrowserModel;
    actions: IRunBrowserActions;
    trans: TranslationBundle;
  }
}
