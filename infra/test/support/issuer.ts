import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  type JWK,
  type KeyLike,
  SignJWT,
  exportJWK,
  generateKeyPair
} from 'jose';

export const CLIENT_ID = 'client-1';
export const now = (): number => Math.floor(Date.now() / 1000);

/**
 * A stand-in for a user pool's signing side: its own RSA keys, served as a
 * JWKS over real HTTP on 127.0.0.1, as cognito-local does.
 */
export class TestIssuer {
  readonly keys = new Map<string, { privateKey: KeyLike; jwk: JWK }>();
  jwksRequests = 0;
  private server?: http.Server;
  url = '';

  async start(): Promise<void> {
    this.server = http.createServer((_request, res) => {
      this.jwksRequests++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ keys: [...this.keys.values()].map(k => k.jwk) })
      );
    });
    await new Promise<void>(resolve =>
      this.server!.listen(0, '127.0.0.1', resolve)
    );
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/local_pool`;
  }

  async addKey(kid: string): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = {
      ...(await exportJWK(publicKey)),
      kid,
      alg: 'RS256',
      use: 'sig'
    };
    this.keys.set(kid, { privateKey, jwk });
  }

  /** An access token as Cognito issues it; `claims` override its payload. */
  accessToken(
    claims: Record<string, unknown> = {},
    kid = 'key-1'
  ): Promise<string> {
    return new SignJWT({
      username: 'reader',
      'cognito:groups': ['readers'],
      token_use: 'access',
      client_id: CLIENT_ID,
      scope: 'aws.cognito.signin.user.admin',
      iss: this.url,
      iat: now(),
      exp: now() + 3600,
      ...claims
    })
      .setProtectedHeader({ alg: 'RS256', kid })
      .sign(this.keys.get(kid)!.privateKey);
  }

  stop(): Promise<void> {
    return new Promise(resolve => this.server!.close(() => resolve()));
  }
}
