/**
 * Where `npm run build:pages` (`scripts/build-gateway-pages.mjs` in the
 * repository root) puts the built `/auth/` pages; the CDK app deploys them
 * from here and the local gateway serves them from here. The script cannot
 * import this module: `test/src/pages/build.test.ts` holds it to this folder.
 */
import * as path from 'node:path';

export const PAGES_BUILD_DIR = path.join(
  __dirname,
  '..',
  '..',
  '..',
  'lib',
  'gateway-pages'
);
