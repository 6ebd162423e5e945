import type { Fetcher } from 'aws-jwt-verify/https';

/** How long a JWKS download may take before the verification fails. */
const JWKS_TIMEOUT_MS = 3000;

function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    /^127\.\d+\.\d+\.\d+$/.test(hostname)
  );
}

/**
 * Downloads JWKS documents with the runtime's `fetch`. HTTPS everywhere, except
 * that plain HTTP is accepted from the loopback address, where the local
 * stack's identity provider (cognito-local) answers.
 */
export class JwksFetcher implements Fetcher {
  async fetch(uri: string): Promise<ArrayBuffer> {
    const url = new URL(uri);
    if (
      url.protocol !== 'https:' &&
      !(url.protocol === 'http:' && isLoopback(url.hostname))
    ) {
      throw new Error(
        `Refusing to fetch a JWKS over ${url.protocol} from ${url.host}.`
      );
    }
    const response = await fetch(url, {
      signal: AbortSignal.timeout(JWKS_TIMEOUT_MS)
    });
    if (!response.ok) {
      throw new Error(`The JWKS at ${uri} answered ${response.status}.`);
    }
    return response.arrayBuffer();
  }
}
