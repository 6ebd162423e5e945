/**
 * A part of the stack is down while someone uses the extension: each view
 * says what is wrong and what to do, with a way to try again, and works
 * again once the part is back, without reloading the page.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

import type { IJupyterLabPageFixture } from '@jupyterlab/galata';

import { expect, test } from '../fixtures';
import {
  RUN_BROWSER as BROWSER,
  keepScreenshot,
  mlflowFrame,
  openRunBrowser,
  runCommand,
  signIn
} from '../mlflow';

test.use({ viewport: { width: 1400, height: 860 } });
// Stopping and starting MLflow takes up to a minute on a busy machine.
test.setTimeout(300_000);

const PANEL = '.jp-MlflowPanel';
const REPO = path.resolve(__dirname, '..', '..');

type Service = 'cognito' | 'mlflow' | 'gateway';

/** `npm run local -- stop|start <service>`: one part of the running stack. */
function local(command: 'stop' | 'start', service: Service): void {
  execFileSync('npm', ['run', '--silent', 'local', '--', command, service], {
    cwd: REPO,
    stdio: 'inherit'
  });
}

/** Runs `during` with `service` stopped, and starts it again whatever happens. */
async function withStopped(
  service: Service,
  during: () => Promise<void>
): Promise<void> {
  local('stop', service);
  try {
    await during();
  } finally {
    local('start', service);
  }
}

/** A mark on the page that a reload would wipe. */
async function markPage(page: IJupyterLabPageFixture): Promise<void> {
  await page.evaluate(() => ((window as any).mlflowFaultMark = true));
}

async function expectSamePage(page: IJupyterLabPageFixture): Promise<void> {
  expect(await page.evaluate(() => (window as any).mlflowFaultMark)).toBe(true);
}

const SIGN_IN_UNREACHABLE = 'The sign-in service cannot be reached';

test('with the identity provider down, a sign-in says so in the panel and the run browser, and works once it is back', async ({
  page
}, testInfo) => {
  await page.goto();
  await markPage(page);
  await runCommand(page, 'mlflow:open');
  const panel = page.locator(PANEL);
  await expect(panel.getByLabel('User name')).toBeVisible();
  const browser = await openRunBrowser(page);
  await expect(browser.getByLabel('User name')).toBeVisible();

  await withStopped('cognito', async () => {
    for (const where of [PANEL, BROWSER]) {
      const view = page.locator(where);
      await view.getByLabel('User name').fill('reader');
      await view.getByLabel('Password', { exact: true }).fill('wrong-anyway');
      await view.getByRole('button', { name: 'Sign in', exact: true }).click();
      await expect(view.getByText(SIGN_IN_UNREACHABLE)).toBeVisible({
        timeout: 60_000
      });
      // The form stays, to sign in again.
      await expect(
        view.getByRole('button', { name: 'Sign in', exact: true })
      ).toBeEnabled();
    }
    await keepScreenshot(page, testInfo, 'fault-sign-in-unreachable');
  });

  await signIn(page, 'readers', BROWSER);
  await expect(browser.getByText('churn-prediction')).toBeVisible();
  await expect(panel.getByText(SIGN_IN_UNREACHABLE)).toHaveCount(0);
  await expectSamePage(page);
});

test('a signed-in reader keeps browsing while the identity provider is down', async ({
  page
}) => {
  await page.goto();
  const browser = await openRunBrowser(page);
  await signIn(page, 'readers', BROWSER);
  await expect(browser.getByText('churn-prediction')).toBeVisible();
  await withStopped('cognito', async () => {
    await browser.getByRole('button', { name: /churn-prediction/ }).click();
    await expect(
      browser.locator('.jp-MlflowRuns-runRow').first()
    ).toBeVisible();
    await expect(browser.getByRole('alert')).toHaveCount(0);
  });
});

test('with MLflow down, the run browser and the panel say MLflow is not answering, and Try again recovers', async ({
  page
}, testInfo) => {
  await page.goto();
  await markPage(page);
  const browser = await openRunBrowser(page);
  await signIn(page, 'readers', BROWSER);
  await expect(browser.getByText('churn-prediction')).toBeVisible();

  await withStopped('mlflow', async () => {
    await browser.getByTitle('Refresh').click();
    const notice = browser.getByRole('alert');
    await expect(notice).toContainText('MLflow is not answering');
    await expect(notice).toContainText('Try again in a minute');
    await runCommand(page, 'mlflow:open');
    const panelAlert = page.locator(PANEL).getByRole('alert');
    await expect(panelAlert).toContainText('MLflow is not answering');
    await expect(panelAlert).toContainText(
      'MLflow is not reachable behind the gateway.'
    );
    await expect(
      panelAlert.getByRole('button', { name: 'Try again' })
    ).toBeVisible();
    await keepScreenshot(page, testInfo, 'fault-mlflow-down');
  });

  await browser.getByRole('button', { name: 'Try again' }).click();
  await expect(browser.getByText('churn-prediction')).toBeVisible();
  await page.locator(PANEL).getByRole('button', { name: 'Try again' }).click();
  await expect(
    mlflowFrame(page).getByRole('link', { name: 'Experiments' }).first()
  ).toBeVisible({ timeout: 60_000 });
  await expectSamePage(page);
});

test('the gateway restarts: the run browser and the panel say it cannot be reached, and recover without a reload', async ({
  page
}, testInfo) => {
  await page.goto();
  await markPage(page);
  const browser = await openRunBrowser(page);
  await signIn(page, 'readers', BROWSER);
  await expect(browser.getByText('churn-prediction')).toBeVisible();

  await withStopped('gateway', async () => {
    await browser.getByTitle('Refresh').click();
    const notice = browser.getByRole('alert');
    await expect(notice).toContainText('The MLflow gateway cannot be reached');
    await expect(
      notice.getByRole('button', { name: 'Try again' })
    ).toBeVisible();
    await runCommand(page, 'mlflow:open');
    const panelAlert = page.locator(PANEL).getByRole('alert');
    await expect(panelAlert).toContainText(
      'The MLflow gateway cannot be reached'
    );
    await expect(
      panelAlert.getByRole('button', { name: 'Try again' })
    ).toBeVisible();
    await keepScreenshot(page, testInfo, 'fault-gateway-down');
  });

  await browser.getByRole('button', { name: 'Try again' }).click();
  await expect(browser.getByText('churn-prediction')).toBeVisible();
  await page.locator(PANEL).getByRole('button', { name: 'Try again' }).click();
  await expect(
    mlflowFrame(page).getByRole('link', { name: 'Experiments' }).first()
  ).toBeVisible({ timeout: 60_000 });
  await expectSamePage(page);
});
