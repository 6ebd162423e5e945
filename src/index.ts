import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { authPlugin } from './plugins/auth';
import { identityPlugin } from './plugins/identity';
import { modelsPlugin } from './plugins/models';
import { panelPlugin } from './plugins/panel';
import { runBrowserPlugin } from './plugins/runs';
import { settingsPlugin } from './plugins/settings';

export * from './config';
export * from './tokens';
export { CommandIDs } from './commands';
export { SETTINGS_PLUGIN_ID } from './contract';
export { MlflowSettings } from './settings';
export { settingsPlugin as plugin } from './plugins/settings';
export {
  authPlugin,
  identityPlugin,
  modelsPlugin,
  panelPlugin,
  runBrowserPlugin
};

const plugins: JupyterFrontEndPlugin<any>[] = [
  settingsPlugin,
  authPlugin,
  panelPlugin,
  runBrowserPlugin,
  modelsPlugin,
  identityPlugin
];

export default plugins;
