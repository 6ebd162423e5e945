import { IAuthBackend } from '../auth/backend';
import { NotSignedInError } from '../auth/errors';
import { MlflowAuth } from '../auth/session';
import { DEFAULT_CONFIG } from '../config';
import { CONFIGURED, FakeSettings, accessToken } from './fakes';

/** A backend holding a session the test controls, counting its calls. */
class FakeBackend implements IAuthBackend {
  token: string | null = null;
  refreshes = 0;
  signOuts = 0;
  listener: ((event: 'signedIn' | 'signedOut') => void) | null = null;
  nextToken: () => string | null = () => this.token;

  async accessToken(forceRefresh: boolean): Promise<string | null> {
    if (forceRefresh) {
      this.refreshes++;
      this.token = this.nextToken();
    }
    return this.token;
  }
  async signOut(): Promise<void> {
    this.signOuts++;
    this.token = null;
  }
  listen(listener: (event: 'signedIn' | 'signedOut') => void): () => void {
    this.listener = listener;
    return () => (this.listener = null);
  }
}

function setup(settings = new FakeSettings()) {
  const backend = new FakeBackend();
  const loads: string[] = [];
  const auth = new MlflowAuth({
    settings,
    loadBackend: async config => {
      loads.push(config.userPoolId);
      return backend;
    },
    loadForm: async () => () => null as unknown as JSX.Element
  });
  const statuses: string[] = [];
  const tokens: (string | null)[] = [];
  auth.changed.connect((_, status) => statuses.push(status));
  auth.tokenChanged.connect((_, token) => tokens.push(token));
  return { auth, backend, loads, statuses, tokens, settings };
}

afterEach(() => {
  jest.useRealTimers();
});

describe('MlflowAuth', () => {
  it('loads nothing until asked, then finds the stored session', async () => {
    const s = setup();
    expect(s.auth.status).toBe('unknown');
    expect(s.loads).toEqual([]);

    s.backend.token = accessToken('reader', ['readers']);
    await expect(s.auth.restore()).resolves.toBe('signed-in');
    expect(s.loads).toEqual([CONFIGURED.userPoolId]);
    expect(s.auth.user).toEqual({ username: 'reader', groups: ['readers'] });
    expect(s.statuses).toEqual(['signed-in']);
    expect(s.tokens).toEqual([s.backend.token]);
    s.auth.dispose();
  });

  it('is signed out without a session and refuses to hand out tokens', async () => {
    const s = setup();
    await expect(s.auth.restore()).resolves.toBe('signed-out');
    await expect(s.auth.accessToken()).rejects.toBeInstanceOf(NotSignedInError);
    expect(s.auth.user).toBeNull();
    s.auth.dispose();
  });

  it('is unconfigured, and loads nothing, until the settings name a user pool', async () => {
    const s = setup(new FakeSettings(DEFAULT_CONFIG));
    expect(s.auth.status).toBe('unconfigured');
    await expect(s.auth.restore()).resolves.toBe('unconfigured');
    await expect(s.auth.accessToken()).rejects.toBeInstanceOf(NotSignedInError);
    expect(s.loads).toEqual([]);

    s.settings.set(CONFIGURED);
    await Promise.resolve();
    expect(s.auth.status).toBe('unknown');
    s.auth.dispose();
  });

  it('follows a sign-in made through the form', async () => {
    const s = setup();
    await s.auth.restore();
    s.backend.token = accessToken('approver', ['model-approvers']);
    s.backend.listener?.('signedIn');
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(s.auth.status).toBe('signed-in');
    expect(s.auth.user?.username).toBe('approver');
    s.auth.dispose();
  });

  it('refreshes the token before it expires and announces the new one', async () => {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    const s = setup();
    s.backend.token = accessToken('reader', ['readers'], Date.now(), 120);
    await s.auth.restore();
    const first = s.backend.token;
    s.backend.nextToken = () =>
      accessToken('reader', ['readers'], Date.now(), 120);

    // A quarter of the two-minute lifetime before expiry: after 90 s.
    await jest.advanceTimersByTimeAsync(89_000);
    expect(s.backend.refreshes).toBe(0);
    await jest.advanceTimersByTimeAsync(2_000);
    expect(s.backend.refreshes).toBe(1);
    expect(s.tokens).toEqual([first, s.backend.token]);
    expect(s.backend.token).not.toBe(first);

    // And again for the new token, without anyone asking.
    await jest.advanceTimersByTimeAsync(91_000);
    expect(s.backend.refreshes).toBe(2);
    expect(s.auth.status).toBe('signed-in');
    s.auth.dispose();
  });

  it('becomes signed out when the session cannot be refreshed', async () => {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    const s = setup();
    s.backend.token = accessToken('reader', ['readers'], Date.now(), 120);
    await s.auth.restore();
    s.backend.nextToken = () => null;
    await jest.advanceTimersByTimeAsync(91_000);
    expect(s.auth.status).toBe('signed-out');
    expect(s.tokens[s.tokens.length - 1]).toBeNull();
    s.auth.dispose();
  });

  it('signs out: the backend forgets the session and copies are told', async () => {
    const s = setup();
    s.backend.token = accessToken('reader', ['readers']);
    await s.auth.restore();
    await s.auth.signOut();
    expect(s.backend.signOuts).toBe(1);
    expect(s.auth.status).toBe('signed-out');
    expect(s.tokens[s.tokens.length - 1]).toBeNull();
    s.auth.dispose();
  });

  it('drops the session when the settings switch to another user pool', async () => {
    const s = setup();
    s.backend.token = accessToken('reader', ['readers']);
    await s.auth.restore();
    s.settings.set({ ...CONFIGURED, userPoolId: 'us-east-1_Other123' });
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(s.auth.user).toBeNull();
    expect(s.auth.status).toBe('unknown');
    await s.auth.restore();
    expect(s.loads).toEqual([CONFIGURED.userPoolId, 'us-east-1_Other123']);
    s.auth.dispose();
  });

  it('treats an unreadable token from the identity provider as signed out', async () => {
    const s = setup();
    s.backend.token = 'not-a-jwt';
    const error = jest
      .spyOn(console, 'error')
      .mockImplementation(() => undefined);
    await expect(s.auth.restore()).resolves.toBe('signed-out');
    error.mockRestore();
    s.auth.dispose();
  });
});
