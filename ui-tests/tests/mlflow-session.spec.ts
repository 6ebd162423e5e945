import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import { AUTH_COOKIE } from '../../src/contract';
import { TOKEN_VALIDITY } from '../../infra/src/user-pool';
import { expect, test } from '../fixtures';
import {
  contrastOf,
  deleteExperiment,
  dismissTips,
  experimentById,
  experimentIdByName,
  keepScreenshot,
  reloadJupyterLab,
  mlflowFrame,
  requestAsMlflowUi,
  runCommand,
  runIdByName,
  scratchExperiment,
  setTokenLifetime,
  signIn,
  signOutButton,
  watchTokenRefreshes
} from '../mlflow';
import { readStack } from '../stack';

test.use({ viewport: { width: 1400, height: 860 } });

/** Gateway answers to the MLflow UI's data requests (telemetry aside, which carries no token). */
function watchDataResponses(page: import('@playwright/test').Page) {
  const gateway = readStack().gateway;
  const seen: { at: number; status: number; url: string }[] = [];
  page.on('response', response => {
    const url = response.url();
    if (
      url.startsWith(gateway) &&
      /\/(ajax-api|graphql)/.test(url) &&
      !url.includes('ui-telemetry')
    ) {
      seen.push({ at: Date.now(), status: response.status(), url });
    }
  });
  return seen;
}

test("the panel keeps working past token expiry without a new sign-in; after sign-out the UI's requests are refused", async ({
  page
}) => {
  test.setTimeout(240_000);
  const churn = await experimentIdByName('churn-prediction');
  const runId = await runIdByName(churn, 'churn-threshold-65');
  await setTokenLifetime(60, 'seconds');
  try {
    const refreshes = watchTokenRefreshes(page);
    const responses = watchDataResponses(page);
    await page.goto();
    await runCommand(page, 'mlflow:open-experiment', { experimentId: churn });
    await signIn(page, 'readers');
    const signedInAt = Date.now();
    const frame = mlflowFrame(page);
    await dismissTips(frame);
    await expect(frame.getByText('churn-prediction').first()).toBeVisible();

    // The first token expires after 60 s; wait well past that.
    await page.waitForTimeout(80_000);
    expect(refreshes.length).toBeGreaterThanOrEqual(1);

    // Browsing on: REST calls carry the refreshed cookie, GraphQL falls back
    // to it, and nobody is asked to sign in again.
    const expiredAt = signedInAt + 60_000;
    await runCommand(page, 'mlflow:open', { route: '/experiments' });
    await expect(frame.getByText('image-classifier').first()).toBeVisible();
    await runCommand(page, 'mlflow:open-run', { experimentId: churn, runId });
    await expect(frame.getByText('churn-threshold-65').first()).toBeVisible();
    const afterExpiry = responses.filter(r => r.at > expiredAt);
    expect(afterExpiry.length).toBeGreaterThan(0);
    expect(afterExpiry.filter(r => r.status >= 400)).toEqual([]);
    await expect(
      page.locator('.jp-MlflowPanel').getByLabel('User name')
    ).toHaveCount(0);

    // What the MLflow UI sends, before and after sign-out.
    expect(await requestAsMlflowUi(page)).toEqual({
      hasCookie: true,
      status: 200
    });
    await signOutButton(page).click();
    await expect(
      page.locator('.jp-MlflowPanel').getByLabel('User name')
    ).toBeVisible();
    await expect(page.locator('.jp-MlflowPanel-frame')).toHaveCount(0);
    expect(await requestAsMlflowUi(page)).toEqual({
      hasCookie: false,
      status: 401
    });
  } finally {
    await setTokenLifetime(TOKEN_VALIDITY.accessMinutes, 'minutes');
  }
});

test('a page outside the allow-list cannot frame the gateway, and its form POST with the cookie changes nothing', async ({
  page
}) => {
  const gateway = readStack().gateway;
  const victim = await scratchExperiment('csrf-target');
  // Another origin on the same site as JupyterLab: the browser sends it the
  // cookie (SameSite=None, same partition), the worst case.
  const page_ = `<!doctype html><title>elsewhere</title>
    <iframe id="framed" src="${gateway}/#/experiments"></iframe>
    <form id="csrf" method="POST" enctype="text/plain" target="sink"
      action="${gateway}/ajax-api/2.0/mlflow/experiments/delete">
      <input name='{"experiment_id":"${victim}","x":"' value='"}'>
    </form>
    <iframe name="sink"></iframe>`;
  const server = http.createServer((_, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html' });
    response.end(page_);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const elsewhere = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    // Signed in as the admin in JupyterLab: the cookie holds a token that
    // could delete the experiment.
    await page.goto();
    await runCommand(page, 'mlflow:open', { route: '/experiments' });
    await signIn(page, 'admins');
    await expect(page.locator('.jp-MlflowPanel-frame')).toBeVisible();
    expect((await requestAsMlflowUi(page)).hasCookie).toBe(true);

    const refusals: string[] = [];
    // A plain page of the same browser (same cookie jar) at the other origin.
    const other = await page.context().newPage();
    other.on('console', message => {
      if (message.text().includes('frame-ancestors')) {
        refusals.push(message.text());
      }
    });
    const deleteAnswer = other.waitForResponse(r =>
      r.url().endsWith('/experiments/delete')
    );
    await other.goto(elsewhere);
    await expect.poll(() => refusals.length).toBeGreaterThan(0);
    expect(refusals[0]).toContain(gateway);
    await expect(
      other.frameLocator('#framed').getByText('Experiments')
    ).toHaveCount(0);

    await other
      .locator('#csrf')
      .evaluate(form => (form as HTMLFormElement).submit());
    const answer = await deleteAnswer;
    expect((await answer.request().allHeaders())['cookie'] ?? '').toContain(
      AUTH_COOKIE
    );
    expect(answer.status()).toBe(401);
    expect((await experimentById(victim)).lifecycle_stage).toBe('active');
  } finally {
    server.close();
    await deleteExperiment(victim);
  }
});

test('reload restores the open panel, signed in; the dark theme keeps the extension readable', async ({
  page
}, testInfo) => {
  const churn = await experimentIdByName('churn-prediction');
  await page.goto();
  await runCommand(page, 'mlflow:open-experiment', { experimentId: churn });
  await signIn(page, 'readers');
  await expect(page.locator('.jp-MlflowPanel-frame')).toHaveAttribute(
    'src',
    `${readStack().gateway}/#/experiments/${churn}`
  );

  await reloadJupyterLab(page);
  await expect(
    page.getByRole('tab', { name: 'MLflow', exact: true })
  ).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('.jp-MlflowUser-name')).toHaveText('reader');
  await expect(page.locator('.jp-MlflowPanel-frame')).toHaveAttribute(
    'src',
    `${readStack().gateway}/#/experiments/${churn}`
  );
  await expect(
    mlflowFrame(page).getByText('churn-prediction').first()
  ).toBeVisible();

  await runCommand(page, 'apputils:change-theme', { theme: 'JupyterLab Dark' });
  await expect(page.locator('body')).toHaveAttribute(
    'data-jp-theme-light',
    'false'
  );
  try {
    expect(await contrastOf(page, '.jp-MlflowUser-name')).toBeGreaterThan(4.5);
    await signOutButton(page).click();
    const panel = page.locator('.jp-MlflowPanel');
    await expect(panel.getByLabel('User name')).toBeVisible();
    for (const selector of [
      '.jp-MlflowMessage-title',
      '.jp-MlflowMessage p',
      '.jp-MlflowSignIn .amplify-label',
      '.jp-MlflowSignIn .amplify-input',
      '.jp-MlflowSignIn .amplify-button--primary'
    ]) {
      expect([selector, await contrastOf(page, selector)]).toEqual([
        selector,
        expect.any(Number)
      ]);
      expect(await contrastOf(page, selector)).toBeGreaterThan(4.5);
    }
    await keepScreenshot(page, testInfo, 'mlflow-sign-in-dark');
  } finally {
    await runCommand(page, 'apputils:change-theme', {
      theme: 'JupyterLab Light'
    });
  }
});
