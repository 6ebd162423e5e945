import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

import { type Browser, type Page, chromium } from '@playwright/test';

import { SETTINGS_PLUGIN_ID } from '../../src/contract';
import { CHROMIUM_LAUNCH_OPTIONS } from '../chromium';
import { type Stack } from '../stack';
import { deleteWorkspace, requireStack, workspaceUrl } from './lab';

/**
 * What the extension adds to JupyterLab's start-up, next to JupyterLab's own
 * totals, measured in the same runs: JavaScript loaded at start-up, the
 * JavaScript the first sign-in form adds (Amplify and its UI are loaded with
 * `import()` only then), and each plugin's activation time against the time
 * to `app.restored`. Each run is a fresh browser context: empty cache, no
 * Amplify session in localStorage, so the panel shows the sign-in form.
 *
 * Bytes come from the page's Resource Timing entries (same origin, so sizes
 * are exposed): decoded body size, and transfer size (body as sent plus
 * headers). Needs the local stack (`npm run local -- up`); reports, never
 * asserts, timings.
 */

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP = 1;
const OURS = '/lab/extensions/sagemaker-studio-mlflow/';
// The local stack loads Galata's in-page helpers too; Studio does not.
const GALATA = '/lab/extensions/@jupyterlab/galata-extension/';
const PLUGIN_IDS = [
  SETTINGS_PLUGIN_ID,
  'sagemaker-studio-mlflow:auth',
  'sagemaker-studio-mlflow:panel',
  'sagemaker-studio-mlflow:run-browser',
  'sagemaker-studio-mlflow:models',
  'sagemaker-studio-mlflow:identity'
];
// A workspace of its own, reset on every load: whatever the default
// workspace has open (an MLflow panel, say) must not load at start-up.
const WORKSPACE = 'bench-startup';
const REPO = path.resolve(__dirname, '..', '..');
const LABEXTENSION = path.join(REPO, 'sagemaker_studio_mlflow', 'labextension');
const FORM_TIMEOUT_MS = 60_000;
/**
 * Issue 18's budget for the extension's JavaScript at start-up: the
 * commands, the sidebar's shell and the settings; views load when shown.
 */
const STARTUP_BUDGET_KIB = 40;

interface JsEntry {
  url: string;
  decoded: number;
  transfer: number;
}

interface Totals {
  files: number;
  decoded: number;
  transfer: number;
}

interface Run {
  startupAll: Totals;
  startupOurs: Totals;
  startupGalata: Totals;
  signinAll: Totals;
  signinOurs: Totals;
  restoredMs: number;
  formMs: number;
  activationMs: Record<string, number | undefined>;
  /** Our chunk file names by when they loaded. */
  phase: Map<string, 'start-up' | 'sign-in'>;
}

/**
 * Before any page script: room for every resource entry (the default buffer
 * of 250 is too small for JupyterLab), and a mark when `app.restored`
 * resolves, hooked where JupyterLab assigns `window.jupyterapp` (right after
 * `app.start()`, with `expose_app_in_browser`). A string, not a function:
 * tsx wraps named functions in a `__name` helper the page does not have.
 */
const INSTRUMENT = `
  performance.setResourceTimingBufferSize(100000);
  let app;
  Object.defineProperty(window, 'jupyterapp', {
    configurable: true,
    get() { return app; },
    set(value) {
      app = value;
      value.restored.then(() => performance.mark('bench:restored'));
    }
  });
`;

/** A counter of the page's HTTP requests in flight (websockets are not requests). */
function inFlight(page: Page): () => number {
  let count = 0;
  page.on('request', () => count++);
  page.on('requestfinished', () => count--);
  page.on('requestfailed', () => count--);
  return () => count;
}

/** Waits until no request has been in flight for `quietMs` (bounded: JupyterLab polls). */
async function settle(
  page: Page,
  pending: () => number,
  quietMs = 750,
  timeoutMs = 20_000
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    await page.waitForTimeout(50);
    if (pending() > 0) {
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= quietMs) {
      return;
    }
  }
}

// Functions handed to page.evaluate run in the page: they may use only its
// globals (`performance` is the page's, hence no import from perf_hooks) and
// must not name inner functions (see INSTRUMENT).
async function jsEntries(page: Page): Promise<JsEntry[]> {
  return page.evaluate(() =>
    (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .filter(entry => new URL(entry.name).pathname.endsWith('.js'))
      .map(entry => ({
        url: entry.name,
        decoded: entry.decodedBodySize,
        transfer: entry.transferSize
      }))
  );
}

function total(entries: JsEntry[]): Totals {
  return {
    files: entries.length,
    decoded: entries.reduce((sum, entry) => sum + entry.decoded, 0),
    transfer: entries.reduce((sum, entry) => sum + entry.transfer, 0)
  };
}

const isOurs = (entry: JsEntry): boolean => entry.url.includes(OURS);
const fileName = (url: string): string => path.basename(new URL(url).pathname);

async function run(browser: Browser, stack: Stack): Promise<Run> {
  // A fresh context: empty HTTP cache, cookies and localStorage (no Amplify session).
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const pending = inFlight(page);
    await page.addInitScript(INSTRUMENT);
    await page.goto(workspaceUrl(stack, WORKSPACE));
    await page.waitForFunction(
      () => performance.getEntriesByName('bench:restored').length > 0,
      undefined,
      { timeout: 120_000 }
    );
    // Chunks JupyterLab fetches right after restoring still belong to start-up.
    await settle(page, pending);
    const startup = await jsEntries(page);
    const timings = await page.evaluate(ids => {
      const restored = performance.getEntriesByName('bench:restored')[0];
      const activation: Record<string, number | undefined> = {};
      for (const id of ids) {
        activation[id] = performance.getEntriesByName(`${id}:activate`)[0]
          ?.duration;
      }
      const session = Object.keys(localStorage).filter(key =>
        key.startsWith('CognitoIdentityServiceProvider')
      );
      return { restoredMs: restored.startTime, activation, session };
    }, PLUGIN_IDS);
    if (timings.session.length > 0) {
      throw new Error(
        'A fresh browser context has an Amplify session: the sign-in form would not show.'
      );
    }

    const opened = performance.now();
    await page.evaluate(() => {
      const app = (
        window as unknown as {
          jupyterapp: { commands: { execute(id: string): Promise<unknown> } };
        }
      ).jupyterapp;
      void app.commands.execute('mlflow:open');
    });
    await page
      .getByLabel('User name', { exact: true })
      .waitFor({ state: 'visible', timeout: FORM_TIMEOUT_MS })
      .catch(() => {
        throw new Error(
          `The MLflow sign-in form ("User name") did not show within ${FORM_TIMEOUT_MS / 1000} s of mlflow:open.`
        );
      });
    const formMs = performance.now() - opened;
    await settle(page, pending);
    const seen = new Set(startup.map(entry => entry.url));
    const signin = (await jsEntries(page)).filter(
      entry => !seen.has(entry.url)
    );

    const phase = new Map<string, 'start-up' | 'sign-in'>();
    startup
      .filter(isOurs)
      .forEach(entry => phase.set(fileName(entry.url), 'start-up'));
    signin
      .filter(isOurs)
      .forEach(entry => phase.set(fileName(entry.url), 'sign-in'));
    return {
      startupAll: total(startup),
      startupOurs: total(startup.filter(isOurs)),
      startupGalata: total(startup.filter(entry => entry.url.includes(GALATA))),
      signinAll: total(signin),
      signinOurs: total(signin.filter(isOurs)),
      restoredMs: timings.restoredMs,
      formMs,
      activationMs: timings.activation,
      phase
    };
  } finally {
    await context.close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}

const kib = (bytes: number): string => (bytes / 1024).toFixed(1);
const percent = (part: number, whole: number, digits = 1): string =>
  whole > 0 ? `${((100 * part) / whole).toFixed(digits)}%` : 'n/a';

/** Median and range of one number across runs, to `digits` decimals. */
function spread(values: number[], digits = 0): string {
  return `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(
    digits
  )}–${Math.max(...values).toFixed(digits)})`;
}

function printBytes(runs: Run[]): void {
  const rows: [string, (run: Run) => Totals, string][] = [
    ['start-up, all JavaScript', run => run.startupAll, ''],
    ['start-up, ours', run => run.startupOurs, 'of start-up'],
    [
      "start-up, Galata's helpers",
      run => run.startupGalata,
      'of start-up (local stack only)'
    ],
    ['sign-in form, all added', run => run.signinAll, 'of start-up'],
    ['sign-in form, ours added', run => run.signinOurs, 'of start-up']
  ];
  console.log(
    'JavaScript loaded                files  decoded KiB  transfer KiB  decoded share'
  );
  const whole = median(runs.map(run => run.startupAll.decoded));
  for (const [label, pick, share] of rows) {
    const totals = runs.map(pick);
    const decoded = median(totals.map(t => t.decoded));
    console.log(
      [
        label.padEnd(30),
        median(totals.map(t => t.files))
          .toFixed(0)
          .padStart(7),
        kib(decoded).padStart(12),
        kib(median(totals.map(t => t.transfer))).padStart(13),
        share ? `${percent(decoded, whole).padStart(8)} ${share}` : ''
      ].join(' ')
    );
  }
  const ours = median(runs.map(run => run.startupOurs.decoded));
  console.log(
    `The extension's JavaScript at start-up: ${kib(ours)} KiB of ${kib(whole)} KiB (${percent(ours, whole)}), ${
      ours / 1024 <= STARTUP_BUDGET_KIB ? 'within' : 'OVER'
    } its budget of ${STARTUP_BUDGET_KIB} KiB.`
  );
  // Transfer close to decoded means the server sent the body uncompressed.
  console.log(
    '(transfer = body as sent + headers; Jupyter Server does not compress: see gzip below.)'
  );
}

function printTimes(runs: Run[]): void {
  const restored = runs.map(run => run.restoredMs);
  console.log(
    '\nTime (ms)                                  median (min–max)   share of app.restored (per-run median)'
  );
  console.log(
    `${'app.restored, from navigation'.padEnd(42)} ${spread(restored)}`
  );
  for (const id of PLUGIN_IDS) {
    const label = `${id}:activate`.padEnd(42);
    const values = runs.map(run => run.activationMs[id]);
    if (values.some(value => value === undefined)) {
      console.log(
        `${label} n/a (no measure: the bundle predates src/perf.ts; rebuild with npm run build:prod)`
      );
      continue;
    }
    const ms = values as number[];
    const shares = runs.map((run, i) => ms[i] / run.restoredMs);
    console.log(
      `${label} ${spread(ms, 1).padEnd(18)} ${percent(median(shares), 1, 2)}`
    );
  }
  console.log(
    `${'sign-in form visible after mlflow:open'.padEnd(42)} ${spread(
      runs.map(run => run.formMs)
    )}`
  );
  console.log(
    '(activate spans await: the settings plugin waits for its settings to load.)'
  );
}

/**
 * What a chunk holds, from markers that survive minification (production
 * chunks are named by number only); the first that matches.
 */
function role(name: string, text: string): string {
  const markers: [RegExp, string][] = [
    [/^remoteEntry\./, 'entry (module federation)'],
    [/^style\.js$/, 'style import (not loaded)'],
    [/^mlflow-panel\./, 'our MLflow panel (model, view, hand-off)'],
    [/^mlflow-run-browser\./, 'our run browser (model, view, row commands)'],
    [/^mlflow-models\./, 'our models view (model, view, dialogs)'],
    [/^mlflow-identity\./, 'our status-bar identity (text only)'],
    [/^mlflow-identity-details\./, 'our identity details dialog'],
    [/^mlflow-tabs\./, 'our browser-tab hand-off (first tab)'],
    [/^mlflow-settings-problems\./, 'our settings warning (on a problem)'],
    [/^mlflow-notebook-cells\./, 'our cell insertion (first insert)'],
    [/^mlflow-access\./, 'our Access view (first opened)'],
    [/amplify-authenticator/, 'vendor: @aws-amplify/ui-react'],
    [/CognitoIdentityServiceProvider/, 'vendor: aws-amplify'],
    [/mlflow:open/, 'our plugins (main chunk)'],
    [/User name/, 'our sign-in form'],
    [/loadAmplifyBackend/, 'our Amplify backend'],
    [/\.jp-Mlflow[\w-]*\s*\{/, 'our styles'],
    [/jp-MlflowRuns-table/, 'our run browser view'],
    [/observeElementRect/, 'vendor: @tanstack/react-virtual']
  ];
  return (
    markers.find(([marker]) => marker.test(name) || marker.test(text))?.[1] ??
    ''
  );
}

/** Our chunks on disk, with the phase the last run loaded each in. */
function printChunks(phase: Map<string, string>): void {
  const dir = path.join(LABEXTENSION, 'static');
  const files = fs
    .readdirSync(dir)
    .filter(name => name.endsWith('.js'))
    .map(name => ({ name, text: fs.readFileSync(path.join(dir, name)) }))
    .sort((a, b) => a.text.length - b.text.length);
  console.log(
    `\nOur chunks on disk (${path.relative(REPO, dir)}; content hashes cut)`
  );
  console.log(
    'chunk                                            bytes   gzip -6  loaded     holds'
  );
  for (const { name, text } of files) {
    // Long webpack chunk names: keep the start and the end, drop the hash.
    const short = name.replace(/\.[0-9a-f]{16,}\.js$/, '.js');
    const label =
      short.length > 44 ? `${short.slice(0, 30)}…${short.slice(-13)}` : short;
    console.log(
      [
        label.padEnd(44),
        text.length.toLocaleString('en-US').padStart(11),
        zlib
          .gzipSync(text, { level: 6 })
          .length.toLocaleString('en-US')
          .padStart(9),
        (phase.get(name) ?? '-').padEnd(10),
        role(name, text.toString('utf8'))
      ].join(' ')
    );
  }
}

/**
 * Which build was measured: only development builds (unminified, with source
 * maps) write build_log.json, and every build empties the output first.
 */
function buildMode(): string {
  const log = path.join(LABEXTENSION, 'build_log.json');
  if (!fs.existsSync(log)) {
    return 'production build';
  }
  const mode = (
    JSON.parse(fs.readFileSync(log, 'utf8')) as { mode?: string }[]
  )[0]?.mode;
  return mode === 'development'
    ? 'development build (unminified; npm run build:prod for what users get)'
    : `${mode ?? 'unknown'} build`;
}

async function main(): Promise<void> {
  if (!Number.isInteger(ROUNDS) || ROUNDS < 1) {
    throw new Error(`BENCH_ROUNDS must be a positive integer, not ${ROUNDS}.`);
  }
  const stack = await requireStack();
  const browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
  const runs: Run[] = [];
  try {
    for (let i = 0; i < WARMUP + ROUNDS; i++) {
      const result = await run(browser, stack);
      if (i >= WARMUP) {
        runs.push(result);
      }
    }
  } finally {
    await browser.close();
    // The bench's workspace holds the panel it opened; leave nothing behind.
    await deleteWorkspace(stack, WORKSPACE);
  }

  console.log(
    `JupyterLab start-up with sagemaker-studio-mlflow: ${ROUNDS} fresh browser contexts after ${WARMUP} warm-up, medians`
  );
  console.log(`Extension: ${buildMode()}\n`);
  printBytes(runs);
  printTimes(runs);
  printChunks(runs[runs.length - 1].phase);
}

main().catch(error => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
