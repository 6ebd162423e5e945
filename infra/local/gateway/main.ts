import { Command } from 'commander';

import { loadAuthorizer } from '../authorizer-bundle';
import { createAccessControl } from './access';
import { integrationTimeoutSeconds, readGatewayConfig } from './config';
import { createGateway } from './server';

/** What the gateway says at start when it refuses nothing (a test's switch). */
const LET_EVERYTHING_THROUGH_WARNING =
  'WARNING: letEverythingThrough is on: this gateway refuses NOTHING of its own ' +
  '(no IAM or token policy, path or method-override check); only MLflow decides. ' +
  'For tests only, never for a stack anyone uses.';

/** Runs the local gateway as its own process (started by `npm run local -- up`). */
async function main(): Promise<void> {
  const options = new Command('gateway')
    .requiredOption(
      '--port <port>',
      'port to listen on (127.0.0.1 only)',
      Number
    )
    .requiredOption('--config <file>', 'the gateway configuration (JSON)')
    .parse()
    .opts<{ port: number; config: string }>();

  const config = readGatewayConfig(options.config);
  const { authorize, callerPermissions } = loadAuthorizer(config);
  const access = createAccessControl({
    api: config.api,
    iam: config.iam,
    permissions: config.permissions,
    authorize,
    letEverythingThrough: config.letEverythingThrough
  });
  const app = createGateway({
    upstream: config.upstream,
    access,
    allowedOrigins: config.allowedOrigins,
    pages: config.pages,
    callerPermissions,
    proof: config.proof,
    integrationTimeoutSeconds: integrationTimeoutSeconds(),
    logger: true
  });
  if (config.letEverythingThrough) {
    console.warn(LET_EVERYTHING_THROUGH_WARNING);
  }
  await app.listen({ host: '127.0.0.1', port: options.port });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void app.close().then(() => process.exit(0));
    });
  }
}

main().catch(error => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
