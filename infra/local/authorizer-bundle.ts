import * as path from 'node:path';

import { build } from 'esbuild';

import type { Authorizer } from '../src/authorizer/authorizer';
import type { CallerPermissionsHandler } from '../src/authorizer/caller';
import type { GatewayConfig } from './gateway/config';

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

/**
 * Loads the bundle as Lambda would (the authorizer and the
 * `/auth/permissions` integration): its configuration in the environment
 * (the operator's roles as `PERMISSIONS`, from the same file the gateway's
 * IAM policies come from), its `handler` export called once per request.
 */
export function loadAuthorizer(config: GatewayConfig): {
  authorize: Authorizer;
  callerPermissions: CallerPermissionsHandler;
} {
  Object.assign(process.env, config.authorizer.environment, {
    PERMISSIONS: JSON.stringify(config.permissions ?? {})
  });
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { handler, permissions } = require(
    path.resolve(config.authorizer.bundle)
  ) as { handler: Authorizer; permissions: CallerPermissionsHandler };
  return { authorize: handler, callerPermissions: permissions };
}
