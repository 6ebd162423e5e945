import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { FastifyInstance } from 'fastify';

import { allowedDecision } from '../../../local/gateway/access';
import { createGateway } from '../../../local/gateway/server';
import {
  MLFLOW_KEEP_ALIVE_MS,
  upstreamPool
} from '../../../local/gateway/upstream';
import type { GatewayRoute } from '../../../src/gateway-routes';
import { Operation, findOperation } from '../../../src/permissions';

const ROUTE: GatewayRoute = {
  path: '/api/2.0/{proxy+}',
  method: 'ANY',
  authorization: 'iam',
  cookie: false
};

/** The goal of the load bench: this many SDK clients logging at once. */
const CLIENTS_AT_ONCE = 200;

/**
 * MLflow's stand-in: counts the connections the gateway opens and holds
 * every answer until `release` requests are waiting, so all of them must
 * have reached it at the same time.
 */
async function countingUpstream(release: number) {
  const waiting: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      waiting.push(res);
      if (waiting.length >= release) {
        for (const held of waiting.splice(0)) {
          held.writeHead(200, { 'content-type': 'application/json' });
          held.end('{}');
        }
      }
    });
  });
  server.keepAliveTimeout = MLFLOW_KEEP_ALIVE_MS;
  const connections = { opened: 0 };
  server.on('connection', () => (connections.opened += 1));
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections,
    close: () =>
      new Promise<void>(resolve => {
        server.close(() => resolve());
        server.closeAllConnections();
      })
  };
}

describe("the local gateway's connections to MLflow", () => {
  let gateway: FastifyInstance;
  let upstream: Awaited<ReturnType<typeof countingUpstream>>;
  let base: string;

  async function start(release: number): Promise<void> {
    upstream = await countingUpstream(release);
    const decision = allowedDecision(
      ROUTE,
      findOperation('runs.log-batch') as Operation,
      'iam',
      { userArn: 'arn:aws:iam::000000000000:user/admin' }
    );
    gateway = createGateway({
      upstream: upstream.url,
      access: async () => decision,
      proof: 'proof-of-the-gateway-'.padEnd(48, 'x')
    });
    base = await gateway.listen({ host: '127.0.0.1', port: 0 });
  }

  const logBatch = () =>
    fetch(`${base}/api/2.0/mlflow/runs/log-batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"run_id":"r","metrics":[]}'
    });

  // MLflow's stand-in first: it drops what it still holds, so the gateway can close.
  afterEach(async () => {
    await upstream.close();
    await gateway.close();
  });

  it('keeps one connection alive for requests one after another', async () => {
    await start(1);
    for (let i = 0; i < 20; i++) {
      const response = await logBatch();
      expect(response.status).toBe(200);
      await response.text();
    }
    expect(upstream.connections.opened).toBe(1);
  });

  it('forwards every request in flight at once: none waits in the gateway for a connection', async () => {
    await start(CLIENTS_AT_ONCE);
    const answers = await Promise.all(
      Array.from({ length: CLIENTS_AT_ONCE }, logBatch)
    );
    expect(answers.map(answer => answer.status)).toEqual(
      Array(CLIENTS_AT_ONCE).fill(200)
    );
    expect(upstream.connections.opened).toBe(CLIENTS_AT_ONCE);
  });
});

describe('upstreamPool', () => {
  it('lets an idle connection go before MLflow closes it', () => {
    expect(upstreamPool().keepAliveTimeout).toBeLessThan(MLFLOW_KEEP_ALIVE_MS);
  });

  it('waits for MLflow as long as the integration timeout, and no longer', () => {
    expect(upstreamPool(29_000)).toMatchObject({
      headersTimeout: 29_000,
      bodyTimeout: 29_000
    });
  });
});
