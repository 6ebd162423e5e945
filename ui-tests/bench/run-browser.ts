import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import {
  type Browser,
  type BrowserContext,
  type Page,
  chromium
} from '@playwright/test';

import { CHROMIUM_LAUNCH_OPTIONS } from '../chromium';
import { type Stack } from '../stack';
import { deleteWorkspace, requireStack, workspaceUrl } from './lab';

/**
 * The run browser on a small and a large experiment, side by side in one
 * run: 100 runs against 10,000 (seeded straight into the local MLflow by
 * `seed_runs.py`). For each: the time from clicking the experiment to its
 * first rows on screen, the requests made to the gateway until the table
 * is scrolled to its last run, the table rows in the DOM, and the page's JS
 * heap (after a garbage collection) before opening and at the end.
 *
 * One browser context signs in once; each measurement is a fresh page.
 * Needs the local stack (`npm run local -- up`). Reports, never asserts.
 */

const REPO = path.resolve(__dirname, '..', '..');
const PYTHON = path.join(REPO, '.venv', 'bin', 'python');
const SIZES = [100, 10_000];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WORKSPACE = 'bench-run-browser';
const BROWSER = '#mlflow-run-browser';
const SCROLL_TIMEOUT_MS = 15 * 60_000;

interface Measurement {
  firstRowsMs: number;
  /** Gateway requests from the click to the last row: pages, live refreshes, others. */
  pages: number;
  polls: number;
  otherRequests: number;
  scrollMs: number;
  rowsLoaded: number;
  domRows: number;
  heapBeforeMb: number;
  heapAfterMb: number;
}

function seed(name: string, runs: number): void {
  const result = spawnSync(
    PYTHON,
    [
      path.join(__dirname, 'seed_runs.py'),
      '--name',
      name,
      '--runs',
      String(runs)
    ],
    { encoding: 'utf-8' }
  );
  if (result.status !== 0) {
    throw new Error(`Seeding ${name} failed:\n${result.stderr}`);
  }
  process.stdout.write(result.stdout);
}

/** The page's JS heap after a full garbage collection, in MB. */
async function heapMb(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  return usedSize / 2 ** 20;
}

async function openLab(page: Page, stack: Stack): Promise<void> {
  await page.goto(workspaceUrl(stack, WORKSPACE));
  await page.waitForFunction(() => (window as any).jupyterapp !== undefined, {
    timeout: 120_000
  });
  await page.evaluate(() => (window as any).jupyterapp.restored);
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('mlflow:show-run-browser')
  );
}

async function signIn(browser: Browser, stack: Stack): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: { width: 1400, height: 900 }
  });
  const page = await context.newPage();
  await openLab(page, stack);
  const user = stack.users.readers;
  const sidebar = page.locator(BROWSER);
  await sidebar.getByLabel('User name').fill(user.username);
  await sidebar.getByLabel('Password', { exact: true }).fill(user.password);
  await sidebar.getByRole('button', { name: 'Sign in', exact: true }).click();
  await sidebar
    .getByRole('heading', { name: 'Experiments' })
    .waitFor({ timeout: 60_000 });
  await page.close();
  return context;
}

async function measure(
  context: BrowserContext,
  stack: Stack,
  experiment: string
): Promise<Measurement> {
  const page = await context.newPage();
  try {
    await openLab(page, stack);
    const sidebar = page.locator(BROWSER);
    await sidebar.getByLabel('Search experiments').fill(experiment);
    const entry = sidebar.getByRole('button', {
      name: new RegExp(`^${experiment}\\b`)
    });
    await entry.waitFor({ timeout: 60_000 });
    // Only the experiment asked for is listed (the search is by part of the name).
    await page.waitForFunction(
      name =>
        [...document.querySelectorAll('.jp-MlflowRuns-experimentName')].every(
          node => node.textContent === name
        ),
      experiment
    );
    const heapBeforeMb = await heapMb(page);

    const counts = { pages: 0, polls: 0, other: 0 };
    page.on('request', request => {
      if (
        !request.url().startsWith(stack.gateway) ||
        request.method() === 'OPTIONS'
      ) {
        return;
      }
      const body = request.postData() ?? '';
      if (
        request.url().includes('/runs/search') &&
        body.includes('run_id IN')
      ) {
        counts.polls++;
      } else if (request.url().includes('/runs/search')) {
        counts.pages++;
      } else {
        counts.other++;
      }
    });
    const clicked = Date.now();
    await entry.click();
    await sidebar
      .locator('.jp-MlflowRuns-runRow')
      .first()
      .waitFor({ timeout: 60_000 });
    const firstRowsMs = Date.now() - clicked;

    // Scroll to the end, page after page, as a user holding End would.
    const scrollStart = Date.now();
    const deadline = scrollStart + SCROLL_TIMEOUT_MS;
    for (;;) {
      const state = await page.evaluate(selector => {
        const table = document.querySelector(
          `${selector} .jp-MlflowRuns-table`
        ) as HTMLElement;
        table.scrollTop = table.scrollHeight;
        const footer =
          document.querySelector(`${selector} .jp-MlflowRuns-footer`)
            ?.textContent ?? '';
        return footer;
      }, BROWSER);
      if (!/scroll for more|Loading/.test(state)) {
        break;
      }
      if (Date.now() > deadline) {
        throw new Error(`Scrolling ${experiment} to its end timed out.`);
      }
      await page.waitForTimeout(50);
    }
    const scrollMs = Date.now() - scrollStart;
    const footer = await sidebar.locator('.jp-MlflowRuns-footer').textContent();
    const rowsLoaded = Number(/([\d,]+) runs?/.exec(footer ?? '')?.[1] ?? NaN);
    const domRows = await sidebar.locator('.jp-MlflowRuns-runRow').count();
    const heapAfterMb = await heapMb(page);
    return {
      firstRowsMs,
      pages: counts.pages,
      polls: counts.polls,
      otherRequests: counts.other,
      scrollMs,
      rowsLoaded,
      domRows,
      heapBeforeMb,
      heapAfterMb
    };
  } finally {
    await page.close();
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
};

function report(results: Map<number, Measurement[]>): void {
  const [small, large] = SIZES;
  const row = (
    label: string,
    pick: (m: Measurement) => number,
    format: (n: number) => string
  ) => {
    const a = median(results.get(small)!.map(pick));
    const b = median(results.get(large)!.map(pick));
    const ratio = a === 0 ? '–' : `${(b / a).toFixed(2)}×`;
    console.log(
      `${label.padEnd(40)}${format(a).padStart(12)}${format(b).padStart(14)}${ratio.padStart(10)}`
    );
  };
  const ms = (n: number) => `${Math.round(n)} ms`;
  const count = (n: number) => n.toLocaleString('en-US');
  const mb = (n: number) => `${n.toFixed(1)} MB`;
  console.log(
    `\n${''.padEnd(40)}${`${count(small)} runs`.padStart(12)}${`${count(large)} runs`.padStart(14)}${'ratio'.padStart(10)}`
  );
  row('time to first rows visible', m => m.firstRowsMs, ms);
  row('runs loaded at the end', m => m.rowsLoaded, count);
  row('requests: pages of runs', m => m.pages, count);
  row('requests: live refresh of running runs', m => m.polls, count);
  row('requests: other', m => m.otherRequests, count);
  row('time to scroll to the last run', m => m.scrollMs, ms);
  row('table rows in the DOM at the end', m => m.domRows, count);
  row('JS heap before opening', m => m.heapBeforeMb, mb);
  row('JS heap after scrolling to the end', m => m.heapAfterMb, mb);
  row('JS heap added', m => m.heapAfterMb - m.heapBeforeMb, mb);
}

async function main(): Promise<void> {
  const stack = await requireStack();
  for (const size of SIZES) {
    seed(`bench-runs-${size}`, size);
  }
  const browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
  const results = new Map<number, Measurement[]>(SIZES.map(s => [s, []]));
  try {
    const context = await signIn(browser, stack);
    // Alternate the sizes, so that both see the same machine over time.
    for (let round = 0; round < ROUNDS; round++) {
      for (const size of SIZES) {
        results
          .get(size)!
          .push(await measure(context, stack, `bench-runs-${size}`));
      }
    }
  } finally {
    await browser.close();
    await deleteWorkspace(stack, WORKSPACE);
  }
  console.log(
    `Run browser on ${SIZES.map(s => s.toLocaleString('en-US')).join(' and ')} runs: medians of ${ROUNDS} rounds (page size 100)`
  );
  report(results);
}

main().catch(error => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
