import {
  tokenFromAuthorizationHeader,
  tokenFromCookie
} from '../../../src/authorizer/token';
import { AUTH_COOKIE } from '../../../src/contract';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

describe('tokenFromAuthorizationHeader', () => {
  it('reads a bearer token, whatever the header name case', () => {
    expect(
      tokenFromAuthorizationHeader({ Authorization: `Bearer ${JWT}` })
    ).toBe(JWT);
    expect(
      tokenFromAuthorizationHeader({ authorization: `Bearer ${JWT}` })
    ).toBe(JWT);
  });

  it.each([
    ['no headers', undefined],
    ['no Authorization header', { Cookie: 'a=b' }],
    ['an empty header', { Authorization: '' }],
    ['another scheme', { Authorization: `Basic ${JWT}` }],
    ['a lower-case scheme', { Authorization: `bearer ${JWT}` }],
    ['two spaces', { Authorization: `Bearer  ${JWT}` }],
    ['two tokens', { Authorization: `Bearer ${JWT} ${JWT}` }],
    ['not a JWT', { Authorization: 'Bearer not-a-jwt' }],
    ['a JWT with four parts', { Authorization: `Bearer ${JWT}.x` }]
  ])('finds no token given %s', (_case, headers) => {
    expect(tokenFromAuthorizationHeader(headers)).toBeUndefined();
  });
});

describe('tokenFromCookie', () => {
  it("reads the MLflow UI's header cookie, URL-encoded as browsers store it", () => {
    const cookie = `theme=dark; ${AUTH_COOKIE}=${encodeURIComponent(`Bearer ${JWT}`)}; other=1`;
    expect(tokenFromCookie({ cookie })).toBe(JWT);
  });

  it.each([
    ['no cookie header', {}],
    ['another cookie only', { cookie: 'theme=dark' }],
    [
      'a cookie whose name only ends like ours',
      { cookie: `x${AUTH_COOKIE}=Bearer%20${JWT}` }
    ],
    ['a value without the scheme', { cookie: `${AUTH_COOKIE}=${JWT}` }],
    ['a malformed escape', { cookie: `${AUTH_COOKIE}=Bearer%20%E0%A4%A` }]
  ])('finds no token given %s', (_case, headers) => {
    expect(tokenFromCookie(headers)).toBeUndefined();
  });
});
