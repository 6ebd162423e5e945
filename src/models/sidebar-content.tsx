import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { openAccessDialog } from '../access/open';
import type { IApiOptions } from '../api';
import type { ISidebarContent } from '../components/deferred-sidebar';
import type { IMlflowAuth, IMlflowSettings } from '../tokens';
import type { IModelsActions } from './actions';
import { gatewayModelsClient } from './client';
import {
  setAliasWithConfirmation,
  transitionStageWithConfirmation
} from './dialogs';
import { ModelsModel } from './model';
import { ModelsView } from './view';

/** The actions the plugin provides; the dialogs come with the view. */
export type IModelsCommands = Omit<
  IModelsActions,
  'setAlias' | 'setStage' | 'showAccess'
>;

export interface IModelsContentOptions {
  settings: IMlflowSettings;
  auth: IMlflowAuth;
  /** The gateway and the user's token, for the client. */
  api: IApiOptions;
  trans: TranslationBundle;
  commands: IModelsCommands;
}

/**
 * The models view in its sidebar, once loaded: each time the sidebar is
 * shown again, the model reloads what is open.
 */
export function modelsContent(
  options: IModelsContentOptions
): ISidebarContent<ModelsModel> {
  const { settings, auth, api, trans, commands } = options;
  const model = new ModelsModel({
    settings,
    auth,
    client: gatewayModelsClient(api)
  });
  const actions: IModelsActions = {
    ...commands,
    setAlias: version => void setAliasWithConfirmation(model, version, trans),
    setStage: version =>
      void transitionStageWithConfirmation(model, version, trans),
    showAccess: name =>
      void openAccessDialog({
        api,
        resource: { kind: 'registered-model', id: name, label: name },
        permissions: model.permissions,
        trans
      })
  };
  return {
    value: model,
    render: () => <ModelsView model={model} actions={actions} trans={trans} />,
    setActive: active => {
      model.active = active;
    },
    dispose: () => model.dispose()
  };
}
