import { test as galataTest } from '@jupyterlab/galata';

import { readStack } from './stack';

export { expect } from '@jupyterlab/galata';

/**
 * Galata's test, with its REST helper (used to make and remove the test's
 * temporary folder on the server) authenticated by the server token.
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
    await context.dispose();
  }
});
