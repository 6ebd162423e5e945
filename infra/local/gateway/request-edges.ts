/**
 * What the local gateway does with the parts of a request that describe
 * how it travels rather than what it asks, so that MLflow receives the
 * request a client meant, as behind API Gateway:
 *
 * - `Expect: 100-continue` (curl, uploads over 1 MB) is answered by the
 *   gateway, which then holds the whole body: nothing is left to expect
 *   of MLflow (and undici refuses to send the header at all).
 * - hop-by-hop headers (`Keep-Alive`, `Upgrade`, `TE`, those `Connection`
 *   names) end at the gateway, which frames its own request to MLflow.
 * - an empty body stays empty, its content type kept.
 * - a query with a malformed escape (`%zz`, a lone `%`) is refused with
 *   400, as API Gateway refuses it, before any decision.
 * - a search or GraphQL body over the cost bound is refused with 400, as
 *   the web ACL refuses it in AWS, before any decision.
 */
import type { IncomingHttpHeaders } from 'node:http';

import {
  type Refusal,
  edgeRefusal,
  exceedsCostBounds,
  refusal
} from '../../src/apigateway';
import { endToEndHeaders } from '../hop-by-hop';

/** Headers of one hop that a proxy answers itself instead of passing on. */
const ANSWERED_BY_THE_GATEWAY = ['expect'];

/** The request headers to send MLflow: without those of the client's hop. */
export function forwardedRequestHeaders<
  H extends Record<string, string | string[] | number | undefined>
>(headers: H): H {
  const forwarded = endToEndHeaders(headers);
  for (const name of ANSWERED_BY_THE_GATEWAY) {
    delete forwarded[name];
  }
  return forwarded;
}

/** The body options of `reply.from`: the exact bytes, or none. */
export type ForwardedBody =
  | { body: Buffer | string; contentType: string }
  | { body: null }
  | Record<string, never>;

/**
 * The body to send MLflow for a request that came with `body` (undefined
 * when none was read). Left to itself, the proxy would send an empty
 * `application/json` body as the JSON of an empty Buffer.
 */
export function forwardedBody(
  headers: IncomingHttpHeaders,
  body: Buffer | undefined
): ForwardedBody {
  const contentType = headers['content-type'];
  if (body !== undefined && body.length > 0) {
    // The exact bytes and content type (multipart boundaries included).
    return {
      body,
      contentType: contentType ?? 'application/octet-stream'
    };
  }
  if (body === undefined) {
    return {};
  }
  return contentType === undefined ? { body: null } : { body: '', contentType };
}

/** An escape that is not `%` and two hex digits. */
const MALFORMED_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/** Whether the request target's query holds a malformed percent escape. */
export function hasMalformedQuery(url: string): boolean {
  const start = url.indexOf('?');
  return start >= 0 && MALFORMED_ESCAPE.test(url.slice(start + 1));
}

/** API Gateway's answer to a query it cannot decode. */
export const MALFORMED_QUERY: Refusal = refusal('BAD_REQUEST_PARAMETERS', {
  message:
    'The query string has a malformed escape: each % must be followed by two hexadecimal digits (write a literal % as %25).'
});

/**
 * What the gateway answers itself for a request, before any decision, as
 * API Gateway and its web ACL would; undefined when the request goes on.
 */
export function edgeAnswer(
  url: string,
  body: Buffer | undefined
): Refusal | undefined {
  if (hasMalformedQuery(url)) {
    return MALFORMED_QUERY;
  }
  const path = url.split('?', 1)[0];
  if (exceedsCostBounds(path, body?.length ?? 0)) {
    return edgeRefusal('COSTLY_REQUEST');
  }
  return undefined;
}
