import type { APIRequestContext } from '@playwright/test';
import { test as galataTest } from '@jupyterlab/galata';

import { readStack } from './stack';

export { expect } from '@jupyterlab/galata';

/** Shuts down every kernel and session left on the server. */
async function shutDownRunners(request: APIRequestContext): Promise<void> {
  for (const kind of ['sessions', 'kernels'] as const) {
    const response = await request.get(`api/${kind}`);
    if (!response.ok()) {
      continue;
    }
    for (const { id } of (await response.json()) as { id: string }[]) {
      await request.delete(`api/${kind}/${id}`);
    }
  }
}

/**
 * Galata's test, with its REST helper (used to make and remove the test's
 * temporary folder on the server) authenticated by the server token.
 *
 * Galata's own tracking of kernels, sessions and terminals proxies
 * JupyterLab's polls and can throw "Response has been disposed" when a test
 * ends while a poll is in flight, failing a test that passed. It is off;
 * the kernels and sessions a test leaves are shut down here instead (tests
 * run one at a time on one server).
 */
export const test = galataTest.extend({
  request: async ({ playwright, baseURL }, use) => {
    const context = await playwright.request.newContext({
      baseURL,
      extraHTTPHeaders: {
        Authorization: `token ${readStack().jupyterlabToken}`
      }
    });
    await use(context);
    await shutDownRunners(context);
    await context.dispose();
  },
  kernels: null,
  sessions: null,
  terminals: null
});
