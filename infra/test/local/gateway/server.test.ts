import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import type { FastifyInstance } from 'fastify';

import {
  allowedDecision,
  type AccessDecision,
  type GatewayRequest
} from '../../../local/gateway/access';
import {
  REQUEST_ID_RESPONSE_HEADER,
  createGateway
} from '../../../local/gateway/server';
import {
  GATEWAY_HEADERS,
  MAX_PAYLOAD_BYTES,
  REFUSALS,
  preflightHeaders,
  refusal
} from '../../../src/apigateway';
import { AUTH_COOKIE, type PagesConfig } from '../../../src/contract';
import type { GatewayRoute } from '../../../src/gateway-routes';
import { Operation, findOperation } from '../../../src/permissions';
import { RecordingUpstream, recordingUpstream } from '../../support/upstream';

/** MLflow's stand-in: a JSON answer with MLflow's default framing header. */
const answerAsMlflow = (res: http.ServerResponse): void => {
  res.writeHead(201, {
    'content-type': 'application/json',
    'x-upstream': 'yes',
    'x-frame-options': 'SAMEORIGIN'
  });
  res.end(JSON.stringify({ ok: true }));
};

const JUPYTERLAB = 'http://127.0.0.1:8888';

/** Node's names of the gateway headers. */
const HEADER = Object.fromEntries(
  Object.entries(GATEWAY_HEADERS).map(([key, name]) => [
    key,
    name.toLowerCase()
  ])
) as Record<keyof typeof GATEWAY_HEADERS, string>;

const PROOF = 'proof-of-the-gateway-'.padEnd(48, 'x');

/** Every gateway header a client could send, with a forged value. */
const FORGED = {
  [GATEWAY_HEADERS.authorization]: 'iam',
  [GATEWAY_HEADERS.principal]: 'mallory',
  [GATEWAY_HEADERS.roles]: 'admins',
  [GATEWAY_HEADERS.requestId]: 'forged-id',
  [GATEWAY_HEADERS.proof]: 'forged-proof',
  'X-Gateway-Teams': 'everyone'
};

/** The API's method the decisions below name (the server only logs it). */
const ROUTE: GatewayRoute = {
  path: '/ajax-api/2.0/{proxy+}',
  method: 'ANY',
  authorization: 'token',
  cookie: false
};

/** Built pages stand-in: the gateway serves what is in the folder. */
const PAGES_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-pages-'));
fs.writeFileSync(path.join(PAGES_DIR, 'handoff.html'), '<p>hand-off</p>');
fs.writeFileSync(path.join(PAGES_DIR, 'secret.txt'), 'not a page');
const PAGES: PagesConfig = {
  allowedOrigins: [JUPYTERLAB],
  cognito: {
    region: 'us-east-1',
    userPoolId: 'local_1',
    userPoolClientId: 'client',
    endpoint: 'http://127.0.0.1:9229',
    authFlow: 'USER_PASSWORD_AUTH',
    signIn: ['password']
  }
};

describe('the local gateway (forwarding)', () => {
  let upstream: RecordingUpstream;
  let gateway: FastifyInstance;
  let base: string;
  /** What the access control saw, and what it answers (allow by default here). */
  let decided: GatewayRequest[];
  let decision: AccessDecision;
  let askedPermissions: Record<string, string | undefined>[];

  beforeEach(async () => {
    upstream = await recordingUpstream(answerAsMlflow);
    decided = [];
    decision = allowedDecision(
      ROUTE,
      findOperation('runs.search') as Operation,
      'token',
      { authorizer: { principal: 'alice', groups: 'admins,readers' } }
    );
    gateway = createGateway({
      upstream: upstream.url,
      access: async request => {
        decided.push(request);
        return decision;
      },
      allowedOrigins: [JUPYTERLAB],
      proof: PROOF,
      pages: { dir: PAGES_DIR, config: PAGES },
      callerPermissions: async event => {
        askedPermissions.push(event.headers);
        return event.headers.authorization === 'Bearer good'
          ? { statusCode: 200, body: '{"operations":["runs.search"]}' }
          : { statusCode: 401, body: '{"error_code":"UNAUTHENTICATED"}' };
      }
    });
    askedPermissions = [];
    base = await gateway.listen({ host: '127.0.0.1', port: 0 });
  });

  afterEach(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('forwards method, path, query and the exact JSON bytes', async () => {
    const body = '{"filter":"params.model = \'xgb\'",  "max_results": 5}';
    const response = await fetch(`${base}/api/2.0/mlflow/runs/search?x=1&x=2`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-upstream')).toBe('yes');
    const [request] = upstream.seen;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/api/2.0/mlflow/runs/search?x=1&x=2');
    expect(request.headers['content-type']).toBe(
      'application/json; charset=utf-8'
    );
    expect(request.body.toString()).toBe(body);
  });

  it("states the caller's address itself, whatever the client claims", async () => {
    await fetch(`${base}/ajax-api/3.0/mlflow/assistant/providers`, {
      method: 'POST',
      body: '{}',
      headers: {
        'content-type': 'application/json',
        'x-forwarded-for': '127.0.0.1, 10.1.2.3',
        forwarded: 'for=127.0.0.1',
        'x-real-ip': '127.0.0.1'
      }
    });
    const [request] = upstream.seen;
    expect(request.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(request.headers['forwarded']).toBeUndefined();
    expect(request.headers['x-real-ip']).toBeUndefined();

    await fetch(`${base}/ajax-api/3.0/mlflow/assistant/providers`, {
      headers: { 'x-forwarded-for': '127.0.0.1, 10.1.2.3' }
    });
    expect(upstream.seen[1].headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('keeps multipart bodies and their boundary intact', async () => {
    const boundary = '----mlflow-test-boundary';
    const payload = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n\u0000\u00ff binary\r\n--${boundary}--\r\n`,
      'latin1'
    );
    await fetch(`${base}/api/2.0/mlflow-artifacts/artifacts/1/a.bin`, {
      method: 'PUT',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: payload
    });
    const [request] = upstream.seen;
    expect(request.headers['content-type']).toBe(
      `multipart/form-data; boundary=${boundary}`
    );
    expect(request.body.equals(payload)).toBe(true);
  });

  it('refuses bodies over API Gateway\u2019s 10 MB limit as API Gateway does, before they reach MLflow', async () => {
    const response = await fetch(`${base}/api/2.0/mlflow/runs/log-batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: JUPYTERLAB },
      body: Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20)
    });
    expect(response.status).toBe(413);
    expect(response.headers.get('x-amzn-errortype')).toBe(
      REFUSALS.REQUEST_TOO_LARGE.errorType
    );
    expect(response.headers.get('access-control-allow-origin')).toBe(
      JUPYTERLAB
    );
    expect(await response.json()).toEqual({
      error_code: REFUSALS.REQUEST_TOO_LARGE.errorCode,
      message: REFUSALS.REQUEST_TOO_LARGE.message
    });
    expect(upstream.seen).toHaveLength(0);
    expect(decided).toHaveLength(0);
  });

  it('reads an oversized body to its end, so a client that sends it all still reads the 413', async () => {
    // A plain HTTP/1.1 client that reads only once it has sent everything,
    // as Python's http.client (and so the MLflow SDK) does.
    const body = Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(new URL(base).port), '127.0.0.1');
      const chunks: Buffer[] = [];
      let sent = false;
      socket.on('data', chunk => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('end', () =>
        sent
          ? resolve(Buffer.concat(chunks).toString())
          : reject(new Error('The gateway hung up before the body was sent.'))
      );
      socket.write(
        'POST /api/2.0/mlflow/runs/log-batch HTTP/1.1\r\n' +
          'Host: 127.0.0.1\r\nContent-Type: application/json\r\n' +
          `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`
      );
      socket.end(body, () => {
        sent = true;
      });
    });
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer.toLowerCase()).toContain(
      `x-amzn-errortype: ${REFUSALS.REQUEST_TOO_LARGE.errorType.toLowerCase()}`
    );
    expect(answer).toContain(
      `"error_code":"${REFUSALS.REQUEST_TOO_LARGE.errorCode}"`
    );
  });

  it('passes a body of exactly 10 MB on', async () => {
    const response = await fetch(`${base}/api/2.0/mlflow/runs/log-batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(MAX_PAYLOAD_BYTES, 0x20)
    });
    expect(response.status).toBe(201);
    expect(upstream.seen[0].body.length).toBe(MAX_PAYLOAD_BYTES);
  });

  it('answers 502 with a readable message when MLflow is down', async () => {
    await upstream.close();
    const response = await fetch(`${base}/api/2.0/mlflow/experiments/search`);
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({
      error_code: 'BAD_GATEWAY',
      message: 'MLflow is not reachable behind the gateway.'
    });
  });

  it("answers 504 in MLflow's error format when MLflow does not answer in time", async () => {
    const hung = await recordingUpstream(() => undefined);
    const impatient = createGateway({
      upstream: hung.url,
      access: async () => decision,
      proof: PROOF,
      integrationTimeoutSeconds: 1
    });
    try {
      const url = await impatient.listen({ host: '127.0.0.1', port: 0 });
      const started = Date.now();
      const response = await fetch(`${url}/api/2.0/mlflow/experiments/search`);
      expect(response.status).toBe(504);
      expect(await response.json()).toEqual(
        refusal('INTEGRATION_TIMEOUT').body
      );
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await impatient.close();
      await hung.close();
    }
  });

  it('decides on the exact request: method, raw URL, headers and body bytes', async () => {
    const body = '{"name": "a b"}';
    await fetch(`${base}/api/2.0/mlflow/experiments/create?q=a+b%20c`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-amz-date': 'd' },
      body
    });
    const [request] = decided;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/api/2.0/mlflow/experiments/create?q=a+b%20c');
    expect(request.headers['x-amz-date']).toBe('d');
    expect(request.body.toString()).toBe(body);
  });

  it('refuses what the access control refuses, and MLflow never sees it', async () => {
    decision = {
      allowed: false,
      refusal: refusal('ACCESS_DENIED', { message: 'no' })
    };
    const response = await fetch(`${base}/api/2.0/mlflow/experiments/delete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"experiment_id": "1"}'
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe(
      'AccessDeniedException'
    );
    expect(await response.json()).toEqual({
      error_code: 'PERMISSION_DENIED',
      message: 'no'
    });
    expect(upstream.seen).toHaveLength(0);
  });

  it('tells MLflow the principal itself and keeps credentials to itself', async () => {
    await fetch(`${base}/ajax-api/2.0/mlflow/runs/search`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer a.b.c',
        cookie: `theme=dark; ${AUTH_COOKIE}=Bearer%20a.b.c; other=1`,
        ...FORGED
      },
      body: '{}'
    });
    const [request] = upstream.seen;
    expect(request.headers[HEADER.principal]).toBe('alice');
    expect(request.headers['authorization']).toBeUndefined();
    expect(request.headers['cookie']).toBe('theme=dark; other=1');
  });

  it('drops the token cookie however it is spaced, as the authorizer reads it', async () => {
    await fetch(`${base}/ajax-api/2.0/mlflow/runs/search`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: `theme=dark;  ${AUTH_COOKIE} = Bearer%20a.b.c ;other=1`
      },
      body: '{}'
    });
    expect(upstream.seen[0].headers['cookie']).toBe('theme=dark; other=1');
  });

  /** The gateway headers MLflow saw on a request. */
  const vouched = (request: { headers: http.IncomingHttpHeaders }) =>
    Object.fromEntries(
      Object.entries(request.headers).filter(([name]) =>
        name.startsWith('x-gateway-')
      )
    );

  it('tells MLflow how a token caller was let in: who, their roles, the request and the proof, whatever a client says', async () => {
    const response = await fetch(`${base}/ajax-api/2.0/mlflow/runs/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...FORGED },
      body: '{}'
    });
    const requestId = response.headers.get(REQUEST_ID_RESPONSE_HEADER);
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(vouched(upstream.seen[0])).toEqual({
      [HEADER.authorization]: 'token',
      [HEADER.principal]: 'alice',
      [HEADER.roles]: 'admins,readers',
      [HEADER.requestId]: requestId,
      [HEADER.proof]: PROOF
    });
  });

  it('names an IAM caller by its ARN and leaves its roles to MLflow', async () => {
    decision = allowedDecision(ROUTE, undefined, 'iam', {
      userArn: 'arn:aws:iam::000000000000:user/admin'
    });
    await fetch(`${base}/api/2.0/mlflow/runs/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...FORGED },
      body: '{}'
    });
    expect(vouched(upstream.seen[0])).toMatchObject({
      [HEADER.authorization]: 'iam',
      [HEADER.principal]: 'arn:aws:iam::000000000000:user/admin',
      [HEADER.roles]: '',
      [HEADER.proof]: PROOF
    });
  });

  it('names the principal API Gateway names on public requests, whatever a client says', async () => {
    decision = allowedDecision(
      { path: '/', method: 'GET', authorization: 'none', cookie: false },
      findOperation('ui.index') as Operation,
      'none',
      {}
    );
    await fetch(`${base}/`, { headers: FORGED });
    expect(vouched(upstream.seen[0])).toMatchObject({
      [HEADER.authorization]: 'none',
      [HEADER.principal]: 'anonymous',
      [HEADER.roles]: '',
      [HEADER.proof]: PROOF
    });
  });

  it('gives every request an id of its own, answered to the client, refusals included', async () => {
    const call = () =>
      fetch(`${base}/ajax-api/2.0/mlflow/runs/search`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'request-id': 'client-chosen',
          [REQUEST_ID_RESPONSE_HEADER]: 'client-chosen'
        },
        body: '{}'
      });
    const first = await call();
    const second = await call();
    const ids = [first, second].map(r =>
      r.headers.get(REQUEST_ID_RESPONSE_HEADER)
    );
    expect(ids[0]).not.toBe(ids[1]);
    expect(upstream.seen.map(r => r.headers[HEADER.requestId])).toEqual(ids);
    expect(ids).not.toContain('client-chosen');

    decision = {
      allowed: false,
      refusal: refusal('ACCESS_DENIED', { message: 'no' })
    };
    const refused = await call();
    expect(refused.status).toBe(403);
    expect(refused.headers.get(REQUEST_ID_RESPONSE_HEADER)).toMatch(
      /^[0-9a-f-]{36}$/
    );
    expect(ids).not.toContain(refused.headers.get(REQUEST_ID_RESPONSE_HEADER));
  });

  it('answers CORS preflights for allowed origins only, without asking MLflow', async () => {
    const preflight = (origin: string) =>
      fetch(`${base}/ajax-api/2.0/mlflow/runs/search`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type'
        }
      });
    const allowed = await preflight(JUPYTERLAB);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(JUPYTERLAB);
    // What API Gateway's preflight answers, from the same model.
    for (const [name, value] of Object.entries(preflightHeaders())) {
      expect(allowed.headers.get(name)).toBe(value);
    }
    expect(allowed.headers.get('access-control-allow-methods')).toContain(
      'POST'
    );
    expect(
      allowed.headers.get('access-control-allow-headers')?.toLowerCase()
    ).toContain('authorization');
    const other = await preflight('https://evil.example');
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(upstream.seen).toHaveLength(0);
    expect(decided).toHaveLength(0);
  });

  it('lets allowed origins read answers, refusals included', async () => {
    const ok = await fetch(`${base}/ajax-api/2.0/mlflow/runs/search`, {
      method: 'POST',
      headers: { origin: JUPYTERLAB, 'content-type': 'application/json' },
      body: '{}'
    });
    expect(ok.headers.get('access-control-allow-origin')).toBe(JUPYTERLAB);
    decision = {
      allowed: false,
      refusal: refusal('UNAUTHORIZED', { message: 'Unauthorized' })
    };
    const refused = await fetch(`${base}/ajax-api/2.0/mlflow/runs/search`, {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
      body: '{}'
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets only the allowed origins frame MLflow: MLflow\u2019s own framing header is dropped', async () => {
    const response = await fetch(`${base}/ajax-api/2.0/mlflow/runs/search`);
    expect(response.headers.get('x-upstream')).toBe('yes');
    expect(response.headers.get('x-frame-options')).toBeNull();
    expect(response.headers.get('content-security-policy')).toBe(
      `frame-ancestors 'self' ${JUPYTERLAB}`
    );
    // Refusals too.
    decision = {
      allowed: false,
      refusal: refusal('ACCESS_DENIED', { message: 'no' })
    };
    const refused = await fetch(`${base}/ajax-api/2.0/mlflow/runs/search`);
    expect(refused.headers.get('content-security-policy')).toBe(
      `frame-ancestors 'self' ${JUPYTERLAB}`
    );
  });

  it('serves the /auth/ pages and their configuration, nothing else of the folder, without asking MLflow', async () => {
    const page = await fetch(`${base}/auth/handoff`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toBe('<p>hand-off</p>');
    expect(page.headers.get('content-security-policy')).toBe(
      `frame-ancestors 'self' ${JUPYTERLAB}`
    );

    const config = await fetch(`${base}/auth/config.json`);
    expect(await config.json()).toEqual(PAGES);

    for (const name of [
      'secret.txt',
      'handoff.html',
      '..%2Fsecret.txt',
      'a/handoff'
    ]) {
      expect([name, (await fetch(`${base}/auth/${name}`)).status]).toEqual([
        name,
        404
      ]);
    }
    // Listed but not built: a clear error, not MLflow.
    const missing = await fetch(`${base}/auth/login`);
    expect(missing.status).toBe(503);
    expect(((await missing.json()) as { error_code: string }).error_code).toBe(
      'PAGES_NOT_BUILT'
    );
    expect(upstream.seen).toEqual([]);
    expect(decided).toEqual([]);
  });

  it('answers /auth/permissions from the permission handler, to the allowed origin, never from MLflow', async () => {
    const answer = await fetch(`${base}/auth/permissions`, {
      headers: { Authorization: 'Bearer good', Origin: JUPYTERLAB }
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe(JUPYTERLAB);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(await answer.json()).toEqual({ operations: ['runs.search'] });

    const refused = await fetch(`${base}/auth/permissions`, {
      headers: { Authorization: 'Bearer forged' }
    });
    expect(refused.status).toBe(401);

    // The browser's preflight for the Authorization header is answered too.
    const preflight = await fetch(`${base}/auth/permissions`, {
      method: 'OPTIONS',
      headers: {
        Origin: JUPYTERLAB,
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'authorization'
      }
    });
    expect(preflight.status).toBe(204);
    expect(askedPermissions.map(headers => headers.authorization)).toEqual([
      'Bearer good',
      'Bearer forged'
    ]);
    expect(upstream.seen).toEqual([]);
    expect(decided).toEqual([]);
  });
});
