import * as path from 'node:path';

import { defineConfig } from '@playwright/test';

import { CHROMIUM_LAUNCH_OPTIONS } from './chromium';
import { readStack } from './stack';

// Galata's defaults for JupyterLab (viewport, timeouts, artifacts on failure).
// eslint-disable-next-line @typescript-eslint/no-var-requires
const galataConfig = require('@jupyterlab/galata/lib/playwright-config');

const stack = readStack();

export const AUTH_STATE = path.join(__dirname, '.auth', 'jupyterlab.json');

export default defineConfig({
  ...galataConfig,
  testDir: './tests',
  // One JupyterLab server and two cores: tests run one after another.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: [['list'], ['html', { open: 'never' }]],
  globalSetup: require.resolve('./global-setup'),
  use: {
    ...galataConfig.use,
    baseURL: stack.jupyterlab,
    storageState: AUTH_STATE,
    trace: 'retain-on-failure',
    video: 'off',
    launchOptions: CHROMIUM_LAUNCH_OPTIONS
  }
});
