import replyFrom, { type FastifyReplyFromHooks } from '@fastify/reply-from';
import Fastify, { type FastifyInstance } from 'fastify';

export interface GatewayOptions {
  /** MLflow's base URL, e.g. http://127.0.0.1:5500 */
  upstream: string;
  /** Log each request's method, URL and status (Fastify's request log); never headers or bodies. */
  logger?: boolean;
}

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
  const rewriteRequestHeaders: FastifyReplyFromHooks['rewriteRequestHeaders'] =
    (request, headers) => {
      const forwarded = { ...headers };
      delete forwarded['forwarded'];
      delete forwarded['x-real-ip'];
      forwarded['x-forwarded-for'] = request.ip;
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

  app.all('/*', (request, reply) => {
    const body = request.body;
    if (Buffer.isBuffer(body) && body.length > 0) {
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
