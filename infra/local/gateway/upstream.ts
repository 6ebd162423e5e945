import { INTEGRATION_TIMEOUT_SECONDS } from '../../src/apigateway';

/**
 * The shortest time MLflow keeps an idle connection open: uvicorn's default
 * `--timeout-keep-alive`. The image's entry point (also the local stack's)
 * sets a longer one; keeping below the default stays safe either way.
 */
export const MLFLOW_KEEP_ALIVE_MS = 5_000;

/**
 * The gateway's connections to MLflow (the undici pool behind
 * `@fastify/reply-from`), in undici's option names.
 */
export interface UpstreamPool {
  /**
   * Most connections open at once, `null` for no limit. API Gateway queues
   * nothing in front of its integration, and a request waiting here for a
   * connection would not yet be under `headersTimeout`: so no limit. There
   * is never more than one upstream connection per request in flight, so
   * the clients' own connections bound it.
   */
  connections: number | null;
  /** One request at a time per connection: MLflow's server answers in order only. */
  pipelining: number;
  /**
   * How long an idle connection is kept for the next request: shorter than
   * MLflow keeps it, so the gateway never sends on a connection MLflow is
   * closing (a reset POST would be a 502, not a retry).
   */
  keepAliveTimeout: number;
  /** The integration timeout, to MLflow's first byte of answer. */
  headersTimeout: number;
  /** The integration timeout, between two chunks of MLflow's answer. */
  bodyTimeout: number;
}

/** The pool the local gateway proxies through. */
export function upstreamPool(
  integrationTimeoutMs: number = INTEGRATION_TIMEOUT_SECONDS * 1000
): UpstreamPool {
  return {
    connections: null,
    pipelining: 1,
    keepAliveTimeout: MLFLOW_KEEP_ALIVE_MS - 1_000,
    headersTimeout: integrationTimeoutMs,
    bodyTimeout: integrationTimeoutMs
  };
}
