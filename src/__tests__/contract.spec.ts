import {
  AUTH_COOKIE,
  AUTH_FLOWS,
  LOGIN_NEXT_PARAM,
  SETTINGS_PLUGIN_ID,
  bearerToken,
  clearedTokenCookie,
  loginPath,
  tabPath,
  looksLikeJwt,
  routeOrHome,
  tokenCookie,
  tokenOfCookieValue,
  tokenUser,
  signInMethodsOf,
  type IPagesConfig
} from '../contract';
import packageJson from '../../package.json';
import schemaJson from '../../schema/plugin.json';

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

  it('gives the gateway back the token it stored, and nothing else', () => {
    const [pair] = tokenCookie(token, now / 1000 + 600, now).split('; ');
    expect(tokenOfCookieValue(pair.slice(`${AUTH_COOKIE}=`.length))).toBe(
      token
    );
    expect(tokenOfCookieValue('')).toBeUndefined();
    expect(tokenOfCookieValue(token)).toBeUndefined();
    expect(tokenOfCookieValue('Bearer%20%E0%A4%A')).toBeUndefined();
  });
});

describe('tokens', () => {
  it('recognises JWT-shaped tokens only', () => {
    expect(looksLikeJwt('eyJh.eyJ9.sig-_')).toBe(true);
    expect(looksLikeJwt('a.b')).toBe(false);
    expect(looksLikeJwt('a.b.c; Domain=evil')).toBe(false);
    expect(looksLikeJwt('a.b.c\nSet-Cookie')).toBe(false);
    expect(looksLikeJwt(`a.${'b'.repeat(20_000)}.c`)).toBe(false);
  });

  it('reads a token from "Bearer <jwt>" only', () => {
    expect(bearerToken('Bearer a.b.c')).toBe('a.b.c');
    for (const value of [
      undefined,
      '',
      'a.b.c',
      'bearer a.b.c',
      'Bearer  a.b.c',
      'Bearer a.b.c a.b.c',
      'Bearer a.b'
    ]) {
      expect(bearerToken(value)).toBeUndefined();
    }
  });

  it('names the user of an access or ID token, and their groups', () => {
    expect(
      tokenUser({ username: 'ann', 'cognito:groups': ['readers', 3] })
    ).toEqual({ username: 'ann', groups: ['readers'] });
    expect(tokenUser({ 'cognito:username': 'bob', username: 'x' })).toEqual({
      username: 'bob',
      groups: []
    });
    expect(tokenUser({ 'cognito:username': '', username: 'ann' })).toEqual({
      username: 'ann',
      groups: []
    });
    expect(tokenUser({ sub: 's-1', 'cognito:groups': ['admins'] })).toBe(
      undefined
    );
  });
});

describe('the browser tab page', () => {
  it('opens the route it was given, under the pages', () => {
    const url = new URL(tabPath('/models/a b'), 'https://gw.example.com');
    expect(url.pathname).toBe('/auth/tab');
    expect(routeOrHome(url.searchParams.get(LOGIN_NEXT_PARAM))).toBe(
      '/models/a b'
    );
  });
});

describe('the sign-in page', () => {
  it('opens the route it was given after sign-in', () => {
    const url = new URL(
      loginPath('/experiments/1/runs/a b?c'),
      'https://gw.example.com'
    );
    expect(url.pathname).toBe('/auth/login');
    expect(routeOrHome(url.searchParams.get(LOGIN_NEXT_PARAM))).toBe(
      '/experiments/1/runs/a b?c'
    );
  });

  it('turns anything but an MLflow UI route into the start page', () => {
    expect(routeOrHome(null)).toBe('/');
    expect(routeOrHome('https://evil.example')).toBe('/');
    expect(routeOrHome('javascript:alert(1)')).toBe('/');
    expect(routeOrHome('/models\n')).toBe('/');
  });
});

describe('the sign-in methods a gateway offers', () => {
  const pages = (cognito: Partial<IPagesConfig['cognito']>): IPagesConfig => ({
    allowedOrigins: [],
    cognito: {
      region: 'us-east-1',
      userPoolId: 'us-east-1_x',
      userPoolClientId: 'c',
      endpoint: '',
      authFlow: 'USER_SRP_AUTH',
      signIn: ['password'],
      ...cognito
    }
  });
  const okta = { name: 'Okta', label: 'Okta' };

  it('are the configured ones, with a button per provider only with SSO', () => {
    expect(
      signInMethodsOf(
        pages({
          signIn: ['sso'],
          sso: { domain: 'https://d', providers: [okta] }
        })
      )
    ).toEqual({ signIn: ['sso'], providers: [okta] });
    expect(
      signInMethodsOf(
        pages({
          signIn: ['password'],
          sso: { domain: 'https://d', providers: [okta] }
        })
      )
    ).toEqual({ signIn: ['password'], providers: [] });
  });

  it('are passwords for a gateway that names none, and never an unknown method', () => {
    const older = pages({});
    delete (older.cognito as Partial<IPagesConfig['cognito']>).signIn;
    expect(signInMethodsOf(older)).toEqual({
      signIn: ['password'],
      providers: []
    });
    expect(
      signInMethodsOf(pages({ signIn: ['magic-link' as 'sso', 'password'] }))
    ).toEqual({ signIn: ['password'], providers: [] });
  });
});

describe('what JSON files repeat of the contract', () => {
  it('offers the sign-in flows of the contract in the settings schema', () => {
    expect(schemaJson.properties.authFlow.enum).toEqual([...AUTH_FLOWS]);
  });

  it('names the settings plugin as JupyterLab does: package name and schema file', () => {
    // The schema is schema/plugin.json (imported above by that name).
    expect(SETTINGS_PLUGIN_ID).toBe(`${packageJson.name}:plugin`);
  });
});
