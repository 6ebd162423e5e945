import * as fs from 'node:fs';
import { createServer } from 'node:http';

import { Command } from 'commander';

import { createOrgIdentityProvider, orgIdpConfigSchema } from './server';

/** Runs the organisation's identity provider stand-in as its own process. */
function main(): void {
  const options = new Command('idp')
    .requiredOption(
      '--port <port>',
      'port to listen on (127.0.0.1 only)',
      Number
    )
    .requiredOption('--config <file>', 'the provider configuration (JSON)')
    .parse()
    .opts<{ port: number; config: string }>();
  const config = orgIdpConfigSchema.parse(
    JSON.parse(fs.readFileSync(options.config, 'utf8'))
  );
  const idp = createOrgIdentityProvider(config);
  createServer((req, res) => idp.handle(req, res)).listen(
    options.port,
    '127.0.0.1',
    () => console.log(`Identity provider on ${config.issuer}`)
  );
}

main();
