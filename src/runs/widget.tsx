import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Message as LuminoMessage } from '@lumino/messaging';
import * as React from 'react';

import { Message } from '../components/message';
import type { Lazy } from '../lazy';
import type { IRunBrowserActions } from './actions';
import type { RunBrowserModel } from './model';
import type { RunBrowserView } from './view';

/**
 * The run browser sidebar: a thin view over its model. The model, the view
 * and its list virtualiser are loaded with `import()` (`./deferred`) when
 * the sidebar is first shown, so JupyterLab's start-up does not carry them;
 * the model refreshes running runs only while the sidebar is shown.
 */
export class RunBrowser extends ReactWidget {
  constructor(options: RunBrowser.IOptions) {
    super();
    this.model = options.model;
    this._actions = options.actions;
    this._trans = options.trans;
    this.addClass('jp-MlflowRuns');
  }

  /** Null until the sidebar is first shown or a run browser command runs. */
  readonly model: Lazy<RunBrowserModel>;

  override dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.value?.dispose();
    super.dispose();
  }

  protected override onAfterShow(msg: LuminoMessage): void {
    super.onAfterShow(msg);
    const model = this.model.value;
    if (model !== null) {
      model.active = true;
    }
    this._loadView();
  }

  protected override onAfterHide(msg: LuminoMessage): void {
    super.onAfterHide(msg);
    const model = this.model.value;
    if (model !== null) {
      model.active = false;
    }
  }

  protected override render(): JSX.Element {
    const View = this._view;
    const model = this.model.value;
    if (View !== null && model !== null) {
      return <View model={model} actions={this._actions} trans={this._trans} />;
    }
    if (this._failure !== '') {
      return (
        <Message title={this._trans.__('The run browser could not load')} error>
          <p>{this._failure}</p>
          <p>
            {this._trans.__(
              'Reload the page; if the extension was just updated, JupyterLab may still be serving the old version.'
            )}
          </p>
        </Message>
      );
    }
    return <Message title={this._trans.__('Loading the run browser…')} busy />;
  }

  private _loadView(): void {
    if (this._view !== null || this._loading) {
      return;
    }
    this._loading = true;
    Promise.all([
      import(/* webpackChunkName: "mlflow-run-browser" */ './deferred'),
      this.model.load()
    ]).then(
      ([module, model]) => {
        this._view = module.RunBrowserView;
        model.active = this.isVisible;
        this.update();
      },
      reason => {
        this._loading = false;
        this._failure = String((reason as Error)?.message ?? reason);
        this.update();
      }
    );
  }

  private readonly _actions: IRunBrowserActions;
  private readonly _trans: TranslationBundle;
  private _view: typeof RunBrowserView | null = null;
  private _loading = false;
  private _failure = '';
}

export namespace RunBrowser {
  export interface IOptions {
    model: Lazy<RunBrowserModel>;
    actions: IRunBrowserActions;
    trans: TranslationBundle;
  }
}
