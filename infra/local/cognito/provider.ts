import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import * as path from 'node:path';

import { urlOf } from '../config';
import type { AccessKey } from '../stack';
import { createBridge } from './bridge';
import { cognitoClient } from './pool';

/**
 * The local identity provider: cognito-local, run in this process, behind the
 * bridge (bridge.ts) that adds the one Cognito call it lacks.
 */

/**
 * Writes cognito-local's configuration into `directory`: it listens on an
 * ephemeral port of 127.0.0.1 behind the bridge, and issues tokens whose
 * issuer names the bridge's address, where callers really reach it.
 */
function writeCognitoConfig(directory: string, issuerDomain: string): void {
  const dir = path.join(directory, '.cognito');
  fs.mkdirSync(dir, { recursive: true });
  const config = {
    ServerConfig: { hostname: '127.0.0.1', port: 0 },
    TokenConfig: { IssuerDomain: issuerDomain },
    // Plain usernames (admin, reader, ...) rather than e-mail addresses.
    UserPoolDefaults: { UsernameAttributes: [] }
  };
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify(config, null, 2) + '\n'
  );
}

type CognitoLocalServer = typeof import('cognito-local/lib/server');
/** The logger cognito-local is built against (pino, its own copy). */
export type CognitoLocalLogger = Parameters<
  CognitoLocalServer['createDefaultServer']
>[0];

/**
 * cognito-local's own requires, so the logger comes from the pino it was
 * built with rather than one infra would have to pin alongside it.
 */
const cognitoLocalRequire = createRequire(
  require.resolve('cognito-local/package.json')
);

export function cognitoLocalLogger(level: string): CognitoLocalLogger {
  const pino = cognitoLocalRequire('pino') as (options: {
    level: string;
  }) => CognitoLocalLogger;
  return pino({ level });
}

/**
 * Where the cognito process (main.ts) finds the operator's key: in its
 * environment, which only its owner may read, not on its command line.
 */
export const OPERATOR_KEY_ENV = {
  accessKeyId: 'LOCAL_COGNITO_OPERATOR_ACCESS_KEY_ID',
  secretAccessKey: 'LOCAL_COGNITO_OPERATOR_SECRET_ACCESS_KEY'
} as const;

export interface RunningCognito {
  /** The public address: the bridge, and the issuer's domain. */
  url: string;
  /** cognito-local itself, on an ephemeral port: it answers the bridge only. */
  internalUrl: string;
  /** The headers that make cognito-local answer (the bridge's pass; for tests). */
  bridgeHeaders: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

/** The header in which the bridge shows cognito-local its pass. */
const BRIDGE_PASS_HEADER = 'x-local-bridge-pass';

/**
 * Makes cognito-local answer only requests that carry this process's pass:
 * its internal port is as open as any, and it would otherwise take every
 * administrator's call from anyone who finds it.
 */
function answerOnlyWithPass(server: http.Server, pass: string): void {
  const handlers = server.listeners('request') as http.RequestListener[];
  server.removeAllListeners('request');
  const expected = Buffer.from(pass);
  server.on('request', (request, response) => {
    const sent = request.headers[BRIDGE_PASS_HEADER];
    const given = Buffer.from(typeof sent === 'string' ? sent : '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      response.writeHead(403, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(
        JSON.stringify({
          __type: 'UnrecognizedClientException',
          message: 'cognito-local answers through its bridge only.'
        })
      );
      return;
    }
    delete request.headers[BRIDGE_PASS_HEADER];
    for (const handler of handlers) {
      handler.call(server, request, response);
    }
  });
}

function close(server: http.Server): Promise<void> {
  return new Promise(resolve => {
    server.close(() => resolve());
    // Idle keep-alive connections would otherwise hold close() open.
    server.closeAllConnections();
  });
}

/**
 * Starts cognito-local in this process on an ephemeral port of 127.0.0.1,
 * with its data in `directory`, and the bridge in front of it on `port` (0:
 * any free port). Tokens name the bridge's address as their issuer, since
 * that is where callers find the keys. Administrators' calls must be signed
 * with `operator`'s key (bridge.ts).
 *
 * cognito-local reads `.cognito/` relative to the working directory, on
 * every call and not only at start, so this changes the process's working
 * directory to `directory` for as long as it runs.
 */
export async function startCognito(options: {
  directory: string;
  port: number;
  logger: CognitoLocalLogger;
  /** The key the bridge wants administrators' calls signed with. */
  operator: AccessKey;
  /** The managed login stand-in's configuration file (absolute), for SSO. */
  managedLoginConfig?: string;
}): Promise<RunningCognito> {
  // cognito-local loads the AWS SDK v2 (for Lambda triggers), which warns at
  // load time about its end of support; nothing here uses it.
  process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= '1';
  // The bridge listens first: its port is the issuer cognito-local must be
  // configured with. Until cognito-local is up, it answers 503.
  const cognitoLocal: { url?: string } = {};
  const bridgeHeaders = {
    [BRIDGE_PASS_HEADER]: randomBytes(24).toString('base64url')
  };
  // The stand-in calls the pool through the bridge, as any client does.
  let publicPort = 0;
  const managedLoginConfig = options.managedLoginConfig;
  const bridge = createBridge(() => cognitoLocal.url, {
    operator: options.operator,
    upstreamHeaders: bridgeHeaders,
    managedLogin:
      managedLoginConfig === undefined
        ? undefined
        : {
            configFile: managedLoginConfig,
            admin: () => cognitoClient(publicPort, options.operator),
            user: () => cognitoClient(publicPort)
          }
  });
  await bridge.listen({ host: '127.0.0.1', port: options.port });
  publicPort = (bridge.server.address() as AddressInfo).port;
  const url = urlOf(publicPort);
  let internal: http.Server;
  try {
    const directory = path.resolve(options.directory);
    writeCognitoConfig(directory, url);
    process.chdir(directory);
    const { createDefaultServer } = cognitoLocalRequire(
      './lib/server'
    ) as CognitoLocalServer;
    const server = await createDefaultServer(options.logger);
    internal = (await server.start()) as http.Server;
    answerOnlyWithPass(internal, bridgeHeaders[BRIDGE_PASS_HEADER]);
  } catch (error) {
    await bridge.close();
    throw error;
  }
  const internalUrl = urlOf((internal.address() as AddressInfo).port);
  cognitoLocal.url = internalUrl;
  return {
    url,
    internalUrl,
    bridgeHeaders,
    close: async () => {
      await bridge.close();
      await close(internal);
    }
  };
}
