/// <reference types="node" />
import { webcrypto } from 'node:crypto';

import {
  SSO_MESSAGE_TYPE,
  SsoMissingCodeError,
  SsoRefusedError,
  SsoStateMismatchError,
  acceptSsoMessage,
  authorizeUrl,
  challengeOf,
  createPkce,
  readCallback,
  readTokens,
  ssoMessage,
  tokenRequest
} from '../gateway-pages/sso-flow';

// jsdom has no SubtleCrypto: the test takes Node's Web Crypto.
const crypto = webcrypto as unknown as Crypto;
const CALLBACK = 'https://api.example/prod/auth/sso-callback';
const GATEWAY = 'https://api.example';
const TOKENS = {
  idToken: 'id',
  accessToken: 'access',
  refreshToken: 'refresh',
  expiresIn: 900
};

describe('the SSO sign-in flow', () => {
  it('makes a fresh PKCE verifier each time, with its S256 challenge', async () => {
    const one = await createPkce(crypto);
    const two = await createPkce(crypto);
    expect(one.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(two.verifier).not.toBe(one.verifier);
    expect(one.challenge).toBe(await challengeOf(crypto, one.verifier));
    // RFC 7636's example.
    expect(
      await challengeOf(crypto, 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')
    ).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('asks Cognito for the code flow of one provider, with PKCE and the state', () => {
    const url = new URL(
      authorizeUrl({
        domain: 'https://acme.auth.us-east-1.amazoncognito.com',
        clientId: 'client',
        redirectUri: CALLBACK,
        provider: 'Okta',
        state: 'the-state',
        challenge: 'the-challenge'
      })
    );
    expect(url.origin + url.pathname).toBe(
      'https://acme.auth.us-east-1.amazoncognito.com/oauth2/authorize'
    );
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'client',
      redirect_uri: CALLBACK,
      scope: 'openid email profile',
      identity_provider: 'Okta',
      state: 'the-state',
      code_challenge: 'the-challenge',
      code_challenge_method: 'S256'
    });
    const request = tokenRequest({
      clientId: 'client',
      redirectUri: CALLBACK,
      code: 'c',
      verifier: 'v'
    });
    expect(request.get('code_verifier')).toBe('v');
    expect(request.get('grant_type')).toBe('authorization_code');
  });

  it('takes the code of its own callback only', () => {
    expect(readCallback(`${CALLBACK}?code=abc&state=s1`, 's1')).toBe('abc');
    expect(() =>
      readCallback(`${CALLBACK}?code=abc&state=tampered`, 's1')
    ).toThrow(SsoStateMismatchError);
    expect(() => readCallback(`${CALLBACK}?code=abc`, 's1')).toThrow(
      SsoStateMismatchError
    );
    // No state kept (the popup reloaded, another tab): nothing matches.
    expect(() => readCallback(`${CALLBACK}?code=abc&state=`, '')).toThrow(
      SsoStateMismatchError
    );
    expect(() =>
      readCallback(`${CALLBACK}?error=access_denied&state=s1`, 's1')
    ).toThrow(new SsoRefusedError('access_denied'));
    expect(() => readCallback(`${CALLBACK}?state=s1`, 's1')).toThrow(
      SsoMissingCodeError
    );
  });

  it('reads the token answer, and nothing that is not one', () => {
    expect(
      readTokens({
        id_token: 'id',
        access_token: 'access',
        refresh_token: 'refresh',
        expires_in: 900,
        token_type: 'Bearer'
      })
    ).toEqual(TOKENS);
    expect(readTokens({ error: 'invalid_grant' })).toBeUndefined();
    expect(readTokens(null)).toBeUndefined();
  });
});

describe('the hand-over to the opener', () => {
  const popup = { name: 'the popup window' };
  const expected = { origin: GATEWAY, popup, state: 's1' };
  const message = ssoMessage('s1', TOKENS);

  it('accepts the tokens its popup posts from the gateway’s origin for its sign-in', () => {
    expect(
      acceptSsoMessage(
        { origin: GATEWAY, source: popup, data: message },
        expected
      )
    ).toEqual(TOKENS);
  });

  it.each([
    [
      'another origin',
      { origin: 'https://attacker.example', source: popup, data: message }
    ],
    ['another window', { origin: GATEWAY, source: {}, data: message }],
    [
      'another sign-in',
      { origin: GATEWAY, source: popup, data: ssoMessage('s2', TOKENS) }
    ],
    [
      'another message',
      {
        origin: GATEWAY,
        source: popup,
        data: { type: 'other', state: 's1', tokens: TOKENS }
      }
    ],
    [
      'no tokens',
      {
        origin: GATEWAY,
        source: popup,
        data: { type: SSO_MESSAGE_TYPE, state: 's1' }
      }
    ],
    ['a string', { origin: GATEWAY, source: popup, data: 'tokens' }]
  ])('refuses %s', (_what, event) => {
    expect(acceptSsoMessage(event, expected)).toBeUndefined();
  });

  it('accepts nothing before a sign-in started', () => {
    expect(
      acceptSsoMessage(
        { origin: GATEWAY, source: popup, data: ssoMessage('', TOKENS) },
        { origin: GATEWAY, popup, state: '' }
      )
    ).toBeUndefined();
  });
});
