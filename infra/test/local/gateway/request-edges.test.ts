import * as http from 'node:http';

import type { FastifyInstance } from 'fastify';

import {
  allowedDecision,
  type GatewayRequest
} from '../../../local/gateway/access';
import { createGateway } from '../../../local/gateway/server';
import {
  MAX_COSTLY_BODY_BYTES,
  REFUSALS,
  edgeRefusal
} from '../../../src/apigateway';
import type { GatewayRoute } from '../../../src/gateway-routes';
import { Operation, findOperation } from '../../../src/permissions';
import { RecordingUpstream, recordingUpstream } from '../../support/upstream';

const ROUTE: GatewayRoute = {
  path: '/api/2.0/{proxy+}',
  method: 'ANY',
  authorization: 'iam',
  cookie: false
};

/** One request as a plain HTTP/1.1 client sends it, with exactly these headers. */
function send(
  base: string,
  options: {
    method: string;
    path: string;
    headers?: http.OutgoingHttpHeaders;
    body?: Buffer | string;
  }
): Promise<{ status: number; body: string; continued: boolean }> {
  return new Promise((resolve, reject) => {
    let continued = false;
    const request = http.request(
      `${base}${options.path}`,
      { method: options.method, headers: options.headers, agent: false },
      response => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            continued
          })
        );
      }
    );
    request.on('error', reject);
    const expectsContinue = options.headers?.['expect'] === '100-continue';
    if (expectsContinue) {
      // As curl does: the body waits for the server's 100 Continue.
      request.on('continue', () => {
        continued = true;
        request.end(options.body);
      });
      request.flushHeaders();
    } else {
      request.end(options.body);
    }
  });
}

describe('the local gateway (what real clients send)', () => {
  let upstream: RecordingUpstream;
  let gateway: FastifyInstance;
  let base: string;
  let decided: GatewayRequest[];

  beforeEach(async () => {
    upstream = await recordingUpstream(response => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
    decided = [];
    const decision = allowedDecision(
      ROUTE,
      findOperation('runs.logBatch') as Operation,
      'iam',
      { userArn: 'arn:aws:iam::123456789012:user/alice' }
    );
    gateway = createGateway({
      upstream: upstream.url,
      access: async request => {
        decided.push(request);
        return decision;
      },
      proof: 'proof-of-the-gateway-'.padEnd(48, 'x')
    });
    base = await gateway.listen({ host: '127.0.0.1', port: 0 });
  });

  afterEach(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('answers Expect: 100-continue itself and passes the whole body on', async () => {
    // curl sends this header with every upload over 1 MB.
    const body = Buffer.alloc(2 * 1024 * 1024, 0x61);
    const answer = await send(base, {
      method: 'PUT',
      path: '/api/2.0/mlflow-artifacts/artifacts/1/model.bin',
      headers: {
        expect: '100-continue',
        'content-type': 'application/octet-stream',
        'content-length': body.length
      },
      body
    });
    expect(answer.continued).toBe(true);
    expect(answer.status).toBe(200);
    const [request] = upstream.seen;
    expect(request.headers['expect']).toBeUndefined();
    expect(request.body.equals(body)).toBe(true);
  });

  it('passes an empty JSON body on empty, its content type kept', async () => {
    const answer = await send(base, {
      method: 'POST',
      path: '/api/2.0/mlflow/experiments/search',
      headers: { 'content-type': 'application/json', 'content-length': 0 }
    });
    expect(answer.status).toBe(200);
    const [request] = upstream.seen;
    expect(request.body.length).toBe(0);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['content-length']).toBe('0');
  });

  it('passes a GET without a body on without one', async () => {
    await send(base, {
      method: 'GET',
      path: '/api/2.0/mlflow/experiments/search?max_results=5'
    });
    const [request] = upstream.seen;
    expect(request.body.length).toBe(0);
    expect(request.headers['content-type']).toBeUndefined();
  });

  it('keeps stray hop-by-hop headers to their hop and passes the request on', async () => {
    const answer = await send(base, {
      method: 'POST',
      path: '/api/2.0/mlflow/runs/log-batch',
      headers: {
        'content-type': 'application/json',
        // Stray: sent without a Connection header that names them.
        'keep-alive': 'timeout=5, max=100',
        upgrade: 'websocket',
        te: 'trailers',
        'x-end-to-end': 'kept'
      },
      body: '{"run_id": "r1"}'
    });
    expect(answer.status).toBe(200);
    const [request] = upstream.seen;
    expect(request.headers['keep-alive']).toBeUndefined();
    expect(request.headers['upgrade']).toBeUndefined();
    expect(request.headers['te']).toBeUndefined();
    expect(request.headers['x-end-to-end']).toBe('kept');
    expect(request.body.toString()).toBe('{"run_id": "r1"}');
  });

  it.each([
    ['an escape of non-hex digits', 'filter=%zz'],
    ['a lone percent sign', 'filter=%'],
    ['a cut-off escape', 'filter=abc%4'],
    ['a malformed escape in a key', 'max%zzresults=5']
  ])(
    'refuses a query with %s in MLflow’s error format, before any decision',
    async (_name, query) => {
      const answer = await send(base, {
        method: 'GET',
        path: `/api/2.0/mlflow/experiments/search?${query}`
      });
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toEqual({
        error_code: REFUSALS.BAD_REQUEST_PARAMETERS.errorCode,
        message: expect.stringMatching(/query.*escape/i)
      });
      expect(decided).toHaveLength(0);
      expect(upstream.seen).toHaveLength(0);
    }
  );

  it('passes well-formed escapes in the query on as sent', async () => {
    const query = 'filter=name%20LIKE%20%27a%25%27&x=%E2%9C%93+y';
    const answer = await send(base, {
      method: 'GET',
      path: `/api/2.0/mlflow/experiments/search?${query}`
    });
    expect(answer.status).toBe(200);
    expect(upstream.seen[0].url).toBe(
      `/api/2.0/mlflow/experiments/search?${query}`
    );
  });
});

describe('the local gateway (cost bounds)', () => {
  let upstream: RecordingUpstream;
  let gateway: FastifyInstance;
  let base: string;
  let decided: GatewayRequest[];

  beforeEach(async () => {
    upstream = await recordingUpstream(response => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
    decided = [];
    const decision = allowedDecision(
      ROUTE,
      findOperation('runs.search') as Operation,
      'token',
      { authorizer: { principal: 'alice', groups: 'readers' } }
    );
    gateway = createGateway({
      upstream: upstream.url,
      access: async request => {
        decided.push(request);
        return decision;
      },
      proof: 'proof-of-the-gateway-'.padEnd(48, 'x')
    });
    base = await gateway.listen({ host: '127.0.0.1', port: 0 });
  });

  afterEach(async () => {
    await gateway.close();
    await upstream.close();
  });

  /** A JSON body of exactly `bytes` bytes whose `field` is the long text. */
  const jsonOf = (field: string, bytes: number): string => {
    const empty = JSON.stringify({ [field]: '' });
    return JSON.stringify({ [field]: 'a'.repeat(bytes - empty.length) });
  };

  it.each([
    ['/graphql', 'query'],
    ['/ajax-api/2.0/mlflow/runs/search', 'filter'],
    ['/api/2.0/mlflow/runs/search', 'filter'],
    ['/api/2.0/mlflow/experiments/search', 'filter'],
    ['/api/3.0/mlflow/traces/search', 'filter'],
    ['/ajax-api/2.0/mlflow/experiments/search-datasets', 'filter']
  ])(
    'refuses a body over %s’s bound in MLflow’s error format, and passes one at the bound',
    async (path, field) => {
      const over = await send(base, {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json' },
        body: jsonOf(field, MAX_COSTLY_BODY_BYTES + 1)
      });
      expect(over.status).toBe(400);
      expect(JSON.parse(over.body)).toEqual(edgeRefusal('COSTLY_REQUEST').body);
      expect(JSON.parse(over.body).message).toContain('64 KB');
      expect(upstream.seen).toHaveLength(0);
      expect(decided).toHaveLength(0);

      const at = await send(base, {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json' },
        body: jsonOf(field, MAX_COSTLY_BODY_BYTES)
      });
      expect(at.status).toBe(200);
      expect(upstream.seen[0].body.length).toBe(MAX_COSTLY_BODY_BYTES);
    }
  );

  it('leaves bodies of other requests to the payload limit alone', async () => {
    const body = jsonOf('metrics', 2 * 1024 * 1024);
    const answer = await send(base, {
      method: 'POST',
      path: '/api/2.0/mlflow/runs/log-batch',
      headers: { 'content-type': 'application/json' },
      body
    });
    expect(answer.status).toBe(200);
    expect(upstream.seen[0].body.length).toBe(body.length);
  });
});
