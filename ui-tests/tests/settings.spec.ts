import * as fs from 'node:fs';
import * as path from 'node:path';

import { SETTINGS_PLUGIN_ID } from '../../src/contract';
import { expect, test } from '../fixtures';
import { readStack } from '../stack';

const DOCS_IMAGES = path.resolve(__dirname, '..', '..', 'docs', 'images');

// Open JupyterLab inside the test, so messages logged while it loads are seen.
test.use({ autoGoto: false });

test('JupyterLab loads the extension with no console error', async ({
  page
}) => {
  const errors: string[] = [];
  page.on('console', message => {
    if (message.type() === 'error') {
      errors.push(message.text());
    }
  });
  page.on('pageerror', error => errors.push(error.message));

  await page.goto();

  const activated = await page.evaluate(
    id => (window as any).jupyterapp.isPluginActivated(id),
    SETTINGS_PLUGIN_ID
  );
  expect(activated).toBe(true);
  expect(errors).toEqual([]);
});

test('the settings editor shows the MLflow settings with descriptions and the local values', async ({
  page
}, testInfo) => {
  const stack = readStack();
  await page.goto();
  await page.evaluate(async () => {
    await (window as any).jupyterapp.commands.execute('settingeditor:open', {
      query: 'MLflow'
    });
  });

  const entry = page.locator('.jp-PluginList-entry', { hasText: 'MLflow' });
  await entry.first().click();
  const form = page.locator('.jp-SettingsPanel, .jp-SettingsEditor').first();

  // Every setting is there with its description.
  await expect(form.getByText('Gateway URL', { exact: true })).toBeVisible();
  await expect(
    form.getByText(/URL of the MLflow gateway/i).first()
  ).toBeVisible();
  await expect(form.getByText('Sidebar side', { exact: true })).toBeVisible();

  // The local stack pre-configured the extension, as Studio's lifecycle configuration will.
  await expect(form.locator('input[id$="gatewayUrl"]')).toHaveValue(
    stack.gateway
  );
  await expect(form.locator('input[id$="userPoolId"]')).toHaveValue(
    stack.cognito.userPoolId
  );
  await expect(form.locator('input[id$="userPoolClientId"]')).toHaveValue(
    stack.cognito.clientId
  );
  // Settings nobody overrode keep their defaults.
  await expect(
    form.locator('select[id$="sidebarSide"] option:checked')
  ).toHaveText('right');

  const shot = await page.screenshot();
  await testInfo.attach('settings-editor', {
    body: shot,
    contentType: 'image/png'
  });
  if (process.env.UPDATE_DOCS_IMAGES) {
    fs.mkdirSync(DOCS_IMAGES, { recursive: true });
    fs.writeFileSync(path.join(DOCS_IMAGES, 'settings-editor.png'), shot);
  }
});
