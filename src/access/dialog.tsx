/**
 * The Access view in a dialog, for an experiment of the run browser or a
 * registered model of the models view. Loaded with `import()` when first
 * opened, so it costs nothing at start-up.
 */
import '../styles';

import { Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IAccessClient, IAccessResource } from './mlflow';
import { AccessModel } from './model';
import { AccessView } from './view';

export interface IAccessDialogOptions {
  client: IAccessClient;
  resource: IAccessResource;
  /** Teams to suggest when granting (the caller's own). */
  suggestedTeams: ReadonlyArray<string>;
  trans: TranslationBundle;
}

/**
 * Show who has access to `resource` until the user closes the dialog.
 *
 * @returns how many changes went through.
 */
export async function showAccessDialog(
  options: IAccessDialogOptions
): Promise<number> {
  const { client, resource, suggestedTeams, trans } = options;
  const model = new AccessModel({ client, resource });
  const body = ReactWidget.create(
    <AccessView model={model} suggestedTeams={suggestedTeams} trans={trans} />
  );
  body.addClass('jp-MlflowAccess-body');
  void model.load();
  try {
    await showDialog({
      title:
        resource.kind === 'experiment'
          ? trans.__('Access to the experiment %1', resource.label)
          : trans.__('Access to the registered model %1', resource.label),
      body,
      buttons: [Dialog.okButton({ label: trans.__('Close') })],
      hasClose: true
    });
    return model.changes;
  } finally {
    model.dispose();
  }
}
