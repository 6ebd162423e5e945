import type { IJupyterLabPageFixture } from '@jupyterlab/galata';

import { expect, test } from '../fixtures';
import {
  deleteExperiment,
  experimentById,
  keepScreenshot,
  openRunBrowser,
  RUN_BROWSER as BROWSER,
  runCommand,
  scratchExperiment,
  signIn
} from '../mlflow';
import { readStack } from '../stack';

test.use({ viewport: { width: 1400, height: 860 } });

/** Sign the run browser out, as its signed-in bar offers. */
async function signOut(page: IJupyterLabPageFixture) {
  await page
    .locator(`${BROWSER} .jp-MlflowSignedIn`)
    .getByRole('button', { name: 'Sign out' })
    .click();
  await expect(
    page.locator(BROWSER).getByRole('button', { name: 'Sign in', exact: true })
  ).toBeVisible();
}

/** The experiments the run browser lists for a search by `name`. */
function listed(page: IJupyterLabPageFixture, name: string) {
  return page
    .locator(`${BROWSER} .jp-MlflowRuns-experimentName`)
    .filter({ hasText: name });
}

test('the manager restricts an experiment to team-a in its Access view: an outsider no longer reaches it, a member does', async ({
  page
}, testInfo) => {
  const stack = readStack();
  // The local stack's team: the reader is in it, the model-approver is not.
  expect(stack.teams['team-a'].members).toContain(stack.users.readers.username);
  expect(stack.teams['team-a'].members).not.toContain(
    stack.users['model-approvers'].username
  );
  const id = await scratchExperiment('team-access');
  const experimentName = (await experimentById(id)).name;
  try {
    // The admin manages every experiment: Access, grant team-a, restrict.
    const browser = await openRunBrowser(page);
    await signIn(page, 'admins', BROWSER);
    await browser.getByLabel('Search experiments').fill(experimentName);
    await browser
      .getByRole('button', { name: new RegExp(experimentName) })
      .click();
    await browser.getByRole('button', { name: 'Access' }).click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog.locator('.jp-MlflowAccess-status')).toContainText(
      'Open: everyone reaches it'
    );
    await dialog.getByLabel('Team').fill('team-a');
    await dialog.getByLabel('Level').selectOption('read');
    await dialog.getByRole('button', { name: 'Grant' }).click();
    await expect(dialog.locator('tr[data-team="team-a"]')).toContainText(
      'read'
    );
    await dialog
      .getByRole('button', { name: 'Restrict to These Teams' })
      .click();
    await expect(dialog.locator('.jp-MlflowAccess-status')).toContainText(
      'Restricted'
    );
    await expect(dialog.locator('tr[data-team="everyone"]')).toHaveCount(0);
    await keepScreenshot(page, testInfo, 'team-access');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await signOut(page);

    // The model-approver is in no team: the run browser does not list it,
    // and the MLflow UI at its link says there is no access, and whom to ask.
    await signIn(page, 'model-approvers', BROWSER);
    await browser.getByLabel('Search experiments').fill(experimentName);
    await expect(
      browser.getByText(`No experiment matches “${experimentName}”.`)
    ).toBeVisible();
    await runCommand(page, 'mlflow:open-experiment', { experimentId: id });
    const panel = page.locator('.jp-MlflowPanel');
    await expect(panel.getByRole('alert')).toContainText('No access');
    await expect(panel.getByRole('alert')).toContainText('Ask its managers');
    await expect(panel.locator('iframe')).toHaveCount(0);
    await keepScreenshot(page, testInfo, 'team-access-no-access');
    await signOut(page);

    // The reader is in team-a: the run browser opens it where the admin
    // left it (the layout is the browser's), and lists it among the others.
    await signIn(page, 'readers', BROWSER);
    await expect(browser.locator('.jp-MlflowRuns-title')).toHaveText(
      experimentName
    );
    await browser.locator('.jp-MlflowRuns-back').click();
    await browser.getByLabel('Search experiments').fill(experimentName);
    await expect(listed(page, experimentName)).toHaveCount(1);
  } finally {
    await deleteExperiment(id);
  }
});
