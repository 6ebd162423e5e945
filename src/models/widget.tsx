import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Message as LuminoMessage } from '@lumino/messaging';
import * as React from 'react';

import type { IApiOptions } from '../api';
import { Message } from '../components/message';
import type { IMlflowAuth, IMlflowSettings } from '../tokens';
import type { IModelsActions } from './actions';
import type { ModelsModel } from './model';
import type { ModelsView } from './view';

/** The actions the plugin provides; the dialogs come with the view. */
export type IModelsCommands = Omit<IModelsActions, 'setAlias' | 'setStage'>;

/**
 * The models sidebar: an empty shell at start-up. Its view, model, client
 * and dialogs are loaded with `import()` when it is first shown; each time
 * it is shown again, the model reloads what is open.
 */
export class ModelsSidebar extends ReactWidget {
  constructor(options: ModelsSidebar.IOptions) {
    super();
    this._options = options;
    this.addClass('jp-MlflowModels');
  }

  /** The model, once loaded. */
  get model(): ModelsModel | null {
    return this._loaded?.model ?? null;
  }

  override dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._loaded?.model.dispose();
    super.dispose();
  }

  protected override onAfterShow(msg: LuminoMessage): void {
    super.onAfterShow(msg);
    if (this._loaded) {
      this._loaded.model.active = true;
    } else {
      this._load();
    }
  }

  protected override render(): JSX.Element {
    const { trans } = this._options;
    if (this._loaded !== null) {
      const { View, model, actions } = this._loaded;
      return <View model={model} actions={actions} trans={trans} />;
    }
    if (this._failure !== '') {
      return (
        <Message title={trans.__('The models view could not load')} error>
          <p>{this._failure}</p>
          <p>
            {trans.__(
              'Reload the page; if the extension was just updated, JupyterLab may still be serving the old version.'
            )}
          </p>
        </Message>
      );
    }
    return <Message title={trans.__('Loading the models view…')} busy />;
  }

  private _load(): void {
    if (this._loading) {
      return;
    }
    this._loading = true;
    const { settings, auth, api, trans, commands } = this._options;
    import(/* webpackChunkName: "mlflow-models" */ './loaded').then(
      module => {
        if (this.isDisposed) {
          return;
        }
        const model = new module.ModelsModel({
          settings,
          auth,
          client: module.gatewayModelsClient(api)
        });
        const actions: IModelsActions = {
          ...commands,
          setAlias: version =>
            void module.setAliasWithConfirmation(model, version, trans),
          setStage: version =>
            void module.transitionStageWithConfirmation(model, version, trans)
        };
        this._loaded = { View: module.ModelsView, model, actions };
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

  private readonly _options: ModelsSidebar.IOptions;
  private _loaded: {
    View: typeof ModelsView;
    model: ModelsModel;
    actions: IModelsActions;
  } | null = null;
  private _loading = false;
  private _failure = '';
}

export namespace ModelsSidebar {
  export interface IOptions {
    settings: IMlflowSettings;
    auth: IMlflowAuth;
    /** The gateway and the user's token, for the client. */
    api: IApiOptions;
    trans: TranslationBundle;
    commands: IModelsCommands;
  }
}
