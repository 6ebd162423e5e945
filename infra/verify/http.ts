/**
 * Requests sent exactly as written: the path is not normalised or
 * re-encoded on the way (`fetch` would resolve `/../` and change escapes,
 * which is what the path checks must send).
 */
import * as http from 'node:http';
import * as https from 'node:https';

import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';

export interface HttpRequest {
  readonly method: string;
  /** The path below the gateway's base URL, already percent-encoded. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface HttpAnswer {
  readonly status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const TIMEOUT_MS = 30_000;
/** More of an answer's body than any check reads. */
const MAX_BODY_BYTES = 64 * 1024;

/** The path as sent to the server: the base URL's own path (a stage) in front. */
export function fullPath(base: URL, path: string): string {
  return base.pathname.replace(/\/+$/, '') + path;
}

export function send(base: URL, request: HttpRequest): Promise<HttpAnswer> {
  const client = base.protocol === 'https:' ? https : http;
  const body =
    request.body === undefined ? undefined : Buffer.from(request.body);
  return new Promise((resolve, reject) => {
    const outgoing = client.request(
      {
        protocol: base.protocol,
        hostname: base.hostname,
        port: base.port === '' ? undefined : Number(base.port),
        method: request.method,
        path: fullPath(base, request.path),
        headers: {
          ...request.headers,
          ...(body === undefined ? {} : { 'content-length': body.length })
        },
        timeout: TIMEOUT_MS
      },
      incoming => {
        const chunks: Buffer[] = [];
        let size = 0;
        incoming.on('data', (chunk: Buffer) => {
          if (size < MAX_BODY_BYTES) {
            chunks.push(chunk);
          }
          size += chunk.length;
        });
        incoming.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(incoming.headers)) {
            if (value !== undefined) {
              headers[name] = Array.isArray(value) ? value.join(', ') : value;
            }
          }
          resolve({
            status: incoming.statusCode ?? 0,
            headers,
            body: Buffer.concat(chunks).toString('utf8')
          });
        });
        incoming.on('error', reject);
      }
    );
    outgoing.on('timeout', () =>
      outgoing.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`))
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/**
 * The request with the headers an AWS SDK adds when it signs for
 * `service` (the session token's too, for temporary credentials).
 */
export async function signed(
  base: URL,
  request: HttpRequest,
  credentials: AwsCredentialIdentity,
  region: string,
  service = 'execute-api'
): Promise<HttpRequest> {
  const signer = new SignatureV4({
    credentials,
    region,
    service,
    sha256: Hash.bind(null, 'sha256')
  });
  const [pathname, search = ''] = request.path.split('?', 2);
  const result = await signer.sign({
    method: request.method,
    protocol: base.protocol,
    hostname: base.hostname,
    ...(base.port === '' ? {} : { port: Number(base.port) }),
    path: fullPath(base, pathname),
    query: queryOf(search),
    headers: { host: base.host, ...request.headers },
    ...(request.body === undefined ? {} : { body: request.body })
  });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers)) {
    headers[name.toLowerCase()] = value;
  }
  return { ...request, headers };
}

/** A query string as the signer wants it: repeated keys keep every value. */
function queryOf(search: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(search)) {
    const seen = query[key];
    query[key] =
      seen === undefined
        ? value
        : Array.isArray(seen)
          ? [...seen, value]
          : [seen, value];
  }
  return query;
}
