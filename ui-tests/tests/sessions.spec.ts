/**
 * One MLflow session per browser: the browser tab JupyterLab opens acts as
 * JupyterLab's user and ends with JupyterLab's sign-out, and the panel never
 * acts as another user whose sign-in replaced the shared cookie.
 *
 * Two arrangements: JupyterLab and the gateway on the same site (the local
 * stack at 127.0.0.1, where the panel's and the tab's cookie are one), and
 * on different sites, as Studio (`*.sagemaker.aws`) and API Gateway are
 * (JupyterLab at `localhost`, the gateway at 127.0.0.1: the panel's
 * partitioned cookie and the tab's are separate).
 */
import type { Page } from '@playwright/test';

import { galata } from '@jupyterlab/galata';

import { SETTINGS_PLUGIN_ID, loginPath } from '../../src/contract';
import { expect, test } from '../fixtures';
import {
  deleteExperiment,
  dismissTips,
  experimentById,
  fetchAsMlflowUi,
  mlflowFrame,
  mlflowUiFrame,
  runCommand,
  scratchExperiment,
  signIn
} from '../mlflow';
import { readStack } from '../stack';

const stack = readStack();
// JupyterLab, the tab and the MLflow UI in it, on a shared machine.
test.setTimeout(180_000);

test.use({
  viewport: { width: 1400, height: 860 },
  // This stack's settings as the user's, whatever the installation's
  // administrator defaults say (several local stacks may share one venv).
  mockSettings: {
    ...galata.DEFAULT_SETTINGS,
    [SETTINGS_PLUGIN_ID]: {
      gatewayUrl: stack.gateway,
      region: stack.region,
      userPoolId: stack.cognito.userPoolId,
      userPoolClientId: stack.cognito.clientId,
      cognitoEndpoint: stack.cognito.endpoint,
      authFlow: 'USER_PASSWORD_AUTH'
    }
  }
});

const ARRANGEMENTS = [
  { name: 'same site', jupyterlab: () => readStack().jupyterlab },
  {
    name: 'cross site',
    jupyterlab: () =>
      readStack().jupyterlab.replace('//127.0.0.1:', '//localhost:')
  }
];

/** JupyterLab at `base`, the MLflow panel signed in as the reader. */
async function panelAsReader(
  page: import('@jupyterlab/galata').IJupyterLabPageFixture,
  base: string,
  route = '/experiments'
): Promise<void> {
  await page.goto(`${base}/lab?token=${readStack().jupyterlabToken}`);
  await runCommand(page, 'mlflow:open', { route });
  await signIn(page, 'readers');
  await expect(page.locator('.jp-MlflowPanel-frame')).toBeVisible({
    timeout: 30_000
  });
}

/** "Open MLflow in a Browser Tab", and the tab it opens. */
async function openBrowserTab(
  page: import('@jupyterlab/galata').IJupyterLabPageFixture
): Promise<Page> {
  const opened = page.context().waitForEvent('page');
  await runCommand(page, 'mlflow:open-in-browser-tab');
  const tab = await opened;
  await tab.waitForLoadState('domcontentloaded');
  return tab;
}

for (const arrangement of ARRANGEMENTS) {
  test(`${arrangement.name}: the browser tab acts as JupyterLab's user without a password, and Sign Out of MLflow ends it`, async ({
    page
  }) => {
    await panelAsReader(page, arrangement.jupyterlab());
    const tab = await openBrowserTab(page);

    // No sign-in of its own: it shows JupyterLab's user and MLflow.
    await expect(tab.getByRole('banner')).toContainText('reader', {
      timeout: 20_000
    });
    await expect(tab.getByRole('banner')).toContainText('readers');
    await expect(tab.getByLabel('User name')).toHaveCount(0);
    await expect(
      tab
        .frameLocator('.jp-MlflowTab-frame')
        .getByText('churn-prediction')
        .first()
    ).toBeVisible({ timeout: 30_000 });
    expect(
      await fetchAsMlflowUi(
        mlflowUiFrame(tab),
        'experiments/search?max_results=1'
      )
    ).toMatchObject({ hasCookie: true, status: 200 });
    const tabUrl = tab.url();

    await runCommand(page, 'mlflow:sign-out');
    await expect(
      page.locator('.jp-MlflowPanel').getByLabel('User name')
    ).toBeVisible();

    // The tab no longer shows MLflow, and its cookie is gone.
    await expect(tab.locator('.jp-MlflowTab-frame')).toHaveCount(0);
    await expect(tab.getByRole('main')).toContainText(/signed out/i);
    expect(
      await tab.evaluate(() => document.cookie.includes('Authorization'))
    ).toBe(false);

    // The MLflow UI opened anew in that tab gets no data.
    const refused = tab.waitForResponse(r => r.url().includes('/ajax-api/'));
    await tab.goto(`${readStack().gateway}/#/experiments`);
    expect((await refused).status()).toBe(401);
    expect(
      await fetchAsMlflowUi(
        mlflowUiFrame(tab),
        'experiments/search?max_results=1'
      )
    ).toMatchObject({ hasCookie: false, status: 401 });

    // Reopening the tab's address asks for a password.
    await tab.goto(tabUrl);
    await expect(tab.getByLabel('User name')).toBeVisible();
    await expect(tab.getByLabel('Password', { exact: true })).toBeVisible();
    await tab.close();
  });
}

test('the browser tab says who is signed in and offers sign-out, which signs JupyterLab out too', async ({
  page
}) => {
  await panelAsReader(page, ARRANGEMENTS[1].jupyterlab());
  const tab = await openBrowserTab(page);
  const banner = tab.getByRole('banner');
  await expect(banner).toContainText('Signed in as reader', {
    timeout: 20_000
  });

  await banner.getByRole('button', { name: 'Sign out' }).click();
  await expect(tab.locator('.jp-MlflowTab-frame')).toHaveCount(0);
  await expect(tab.getByRole('main')).toContainText(/signed out/i);
  await expect(
    page.locator('.jp-MlflowPanel').getByLabel('User name')
  ).toBeVisible();
  await expect(page.locator('.jp-MlflowUser')).toContainText('Not signed in');
  await tab.close();
});

test("an admin's sign-in elsewhere in the browser does not make the reader's panel act as admin", async ({
  page
}) => {
  const victim = await scratchExperiment('not-for-readers');
  try {
    // Same site: the panel's cookie and the gateway's own pages' are one.
    await panelAsReader(page, stack.jupyterlab, `/experiments/${victim}`);
    await dismissTips(mlflowFrame(page));

    // Someone signs in as the admin at the gateway's sign-in page.
    const other = await page.context().newPage();
    await other.goto(`${stack.gateway}${loginPath('/experiments')}`);
    await other.getByLabel('User name').fill(stack.users.admins.username);
    await other
      .getByLabel('Password', { exact: true })
      .fill(stack.users.admins.password);
    await other.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(other).toHaveURL(`${stack.gateway}/#/experiments`);

    // Back in JupyterLab, a moment later, the reader renames in the panel's
    // MLflow UI, which sends whatever the cookie holds.
    await page.bringToFront();
    await page.waitForTimeout(1_000);
    const rename = await fetchAsMlflowUi(
      mlflowUiFrame(page),
      'experiments/update',
      { experiment_id: victim, new_name: `renamed-by-reader-${Date.now()}` }
    );
    expect(rename.status).toBe(403);
    expect((await experimentById(victim)).name).toMatch(/^not-for-readers-/);

    // The panel says what happened, and still shows the reader.
    // (Galata turns toasts off; the notification is in JupyterLab's list.)
    await expect
      .poll(async () => (await page.notifications).map(n => n.message))
      .toContainEqual(expect.stringMatching(/admin.*reader|reader.*admin/));
    await expect(page.locator('.jp-MlflowUser-name')).toHaveText('reader');
    await other.close();
  } finally {
    await deleteExperiment(victim);
  }
});
