import replyFrom, { type FastifyReplyFromHooks } from '@fastify/reply-from';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  errorCodes
} from 'fastify';

import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import * as path from 'node:path';

import type { CallerPermissionsHandler } from '../../src/authorizer/caller';
import { cookieParts } from '../../src/authorizer/token';
import {
  AUTH_COOKIE,
  PAGES_PREFIX,
  PERMISSIONS_PATH,
  type PagesConfig
} from '../../src/contract';
import { frameAncestorsPolicy, pageAnswer } from '../../src/pages';
import {
  CORS_PREFLIGHT,
  GATEWAY_HEADER_PREFIX,
  INTEGRATION_TIMEOUT_SECONDS,
  MAX_PAYLOAD_BYTES,
  type Refusal,
  gatewayHeaderValues,
  preflightHeaders,
  refusal
} from '../../src/apigateway';
import type { AccessDecision, GatewayRequest } from './access';
import {
  edgeAnswer,
  forwardedBody,
  forwardedRequestHeaders
} from './request-edges';
import { upstreamPool } from './upstream';

export interface GatewayOptions {
  /** MLflow's base URL, e.g. http://127.0.0.1:5500 */
  upstream: string;
  /** Decides every request before it may reach MLflow (see access.ts). */
  access: (request: GatewayRequest) => Promise<AccessDecision>;
  /** Browser origins that may call the gateway (CORS), e.g. JupyterLab's. */
  allowedOrigins?: readonly string[];
  /** Log each request's method, URL, status and principal; never headers or bodies. */
  logger?: boolean;
  /** The `/auth/` pages: the folder they were built into and their configuration. */
  pages?: { dir: string; config: PagesConfig };
  /** Answers `GET /auth/permissions` (the Lambda integration in AWS). */
  callerPermissions?: CallerPermissionsHandler;
  /** The secret MLflow's app checks on every request (`X-Gateway-Proof`). */
  proof: string;
  /** How long MLflow may take to answer; API Gateway's integration timeout unless shorter. */
  integrationTimeoutSeconds?: number;
}

/**
 * The header API Gateway answers every request with, its request id: the
 * id MLflow's audit events carry (`X-Gateway-Request-Id`).
 */
export const REQUEST_ID_RESPONSE_HEADER = 'x-amzn-RequestId';

/** A Fastify reply, whatever its route's types. */
interface Reply<R> {
  header(name: string, value: string): unknown;
  code(status: number): { send(body: unknown): R };
}

/** Answers a refusal as API Gateway does: its status, `x-amzn-ErrorType` and MLflow's error format. */
function sendRefusal<R>(reply: Reply<R>, answer: Refusal): R {
  if (answer.errorType !== undefined) {
    reply.header('x-amzn-errortype', answer.errorType);
  }
  return reply.code(answer.status).send(answer.body);
}

/**
 * The local stand-in for the Amazon API Gateway in front of MLflow.
 *
 * Bodies are kept as raw bytes: a gateway forwards exactly what it received
 * (and SigV4 verification needs the exact bytes that were signed).
 */
export function createGateway(options: GatewayOptions): FastifyInstance {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: MAX_PAYLOAD_BYTES,
    // MLflow's routes are case-sensitive and so is API Gateway's matching.
    routerOptions: { caseSensitive: true },
    // Every request gets an id of the gateway's own, never one a client sends.
    requestIdHeader: false,
    genReqId: () => randomUUID()
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body)
  );
  // A body over the limit is refused before any decision, with API
  // Gateway's answer rather than Fastify's. The rest of the body is read
  // (and dropped) first: a client still sending would otherwise lose the
  // connection before it could read why.
  app.setErrorHandler(async (error, request, reply) => {
    if (error instanceof errorCodes.FST_ERR_CTP_BODY_TOO_LARGE) {
      await drained(request.raw);
      return sendRefusal(reply, refusal('REQUEST_TOO_LARGE'));
    }
    return reply.send(error);
  });

  // What API Gateway and its web ACL refuse on every route, before any
  // decision: a query it cannot decode, a search costing too much.
  app.addHook('preValidation', async (request, reply) => {
    const answer = edgeAnswer(
      request.url,
      Buffer.isBuffer(request.body) ? request.body : undefined
    );
    if (answer !== undefined) {
      return sendRefusal(reply, answer);
    }
  });

  const allowedOrigins = new Set(options.allowedOrigins ?? []);
  const corsOrigin = (request: FastifyRequest): string | undefined => {
    const origin = request.headers.origin;
    return origin !== undefined && allowedOrigins.has(origin)
      ? origin
      : undefined;
  };
  const framing = frameAncestorsPolicy(options.allowedOrigins ?? []);
  // Every answer to an allowed origin says so, errors included, so the
  // browser shows the gateway's message instead of a CORS failure. And
  // every answer may be framed by the allowed origins only: MLflow's own
  // framing header (SAMEORIGIN by default) would keep JupyterLab out.
  app.addHook('onSend', async (request, reply) => {
    const origin = corsOrigin(request);
    if (origin !== undefined) {
      void reply.header('access-control-allow-origin', origin);
    }
    void reply.header('vary', 'Origin');
    void reply.header('content-security-policy', framing);
    void reply.removeHeader('x-frame-options');
    void reply.header(REQUEST_ID_RESPONSE_HEADER, request.id);
  });

  const integrationTimeoutMs =
    (options.integrationTimeoutSeconds ?? INTEGRATION_TIMEOUT_SECONDS) * 1000;
  app.register(replyFrom, {
    base: options.upstream,
    undici: upstreamPool(integrationTimeoutMs)
  });

  /**
   * MLflow (uvicorn) believes `X-Forwarded-For` from 127.0.0.1, where this
   * gateway runs, and serves some routes (the Assistant) only to local
   * callers. So the gateway states the caller's address itself and never
   * passes on what a client claims. The same goes for the gateway headers:
   * none a client sends passes, and the gateway sets every one of them.
   */
  const forwardHeaders =
    (
      decision: AccessDecision & { allowed: true }
    ): FastifyReplyFromHooks['rewriteRequestHeaders'] =>
    (request, headers) => {
      const forwarded = forwardedRequestHeaders(headers);
      delete forwarded['forwarded'];
      delete forwarded['x-real-ip'];
      forwarded['x-forwarded-for'] = request.ip;
      // Credentials stay at the gateway: MLflow needs to know who, not how.
      delete forwarded['authorization'];
      const cookie = withoutAuthCookie(headers['cookie']);
      if (cookie === undefined) {
        delete forwarded['cookie'];
      } else {
        forwarded['cookie'] = cookie;
      }
      for (const name of Object.keys(forwarded)) {
        if (name.toLowerCase().startsWith(GATEWAY_HEADER_PREFIX)) {
          delete forwarded[name];
        }
      }
      const vouched = gatewayHeaderValues(decision.authorization, {
        ...decision.caller,
        requestId: request.id,
        proof: options.proof
      });
      for (const [name, value] of Object.entries(vouched)) {
        forwarded[name.toLowerCase()] = value;
      }
      return forwarded;
    };

  // When MLflow is down or slow, say so as API Gateway does.
  const onError: FastifyReplyFromHooks['onError'] = (reply, { error }) => {
    const timedOut =
      (error as Error & { statusCode?: number }).statusCode === 504;
    void sendRefusal(
      reply,
      refusal(timedOut ? 'INTEGRATION_TIMEOUT' : 'INTEGRATION_FAILURE')
    );
  };

  const preflight = (request: FastifyRequest, reply: FastifyReply) => {
    const origin = corsOrigin(request);
    const wanted = request.headers['access-control-request-method'];
    if (
      origin === undefined ||
      typeof wanted !== 'string' ||
      !(CORS_PREFLIGHT.allowMethods as readonly string[]).includes(wanted)
    ) {
      return reply.code(403).send({
        error_code: 'PERMISSION_DENIED',
        message: 'This origin may not call the gateway.'
      });
    }
    return reply
      .code(CORS_PREFLIGHT.statusCode)
      .headers(preflightHeaders())
      .send();
  };

  if (options.pages) {
    registerPages(app, options.pages);
  }
  const callerPermissions = options.callerPermissions;
  if (callerPermissions) {
    app.get(PERMISSIONS_PATH, async (request, reply) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (typeof value === 'string') {
          headers[name] = value;
        }
      }
      const answer = await callerPermissions({ headers });
      return reply
        .code(answer.statusCode)
        .header('cache-control', 'no-store')
        .type('application/json')
        .send(answer.body);
    });
  }

  app.all('/*', async (request, reply) => {
    if (request.method === 'OPTIONS') {
      return preflight(request, reply);
    }
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const decision = await options.access({
      method: request.method,
      url: request.url,
      headers: request.headers,
      rawHeaders: request.raw.rawHeaders,
      body
    });
    if (!decision.allowed) {
      request.log.info(
        { refused: decision.refusal.status, type: decision.refusal.type },
        'refused'
      );
      return sendRefusal(reply, decision.refusal);
    }
    request.log.info(
      {
        principal: decision.principal,
        operation: decision.operation?.id,
        route:
          decision.route === undefined
            ? '(none: let through)'
            : `${decision.route.method} ${decision.route.path}`
      },
      'allowed'
    );
    return reply.from(request.url, {
      ...forwardedBody(
        request.headers,
        Buffer.isBuffer(request.body) ? request.body : undefined
      ),
      rewriteRequestHeaders: forwardHeaders(decision),
      onError
    });
  });

  return app;
}

/** Resolves once the request's body has been read to its end (or the client has gone). */
function drained(request: IncomingMessage): Promise<void> {
  return new Promise(resolve => {
    if (request.complete) {
      resolve();
      return;
    }
    request.on('end', resolve);
    request.on('close', resolve);
    request.on('error', () => resolve());
    request.resume();
  });
}

/** The Cookie header without the MLflow UI's token cookie, or undefined when nothing is left. */
function withoutAuthCookie(
  cookie: string | string[] | undefined
): string | undefined {
  if (cookie === undefined) {
    return undefined;
  }
  const kept = cookieParts(Array.isArray(cookie) ? cookie.join('; ') : cookie)
    .filter(part => part.name !== AUTH_COOKIE)
    .map(part => part.text);
  return kept.length > 0 ? kept.join('; ') : undefined;
}

/**
 * Serves the `/auth/` pages from their build folder, and their public
 * configuration. They carry no data and need no credentials.
 */
function registerPages(
  app: FastifyInstance,
  pages: { dir: string; config: PagesConfig }
): void {
  // Everything under the prefix, as the pages' greedy resource in AWS.
  app.get(`${PAGES_PREFIX}*`, async (request, reply) => {
    const { '*': name } = request.params as { '*': string };
    const answer = await pageAnswer(
      name,
      pages.config,
      file => fs.promises.readFile(path.join(pages.dir, file), 'utf-8'),
      request.headers.origin
    );
    return reply
      .code(answer.statusCode)
      .headers(answer.headers)
      .send(answer.body);
  });
}
