import { expect, test } from '../fixtures';
import {
  deleteExperiment,
  dismissTips,
  experimentById,
  experimentIdByName,
  keepScreenshot,
  mlflowFrame,
  renameExperimentInPanel,
  runCommand,
  runIdByName,
  scratchExperiment,
  signIn,
  signOutButton
} from '../mlflow';

test.use({ viewport: { width: 1400, height: 860 } });

test('the MLflow tile opens the panel: the reader signs in and sees experiments, a metric chart and an artifact', async ({
  page
}, testInfo) => {
  await page.goto();
  const tile = page.locator('.jp-LauncherCard', { hasText: 'MLflow' });
  await expect(tile).toBeVisible();
  await expect(tile.locator('svg')).toBeVisible();
  await tile.click();

  const panel = page.locator('.jp-MlflowPanel');
  await expect(panel.getByText('Sign in to MLflow')).toBeVisible();
  await expect(panel.getByLabel('User name')).toBeVisible();
  await keepScreenshot(page, testInfo, 'mlflow-sign-in');
  await signIn(page, 'readers');
  // Its groups: its role and its team.
  await expect(page.locator('.jp-MlflowUser-groups')).toHaveText(
    'readers, team-a'
  );

  const frame = mlflowFrame(page);
  await frame.getByRole('link', { name: 'Experiments' }).first().click();
  await expect(frame.getByText('churn-prediction').first()).toBeVisible();
  await expect(frame.getByText('image-classifier').first()).toBeVisible();

  // A training run with a metric history: its charts.
  const churn = await experimentIdByName('churn-prediction');
  const runId = await runIdByName(churn, 'churn-threshold-65');
  await runCommand(page, 'mlflow:open-run', { experimentId: churn, runId });
  await dismissTips(frame);
  await expect(frame.getByText('churn-threshold-65').first()).toBeVisible();
  await runCommand(page, 'mlflow:open', {
    route: `/experiments/${churn}/runs/${runId}/model-metrics`
  });
  await expect(frame.getByText('accuracy').first()).toBeVisible();
  await expect(
    frame.locator('.js-plotly-plot, canvas, svg.main-svg').first()
  ).toBeVisible();
  await keepScreenshot(page, testInfo, 'mlflow-panel-run');

  // The artifact's contents, fetched by the UI with the handed-over token.
  await runCommand(page, 'mlflow:open', {
    route: `/experiments/${churn}/runs/${runId}/artifacts/feature_importance.json`
  });
  await expect(frame.getByText('"monthly_charges"').first()).toBeVisible();
  await keepScreenshot(page, testInfo, 'mlflow-panel-artifact');
});

test('renaming an experiment fails visibly for the reader, changing nothing, and works for the admin', async ({
  page
}) => {
  const id = await scratchExperiment('panel-rename');
  const before = await experimentById(id);
  try {
    await page.goto();
    // The runs page: the overview of a new experiment shows a tip over the menu.
    await runCommand(page, 'mlflow:open', { route: `/experiments/${id}/runs` });
    await signIn(page, 'readers');
    const frame = mlflowFrame(page);
    const rename = (name: string) => renameExperimentInPanel(page, name);

    await rename(`${before.name}-by-reader`);
    await expect(frame.getByText(/PERMISSION_DENIED/).first()).toBeVisible();
    await expect(frame.getByText(/not authorized/i).first()).toBeVisible();
    expect(await experimentById(id)).toEqual(before);
    await frame.getByRole('button', { name: 'Cancel' }).click();

    // The admin, signed in through the same panel (which starts another
    // user at the home route), may.
    await signOutButton(page).click();
    await signIn(page, 'admins');
    await runCommand(page, 'mlflow:open', { route: `/experiments/${id}/runs` });
    await rename(`${before.name}-by-admin`);
    await expect
      .poll(async () => (await experimentById(id)).name)
      .toBe(`${before.name}-by-admin`);
  } finally {
    await deleteExperiment(id);
  }
});

test('an experiment the admin creates in the panel records the signed-in user as its author', async ({
  page
}) => {
  const name = `panel-authored-${Date.now()}`;
  let id: string | undefined;
  try {
    await page.goto();
    await runCommand(page, 'mlflow:open', { route: '/experiments' });
    await signIn(page, 'admins');
    const frame = mlflowFrame(page);
    await dismissTips(frame);
    await frame
      .getByRole('button', { name: /^Create/ })
      .first()
      .click();
    await frame.getByRole('dialog').getByRole('textbox').first().fill(name);
    await frame
      .getByRole('dialog')
      .getByRole('button', { name: /^Create/ })
      .click();
    await expect
      .poll(() => experimentIdByName(name).catch(() => ''))
      .not.toBe('');
    id = await experimentIdByName(name);
    // MLflow's own record: the user the gateway named, not a client's claim.
    const tags = (await experimentById(id)) as unknown as {
      tags?: { key: string; value: string }[];
    };
    expect(tags.tags).toContainEqual({ key: 'mlflow.user', value: 'admin' });
  } finally {
    if (id !== undefined) {
      await deleteExperiment(id);
    }
  }
});
