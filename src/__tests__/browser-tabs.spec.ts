import { NotSignedInError } from '../auth/errors';
import { tabPath } from '../contract';
import { openMlflowTab } from '../handoff/open-tab';
import { BrowserTabs } from '../handoff/tabs';
import { TAB_CHANNEL } from '../handoff/tab-protocol';
import { CONFIGURED, FakeAuth, accessToken } from './fakes';

const ORIGIN = 'https://gw.example.com';

/** An auth whose token request fails as the real one does when signed out. */
class Auth extends FakeAuth {
  override async accessToken(): Promise<string> {
    if (this.status !== 'signed-in') {
      throw new NotSignedInError();
    }
    return this.token;
  }
}

/** A browser tab: what JupyterLab posts to it, and with which target origin. */
function fakeTab() {
  const posted: { data: unknown; origin: string }[] = [];
  const tab = {
    closed: false,
    postMessage: (data: unknown, origin: string) =>
      posted.push({ data, origin })
  } as unknown as Window & { closed: boolean };
  return { tab, posted };
}

function setup(gatewayUrl: string | null = CONFIGURED.gatewayUrl) {
  const auth = new Auth();
  const opened = fakeTab();
  const signOut = jest.fn(async () => auth.signOut());
  const tabs = new BrowserTabs({
    auth,
    gatewayUrl: () => gatewayUrl,
    signOut
  });
  return { auth, tabs, signOut, ...opened };
}

/** A message to JupyterLab's window from `source` at `origin`. */
function post(source: unknown, data: unknown, origin = ORIGIN) {
  window.dispatchEvent(
    new MessageEvent('message', { data, origin, source: source as Window })
  );
}

async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await Promise.resolve();
  }
}

afterEach(() => jest.restoreAllMocks());

describe('openMlflowTab', () => {
  it('opens the tab page at the route, keeping this window as its opener', () => {
    const { tab } = fakeTab();
    const open = jest.spyOn(window, 'open').mockImplementation(() => tab);
    expect(openMlflowTab(CONFIGURED.gatewayUrl, '/experiments/1')).toBe(tab);
    expect(open).toHaveBeenCalledWith(
      `${CONFIGURED.gatewayUrl}${tabPath('/experiments/1')}`,
      '_blank'
    );
    // `noopener` would leave the tab no way to ask for the token.
    expect(open.mock.calls[0]).toHaveLength(2);
  });

  it('says when the browser did not open the tab, or nothing is configured', () => {
    const open = jest.spyOn(window, 'open').mockImplementation(() => null);
    expect(openMlflowTab(CONFIGURED.gatewayUrl, '/')).toBeNull();
    open.mockClear();
    expect(openMlflowTab(null, '/')).toBeNull();
    expect(open).not.toHaveBeenCalled();
  });
});

describe('BrowserTabs', () => {
  it("answers a tab's request with the current token, to the gateway's origin only", async () => {
    const s = setup();
    const token = accessToken('reader', ['readers']);
    s.auth.set('signed-in', token);
    post(s.tab, { channel: TAB_CHANNEL, type: 'request-token' });
    await settle();
    expect(s.posted).toEqual([
      { data: { channel: TAB_CHANNEL, type: 'token', token }, origin: ORIGIN }
    ]);
    s.tabs.dispose();
  });

  it('answers "signed-out" when nobody is signed in', async () => {
    const s = setup();
    post(s.tab, { channel: TAB_CHANNEL, type: 'request-token' });
    await settle();
    expect(s.posted).toEqual([
      { data: { channel: TAB_CHANNEL, type: 'signed-out' }, origin: ORIGIN }
    ]);
    s.tabs.dispose();
  });

  it.each([
    ['another origin', 'https://evil.example.com', true],
    ['no source window', ORIGIN, false]
  ])('ignores a request from %s', async (_, origin, withSource) => {
    const s = setup();
    s.auth.set('signed-in', accessToken('reader', ['readers']));
    post(
      withSource ? s.tab : null,
      { channel: TAB_CHANNEL, type: 'request-token' },
      origin
    );
    post(s.tab, { channel: 'something-else', type: 'request-token' });
    await settle();
    expect(s.posted).toEqual([]);
    s.tabs.dispose();
  });

  it('sends each new token and the sign-out to the tabs it opened or heard from', async () => {
    const s = setup();
    s.tabs.adopt(s.tab);
    const reopened = fakeTab();
    // A tab opened before JupyterLab reloaded makes itself known by asking.
    post(reopened.tab, { channel: TAB_CHANNEL, type: 'request-token' });
    await settle();
    reopened.posted.length = 0;

    const token = accessToken('reader', ['readers']);
    s.auth.set('signed-in', token);
    s.auth.set('signed-out', null);
    for (const posted of [s.posted, reopened.posted]) {
      expect(posted.map(p => p.data)).toEqual([
        { channel: TAB_CHANNEL, type: 'token', token },
        { channel: TAB_CHANNEL, type: 'signed-out' }
      ]);
      expect(posted.every(p => p.origin === ORIGIN)).toBe(true);
    }

    // A closed tab is forgotten.
    s.tab.closed = true;
    s.auth.set('signed-in', token);
    expect(s.posted).toHaveLength(2);
    expect(reopened.posted).toHaveLength(3);
    s.tabs.dispose();
  });

  it("signs out when a tab asks, but not for another origin's message", async () => {
    const s = setup();
    s.auth.set('signed-in', accessToken('reader', ['readers']));
    post(s.tab, { channel: TAB_CHANNEL, type: 'sign-out' }, 'https://x.test');
    expect(s.signOut).not.toHaveBeenCalled();
    post(s.tab, { channel: TAB_CHANNEL, type: 'sign-out' });
    await settle();
    expect(s.signOut).toHaveBeenCalledTimes(1);
    expect(s.auth.status).toBe('signed-out');
    s.tabs.dispose();
  });

  it('answers a request handed in before it heard the window itself', async () => {
    const late = setup();
    const token = accessToken('reader', ['readers']);
    late.auth.set('signed-in', token);
    late.tabs.receive(
      new MessageEvent('message', {
        data: { channel: TAB_CHANNEL, type: 'request-token' },
        origin: ORIGIN,
        source: late.tab
      })
    );
    await settle();
    expect(late.posted.map(p => p.data)).toEqual([
      { channel: TAB_CHANNEL, type: 'token', token }
    ]);
    late.tabs.dispose();
  });

  it('hears nothing once disposed', async () => {
    const s = setup();
    s.tabs.dispose();
    post(s.tab, { channel: TAB_CHANNEL, type: 'sign-out' });
    s.auth.set('signed-in', accessToken('reader', ['readers']));
    await settle();
    expect(s.signOut).not.toHaveBeenCalled();
    expect(s.posted).toEqual([]);
  });
});
