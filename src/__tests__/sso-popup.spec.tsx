/// <reference types="node" />
import { webcrypto } from 'node:crypto';

import * as React from 'react';
import { act } from 'react';
import { createRoot } from 'react-dom/client';

import { englishFormatter } from '../config';
import { PopupSso } from '../auth/sso-buttons';
import { ssoErrorMessage, ssoMessage } from '../auth/sso-flow';
import { SsoPopup, SsoPopupResult } from '../auth/sso-popup';

(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

const GATEWAY = 'https://api.example/prod';
const JUPYTERLAB = 'https://studio.example';
const TOKENS = {
  idToken: 'id',
  accessToken: 'access',
  refreshToken: 'refresh',
  expiresIn: 900
};

/** The JupyterLab window: what it opened, and the messages it listens to. */
class FakeHost {
  location = { origin: JUPYTERLAB };
  // jsdom has no SubtleCrypto: Node's Web Crypto.
  crypto = webcrypto as unknown as Crypto;
  opened: { url: string; popup: { closed: boolean } }[] = [];
  /** What `window.open` answers: a popup, or null as a blocker does. */
  blocked = false;
  listeners = new Set<(event: MessageEvent) => void>();

  open = (url?: string | URL): Window | null => {
    if (this.blocked) {
      return null;
    }
    const popup = { closed: false };
    this.opened.push({ url: String(url), popup });
    return popup as unknown as Window;
  };
  addEventListener = (_type: string, listener: any) => {
    this.listeners.add(listener);
  };
  removeEventListener = (_type: string, listener: any) => {
    this.listeners.delete(listener);
  };

  /** The state the last popup was asked to sign in for. */
  get state(): string {
    const last = this.opened[this.opened.length - 1];
    return new URL(last.url).searchParams.get('state')!;
  }

  post(data: unknown, from: { origin?: string; source?: unknown } = {}): void {
    const last = this.opened[this.opened.length - 1];
    const event = {
      origin: from.origin ?? new URL(GATEWAY).origin,
      source: 'source' in from ? from.source : last.popup,
      data
    } as MessageEvent;
    for (const listener of [...this.listeners]) {
      listener(event);
    }
  }
}

describe('SsoPopup', () => {
  let host: FakeHost;
  let popup: SsoPopup;
  let results: SsoPopupResult[];

  beforeEach(() => {
    jest.useFakeTimers();
    host = new FakeHost();
    popup = new SsoPopup({ gatewayUrl: GATEWAY, host, pollMs: 100 });
    results = [];
  });

  afterEach(() => {
    popup.cancel();
    jest.useRealTimers();
  });

  it('opens the gateway’s start page for the provider, its own state and this origin', () => {
    expect(popup.start('Okta', result => results.push(result))).toBe(true);
    const url = new URL(host.opened[0].url);
    expect(url.origin + url.pathname).toBe(`${GATEWAY}/auth/sso`);
    expect(url.searchParams.get('provider')).toBe('Okta');
    expect(url.searchParams.get('origin')).toBe(JUPYTERLAB);
    expect(host.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('takes the tokens its popup posts, once, and stops listening', () => {
    popup.start('Okta', result => results.push(result));
    host.post(ssoMessage(host.state, TOKENS));
    host.post(ssoMessage(host.state, TOKENS));
    expect(results).toEqual([{ tokens: TOKENS }]);
    expect(host.listeners.size).toBe(0);
  });

  it('ignores a message from another origin, another window or for another sign-in', () => {
    popup.start('Okta', result => results.push(result));
    const message = ssoMessage(host.state, TOKENS);
    host.post(message, { origin: 'https://attacker.example' });
    host.post(message, { source: {} });
    host.post(ssoMessage('forged-state', TOKENS));
    host.post(ssoErrorMessage(host.state, 'Sign in elsewhere.'), {
      origin: 'https://attacker.example'
    });
    expect(results).toEqual([]);
    host.post(message);
    expect(results).toEqual([{ tokens: TOKENS }]);
  });

  it('says when the user closed the popup before signing in', () => {
    popup.start('Okta', result => results.push(result));
    host.opened[0].popup.closed = true;
    jest.advanceTimersByTime(150);
    expect(results).toEqual([{ closed: true }]);
  });

  it('answers false when the browser blocked the popup', () => {
    host.blocked = true;
    expect(popup.start('Okta', result => results.push(result))).toBe(false);
    expect(host.listeners.size).toBe(0);
  });

  it('listens to one sign-in at a time: a new one ends the last', () => {
    popup.start('Okta', result => results.push(result));
    const first = host.state;
    popup.start('Okta', result => results.push(result));
    host.post(ssoMessage(first, TOKENS));
    expect(results).toEqual([]);
    expect(host.listeners.size).toBe(1);
  });
});

describe('PopupSso', () => {
  let host: FakeHost;
  let container: HTMLDivElement;
  let adopted: unknown[];

  async function render(): Promise<void> {
    const root = createRoot(container);
    await act(async () => {
      root.render(
        <PopupSso
          gatewayUrl={GATEWAY}
          providers={[{ name: 'LocalIdP', label: 'Example Org SSO' }]}
          trans={englishFormatter}
          adopt={async tokens => {
            adopted.push(tokens);
          }}
          popup={new SsoPopup({ gatewayUrl: GATEWAY, host })}
        />
      );
    });
  }

  function button(text: string): HTMLButtonElement {
    const found = [...container.querySelectorAll('button')].find(
      b => b.textContent === text
    );
    expect(found).toBeDefined();
    return found!;
  }

  beforeEach(() => {
    host = new FakeHost();
    container = document.createElement('div');
    document.body.appendChild(container);
    adopted = [];
  });

  afterEach(() => container.remove());

  it('signs in with the tokens the popup hands back', async () => {
    await render();
    await act(async () => button('Sign in with Example Org SSO').click());
    expect(container.textContent).toContain(
      'Finish signing in with Example Org SSO in the sign-in window.'
    );
    await act(async () => host.post(ssoMessage(host.state, TOKENS)));
    expect(adopted).toEqual([TOKENS]);
  });

  it('explains a blocked popup and opens it from its own button', async () => {
    host.blocked = true;
    await render();
    await act(async () => button('Sign in with Example Org SSO').click());
    expect(container.querySelector('[role="alert"]')?.textContent).toContain(
      'Your browser blocked the sign-in window.'
    );
    host.blocked = false;
    await act(async () => button('Open the sign-in window').click());
    expect(host.opened).toHaveLength(1);
    expect(container.textContent).toContain('Finish signing in');
  });

  it('shows in words why the sign-in failed', async () => {
    await render();
    await act(async () => button('Sign in with Example Org SSO').click());
    await act(async () =>
      host.post(
        ssoErrorMessage(host.state, 'The sign-in was refused (access_denied).')
      )
    );
    expect(container.querySelector('[role="alert"]')?.textContent).toBe(
      'The sign-in was refused (access_denied).'
    );
    expect(adopted).toEqual([]);
  });
});
