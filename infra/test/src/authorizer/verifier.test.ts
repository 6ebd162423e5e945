import { type KeyLike, SignJWT, generateKeyPair } from 'jose';

import { JwksFetcher } from '../../../src/authorizer/fetcher';
import { createTokenVerifier } from '../../../src/authorizer/verifier';
import { CLIENT_ID, TestIssuer, now } from '../../support/issuer';

describe('createTokenVerifier', () => {
  let issuer: TestIssuer;
  let verify: ReturnType<typeof createTokenVerifier>;

  beforeEach(async () => {
    issuer = new TestIssuer();
    await issuer.start();
    await issuer.addKey('key-1');
    verify = createTokenVerifier({
      issuer: issuer.url,
      clientIds: [CLIENT_ID],
      tokenUse: 'id'
    });
  });

  afterEach(() => issuer.stop());

  /** An ID token as Cognito issues it; `claims` and `header` override its parts. */
  async function idToken(
    claims: Record<string, unknown> = {},
    { kid = 'key-1', key }: { kid?: string; key?: KeyLike } = {}
  ): Promise<string> {
    return new SignJWT({
      'cognito:username': 'reader',
      'cognito:groups': ['readers'],
      token_use: 'id',
      aud: CLIENT_ID,
      iss: issuer.url,
      iat: now(),
      exp: now() + 3600,
      ...claims
    })
      .setProtectedHeader({ alg: 'RS256', kid })
      .sign(key ?? issuer.keys.get(kid)!.privateKey);
  }

  it('accepts a good token and says who and in which groups', async () => {
    await expect(verify(await idToken())).resolves.toEqual({
      username: 'reader',
      groups: ['readers']
    });
  });

  it('gives a user without groups no groups', async () => {
    await expect(
      verify(await idToken({ 'cognito:groups': undefined }))
    ).resolves.toEqual({
      username: 'reader',
      groups: []
    });
  });

  it.each([
    ['expired', { exp: now() - 10 }],
    ['not yet valid', { nbf: now() + 600 }],
    [
      'from another issuer',
      { iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other' }
    ],
    ['for another client', { aud: 'client-2' }],
    ['an access token where an ID token is wanted', { token_use: 'access' }],
    ['without a user', { 'cognito:username': undefined }]
  ])('refuses a token %s', async (_case, claims) => {
    await expect(verify(await idToken(claims))).rejects.toThrow();
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const [header, , signature] = (await idToken()).split('.');
    const forged = Buffer.from(
      JSON.stringify({
        'cognito:username': 'reader',
        'cognito:groups': ['admins'],
        token_use: 'id',
        aud: CLIENT_ID,
        iss: issuer.url,
        exp: now() + 3600
      })
    ).toString('base64url');
    await expect(verify(`${header}.${forged}.${signature}`)).rejects.toThrow();
  });

  it('refuses an unsigned token (alg none)', async () => {
    const part = (value: object) =>
      Buffer.from(JSON.stringify(value)).toString('base64url');
    const payload = {
      'cognito:username': 'x',
      'cognito:groups': ['admins'],
      token_use: 'id',
      aud: CLIENT_ID,
      iss: issuer.url,
      exp: now() + 60
    };
    await expect(
      verify(`${part({ alg: 'none', kid: 'key-1' })}.${part(payload)}.`)
    ).rejects.toThrow();
    await expect(
      verify(`${part({ alg: 'none', kid: 'key-1' })}.${part(payload)}.x`)
    ).rejects.toThrow();
  });

  it('refuses a token signed with HMAC using the public key as the secret', async () => {
    const publicJwk = issuer.keys.get('key-1')!.jwk;
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
    const token = await new SignJWT({
      'cognito:username': 'x',
      token_use: 'id',
      aud: CLIENT_ID,
      iss: issuer.url
    })
      .setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
      .setExpirationTime('1h')
      .sign(secret);
    await expect(verify(token)).rejects.toThrow();
  });

  it('refuses a token signed by a key the pool does not publish', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    await expect(
      verify(await idToken({}, { key: privateKey }))
    ).rejects.toThrow();
    await expect(
      verify(await idToken({}, { kid: 'key-1', key: privateKey }))
    ).rejects.toThrow();
  });

  it('caches the keys, and fetches them again for a key it has not seen (rotation)', async () => {
    await verify(await idToken());
    await verify(await idToken());
    expect(issuer.jwksRequests).toBe(1);

    await issuer.addKey('key-2');
    await expect(
      verify(await idToken({}, { kid: 'key-2' }))
    ).resolves.toMatchObject({ username: 'reader' });
    expect(issuer.jwksRequests).toBe(2);
  });

  it('needs at least one app client', () => {
    expect(() =>
      createTokenVerifier({ issuer: issuer.url, clientIds: [], tokenUse: 'id' })
    ).toThrow('At least one app client id is required.');
  });
});

describe('JwksFetcher', () => {
  it('fetches over plain HTTP only from the loopback address', async () => {
    const fetcher = new JwksFetcher();
    await expect(
      fetcher.fetch('http://example.com/.well-known/jwks.json')
    ).rejects.toThrow('Refusing to fetch a JWKS over http: from example.com.');
    await expect(fetcher.fetch('file:///etc/passwd')).rejects.toThrow(
      'Refusing'
    );
  });
});
