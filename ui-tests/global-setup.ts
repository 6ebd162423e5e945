import * as fs from 'node:fs';
import * as path from 'node:path';

import { request } from '@playwright/test';

import { AUTH_STATE } from './playwright.config';
import { readStack } from './stack';

/**
 * Signs the browser in to the local JupyterLab once: opening it with its
 * token sets JupyterLab's login cookie, which every test then starts with.
 */
export default async function globalSetup(): Promise<void> {
  const stack = readStack();
  const context = await request.newContext({ baseURL: stack.jupyterlab });
  const response = await context.get(`/lab?token=${stack.jupyterlabToken}`);
  if (!response.ok()) {
    throw new Error(
      `JupyterLab at ${stack.jupyterlab} answered ${response.status()}; is the local stack up?`
    );
  }
  fs.mkdirSync(path.dirname(AUTH_STATE), { recursive: true });
  await context.storageState({ path: AUTH_STATE });
  await context.dispose();
}
