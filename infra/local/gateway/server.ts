import replyFrom, { type FastifyReplyFromHooks } from '@fastify/reply-from';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest
} from 'fastify';

import * as fs from 'node:fs';
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
import { HTTP_METHODS } from '../../src/permissions';
import type { AccessDecision, GatewayRequest } from './access';

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
}

/**
 * The header that tells MLflow who made a request. The gateway always sets
 * it itself; a value sent by a client never reaches MLflow.
 */
export const PRINCIPAL_HEADER = 'x-gateway-principal';

/** Headers a browser may send on a cross-origin call (preflight answer). */
const CORS_ALLOWED_HEADERS = 'authorization, content-type';

/** API Gateway's payload limit: larger requests get 413 before reaching MLflow. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/** API Gateway's default integration timeout. */
export const INTEGRATION_TIMEOUT_MS = 29_000;

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
    routerOptions: { caseSensitive: true }
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body)
  );

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
  });

  app.register(replyFrom, {
    base: options.upstream,
    undici: {
      headersTimeout: INTEGRATION_TIMEOUT_MS,
      bodyTimeout: INTEGRATION_TIMEOUT_MS
    }
  });

  /**
   * MLflow (uvicorn) believes `X-Forwarded-For` from 127.0.0.1, where this
   * gateway runs, and serves some routes (the Assistant) only to local
   * callers. So the gateway states the caller's address itself and never
   * passes on what a client claims.
   */
  const forwardHeaders =
    (
      principal: string | undefined
    ): FastifyReplyFromHooks['rewriteRequestHeaders'] =>
    (request, headers) => {
      const forwarded = { ...headers };
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
      delete forwarded[PRINCIPAL_HEADER];
      if (principal !== undefined) {
        forwarded[PRINCIPAL_HEADER] = principal;
      }
      return forwarded;
    };

  // When MLflow is down or slow, say so in MLflow's own error format.
  const onError: FastifyReplyFromHooks['onError'] = (reply, { error }) => {
    const timedOut =
      (error as Error & { statusCode?: number }).statusCode === 504;
    void reply.code(timedOut ? 504 : 502).send({
      error_code: timedOut ? 'GATEWAY_TIMEOUT' : 'BAD_GATEWAY',
      message: timedOut
        ? `MLflow did not answer within ${INTEGRATION_TIMEOUT_MS / 1000} s.`
        : 'MLflow is not reachable behind the gateway.'
    });
  };

  const preflight = (request: FastifyRequest, reply: FastifyReply) => {
    const origin = corsOrigin(request);
    const wanted = request.headers['access-control-request-method'];
    if (
      origin === undefined ||
      typeof wanted !== 'string' ||
      !(HTTP_METHODS as readonly string[]).includes(wanted)
    ) {
      return reply.code(403).send({
        error_code: 'PERMISSION_DENIED',
        message: 'This origin may not call the gateway.'
      });
    }
    return reply
      .code(204)
      .header('access-control-allow-methods', wanted)
      .header('access-control-allow-headers', CORS_ALLOWED_HEADERS)
      .header('access-control-max-age', '600')
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
      request.log.info({ refused: decision.status }, 'refused');
      return reply
        .code(decision.status)
        .header('x-amzn-errortype', decision.errorType)
        .send(decision.body);
    }
    request.log.info(
      { principal: decision.principal, operation: decision.operation.id },
      'allowed'
    );
    const rewriteRequestHeaders = forwardHeaders(decision.principal);
    if (body.length > 0) {
      // Forward the exact bytes and content type (multipart boundaries included).
      return reply.from(request.url, {
        body,
        contentType:
          request.headers['content-type'] ?? 'application/octet-stream',
        rewriteRequestHeaders,
        onError
      });
    }
    return reply.from(request.url, { rewriteRequestHeaders, onError });
  });

  return app;
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
  app.get(`${PAGES_PREFIX}:name`, async (request, reply) => {
    const { name } = request.params as { name: string };
    const answer = await pageAnswer(name, pages.config, file =>
      fs.promises.readFile(path.join(pages.dir, file), 'utf-8')
    );
    return reply
      .code(answer.statusCode)
      .headers(answer.headers)
      .send(answer.body);
  });
}
