import { readClaims, refreshDelayMs } from '../auth/claims';

import { base64url, jwt } from './fakes';

describe('readClaims', () => {
  it('reads user name, groups and times of a Cognito access token', () => {
    const claims = readClaims(
      jwt({
        sub: 'a1b2',
        username: 'reader',
        'cognito:groups': ['readers', 'model-approvers'],
        token_use: 'access',
        iat: 1_700_000_000,
        exp: 1_700_003_600
      })
    );
    expect(claims).toEqual({
      username: 'reader',
      groups: ['readers', 'model-approvers'],
      iat: 1_700_000_000,
      exp: 1_700_003_600
    });
  });

  it('reads the user name of an ID token too, and no groups when they are not a list', () => {
    const claims = readClaims(
      jwt({
        'cognito:username': 'ann',
        sub: 's',
        exp: 2,
        'cognito:groups': 'x'
      })
    );
    expect(claims.username).toBe('ann');
    expect(claims.groups).toEqual([]);
  });

  it('reads UTF-8 user names', () => {
    expect(readClaims(jwt({ username: 'zoë-β', exp: 2 })).username).toBe(
      'zoë-β'
    );
  });

  it.each([
    ['not a JWT', 'abc'],
    ['an unreadable payload', 'a.%%%.c'],
    ['a payload that is not an object', `a.${base64url('3')}.c`],
    ['no expiry', jwt({ username: 'x' })],
    ['no user', jwt({ exp: 5 })],
    // The gateway refuses such a token: no principal to name.
    ['a subject but no user name', jwt({ sub: 's-1', exp: 5 })]
  ])('refuses %s', (_, token) => {
    expect(() => readClaims(token)).toThrow(/sign-in token/);
  });
});

describe('refreshDelayMs', () => {
  const now = 1_700_000_000_000;

  it('refreshes an hour-long token five minutes before it expires', () => {
    const claims = { iat: now / 1000, exp: now / 1000 + 3600 };
    expect(refreshDelayMs(claims, now)).toBe(55 * 60_000);
  });

  it('refreshes a short token a quarter of its lifetime before expiry', () => {
    const claims = { iat: now / 1000, exp: now / 1000 + 120 };
    expect(refreshDelayMs(claims, now)).toBe(90_000);
  });

  it('never schedules sooner than the minimum, even for expired tokens', () => {
    const claims = { iat: now / 1000 - 7200, exp: now / 1000 - 3600 };
    expect(refreshDelayMs(claims, now)).toBe(5_000);
  });
});
