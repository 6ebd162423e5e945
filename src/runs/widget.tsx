import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Message as LuminoMessage, MessageLoop } from '@lumino/messaging';
import { DockPanel, SplitPanel, Widget } from '@lumino/widgets';
import * as React from 'react';

import { Message } from '../components/message';
import type { Lazy } from '../lazy';
import type { IRunBrowserActions } from './actions';
import type { RunBrowserModel } from './model';
import type { RunBrowserView } from './view';

/**
 * The width the run browser leaves JupyterLab's main area (where the MLflow
 * panel is) when the sidebar is dragged wider: below it the MLflow UI's
 * columns overlap.
 */
export const MAIN_AREA_MIN_WIDTH = 600;

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
    this._limitWidth();
  }

  protected override onAfterHide(msg: LuminoMessage): void {
    super.onAfterHide(msg);
    const model = this.model.value;
    if (model !== null) {
      model.active = false;
    }
    this._limitWidth();
  }

  protected override onAfterAttach(msg: LuminoMessage): void {
    super.onAfterAttach(msg);
    window.addEventListener('resize', this._onWindowResize);
  }

  protected override onBeforeDetach(msg: LuminoMessage): void {
    window.removeEventListener('resize', this._onWindowResize);
    this._setMaxWidth('');
    super.onBeforeDetach(msg);
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this._limitWidth();
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

  /**
   * Let the sidebar widen only as far as the main area keeps
   * `MAIN_AREA_MIN_WIDTH`: JupyterLab's split between the sidebars and the
   * main area reads its panels' max-width when it lays them out. A sidebar
   * already wider keeps its width; another panel shown in it is not limited.
   */
  private _limitWidth(): void {
    const split = this.parent?.parent;
    const main =
      split instanceof SplitPanel
        ? split.widgets.find(widget => widget instanceof DockPanel)
        : undefined;
    if (!this.isVisible || !main || !this.parent) {
      this._setMaxWidth('');
      return;
    }
    const room = main.node.offsetWidth - MAIN_AREA_MIN_WIDTH;
    const width = this.parent.node.offsetWidth + Math.max(0, room);
    this._setMaxWidth(`${width}px`);
  }

  private _setMaxWidth(maxWidth: string): void {
    const sidebar = this.parent;
    if (sidebar && sidebar.node.style.maxWidth !== maxWidth) {
      sidebar.node.style.maxWidth = maxWidth;
      if (sidebar.parent) {
        MessageLoop.postMessage(sidebar.parent, Widget.Msg.FitRequest);
      }
    }
  }

  private readonly _onWindowResize = () => this._limitWidth();

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
