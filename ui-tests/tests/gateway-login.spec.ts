import { loginPath } from '../../src/contract';
import { expect, test } from '../fixtures';
import { keepScreenshot } from '../mlflow';
import { readStack } from '../stack';

test.use({ viewport: { width: 1400, height: 860 } });

test('outside JupyterLab, /auth/login signs in with the same form and opens the MLflow UI at the route asked for', async ({
  page
}, testInfo) => {
  const stack = readStack();
  // A plain browser tab, no JupyterLab: what "Open MLflow in a Browser Tab" opens.
  const tab = await page.context().newPage();
  await tab.goto(`${stack.gateway}${loginPath('/models')}`);
  await expect(tab.getByLabel('User name')).toBeVisible();
  await tab.getByLabel('User name').fill(stack.users.readers.username);
  await tab
    .getByLabel('Password', { exact: true })
    .fill('not-the-password-1A!');
  await tab.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(
    tab.getByText(/incorrect|not authorized|password/i).first()
  ).toBeVisible();
  await keepScreenshot(tab as any, testInfo, 'gateway-login');

  await tab
    .getByLabel('Password', { exact: true })
    .fill(stack.users.readers.password);
  await tab.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(tab).toHaveURL(`${stack.gateway}/#/models`);
  await expect(tab.getByText('churn-classifier').first()).toBeVisible();

  // An address outside the gateway is never a place to go after sign-in.
  await tab.goto(`${stack.gateway}${loginPath('https://example.com/')}`);
  await expect(tab).toHaveURL(`${stack.gateway}/#/`);
  await tab.close();
});
