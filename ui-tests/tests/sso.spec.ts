/**
 * Single sign-on through Cognito federation, in a real browser: the
 * organisation's IdP (a real OpenID provider), the managed login's stand-in
 * and the unchanged authorizer of the local stack.
 */
import type { Page } from '@playwright/test';

import { SSO_PATH, loginPath } from '../../src/contract';
import { TOKEN_VALIDITY } from '../../infra/src/user-pool';
import { expect, test } from '../fixtures';
import {
  deleteExperiment,
  dismissTips,
  experimentById,
  experimentIdByName,
  keepScreenshot,
  mlflowFrame,
  renameExperimentInPanel,
  requestAsMlflowUi,
  runCommand,
  scratchExperiment,
  setTokenLifetime,
  signOutButton,
  watchTokenRefreshes
} from '../mlflow';
import { readStack } from '../stack';

test.use({ viewport: { width: 1400, height: 860 } });

const BUTTON = 'Sign in with Example Org SSO';

/** The pool's name of a federated user: `<provider>_<IdP username>`. */
function poolUsername(role: string): string {
  const { provider, users } = readStack().sso;
  return `${provider}_${users[role].username}`;
}

/** The IdP's own sign-in page, in `popup` (or a tab), as the person of `role`. */
async function signInAtIdp(popup: Page, role: string): Promise<void> {
  const user = readStack().sso.users[role];
  await expect(
    popup.getByText('Sign in with your organisation account')
  ).toBeVisible();
  await popup.getByLabel('Username').fill(user.username);
  await popup.getByLabel('Password').fill(user.password);
  await popup.getByRole('button', { name: 'Sign in' }).click();
}

/** "Sign in with …" in the panel, through the popup; the panel then shows the user. */
async function signInWithSso(
  page: Page,
  role: string,
  options: { beforeIdp?: (popup: Page) => Promise<void> } = {}
): Promise<void> {
  const opened = page.waitForEvent('popup');
  await page
    .locator('.jp-MlflowPanel')
    .getByRole('button', { name: BUTTON })
    .click();
  const popup = await opened;
  await options.beforeIdp?.(popup);
  const closed = popup.waitForEvent('close');
  await signInAtIdp(popup, role);
  await closed;
  await expect(page.locator('.jp-MlflowUser-name')).toHaveText(
    poolUsername(role)
  );
}

test('the federated reader signs in through the popup and gets a reader’s MLflow: a rename is refused, nothing changes', async ({
  page
}, testInfo) => {
  const id = await scratchExperiment('sso-reader');
  const before = await experimentById(id);
  try {
    await page.goto();
    await runCommand(page, 'mlflow:open', { route: `/experiments/${id}/runs` });
    const panel = page.locator('.jp-MlflowPanel');
    await expect(panel.getByRole('button', { name: BUTTON })).toBeVisible();
    await expect(panel.getByLabel('User name')).toBeVisible();
    await keepScreenshot(page, testInfo, 'sso-sign-in');

    let idpShot = false;
    await signInWithSso(page, 'readers', {
      beforeIdp: async popup => {
        await popup.waitForLoadState();
        // The popup runs on the gateway's origin, then the IdP's.
        await expect(popup).toHaveURL(
          new RegExp(`^${readStack().sso.issuer}/interaction/`)
        );
        await keepScreenshot(popup as any, testInfo, 'sso-idp');
        idpShot = true;
      }
    });
    expect(idpShot).toBe(true);
    // The pool's groups of the IdP's: the reader's role.
    await expect(page.locator('.jp-MlflowUser-groups')).toHaveText('readers');

    await renameExperimentInPanel(page, `${before.name}-by-sso-reader`);
    const frame = mlflowFrame(page);
    await expect(frame.getByText(/PERMISSION_DENIED/).first()).toBeVisible();
    expect(await experimentById(id)).toEqual(before);
    await keepScreenshot(page, testInfo, 'sso-reader-refused');
  } finally {
    await deleteExperiment(id);
  }
});

test('the federated admin’s rename passes; sign-out ends the session at the IdP too', async ({
  page
}) => {
  const id = await scratchExperiment('sso-admin');
  const before = await experimentById(id);
  try {
    await page.goto();
    await runCommand(page, 'mlflow:open', { route: `/experiments/${id}/runs` });
    await signInWithSso(page, 'admins');
    await renameExperimentInPanel(page, `${before.name}-by-sso-admin`);
    await expect
      .poll(async () => (await experimentById(id)).name)
      .toBe(`${before.name}-by-sso-admin`);
    expect(await requestAsMlflowUi(page)).toEqual({
      hasCookie: true,
      status: 200
    });

    // Sign-out: the session here, and at the managed login and the IdP
    // (a window of their own that closes itself).
    const signOutWindow = page.waitForEvent('popup');
    await signOutButton(page).click();
    const popup = await signOutWindow;
    await popup.waitForEvent('close');
    const panel = page.locator('.jp-MlflowPanel');
    await expect(panel.getByRole('button', { name: BUTTON })).toBeVisible();
    expect(await requestAsMlflowUi(page)).toEqual({
      hasCookie: false,
      status: 401
    });

    // The IdP forgot the person: signing in again asks for the password.
    const opened = page.waitForEvent('popup');
    await panel.getByRole('button', { name: BUTTON }).click();
    const again = await opened;
    await expect(again.getByLabel('Password')).toBeVisible();
    await again.close();
    await expect(panel.getByRole('alert')).toHaveText(
      'The sign-in window was closed before the sign-in finished.'
    );
  } finally {
    await deleteExperiment(id);
  }
});

test('a blocked popup gets a message and a button that opens it', async ({
  page
}, testInfo) => {
  await page.goto();
  await runCommand(page, 'mlflow:open', { route: '/experiments' });
  const panel = page.locator('.jp-MlflowPanel');
  // The answer of a browser whose popup blocker stopped the window.
  await page.evaluate(() => {
    const w = window as any;
    w.realOpen = window.open;
    window.open = () => null;
  });
  await panel.getByRole('button', { name: BUTTON }).click();
  await expect(panel.getByRole('alert')).toContainText(
    'Your browser blocked the sign-in window.'
  );
  await keepScreenshot(page, testInfo, 'sso-popup-blocked');

  await page.evaluate(() => {
    window.open = (window as any).realOpen;
  });
  const opened = page.waitForEvent('popup');
  await panel.getByRole('button', { name: 'Open the sign-in window' }).click();
  const popup = await opened;
  const closed = popup.waitForEvent('close');
  await signInAtIdp(popup, 'model-approvers');
  await closed;
  await expect(page.locator('.jp-MlflowUser-name')).toHaveText(
    poolUsername('model-approvers')
  );
});

test('past the token’s lifetime an SSO session refreshes without a new sign-in', async ({
  page
}) => {
  test.setTimeout(240_000);
  const churn = await experimentIdByName('churn-prediction');
  await setTokenLifetime(60, 'seconds');
  try {
    const refreshes = watchTokenRefreshes(page);
    await page.goto();
    await runCommand(page, 'mlflow:open-experiment', { experimentId: churn });
    await signInWithSso(page, 'readers');
    const frame = mlflowFrame(page);
    await dismissTips(frame);
    await expect(frame.getByText('churn-prediction').first()).toBeVisible();

    await page.waitForTimeout(80_000);
    expect(refreshes.length).toBeGreaterThanOrEqual(1);
    await runCommand(page, 'mlflow:open', { route: '/experiments' });
    await expect(frame.getByText('image-classifier').first()).toBeVisible();
    expect(await requestAsMlflowUi(page)).toEqual({
      hasCookie: true,
      status: 200
    });
    await expect(page.locator('.jp-MlflowUser-name')).toHaveText(
      poolUsername('readers')
    );
    await expect(
      page.locator('.jp-MlflowPanel').getByRole('button', { name: BUTTON })
    ).toHaveCount(0);
  } finally {
    await setTokenLifetime(TOKEN_VALIDITY.accessMinutes, 'minutes');
  }
});

test('outside JupyterLab, /auth/login signs in with the same button in the same window, leaving no code in the address', async ({
  page
}, testInfo) => {
  const stack = readStack();
  const tab = await page.context().newPage();
  await tab.goto(`${stack.gateway}${loginPath('/models')}`);
  await expect(tab.getByRole('button', { name: BUTTON })).toBeVisible();
  await keepScreenshot(tab as any, testInfo, 'sso-gateway-login');
  await tab.getByRole('button', { name: BUTTON }).click();
  await signInAtIdp(tab, 'readers');
  await expect(tab).toHaveURL(`${stack.gateway}/#/models`);
  await expect(tab.getByText('churn-classifier').first()).toBeVisible();
  expect(tab.url()).not.toMatch(/code=|state=/);
  await tab.close();
});

test('the popup’s start page hands tokens to no origin but the deployment’s', async ({
  page
}) => {
  const stack = readStack();
  const tab = await page.context().newPage();
  const start = new URL(`${stack.gateway}${SSO_PATH}`);
  start.searchParams.set('provider', stack.sso.provider);
  start.searchParams.set('state', 'attacker-state');
  start.searchParams.set('origin', 'https://attacker.example');
  await tab.goto(start.toString());
  await expect(tab.getByRole('alert')).toHaveText(
    'https://attacker.example may not sign in to this MLflow.'
  );
  // Nothing of the request stays in the address bar.
  expect(tab.url()).toBe(`${stack.gateway}${SSO_PATH}`);
  await tab.close();
});
