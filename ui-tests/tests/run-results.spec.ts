/**
 * What the run browser's actions leave behind, as the user sees it: toasts
 * on screen (not only in the notification centre), the register dialog, and
 * code inserted into the notebook the user last worked in.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';

import { expect, test } from '../fixtures';
import {
  dismissTips,
  experimentIdByName,
  mlflowApi,
  mlflowFrame,
  runCommand,
  runIdByName,
  signIn
} from '../mlflow';

test.use({ viewport: { width: 1400, height: 860 } });
test.setTimeout(120_000);

const BROWSER = '#mlflow-run-browser';

async function openChurnRuns(
  page: IJupyterLabPageFixture,
  role: 'readers' | 'model-approvers'
) {
  // The extension adds its sidebar tab once JupyterLab has started.
  await page.locator('.lm-TabBar-tab[data-id="mlflow-run-browser"]').waitFor();
  await page.sidebar.openTab('mlflow-run-browser');
  const browser = page.locator(BROWSER);
  await expect(browser).toBeVisible();
  await signIn(page, role, BROWSER);
  await browser.getByRole('button', { name: /churn-prediction/ }).click();
  await expect(row(page, 'churn-threshold-70')).toBeVisible();
  return browser;
}

function row(page: IJupyterLabPageFixture, name: string) {
  return page.locator(`${BROWSER} .jp-MlflowRuns-runRow`, {
    has: page.getByRole('button', { name, exact: true })
  });
}

/** A toast on screen (JupyterLab's notification centre is not enough). */
function toast(page: IJupyterLabPageFixture, text: string | RegExp) {
  return page.locator('.Toastify__toast', { hasText: text });
}

async function runMenuItem(
  page: IJupyterLabPageFixture,
  runName: string,
  item: string
) {
  await row(page, runName).click({ button: 'right' });
  await page.locator('.lm-Menu').getByText(item, { exact: true }).click();
}

const cells = (page: IJupyterLabPageFixture) =>
  page.locator('.jp-NotebookPanel .jp-Notebook .jp-Cell');

test('"Insert into Notebook" fills a fresh notebook’s first cell, and reaches the last active notebook behind the MLflow panel', async ({
  page
}) => {
  const churn = await experimentIdByName('churn-prediction');
  const run65 = await runIdByName(churn, 'churn-threshold-65');
  const run70 = await runIdByName(churn, 'churn-threshold-70');
  await openChurnRuns(page, 'readers');

  // No notebook yet: said in a toast.
  await runMenuItem(page, 'churn-threshold-65', 'Insert into Notebook');
  await expect(toast(page, 'Open a notebook')).toBeVisible();

  // A fresh notebook: the snippet goes into its empty first cell.
  await page.notebook.createNew('results-insert.ipynb');
  await runMenuItem(page, 'churn-threshold-65', 'Insert into Notebook');
  await expect(cells(page).first()).toContainText(`mlflow.get_run("${run65}")`);
  await expect(cells(page)).toHaveCount(1);

  // The MLflow panel in front of the notebook: the code still lands there.
  await runCommand(page, 'mlflow:open');
  await expect(page.locator('.jp-MlflowPanel')).toBeVisible();
  await expect(page.locator('.jp-NotebookPanel')).toBeHidden();
  await runMenuItem(page, 'churn-threshold-70', 'Insert into Notebook');
  await expect(cells(page)).toHaveCount(2);
  await expect(page.locator('.jp-NotebookPanel')).toHaveCount(1);
  await expect(cells(page).nth(1)).toContainText(`mlflow.get_run("${run70}")`);

  // The command other views use, with the panel in front again.
  await runCommand(page, 'mlflow:open');
  await runCommand(page, 'mlflow:insert-code', {
    code: 'print("from the models view")'
  });
  await expect(cells(page)).toHaveCount(3);
  await expect(cells(page).nth(2)).toContainText(
    'print("from the models view")'
  );

  // The model cannot be looked up: a warning on screen, the run still inserted.
  await page.route('**/ajax-api/2.0/mlflow/logged-models/**', route =>
    route.fulfill({
      status: 503,
      contentType: 'application/json',
      body: JSON.stringify({ message: 'MLflow is restarting.' })
    })
  );
  await runMenuItem(page, 'churn-threshold-65', 'Insert into Notebook');
  await expect(toast(page, 'MLflow is restarting.')).toBeVisible();
  await expect(cells(page)).toHaveCount(4);
});

test('the default experiment that could not be saved says so on screen', async ({
  page
}) => {
  const browser = await openChurnRuns(page, 'readers');
  await page.route('**/api/settings/sagemaker-studio-mlflow*', route =>
    route.request().method() === 'PUT'
      ? route.fulfill({ status: 500, body: 'disk full' })
      : route.fallback()
  );
  await browser.getByRole('button', { name: 'Pin', exact: true }).click();
  await expect(
    toast(page, 'The default experiment was not saved')
  ).toBeVisible();
});

test('the Register dialog proposes a name from the experiment, lists the registered models, and its toast opens the new version', async ({
  page
}) => {
  // A registered model that sorts first and has nothing to do with the run.
  const unrelated = `0-unrelated-${Date.now()}`;
  const name = `results-registered-${Date.now()}`;
  await mlflowApi('registered-models/create', { name: unrelated });
  try {
    await openChurnRuns(page, 'model-approvers');
    await runMenuItem(page, 'churn-threshold-65', 'Register Model…');
    const dialog = page.locator('.jp-Dialog-content');
    const input = dialog.getByLabel('Registered model name');
    await expect(input).toHaveValue('churn-prediction');
    // The existing ones, to choose from, readable.
    const existing = dialog.getByRole('listbox', {
      name: 'Existing registered models'
    });
    await expect(existing.getByRole('option', { name: unrelated })).toHaveCount(
      1
    );
    await expect(
      existing.getByRole('option', { name: 'churn-classifier' })
    ).toHaveCount(1);
    expect((await dialog.boundingBox())!.width).toBeGreaterThanOrEqual(420);
    await existing.selectOption(unrelated);
    await expect(input).toHaveValue(unrelated);

    await input.fill(name);
    await dialog.getByRole('button', { name: 'Register' }).click();
    const registered = toast(page, `Registered ${name} version 1.`);
    await expect(registered).toBeVisible();
    await registered.getByRole('button', { name: 'Open in MLflow' }).click();
    const frame = mlflowFrame(page);
    await dismissTips(frame);
    await expect(frame.getByText(name).first()).toBeVisible({
      timeout: 30_000
    });
    await expect(frame.getByText('Version 1').first()).toBeVisible();
  } finally {
    for (const model of [unrelated, name]) {
      await mlflowApi(
        'registered-models/delete',
        { name: model },
        'DELETE'
      ).catch(() => undefined);
    }
  }
});

test('registering a run’s model again asks first, and a refusal shows the server’s message on screen', async ({
  page
}) => {
  await openChurnRuns(page, 'model-approvers');
  // The seed registered churn-threshold-70's model as churn-classifier.
  const before = await mlflowApi(
    `model-versions/search?filter=${encodeURIComponent("name = 'churn-classifier'")}`
  );
  await runMenuItem(page, 'churn-threshold-70', 'Register Model…');
  const dialog = page.locator('.jp-Dialog-content');
  await dialog
    .getByRole('listbox', { name: 'Existing registered models' })
    .selectOption('churn-classifier');
  await dialog.getByRole('button', { name: 'Register' }).click();
  const confirm = page.locator('.jp-Dialog-content', {
    hasText: 'Register it again'
  });
  await expect(confirm).toContainText('churn-classifier');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.locator('.jp-Dialog')).toHaveCount(0);
  const after = await mlflowApi(
    `model-versions/search?filter=${encodeURIComponent("name = 'churn-classifier'")}`
  );
  expect(after.model_versions.length).toBe(before.model_versions.length);

  // The server refuses: its message, as it is, stays on screen.
  const refusal =
    'You may not create a registered model (registered-models.create). Your roles: model-approvers. Roles that may: admins. Ask your MLflow administrator to add you to one of them.';
  await page.route('**/ajax-api/2.0/mlflow/registered-models/create', route =>
    route.fulfill({
      status: 403,
      contentType: 'application/json',
      body: JSON.stringify({
        error_code: 'PERMISSION_DENIED',
        message: refusal
      })
    })
  );
  await runMenuItem(page, 'churn-threshold-65', 'Register Model…');
  await dialog
    .getByLabel('Registered model name')
    .fill(`refused-${Date.now()}`);
  await dialog.getByRole('button', { name: 'Register' }).click();
  // JupyterLab cuts a long toast; the whole message is a click away.
  const refused = toast(page, refusal.slice(0, 100));
  await expect(refused).toBeVisible();
  await expect(refused).not.toContainText('403');
  await expect(refused).not.toContainText('ajax-api');
  await page.waitForTimeout(7_000); // longer than a success toast stays
  await expect(refused).toBeVisible();
  await refused.getByRole('button', { name: 'Read All' }).click();
  await expect(page.locator('.jp-Dialog-body')).toHaveText(refusal);
});
