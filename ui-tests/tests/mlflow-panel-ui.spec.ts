/**
 * The MLflow UI in the panel as a data scientist in JupyterLab expects it:
 * in JupyterLab's theme, on the model-training view, with nothing covering
 * the page, links opened in a new tab passing through the sign-in page, and
 * a route someone else opened not reopened for the next user.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { FrameLocator, Page } from '@playwright/test';

import { LOGIN_NEXT_PARAM, loginPath } from '../../src/contract';
import { expect as baseExpect, test } from '../fixtures';
import {
  experimentIdByName,
  keepScreenshot,
  mlflowFrame,
  reloadJupyterLab,
  runCommand,
  runIdByName,
  signIn,
  signOutButton
} from '../mlflow';
import { readStack } from '../stack';

test.use({ viewport: { width: 1400, height: 860 } });

// The MLflow UI loads its bundle afresh in each new browser context.
const expect = baseExpect.configure({ timeout: 30_000 });
test.describe.configure({ timeout: 240_000 });

/**
 * Whether the MLflow UI's page is dark: the luminance of its background;
 * undefined while the frame is (re)loading, which a theme change may cause,
 * so that `expect.poll` asks again.
 */
async function mlflowLooksDark(
  page: IJupyterLabPageFixture
): Promise<boolean | undefined> {
  const frame = page
    .frames()
    .find(f => f.url().startsWith(`${readStack().gateway}/#`));
  if (!frame) {
    return undefined;
  }
  return frame
    .evaluate(() => {
      const [r, g, b] = (
        getComputedStyle(document.body).backgroundColor.match(/[\d.]+/g) ?? []
      ).map(Number);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b < 128;
    })
    .catch((error: Error) => {
      if (
        /Execution context was destroyed|Frame was detached/.test(error.message)
      ) {
        return undefined;
      }
      throw error;
    });
}

async function setTheme(
  page: IJupyterLabPageFixture,
  theme: 'JupyterLab Light' | 'JupyterLab Dark'
): Promise<void> {
  await runCommand(page, 'apputils:change-theme', { theme });
  await expect(page.locator('body')).toHaveAttribute(
    'data-jp-theme-name',
    theme
  );
}

async function churnRun(): Promise<{ experimentId: string; runId: string }> {
  const experimentId = await experimentIdByName('churn-prediction');
  return {
    experimentId,
    runId: await runIdByName(experimentId, 'churn-threshold-65')
  };
}

/** The experiments list has loaded in the MLflow UI. */
async function experimentsShown(frame: FrameLocator): Promise<void> {
  await expect(frame.getByText('churn-prediction').first()).toBeVisible();
}

test('the MLflow UI follows JupyterLab’s dark theme, also when the theme changes while the panel is open', async ({
  page
}, testInfo) => {
  await page.goto();
  await setTheme(page, 'JupyterLab Dark');
  await runCommand(page, 'mlflow:open', { route: '/experiments' });
  await signIn(page, 'readers');
  const frame = mlflowFrame(page);
  await experimentsShown(frame);
  await expect.poll(() => mlflowLooksDark(page)).toBe(true);

  const { experimentId, runId } = await churnRun();
  await runCommand(page, 'mlflow:open', {
    route: `/experiments/${experimentId}/runs/${runId}/model-metrics`
  });
  await expect(frame.getByText('accuracy').first()).toBeVisible();
  await keepScreenshot(page, testInfo, 'mlflow-panel-dark');

  await setTheme(page, 'JupyterLab Light');
  await expect.poll(() => mlflowLooksDark(page)).toBe(false);
  // Where the user was: the run's metrics, not the start page.
  await expect(frame.getByText('accuracy').first()).toBeVisible();
});

test('the MLflow UI opens on the model-training view, with no assistant or promotion over the page', async ({
  page
}) => {
  await page.goto();
  await runCommand(page, 'mlflow:open');
  await signIn(page, 'readers');
  const frame = mlflowFrame(page);
  // The machine-learning workflow lists the model registry in the sidebar.
  await expect(
    frame.getByRole('link', { name: 'Model registry' })
  ).toBeVisible();
  await frame.getByRole('link', { name: 'Experiments' }).first().click();
  await experimentsShown(frame);
  // MLflow opens its assistant a moment after its first load.
  await page.waitForTimeout(3_000);
  // Its chat panel, not the button that opens it.
  await expect(frame.getByPlaceholder(/Ask a question/)).toHaveCount(0);

  await runCommand(page, 'mlflow:open', { route: '/models' });
  await expect(frame.getByText('Registered Models').first()).toBeVisible();
  await page.waitForTimeout(1_000);
  await expect(frame.getByRole('dialog')).toHaveCount(0);
});

test('links the MLflow UI opens in a new tab go through the gateway’s sign-in page', async ({
  page
}) => {
  const { experimentId, runId } = await churnRun();
  await page.goto();
  await runCommand(page, 'mlflow:open', {
    route: `/experiments/${experimentId}/runs`
  });
  await signIn(page, 'readers');
  const frame = mlflowFrame(page);
  const runLink = frame
    .locator('a[href*="/runs/"]', { hasText: 'churn-threshold-65' })
    .first();
  await expect(runLink).toBeVisible();

  const newTab = async (open: () => Promise<unknown>): Promise<Page> => {
    const [tab] = await Promise.all([
      page.context().waitForEvent('page'),
      open()
    ]);
    await tab.waitForLoadState();
    return tab;
  };
  const gateway = readStack().gateway;
  const routeOf = (tab: Page) => {
    const url = new URL(tab.url());
    expect(`${url.origin}${url.pathname}`).toBe(
      `${gateway}${loginPath('/').split('?')[0]}`
    );
    return url.searchParams.get(LOGIN_NEXT_PARAM);
  };

  // A run opened in a new tab with the modifier key.
  const byClick = await newTab(() =>
    runLink.click({ modifiers: ['ControlOrMeta'] })
  );
  expect(routeOf(byClick)).toBe(`/experiments/${experimentId}/runs/${runId}`);
  await expect(byClick.getByLabel('User name')).toBeVisible();
  await byClick.close();

  // MLflow's own `window.open` of one of its routes.
  const byScript = await newTab(() =>
    frame
      .locator('body')
      .evaluate(() => window.open('/#/models', '_blank', 'noopener'))
  );
  expect(routeOf(byScript)).toBe('/models');
  await byScript.close();
});

test('after a sign-in as another user, also across a reload, the panel starts at the home route', async ({
  page
}) => {
  const { experimentId, runId } = await churnRun();
  const runRoute = `/experiments/${experimentId}/runs/${runId}`;
  await page.goto();
  await runCommand(page, 'mlflow:open-run', { experimentId, runId });
  await signIn(page, 'admins');
  const frame = mlflowFrame(page);
  const runShown = frame.getByText('churn-threshold-65').first();
  const homeShown = frame.getByRole('heading', { name: 'Welcome to MLflow' });
  await expect(runShown).toBeVisible();

  // The same user after a reload: where they were.
  await reloadJupyterLab(page);
  await expect(runShown).toBeVisible();

  // Someone else, in the same panel: the start page.
  await signOutButton(page).click();
  await signIn(page, 'readers');
  await expect(homeShown).toBeVisible();

  // The reader opens the run, signs out; after a reload the admin signs in.
  await runCommand(page, 'mlflow:open', { route: runRoute });
  await expect(runShown).toBeVisible();
  await signOutButton(page).click();
  await reloadJupyterLab(page);
  await signIn(page, 'admins');
  await expect(homeShown).toBeVisible();
  await expect(frame.getByText('churn-threshold-65')).toHaveCount(0);
});
