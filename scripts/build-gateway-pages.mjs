// Bundles the gateway's /auth/ pages (src/gateway-pages) into
// lib/gateway-pages: the local gateway serves them, and the CDK app
// deploys them. They are plain browser pages, not part of JupyterLab.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'gateway-pages');
// infra/src/pages/build.ts (PAGES_BUILD_DIR) names the same folder; a test
// keeps the two equal.
const out = join(root, 'lib', 'gateway-pages');
const production = process.argv.includes('--production');

mkdirSync(out, { recursive: true });
await build({
  entryPoints: {
    handoff: join(source, 'handoff.ts'),
    login: join(source, 'login.tsx'),
    tab: join(source, 'tab.ts'),
    sso: join(source, 'sso.ts')
  },
  bundle: true,
  outdir: out,
  entryNames: '[name]',
  format: 'iife',
  target: ['es2020'],
  minify: production,
  sourcemap: !production,
  legalComments: 'linked',
  logLevel: 'warning',
  loader: { '.svg': 'text' }
});
await build({
  entryPoints: [join(source, 'login.css'), join(source, 'tab.css')],
  bundle: true,
  outdir: out,
  minify: production,
  logLevel: 'warning'
});
for (const page of ['handoff.html', 'login.html', 'tab.html', 'sso.html']) {
  copyFileSync(join(source, page), join(out, page));
}
