import { expect, test } from '../fixtures';
import { keepScreenshot, runCommand, signIn, signOutButton } from '../mlflow';
import { readStack } from '../stack';

test.use({ viewport: { width: 1400, height: 860 } });

/** The status-bar item that says who notebooks and the MLflow UI act as. */
const STATUS = '.jp-MlflowIdentityStatus';

test("the status bar names the notebooks' role and the MLflow UI's user, and follows a sign-in as another user", async ({
  page
}, testInfo) => {
  const stack = readStack();
  await page.goto();
  const status = page.locator(STATUS);
  // Locally, kernels sign with the readers' keys (infra/local/jupyterlab.ts).
  await expect(status.locator('.jp-MlflowIdentityStatus-kernel')).toHaveText(
    'Notebooks: readers'
  );
  await expect(status.locator('.jp-MlflowIdentityStatus-ui')).toHaveText(
    'MLflow UI: not signed in'
  );

  await runCommand(page, 'mlflow:open');
  await signIn(page, 'admins');
  await expect(status.locator('.jp-MlflowIdentityStatus-ui')).toHaveText(
    'MLflow UI: admin · admins'
  );
  await expect(status.locator('.jp-MlflowIdentityStatus-kernel')).toHaveText(
    'Notebooks: readers'
  );

  // The details: whom each side is, as the gateway knows it.
  await status.click();
  const details = page.locator('.jp-MlflowIdentityDetails');
  await expect(details).toContainText(
    `arn:aws:iam::000000000000:user/${stack.users.readers.username}`
  );
  await expect(details).toContainText('admin');
  await keepScreenshot(page, testInfo, 'identity-status');
  await page.keyboard.press('Escape');
  await expect(details).toHaveCount(0);

  await signOutButton(page).click();
  await expect(status.locator('.jp-MlflowIdentityStatus-ui')).toHaveText(
    'MLflow UI: not signed in'
  );
  await signIn(page, 'readers');
  await expect(status.locator('.jp-MlflowIdentityStatus-ui')).toHaveText(
    'MLflow UI: reader · readers'
  );
});

test("the run browser's foot says whom notebooks act as", async ({ page }) => {
  await page.goto();
  await runCommand(page, 'mlflow:show-run-browser');
  const browser = page.locator('#mlflow-run-browser');
  await signIn(page, 'model-approvers', '#mlflow-run-browser');
  await expect(browser.locator('.jp-MlflowRuns-kernelIdentity')).toHaveText(
    'Notebooks sign as readers'
  );
});
