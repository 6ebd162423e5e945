import { Command } from 'commander';

import { createGateway } from './server';

/** Runs the local gateway as its own process (started by `npm run local -- up`). */
async function main(): Promise<void> {
  const options = new Command('gateway')
    .requiredOption(
      '--port <port>',
      'port to listen on (127.0.0.1 only)',
      Number
    )
    .requiredOption('--upstream <url>', "MLflow's base URL")
    .parse()
    .opts<{ port: number; upstream: string }>();

  const app = createGateway({ upstream: options.upstream, logger: true });
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
