/**
 * Helpers of the MLflow panel tests: sign in through the panel, reach into
 * the framed MLflow UI, and read MLflow's state directly (not through the
 * gateway) to prove what changed and what did not.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { FrameLocator, TestInfo } from '@playwright/test';

import { signed, send } from '../infra/verify/http';
import { HANDOFF_PATH, MLFLOW_HEADER_COOKIE_PREFIX } from '../src/contract';
import { expect } from './fixtures';
import { STATE_FILE, readStack } from './stack';

export const DOCS_IMAGES = path.resolve(__dirname, '..', 'docs', 'images');

export type Role = 'admins' | 'readers' | 'model-approvers';

/** The run browser's sidebar. */
export const RUN_BROWSER = '#mlflow-run-browser';

/** Show the run browser from its sidebar tab. */
export async function openRunBrowser(page: IJupyterLabPageFixture) {
  await page.sidebar.openTab('mlflow-run-browser');
  const browser = page.locator(RUN_BROWSER);
  await expect(browser).toBeVisible();
  return browser;
}

/** The framed MLflow UI of the panel. */
export function mlflowFrame(page: IJupyterLabPageFixture): FrameLocator {
  return page.frameLocator('.jp-MlflowPanel-frame');
}

export async function runCommand(
  page: IJupyterLabPageFixture,
  id: string,
  args: Record<string, unknown> = {}
): Promise<void> {
  await page.evaluate(
    ({ id, args }) => (window as any).jupyterapp.commands.execute(id, args),
    { id, args }
  );
}

/** Fill the sign-in form (Amplify's Authenticator) in the panel, or `where`, as a seeded user. */
export async function signIn(
  page: IJupyterLabPageFixture,
  role: Role,
  where = '.jp-MlflowPanel'
): Promise<void> {
  const user = readStack().users[role];
  const panel = page.locator(where);
  await panel.getByLabel('User name').fill(user.username);
  await panel.getByLabel('Password', { exact: true }).fill(user.password);
  await panel.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(
    panel.getByRole('button', { name: 'Sign in', exact: true })
  ).toHaveCount(0);
  if (where === '.jp-MlflowPanel') {
    await expect(page.locator('.jp-MlflowUser-name')).toHaveText(user.username);
  }
}

/** The MLflow panel's toolbar button to sign out. */
export function signOutButton(page: IJupyterLabPageFixture) {
  return page
    .locator('.jp-MainAreaWidget:has(.jp-MlflowPanel) .jp-Toolbar')
    .getByRole('button', { name: 'Sign out' });
}

/**
 * Reload the browser page (Galata's own goto waits for a launcher tab,
 * which a restored layout with only the MLflow panel does not have).
 *
 * JupyterLab saves its layout a moment after it changes; a reload before
 * that restores the layout before it. So first wait until the saved layout
 * holds an open MLflow panel, as it will a moment after a user opens one.
 */
export async function reloadJupyterLab(
  page: IJupyterLabPageFixture
): Promise<void> {
  await expect
    .poll(
      () =>
        page.evaluate(async () => {
          if (document.querySelector('.jp-MlflowPanel') === null) {
            return true;
          }
          const answer = await fetch(
            `/lab/api/workspaces/default?${Date.now()}`
          );
          const saved = (await answer.json()).data ?? {};
          return JSON.stringify(saved['layout-restorer:data'] ?? {}).includes(
            '"mlflow:'
          );
        }),
      { timeout: 15_000 }
    )
    .toBe(true);
  await page.evaluate(() => window.location.reload());
  await page.waitForFunction(
    () => (window as any).jupyterapp?.shell !== undefined
  );
  await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
}

/**
 * Rename the experiment the panel's MLflow UI shows (its runs page) through
 * its "Edit experiment" dialog, as a user would; the dialog stays open.
 */
export async function renameExperimentInPanel(
  page: IJupyterLabPageFixture,
  name: string
): Promise<void> {
  const frame = mlflowFrame(page);
  const edit = frame.getByRole('menuitem', { name: 'Edit experiment' });
  // A tip shown late may close the menu: open it until it stays.
  await expect(async () => {
    await dismissTips(frame);
    await frame.getByTestId('overflow-menu-trigger').click();
    await edit.click({ timeout: 5000 });
  }).toPass({ timeout: 60_000 });
  await frame.locator('[id="mlflow.experiment.edit.name"]').fill(name);
  await frame.getByRole('button', { name: 'Save' }).click();
}

/** The times the page refreshed its Cognito tokens (GetTokensFromRefreshToken). */
export function watchTokenRefreshes(
  page: import('@playwright/test').Page
): number[] {
  const refreshes: number[] = [];
  page.on('request', request => {
    if (
      request.headers()['x-amz-target']?.endsWith('GetTokensFromRefreshToken')
    ) {
      refreshes.push(Date.now());
    }
  });
  return refreshes;
}

/** Close MLflow's one-time tips, which cover the page they are shown on. */
export async function dismissTips(frame: FrameLocator): Promise<void> {
  // They appear a moment after the page: give them that moment.
  await frame
    .getByRole('button', { name: 'Got it' })
    .click({ timeout: 5_000 })
    .catch(() => undefined);
}

/**
 * Call MLflow's REST API as the admin's SDK would: signed with the admins'
 * keys, through the gateway (MLflow's own port answers only the gateway).
 */
export async function mlflowApi<T = any>(
  route: string,
  body?: unknown,
  method: string = body === undefined ? 'GET' : 'POST'
): Promise<T> {
  const stack = readStack();
  const base = new URL(stack.gateway);
  const admin = stack.users.admins;
  const request = await signed(
    base,
    {
      method,
      path: `/api/2.0/mlflow/${route}`,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    },
    { accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey },
    stack.region
  );
  const answer = await send(base, request);
  if (answer.status < 200 || answer.status >= 300) {
    throw new Error(`${method} ${route}: ${answer.status} ${answer.body}`);
  }
  return (answer.body === '' ? {} : JSON.parse(answer.body)) as T;
}

export async function experimentById(
  id: string
): Promise<{ name: string; lifecycle_stage: string }> {
  return (await mlflowApi(`experiments/get?experiment_id=${id}`)).experiment;
}

/** A scratch experiment for a test to change, made directly in MLflow. */
export async function scratchExperiment(prefix: string): Promise<string> {
  const name = `${prefix}-${Date.now()}`;
  return (await mlflowApi('experiments/create', { name })).experiment_id;
}

export async function deleteExperiment(id: string): Promise<void> {
  await mlflowApi('experiments/delete', { experiment_id: id }).catch(
    () => undefined
  );
}

/**
 * Log a traced call (a span with nested spans) into an experiment through
 * the gateway, with the MLflow SDK signing as `role` (`log_trace.py`).
 */
export function logTrace(
  experimentId: string,
  role: Role = 'admins'
): { traceId: string; question: string; spans: string[] } {
  const python = path.resolve(__dirname, '..', '.venv', 'bin', 'python');
  const result = spawnSync(
    python,
    [path.join(__dirname, 'log_trace.py'), experimentId, role],
    { encoding: 'utf-8' }
  );
  if (result.status !== 0) {
    throw new Error(`Logging a trace as ${role} failed:\n${result.stderr}`);
  }
  return JSON.parse(result.stdout);
}

export async function experimentIdByName(name: string): Promise<string> {
  const found = await mlflowApi(
    `experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`
  );
  return found.experiment.experiment_id;
}

export async function runIdByName(
  experimentId: string,
  runName: string
): Promise<string> {
  const found = await mlflowApi('runs/search', {
    experiment_ids: [experimentId],
    filter: `attributes.run_name = '${runName}'`
  });
  return found.runs[0].info.run_id;
}

/** Attach a screenshot to the report, and keep it for the docs on request. */
export async function keepScreenshot(
  page: IJupyterLabPageFixture,
  testInfo: TestInfo,
  name: string
): Promise<void> {
  const shot = await page.screenshot();
  await testInfo.attach(name, { body: shot, contentType: 'image/png' });
  if (process.env.UPDATE_DOCS_IMAGES) {
    fs.mkdirSync(DOCS_IMAGES, { recursive: true });
    fs.writeFileSync(path.join(DOCS_IMAGES, `${name}.png`), shot);
  }
}

/** Call the local identity provider's API, signed with the local operator's key. */
export async function cognito<T = any>(
  target: string,
  body: unknown
): Promise<T> {
  const stack = readStack();
  const base = new URL(stack.cognito.endpoint);
  // The identity provider's admin API answers the local operator's key only.
  const { operator } = JSON.parse(fs.readFileSync(STATE_FILE, 'utf8')) as {
    operator: { accessKeyId: string; secretAccessKey: string };
  };
  const request = await signed(
    base,
    {
      method: 'POST',
      path: '/',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `AWSCognitoIdentityProviderService.${target}`
      },
      body: JSON.stringify(body)
    },
    operator,
    stack.region,
    'cognito-idp'
  );
  const answer = await send(base, request);
  if (answer.status < 200 || answer.status >= 300) {
    throw new Error(`${target}: ${answer.status} ${answer.body}`);
  }
  return JSON.parse(answer.body) as T;
}

/**
 * Set how long the app client's access and ID tokens last, as an operator
 * sets it on the app client in Amazon Cognito.
 */
export async function setTokenLifetime(
  value: number,
  unit: 'seconds' | 'minutes'
): Promise<void> {
  const { userPoolId, clientId } = readStack().cognito;
  await cognito('UpdateUserPoolClient', {
    UserPoolId: userPoolId,
    ClientId: clientId,
    AccessTokenValidity: value,
    IdTokenValidity: value,
    TokenValidityUnits: { AccessToken: unit, IdToken: unit }
  });
}

/**
 * What the MLflow UI would send now: the headers it derives from its
 * `mlflow-request-header-*` cookies, used on a data request from the
 * gateway's origin (the hidden hand-off frame).
 */
export async function requestAsMlflowUi(
  page: IJupyterLabPageFixture
): Promise<{ hasCookie: boolean; status: number }> {
  const gateway = readStack().gateway;
  const frame = page
    .frames()
    .find(f => f.url().startsWith(`${gateway}${HANDOFF_PATH}`));
  if (!frame) {
    throw new Error('The hand-off frame is not loaded.');
  }
  return frame.evaluate(async prefix => {
    const headers: Record<string, string> = {};
    for (const part of document.cookie.split(';')) {
      const [name, value] = part.trim().split('=');
      if (name.startsWith(prefix)) {
        headers[name.slice(prefix.length)] = decodeURIComponent(value ?? '');
      }
    }
    const response = await fetch(
      '../ajax-api/2.0/mlflow/experiments/search?max_results=1',
      {
        headers
      }
    );
    return { hasCookie: 'Authorization' in headers, status: response.status };
  }, MLFLOW_HEADER_COOKIE_PREFIX);
}

/** WCAG contrast of an element's text against its (first opaque) background. */
export async function contrastOf(
  page: IJupyterLabPageFixture,
  selector: string
): Promise<number> {
  return page
    .locator(selector)
    .first()
    .evaluate(element => {
      const rgb = (css: string) =>
        (css.match(/[\d.]+/g) ?? []).map(Number) as [
          number,
          number,
          number,
          number?
        ];
      const luminance = ([r, g, b]: number[]) => {
        const channel = (c: number) => {
          const s = c / 255;
          return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
      };
      let background: number[] = [255, 255, 255];
      for (
        let node: Element | null = element;
        node;
        node = node.parentElement
      ) {
        const color = rgb(getComputedStyle(node).backgroundColor);
        if (color.length === 3 || (color[3] ?? 0) > 0.9) {
          background = color.slice(0, 3) as number[];
          break;
        }
      }
      const text = rgb(getComputedStyle(element).color).slice(0, 3) as number[];
      const [light, dark] = [luminance(text), luminance(background)].sort(
        (a, b) => b - a
      );
      return (light + 0.05) / (dark + 0.05);
    });
}

/** The frame of a page that shows the MLflow UI (the gateway's root, at a hash route). */
export function mlflowUiFrame(
  page: import('@playwright/test').Page
): import('@playwright/test').Frame {
  const root = `${readStack().gateway}/#`;
  const frame = page.frames().find(f => f.url().startsWith(root));
  if (!frame) {
    throw new Error(`No frame of ${page.url()} shows the MLflow UI.`);
  }
  return frame;
}

/**
 * Call the gateway from `frame` exactly as the MLflow UI does at every
 * fetch: its `mlflow-request-header-*` cookies, read from `document.cookie`
 * now, become request headers.
 */
export async function fetchAsMlflowUi(
  frame: import('@playwright/test').Frame,
  route: string,
  body?: unknown
): Promise<{ hasCookie: boolean; status: number; text: string }> {
  return frame.evaluate(
    async ({ prefix, route, body }) => {
      const headers: Record<string, string> = {};
      for (const part of document.cookie.split(';')) {
        const [name, value] = part.trim().split('=');
        if (name.startsWith(prefix)) {
          headers[name.slice(prefix.length)] = decodeURIComponent(value ?? '');
        }
      }
      const init: RequestInit =
        body === undefined
          ? { headers }
          : {
              method: 'POST',
              headers: { ...headers, 'Content-Type': 'application/json' },
              body: JSON.stringify(body)
            };
      const response = await fetch(
        new URL(`ajax-api/2.0/mlflow/${route}`, location.origin + '/'),
        init
      );
      return {
        hasCookie: 'Authorization' in headers,
        status: response.status,
        text: await response.text()
      };
    },
    { prefix: MLFLOW_HEADER_COOKIE_PREFIX, route, body }
  );
}
