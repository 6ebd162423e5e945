import { AUTH_COOKIE, tokenCookie } from '../contract';
import {
  cookieToken,
  forgetStoredSignIns,
  replacedBy,
  tokenUsername
} from '../gateway-pages/session';
import { TAB_CHANNEL, isTabReply, isTabRequest } from '../handoff/tab-protocol';
import { CHANNEL, isCookieReplacedNotice } from '../handoff/protocol';
import { accessToken } from './fakes';

const NOW = Date.UTC(2026, 0, 1);

/** `document.cookie` as the browser shows it after the page stored `token`. */
function cookies(token: string, others = 'theme=dark'): string {
  const assignment = tokenCookie(token, NOW / 1000 + 3600, NOW);
  return `${others}; ${assignment.split(';')[0]}`;
}

describe('cookieToken', () => {
  it('reads the token the pages stored, among other cookies', () => {
    const token = accessToken('reader', ['readers'], NOW);
    expect(cookieToken(cookies(token))).toBe(token);
    expect(cookieToken('theme=dark')).toBeUndefined();
    expect(cookieToken(`${AUTH_COOKIE}=`)).toBeUndefined();
    expect(cookieToken(`x${AUTH_COOKIE}=Bearer%20a.b.c`)).toBeUndefined();
  });
});

describe('replacedBy', () => {
  const reader = accessToken('reader', ['readers'], NOW);
  const own = { token: reader, expiresAt: NOW / 1000 + 3600 };

  it('names the other user when the cookie names someone else', () => {
    const admin = accessToken('admin', ['admins'], NOW);
    expect(replacedBy(own, cookies(admin), NOW)).toBe('admin');
  });

  it("is `''` for a token in the cookie that names nobody", () => {
    expect(replacedBy(own, `${AUTH_COOKIE}=Bearer%20a.b.c`, NOW)).toBe('');
  });

  it("leaves the cookie alone when it is the page's token or the same user's", () => {
    expect(replacedBy(own, cookies(reader), NOW)).toBeUndefined();
    const again = accessToken('reader', ['readers'], NOW + 1000);
    expect(replacedBy(own, cookies(again), NOW)).toBeUndefined();
  });

  it('leaves a missing cookie alone (a sign-out elsewhere)', () => {
    expect(replacedBy(own, 'theme=dark', NOW)).toBeUndefined();
  });

  it('guards nothing without a token of its own, or once that expired', () => {
    const admin = accessToken('admin', ['admins'], NOW);
    expect(replacedBy(null, cookies(admin), NOW)).toBeUndefined();
    expect(
      replacedBy(own, cookies(admin), (own.expiresAt + 1) * 1000)
    ).toBeUndefined();
  });
});

describe('tokenUsername', () => {
  it('is the user a token names, or empty', () => {
    expect(tokenUsername(accessToken('ann', [], NOW))).toBe('ann');
    expect(tokenUsername('a.b.c')).toBe('');
    expect(tokenUsername(undefined)).toBe('');
  });
});

describe('forgetStoredSignIns', () => {
  it("removes Amplify's stored sign-ins and nothing else", () => {
    localStorage.clear();
    localStorage.setItem(
      'CognitoIdentityServiceProvider.client1.admin.refreshToken',
      'r'
    );
    localStorage.setItem(
      'CognitoIdentityServiceProvider.client1.LastAuthUser',
      'admin'
    );
    localStorage.setItem('mlflow-ui-preference', 'kept');
    forgetStoredSignIns(localStorage);
    expect(Object.keys(localStorage)).toEqual(['mlflow-ui-preference']);
  });
});

describe('the messages of the browser tab and the cookie notice', () => {
  it('accepts only well-formed messages of their channel', () => {
    expect(isTabRequest({ channel: TAB_CHANNEL, type: 'request-token' })).toBe(
      true
    );
    expect(isTabRequest({ channel: TAB_CHANNEL, type: 'sign-out' })).toBe(true);
    expect(isTabRequest({ channel: TAB_CHANNEL, type: 'token' })).toBe(false);
    expect(isTabRequest({ channel: CHANNEL, type: 'sign-out' })).toBe(false);
    expect(isTabRequest(null)).toBe(false);

    expect(
      isTabReply({ channel: TAB_CHANNEL, type: 'token', token: 'a' })
    ).toBe(true);
    expect(isTabReply({ channel: TAB_CHANNEL, type: 'token' })).toBe(false);
    expect(isTabReply({ channel: TAB_CHANNEL, type: 'signed-out' })).toBe(true);
    expect(isTabReply({ channel: TAB_CHANNEL, type: 'request-token' })).toBe(
      false
    );
    expect(isTabReply('token')).toBe(false);

    expect(
      isCookieReplacedNotice({
        channel: CHANNEL,
        type: 'cookie-replaced',
        username: 'admin'
      })
    ).toBe(true);
    expect(
      isCookieReplacedNotice({ channel: CHANNEL, type: 'cookie-replaced' })
    ).toBe(false);
    expect(
      isCookieReplacedNotice({
        channel: TAB_CHANNEL,
        type: 'cookie-replaced',
        username: 'admin'
      })
    ).toBe(false);
  });
});
