import type { IJupyterLabPageFixture } from '@jupyterlab/galata';

import { expect, test } from '../fixtures';
import {
  experimentIdByName,
  mlflowFrame,
  reloadJupyterLab,
  runCommand,
  signIn
} from '../mlflow';

/**
 * JupyterLab's start-up carries only what registers the extension (commands,
 * launcher tile, menu, the sidebar's shell, settings); the run browser and
 * the MLflow panel load their code when first shown. How many bytes that is
 * belongs to the start-up bench (`ui-tests/bench/startup.ts`).
 */

// Two sign-in forms, the MLflow UI and a reload, on a shared machine.
test.setTimeout(180_000);

const OURS = '/lab/extensions/sagemaker-studio-mlflow/static/';
const BROWSER = '#mlflow-run-browser';

/**
 * Strings that survive minification, one in the code of each part that must
 * not load at start-up (not class names: the one stylesheet has them all).
 */
const RUN_BROWSER = {
  'the run browser’s model': 'sagemaker-studio-mlflow:running-runs',
  // The table's list virtualiser, @tanstack/react-virtual.
  'the run browser’s table': 'observeElementRect'
};
const PANEL = {
  'the panel’s view': 'Checking your sign-in with the MLflow gateway.',
  'the token hand-off': 'The hand-off was closed.'
};

/** The extension's scripts the page has fetched so far. */
async function ourScripts(page: IJupyterLabPageFixture): Promise<string[]> {
  const urls = await page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .map(entry => entry.name)
      .filter(url => new URL(url).pathname.endsWith('.js'))
  );
  return urls.filter(url => new URL(url).pathname.startsWith(OURS));
}

/** Which of `parts` the scripts hold, by their marker strings. */
async function partsIn(
  page: IJupyterLabPageFixture,
  scripts: string[],
  parts: Record<string, string>
): Promise<string[]> {
  const texts = await Promise.all(
    scripts.map(async url => (await page.request.get(url)).text())
  );
  return Object.entries(parts)
    .filter(([, marker]) => texts.some(text => text.includes(marker)))
    .map(([part]) => part);
}

test('the run browser and the MLflow panel load their code when first shown, and then work', async ({
  page
}) => {
  await page.goto();
  // Chunks JupyterLab fetches right after restoring still belong to start-up.
  await page.evaluate(() => (window as any).jupyterapp.restored);
  await page.waitForTimeout(1000);
  const startup = await ourScripts(page);
  expect(startup.length).toBeGreaterThan(0);
  expect(
    await partsIn(page, startup, { ...RUN_BROWSER, ...PANEL }),
    'loaded at start-up'
  ).toEqual([]);

  // The sidebar, first shown: its code loads, and it asks for a sign-in.
  await page.sidebar.openTab('mlflow-run-browser');
  const browser = page.locator(BROWSER);
  // Amplify and its form load now too: give them the time a busy machine needs.
  await expect(browser.getByLabel('User name')).toBeVisible({
    timeout: 30_000
  });
  // Its styles came with it.
  await expect(browser).toHaveCSS('display', 'flex');
  const withBrowser = await ourScripts(page);
  expect(await partsIn(page, withBrowser, RUN_BROWSER)).toEqual(
    Object.keys(RUN_BROWSER)
  );
  expect(
    await partsIn(page, withBrowser, PANEL),
    'loaded with the run browser'
  ).toEqual([]);

  // The panel, first opened: its code loads, and the sign-in there serves both.
  // At the seeded experiment: MLflow's start page lists only the latest.
  await runCommand(page, 'mlflow:open-experiment', {
    experimentId: await experimentIdByName('churn-prediction')
  });
  await expect(page.locator('.jp-MlflowPanel')).toHaveCSS('display', 'flex', {
    timeout: 30_000
  });
  expect(await partsIn(page, await ourScripts(page), PANEL)).toEqual(
    Object.keys(PANEL)
  );
  await signIn(page, 'readers');
  await expect(
    mlflowFrame(page).getByText('churn-prediction').first()
  ).toBeVisible({ timeout: 60_000 });
  await expect(browser.getByText('churn-prediction')).toBeVisible();

  // Restored after a reload: the panel and the sidebar load what they show.
  await reloadJupyterLab(page);
  await expect(page.locator('.jp-MlflowPanel-frame')).toBeVisible({
    timeout: 30_000
  });
  await expect(page.locator(BROWSER).getByText('churn-prediction')).toBeVisible(
    { timeout: 30_000 }
  );
});
