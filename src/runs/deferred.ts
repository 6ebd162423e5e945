/**
 * What the run browser loads when it is first shown or one of its commands
 * first runs (`import()` from `src/plugins/runs.ts` and `./commands`): its
 * model with the gateway client and the polling, its view, what its
 * commands do to rows, and the styles.
 */
import '../styles';

export { gatewayClient } from './client';
export { RunBrowserModel } from './model';
export { addRunCommands } from './row-commands';
export { runUri } from './table';
export { runBrowserContent } from './sidebar-content';
