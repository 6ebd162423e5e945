import * as path from 'node:path';

import { Command } from 'commander';

import { OPERATOR_KEY_ENV, cognitoLocalLogger, startCognito } from './provider';

/**
 * Runs the local identity provider as its own process (started by `npm run
 * local -- up`): cognito-local on an internal port and, on `--port`, the
 * bridge that adds GetTokensFromRefreshToken in front of it.
 */
async function main(): Promise<void> {
  const options = new Command('cognito')
    .requiredOption(
      '--port <port>',
      'public port to listen on (127.0.0.1 only)',
      Number
    )
    .requiredOption(
      '--dir <directory>',
      "cognito-local's directory (its .cognito/ with configuration and data)"
    )
    .option(
      '--managed-login-config <file>',
      'the managed login stand-in’s configuration (SSO), written once the pool exists'
    )
    .parse()
    .opts<{ port: number; dir: string; managedLoginConfig?: string }>();

  const accessKeyId = process.env[OPERATOR_KEY_ENV.accessKeyId];
  const secretAccessKey = process.env[OPERATOR_KEY_ENV.secretAccessKey];
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(
      `${OPERATOR_KEY_ENV.accessKeyId} and ${OPERATOR_KEY_ENV.secretAccessKey} must name the operator's key.`
    );
  }
  const cognito = await startCognito({
    directory: options.dir,
    port: options.port,
    logger: cognitoLocalLogger(process.env.DEBUG ? 'debug' : 'info'),
    operator: { accessKeyId, secretAccessKey },
    managedLoginConfig:
      options.managedLoginConfig === undefined
        ? undefined
        : path.resolve(options.managedLoginConfig)
  });
  console.log(
    `cognito-local on ${cognito.internalUrl}, reached through ${cognito.url}`
  );

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void cognito.close().then(() => process.exit(0));
    });
  }
}

main().catch(error => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
