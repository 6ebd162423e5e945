import {
  AUTH_COOKIE,
  CHANNEL,
  clearedTokenCookie,
  isHandoffReply,
  isHandoffRequest,
  looksLikeJwt,
  routeOrHome,
  tokenCookie
} from '../handoff/protocol';

describe('the token cookie', () => {
  const token = 'aaa.bbb.ccc';
  const now = 1_700_000_000_000;

  it('holds "Bearer <token>" URI-encoded, as the MLflow UI decodes it', () => {
    const cookie = tokenCookie(token, now / 1000 + 600, now);
    const [pair] = cookie.split('; ');
    expect(pair).toBe(`${AUTH_COOKIE}=Bearer%20aaa.bbb.ccc`);
    // What the MLflow UI does with document.cookie (FetchUtils).
    const value = decodeURIComponent(pair.split('=')[1]);
    expect(value).toBe('Bearer aaa.bbb.ccc');
  });

  it('is a partitioned third-party cookie that ends with the token', () => {
    const attributes = tokenCookie(token, now / 1000 + 600, now)
      .split('; ')
      .slice(1);
    expect(attributes).toEqual([
      'Path=/',
      'Max-Age=600',
      'Secure',
      'SameSite=None',
      'Partitioned'
    ]);
    expect(tokenCookie(token, now / 1000 - 5, now)).toContain('Max-Age=0');
  });

  it('is removed with the same attributes', () => {
    expect(clearedTokenCookie()).toBe(
      `${AUTH_COOKIE}=; Path=/; Max-Age=0; Secure; SameSite=None; Partitioned`
    );
  });
});

describe('messages', () => {
  it('accepts well-formed requests and replies only', () => {
    expect(
      isHandoffRequest({
        channel: CHANNEL,
        type: 'store-token',
        id: 1,
        token: 't'
      })
    ).toBe(true);
    expect(
      isHandoffRequest({ channel: CHANNEL, type: 'clear-token', id: 2 })
    ).toBe(true);
    expect(isHandoffReply({ channel: CHANNEL, type: 'ready' })).toBe(true);
    expect(isHandoffReply({ channel: CHANNEL, type: 'done', id: 1 })).toBe(
      true
    );
    for (const junk of [
      null,
      'store-token',
      { channel: 'other', type: 'store-token', id: 1, token: 't' },
      { channel: CHANNEL, type: 'store-token', id: 1 },
      { channel: CHANNEL, type: 'store-token', id: '1', token: 't' },
      { channel: CHANNEL, type: 'delete-everything', id: 1 }
    ]) {
      expect(isHandoffRequest(junk)).toBe(false);
    }
    expect(isHandoffReply({ channel: CHANNEL, type: 'store-token' })).toBe(
      false
    );
  });

  it('recognises JWT-shaped tokens only', () => {
    expect(looksLikeJwt('eyJh.eyJ9.sig-_')).toBe(true);
    expect(looksLikeJwt('a.b')).toBe(false);
    expect(looksLikeJwt('a.b.c; Domain=evil')).toBe(false);
    expect(looksLikeJwt('a.b.c\nSet-Cookie')).toBe(false);
    expect(looksLikeJwt(`a.${'b'.repeat(20_000)}.c`)).toBe(false);
  });
});

describe('routeOrHome', () => {
  it('keeps MLflow UI routes and turns anything else into the start page', () => {
    expect(routeOrHome('/experiments/1/runs/abc')).toBe(
      '/experiments/1/runs/abc'
    );
    expect(routeOrHome(null)).toBe('/');
    expect(routeOrHome('https://evil.example')).toBe('/');
    expect(routeOrHome('javascript:alert(1)')).toBe('/');
    expect(routeOrHome('/models\n')).toBe('/');
  });
});
