/// <reference types="node" />
import { webcrypto } from 'node:crypto';

import {
  SSO_MESSAGE_TYPE,
  SsoMissingCodeError,
  SsoRefusedError,
  SsoStateMismatchError,
  acceptSsoMessage,
  authorizeUrl,
  beginSso,
  challengeOf,
  createPkce,
  readCallback,
  readSsoStart,
  readTokens,
  signOutUrl,
  ssoErrorMessage,
  ssoMessage,
  ssoSignOutStartUrl,
  ssoStartUrl,
  takePendingSso,
  tokenRequest
} from '../auth/sso-flow';

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
    ).toEqual({ tokens: TOKENS });
  });

  it('passes on the words of a failed sign-in, and no more than a message’s worth', () => {
    expect(
      acceptSsoMessage(
        {
          origin: GATEWAY,
          source: popup,
          data: ssoErrorMessage(
            's1',
            'The sign-in was refused (access_denied).'
          )
        },
        expected
      )
    ).toEqual({ error: 'The sign-in was refused (access_denied).' });
    const long = acceptSsoMessage(
      {
        origin: GATEWAY,
        source: popup,
        data: ssoErrorMessage('s1', 'x'.repeat(5000))
      },
      expected
    );
    expect(long).toEqual({ error: 'x'.repeat(500) });
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
    ['a string', { origin: GATEWAY, source: popup, data: 'tokens' }],
    [
      'an error from another origin',
      {
        origin: 'https://attacker.example',
        source: popup,
        data: ssoErrorMessage('s1', 'Sign in at attacker.example instead.')
      }
    ]
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

describe('the popup’s start page', () => {
  const PAGE = 'https://api.example/prod/auth/sso';

  it('is asked for a sign-in with a provider, for the opener’s state and origin', () => {
    const url = ssoStartUrl(PAGE, {
      provider: 'Okta',
      state: 's1',
      origin: 'https://studio.example'
    });
    expect(readSsoStart(new URL(url).search)).toEqual({
      kind: 'sign-in',
      provider: 'Okta',
      state: 's1',
      origin: 'https://studio.example'
    });
    expect(readSsoStart(new URL(ssoSignOutStartUrl(PAGE)).search)).toEqual({
      kind: 'sign-out'
    });
  });

  it.each(['', '?provider=Okta&state=s1', '?provider=&state=s1&origin=o'])(
    'refuses an incomplete request (%s)',
    search => {
      expect(readSsoStart(search)).toBeUndefined();
    }
  );

  it('signs out at the managed login, back to the gateway’s page only', () => {
    const url = new URL(
      signOutUrl({
        domain: 'https://mlflow.auth.us-east-1.amazoncognito.com',
        clientId: 'c1',
        logoutUri: 'https://api.example/prod/auth/signed-out'
      })
    );
    expect(url.pathname).toBe('/logout');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: 'c1',
      logout_uri: 'https://api.example/prod/auth/signed-out'
    });
  });
});

describe('a sign-in between its authorize request and its callback', () => {
  const options = {
    domain: 'https://mlflow.auth.us-east-1.amazoncognito.com',
    clientId: 'c1',
    redirectUri: CALLBACK,
    provider: 'Okta',
    opener: { origin: 'https://studio.example', state: 's1' }
  };

  it('is found by its callback once, with its verifier and opener', async () => {
    const authorize = new URL(await beginSso(sessionStorage, crypto, options));
    const state = authorize.searchParams.get('state')!;
    const callback = `${CALLBACK}?code=c&state=${state}`;
    const { pending, state: taken } = takePendingSso(sessionStorage, callback);
    expect(taken).toBe(state);
    expect(pending.opener).toEqual(options.opener);
    expect(authorize.searchParams.get('code_challenge')).toBe(
      await challengeOf(crypto, pending.verifier)
    );
    // A replayed callback finds nothing.
    expect(() => takePendingSso(sessionStorage, callback)).toThrow(
      SsoStateMismatchError
    );
  });

  it('is not found by a callback with a tampered or missing state', async () => {
    await beginSso(sessionStorage, crypto, options);
    for (const callback of [
      `${CALLBACK}?code=c&state=tampered`,
      `${CALLBACK}?code=c`
    ]) {
      expect(() => takePendingSso(sessionStorage, callback)).toThrow(
        SsoStateMismatchError
      );
    }
  });

  it('keeps the OAuth state its own: the opener’s state never travels to Cognito', async () => {
    const authorize = new URL(await beginSso(sessionStorage, crypto, options));
    expect(authorize.searchParams.get('state')).not.toBe('s1');
    expect(authorize.toString()).not.toContain('studio.example');
  });
});
