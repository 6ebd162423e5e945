import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { MlflowAuth } from '../auth/session';
import { CommandIDs, TRANSLATION_DOMAIN } from '../commands';
import { measureActivation } from '../perf';
import { IMlflowAuth, IMlflowSettings } from '../tokens';

/**
 * The MLflow sign-in, shared by the MLflow panel and the run browser.
 * Amplify and its sign-in form are loaded only when first needed.
 */
export const authPlugin: JupyterFrontEndPlugin<IMlflowAuth> = {
  id: 'sagemaker-studio-mlflow:auth',
  description:
    'Signs the user in to MLflow with Amazon Cognito (Amplify) and keeps the session fresh.',
  autoStart: true,
  requires: [IMlflowSettings],
  optional: [ITranslator, ICommandPalette],
  provides: IMlflowAuth,
  activate: (
    app: JupyterFrontEnd,
    settings: IMlflowSettings,
    translator: ITranslator | null,
    palette: ICommandPalette | null
  ): IMlflowAuth => {
    const startedAt = performance.now();
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const auth = new MlflowAuth({
      settings,
      loadBackend: async config =>
        (await import('../auth/amplify')).loadAmplifyBackend(config),
      loadForm: async () => (await import('../auth/signin')).SignInForm
    });

    app.commands.addCommand(CommandIDs.signOut, {
      label: trans.__('Sign Out of MLflow'),
      caption: trans.__('End your MLflow session in this browser'),
      isEnabled: () => auth.status === 'signed-in',
      execute: async () => {
        const user = auth.user;
        await auth.signOut();
        Notification.info(
          user
            ? trans.__('Signed out of MLflow (%1).', user.username)
            : trans.__('Signed out of MLflow.'),
          { autoClose: 4000 }
        );
      }
    });
    auth.changed.connect(() =>
      app.commands.notifyCommandChanged(CommandIDs.signOut)
    );
    palette?.addItem({ command: CommandIDs.signOut, category: 'MLflow' });
    measureActivation(authPlugin.id, startedAt);
    return auth;
  }
};
