/**
 * The run browser as it first opens, at JupyterLab's default sidebar width:
 * what it shows, how it shares the window with the MLflow panel, how it
 * finds the best run, how it says it is loading, and how it is used from
 * the keyboard.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';

import { expect, test } from '../fixtures';
import { experimentIdByName, mlflowApi, runCommand, signIn } from '../mlflow';

test.use({ viewport: { width: 1400, height: 860 } });

const BROWSER = '#mlflow-run-browser';

async function openChurnRuns(page: IJupyterLabPageFixture) {
  await page.sidebar.openTab('mlflow-run-browser');
  const browser = page.locator(BROWSER);
  await signIn(page, 'readers', BROWSER);
  await browser.getByRole('button', { name: /churn-prediction/ }).click();
  await expect(browser.locator('.jp-MlflowRuns-footer')).toHaveText('28 runs');
  return browser;
}

/** The run names of the table, top to bottom. */
function shownRuns(page: IJupyterLabPageFixture): Promise<string[]> {
  return page
    .locator(`${BROWSER} .jp-MlflowRuns-runRow .jp-MlflowRuns-runName`)
    .allTextContents();
}

/** The run name of the row that has the keyboard focus. */
function focusedRun(page: IJupyterLabPageFixture): Promise<string | null> {
  return page.evaluate(
    () =>
      document.activeElement
        ?.closest('.jp-MlflowRuns-runRow')
        ?.querySelector('.jp-MlflowRuns-runName')?.textContent ?? null
  );
}

test('at the default sidebar width each run shows its name, status, start and a metric', async ({
  page
}) => {
  const browser = await openChurnRuns(page);
  const table = browser.locator('.jp-MlflowRuns-table');
  const visible = await table.evaluate(element => {
    const box = element.getBoundingClientRect();
    return box.left + element.clientWidth;
  });
  const headers = browser.getByRole('columnheader');
  for (const label of ['Run', 'Status', 'Started', 'accuracy']) {
    const header = headers.filter({ hasText: new RegExp(`^${label}`) });
    const box = (await header.boundingBox())!;
    expect(box.x + box.width, `${label} is within the sidebar`).toBeLessThan(
      visible + 1
    );
  }
  const first = browser.locator('.jp-MlflowRuns-runRow').first();
  await expect(first.getByRole('gridcell').nth(2)).toHaveAccessibleName(
    /finished/i
  );
  // The run's name is readable, not cut to a few letters.
  const name = first.locator('.jp-MlflowRuns-runName');
  expect((await name.boundingBox())!.width).toBeGreaterThan(56);
});

test('the experiment list starts under its search box and says what the ids are', async ({
  page
}) => {
  const churn = await experimentIdByName('churn-prediction');
  await page.sidebar.openTab('mlflow-run-browser');
  const browser = page.locator(BROWSER);
  await signIn(page, 'readers', BROWSER);
  const search = browser.locator('.jp-MlflowRuns-search');
  const entry = browser.getByRole('button', { name: /churn-prediction/ });
  await expect(entry).toBeVisible();
  expect((await search.boundingBox())!.height).toBeLessThan(40);
  const list = (await browser
    .locator('.jp-MlflowRuns-experiments')
    .boundingBox())!;
  const searchBox = (await search.boundingBox())!;
  expect(list.y - (searchBox.y + searchBox.height)).toBeLessThan(16);
  await expect(entry).toContainText(`ID ${churn}`);
});

for (const width of [900, 1100, 1400]) {
  test(`widening the run browser leaves the MLflow panel its room at ${width} px`, async ({
    page
  }) => {
    await page.setViewportSize({ width, height: 860 });
    await runCommand(page, 'mlflow:open');
    const panel = page.locator('.jp-MlflowPanel');
    await expect(panel).toBeVisible();
    await page.sidebar.openTab('mlflow-run-browser');
    const browser = page.locator(BROWSER);
    await expect(browser).toBeVisible();
    const before = (await panel.boundingBox())!.width;
    const browserBefore = (await browser.boundingBox())!.width;

    // Drag the sidebar's edge far to the left, as a user would.
    const box = (await browser.boundingBox())!;
    await page.mouse.move(box.x - 2, box.y + 200);
    await page.mouse.down();
    await page.mouse.move(box.x - 700, box.y + 200, { steps: 8 });
    await page.mouse.up();

    const after = (await panel.boundingBox())!.width;
    // The main area keeps 600 px, the panel in it a little less.
    expect(after).toBeGreaterThanOrEqual(Math.min(before, 580));
    if (before > 700) {
      // Where there is room, the sidebar still widens.
      expect((await browser.boundingBox())!.width).toBeGreaterThan(
        browserBefore + 50
      );
    }
  });
}

test('sorting by a metric finds the best run, child runs included', async ({
  page
}) => {
  const churn = await experimentIdByName('churn-prediction');
  const best = await mlflowApi('runs/search', {
    experiment_ids: [churn],
    order_by: ['metrics.rmse ASC'],
    max_results: 1
  });
  const bestRun = best.runs[0];
  // The seeded sweep's best child is the experiment's best run.
  expect(
    bestRun.data.tags.some((tag: any) => tag.key === 'mlflow.parentRunId')
  ).toBe(true);

  const browser = await openChurnRuns(page);
  await browser.getByRole('button', { name: 'Columns' }).click();
  const dialog = page.locator('.jp-Dialog');
  await dialog.getByLabel('rmse').check();
  await dialog.getByRole('button', { name: 'Show' }).click();
  const sortBy = browser
    .getByRole('columnheader', { name: /^rmse/ })
    .getByRole('button');
  await sortBy.click();
  await sortBy.click();
  await expect(
    browser.locator('[role=columnheader][aria-sort=ascending]')
  ).toContainText('rmse');
  // The best run is on screen at the top, under its parent.
  await expect
    .poll(async () => (await shownRuns(page)).slice(0, 2))
    .toEqual(['xgb-sweep', bestRun.info.run_name]);
});

test('loading shows a progress indicator', async ({ page }) => {
  await page.sidebar.openTab('mlflow-run-browser');
  const browser = page.locator(BROWSER);
  await signIn(page, 'readers', BROWSER);
  let release: () => void = () => undefined;
  const held = new Promise<void>(resolve => (release = resolve));
  await page.route('**/runs/search', async route => {
    await held;
    await route.continue();
  });
  await browser.getByRole('button', { name: /churn-prediction/ }).click();
  const progress = browser.getByRole('progressbar');
  await expect(progress).toBeVisible();
  await expect(progress).toHaveAccessibleName('Loading runs');
  release();
  await expect(browser.locator('.jp-MlflowRuns-footer')).toHaveText('28 runs');
  await expect(progress).toHaveCount(0);
});

test('the runs table is one Tab stop; arrow keys move, Space selects, Enter opens', async ({
  page
}) => {
  // Sign-in, a tour of the keys and the MLflow panel: more than most tests.
  test.setTimeout(120_000);
  const browser = await openChurnRuns(page);
  const body = browser.locator('.jp-MlflowRuns-body');
  const tabStops = () =>
    body.evaluate(
      element =>
        [
          ...element.querySelectorAll<HTMLElement>(
            'a, button, input, select, [tabindex]'
          )
        ].filter(node => node.tabIndex >= 0).length
    );
  expect(await tabStops()).toBe(1);

  // Tab from the last control above the table lands on its first row.
  await browser.getByRole('button', { name: /^Compare/ }).focus();
  let hops = 0;
  while ((await focusedRun(page)) === null && hops++ < 20) {
    await page.keyboard.press('Tab');
  }
  const names = await shownRuns(page);
  expect(await focusedRun(page)).toBe(names[0]);

  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  expect(await focusedRun(page)).toBe(names[2]);
  await page.keyboard.press('ArrowUp');
  expect(await focusedRun(page)).toBe(names[1]);
  expect(await tabStops()).toBe(1);

  await page.keyboard.press('Space');
  await expect(
    browser.locator('.jp-MlflowRuns-runRow[aria-selected=true]')
  ).toHaveCount(1);
  await expect(browser.getByRole('button', { name: /^Compare/ })).toHaveText(
    'Compare (1)'
  );

  // Tab leaves the table rather than walking through its cells.
  await page.keyboard.press('Tab');
  expect(await focusedRun(page)).toBeNull();
  await page.keyboard.press('Shift+Tab');
  expect(await focusedRun(page)).toBe(names[1]);

  // Enter opens the run in the MLflow panel.
  const runId = await page.evaluate(
    () => (document.activeElement as HTMLElement | null)?.dataset.runId ?? ''
  );
  expect(runId).not.toBe('');
  await page.keyboard.press('Enter');
  await expect(page.locator('.jp-MlflowPanel-frame')).toHaveAttribute(
    'src',
    new RegExp(runId),
    { timeout: 30_000 }
  );
});
