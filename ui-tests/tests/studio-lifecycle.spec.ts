/**
 * The Studio lifecycle configuration, end to end: a space's start is played
 * by `tests/studio.py` (a fresh environment for /opt/conda, JupyterLab 4.5,
 * the project's wheel from a folder standing in for S3, the real script run
 * twice), then that JupyterLab is opened as a user would, with no setting
 * made by hand.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';

import { expect, test } from '@playwright/test';

import { SETTINGS_PLUGIN_ID } from '../../src/contract';
import { CHROMIUM_LAUNCH_OPTIONS } from '../chromium';
import { readStack } from '../stack';

const REPO = path.resolve(__dirname, '..', '..');

test.use({
  storageState: { cookies: [], origins: [] },
  launchOptions: CHROMIUM_LAUNCH_OPTIONS,
  viewport: { width: 1280, height: 800 }
});

let space: ChildProcess | undefined;
let lab: { url: string; token: string };

test.beforeAll(async () => {
  test.setTimeout(300_000);
  space = spawn(
    path.join(REPO, '.venv', 'bin', 'python'),
    [
      '-m',
      'tests.studio',
      'serve',
      '--dir',
      path.join(os.tmpdir(), 'sagemaker-studio-mlflow-space')
    ],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] }
  );
  const lines = readline.createInterface({ input: space.stdout! });
  lab = await new Promise((resolve, reject) => {
    lines.once('line', line => resolve(JSON.parse(line)));
    space!.once('exit', code =>
      reject(new Error(`tests/studio.py exited with ${code}`))
    );
  });
});

test.afterAll(() => {
  space?.kill('SIGTERM');
});

test('a new Studio space starts with the MLflow tile, already set up for the deployment', async ({
  page
}, testInfo) => {
  const stack = readStack();
  await page.goto(`${lab.url}lab?token=${lab.token}`);
  const tile = page.locator('.jp-LauncherCard', { hasText: 'MLflow' });
  await expect(tile).toBeVisible({ timeout: 60_000 });

  // What the lifecycle configuration wrote is what this JupyterLab uses.
  const settings = await page.evaluate(
    async ({ url, token, id }) => {
      const answer = await fetch(`${url}lab/api/settings/${id}`, {
        headers: { Authorization: `token ${token}` }
      });
      // Administrator overrides arrive as the schema's defaults.
      const { schema, settings } = await answer.json();
      return Object.fromEntries(
        Object.entries(schema.properties).map(([key, property]) => [
          key,
          settings[key] ?? (property as { default?: unknown }).default
        ])
      );
    },
    { url: lab.url, token: lab.token, id: SETTINGS_PLUGIN_ID }
  );
  expect(settings).toMatchObject({
    gatewayUrl: stack.gateway,
    region: stack.region,
    userPoolId: stack.cognito.userPoolId,
    userPoolClientId: stack.cognito.clientId,
    cognitoEndpoint: stack.cognito.endpoint
  });

  // The panel asks to sign in (it is set up), signs in with the
  // deployment's user pool, and opens the deployment's gateway.
  await tile.click();
  const panel = page.locator('.jp-MlflowPanel');
  await expect(panel.getByText('Sign in to MLflow')).toBeVisible();
  await page.screenshot({
    path: testInfo.outputPath('studio-space-sign-in.png')
  });
  const reader = stack.users.readers;
  await panel.getByLabel('User name').fill(reader.username);
  await panel.getByLabel('Password', { exact: true }).fill(reader.password);
  await panel.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.locator('.jp-MlflowUser-name')).toHaveText(reader.username);
  await expect(page.locator('.jp-MlflowPanel-frame')).toHaveAttribute(
    'src',
    new RegExp(`^${stack.gateway.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/`)
  );
  // The MLflow UI of the deployment, signed in.
  const frame = page.frameLocator('.jp-MlflowPanel-frame');
  await frame.getByRole('link', { name: 'Experiments' }).first().click();
  await expect(frame.getByText('churn-prediction').first()).toBeVisible();
  await page.screenshot({
    path: testInfo.outputPath('studio-space-signed-in.png')
  });
});
