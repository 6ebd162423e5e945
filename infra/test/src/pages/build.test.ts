import * as fs from 'node:fs';
import * as path from 'node:path';

import { PAGES_BUILD_DIR } from '../../../src/pages/build';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');

describe('PAGES_BUILD_DIR', () => {
  it('is where npm run build:pages writes the pages (scripts/build-gateway-pages.mjs)', () => {
    const script = fs.readFileSync(
      path.join(REPO, 'scripts', 'build-gateway-pages.mjs'),
      'utf-8'
    );
    const parts = path
      .relative(REPO, PAGES_BUILD_DIR)
      .split(path.sep)
      .map(part => `'${part}'`);
    expect(script).toContain(`const out = join(root, ${parts.join(', ')});`);
  });
});
