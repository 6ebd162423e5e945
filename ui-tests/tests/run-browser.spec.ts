import type { IJupyterLabPageFixture } from '@jupyterlab/galata';

import { expect, test } from '../fixtures';
import {
  experimentIdByName,
  keepScreenshot,
  mlflowApi,
  mlflowFrame,
  dismissTips,
  signIn
} from '../mlflow';

test.use({ viewport: { width: 1400, height: 860 } });

const BROWSER = '#mlflow-run-browser';

/** Open the run browser from its sidebar tab and make it wide enough to read. */
async function openRunBrowser(page: IJupyterLabPageFixture) {
  await page.sidebar.openTab('mlflow-run-browser');
  const browser = page.locator(BROWSER);
  await expect(browser).toBeVisible();
  // Drag the sidebar's edge to the left, as a user would.
  const box = (await browser.boundingBox())!;
  await page.mouse.move(box.x - 2, box.y + 200);
  await page.mouse.down();
  await page.mouse.move(box.x - 480, box.y + 200, { steps: 5 });
  await page.mouse.up();
  return browser;
}

/** The run names of the table, top to bottom. */
async function shownRuns(page: IJupyterLabPageFixture): Promise<string[]> {
  return page
    .locator(`${BROWSER} .jp-MlflowRuns-runRow .jp-MlflowRuns-runName`)
    .allTextContents();
}

/** The run names MLflow itself returns for a search. */
async function mlflowRuns(
  experimentId: string,
  filter: string,
  orderBy: string[] = []
): Promise<string[]> {
  const found = await mlflowApi('runs/search', {
    experiment_ids: [experimentId],
    filter,
    order_by: orderBy,
    max_results: 1000
  });
  return (found.runs ?? []).map((run: any) => run.info.run_name);
}

function row(page: IJupyterLabPageFixture, name: string) {
  return page.locator(`${BROWSER} .jp-MlflowRuns-runRow`, {
    has: page.getByRole('button', { name, exact: true })
  });
}

test('the reader browses, filters, sorts and expands runs, opens one in MLflow and loads it in a notebook', async ({
  page
}, testInfo) => {
  const churn = await experimentIdByName('churn-prediction');
  const browser = await openRunBrowser(page);
  await signIn(page, 'readers', BROWSER);
  await expect(browser.locator('.jp-MlflowSignedIn-groups')).toHaveText(
    'readers, team-a'
  );

  // Experiments: searched by name.
  await expect(browser.getByText('image-classifier')).toBeVisible();
  await browser.getByLabel('Search experiments').fill('CHURN');
  await expect(browser.getByText('image-classifier')).toHaveCount(0);
  await browser.getByRole('button', { name: /churn-prediction/ }).click();

  // Runs: the parent's children are folded under it.
  await expect(row(page, 'churn-threshold-65')).toBeVisible();
  await expect(browser.locator('.jp-MlflowRuns-footer')).toHaveText('28 runs');
  expect(await shownRuns(page)).not.toContain('xgb-sweep-lr-0.1');

  // Add the rmse column, filter by it, and compare with MLflow's answer.
  await browser.getByRole('button', { name: 'Columns' }).click();
  const dialog = page.locator('.jp-Dialog');
  await dialog.getByLabel('rmse').check();
  await dialog.getByRole('button', { name: 'Show' }).click();
  const sortBy = (label: string) =>
    browser
      .getByRole('columnheader', { name: new RegExp(`^${label}`) })
      .getByRole('button');
  await expect(sortBy('rmse')).toBeVisible();

  const filter = browser.getByLabel('Filter runs');
  await filter.fill('metrics.rmse <');
  await filter.press('Enter');
  await expect(browser.getByRole('alert')).toContainText(
    'MLflow cannot use this search'
  );
  await expect(browser.getByRole('alert')).toContainText('Invalid clause');

  await filter.fill('metrics.rmse < 0.35');
  await filter.press('Enter');
  const expected = await mlflowRuns(churn, 'metrics.rmse < 0.35');
  expect(expected.length).toBeGreaterThan(2);
  await expect
    .poll(async () => (await shownRuns(page)).sort())
    .toEqual([...expected].sort());

  // Sorted by rmse, smallest first (the second click), as MLflow sorts.
  await sortBy('rmse').click();
  await sortBy('rmse').click();
  await expect(
    browser.locator('[role=columnheader][aria-sort=ascending]')
  ).toContainText('rmse');
  const ascending = await mlflowRuns(churn, 'metrics.rmse < 0.35', [
    'metrics.rmse ASC'
  ]);
  await expect.poll(() => shownRuns(page)).toEqual(ascending);

  // All runs again, newest first; the sweep's parent opens to its children.
  await filter.fill('');
  await filter.press('Enter');
  await sortBy('Started').click();
  await expect(
    browser.locator('[role=columnheader][aria-sort=descending]')
  ).toContainText('Started');
  const newest = await mlflowRuns(churn, '', ['attributes.start_time DESC']);
  await expect
    .poll(async () => (await shownRuns(page)).slice(0, 2))
    .toEqual(newest.slice(0, 2));
  await browser
    .getByRole('button', { name: 'Show the 5 child runs of xgb-sweep' })
    .click();
  const children = browser.locator('.jp-MlflowRuns-runRow[aria-level="2"]');
  await expect(children).toHaveCount(5);
  await expect(children.first()).toContainText('xgb-sweep-lr-');
  await keepScreenshot(page, testInfo, 'run-browser');

  // A run, opened in the MLflow panel, already signed in.
  await browser
    .getByRole('button', { name: 'churn-threshold-65', exact: true })
    .click();
  const frame = mlflowFrame(page);
  await dismissTips(frame);
  await expect(frame.getByText('churn-threshold-65').first()).toBeVisible({
    timeout: 30_000
  });

  // Readers may not register models: not offered.
  await row(page, 'churn-threshold-65').click({ button: 'right' });
  const menu = page.locator('.lm-Menu');
  await expect(menu.getByText('Insert into Notebook')).toBeVisible();
  await expect(menu.getByText('Copy Run ID')).toBeVisible();
  await expect(
    menu.getByRole('menuitem', { name: 'Register Model…' })
  ).toHaveCount(0);
  await page.keyboard.press('Escape');

  // The snippet, in a new notebook, run by the kernel with the reader's
  // IAM identity through the gateway.
  await page.notebook.createNew('run-snippet.ipynb');
  await row(page, 'churn-threshold-65').click({ button: 'right' });
  await menu.getByText('Insert into Notebook').click();
  // A fresh notebook: the snippet fills its empty first cell.
  await expect(page.locator('.jp-Notebook .jp-Cell')).toHaveCount(1);
  await expect(page.locator('.jp-Notebook .jp-Cell').first()).toContainText(
    'mlflow.pyfunc.load_model("runs:/'
  );
  await page.notebook.runCell(0);
  const output = (await page.notebook.getCellTextOutput(0))?.join('') ?? '';
  expect(output).toContain('churn-threshold-65 FINISHED');
  expect(output).toContain("'rmse': 0.21");
  await keepScreenshot(page, testInfo, 'run-browser-notebook');
});

test('the model-approver is offered "Register Model…" and it registers a new version', async ({
  page
}) => {
  const name = `sidebar-registered-${Date.now()}`;
  try {
    const browser = await openRunBrowser(page);
    await signIn(page, 'model-approvers', BROWSER);
    await browser.getByRole('button', { name: /churn-prediction/ }).click();

    await row(page, 'churn-threshold-70').click({ button: 'right' });
    await page.locator('.lm-Menu').getByText('Register Model…').click();
    const dialog = page.locator('.jp-Dialog');
    await dialog.locator('input').fill(name);
    await dialog.getByRole('button', { name: 'Register' }).click();
    await expect(
      page.locator('.Toastify__toast', {
        hasText: `Registered ${name} version 1.`
      })
    ).toBeVisible();

    const found = await mlflowApi(
      `model-versions/search?filter=${encodeURIComponent(`name = '${name}'`)}`
    );
    const runId = found.model_versions[0].run_id;
    const run = await mlflowApi(`runs/get?run_id=${runId}`);
    expect(run.run.info.run_name).toBe('churn-threshold-70');
  } finally {
    await mlflowApi('registered-models/delete', { name }, 'DELETE').catch(
      () => undefined
    );
  }
});
