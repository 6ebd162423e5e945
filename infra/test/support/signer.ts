import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

import type { SigV4Request } from '../../local/gateway/sigv4';

export interface AccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** A request as a client writes it: the path already percent-encoded. */
export interface ClientRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

/**
 * The request as it reaches a gateway on `host` after an AWS SDK (here
 * `@smithy/signature-v4`) signed it for `service` (default `execute-api`)
 * with this key.
 */
export async function signedRequest(
  request: ClientRequest,
  key: AccessKey,
  options: { region: string; host: string; date: Date; service?: string }
): Promise<SigV4Request> {
  const [hostname, port] = options.host.split(':');
  const body = Buffer.from(request.body ?? '');
  const signer = new SignatureV4({
    credentials: key,
    region: options.region,
    service: options.service ?? 'execute-api',
    sha256: Hash.bind(null, 'sha256')
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname,
      port: Number(port),
      path: request.path,
      query: {},
      headers: { host: options.host, ...request.headers },
      body
    },
    { signingDate: options.date }
  );
  return {
    method: request.method,
    url: request.path,
    headers: Object.fromEntries(
      Object.entries(signed.headers).map(([name, value]) => [
        name.toLowerCase(),
        value
      ])
    ),
    body
  };
}
