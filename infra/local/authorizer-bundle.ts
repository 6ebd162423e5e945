import * as path from 'node:path';

import { build } from 'esbuild';

/** The Lambda authorizer's entry point, bundled the way the CDK's NodejsFunction bundles it. */
export const AUTHORIZER_ENTRY = path.join(
  __dirname,
  '..',
  'src',
  'authorizer',
  'handler.ts'
);

/**
 * Bundles the authorizer into one CommonJS file for Node 20, as it is
 * deployed, so the local gateway runs the same code Lambda runs.
 */
export async function bundleAuthorizer(outFile: string): Promise<void> {
  await build({
    entryPoints: [AUTHORIZER_ENTRY],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    logLevel: 'silent'
  });
}
