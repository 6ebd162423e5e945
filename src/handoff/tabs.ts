import { IDisposable } from '@lumino/disposable';

import type { IMlflowAuth } from '../tokens';
import { TAB_CHANNEL, TabReply, isTabRequest } from './tab-protocol';

/**
 * JupyterLab's side of the MLflow browser tabs: the gateway's `/auth/tab`
 * page (opened by `openMlflowTab`) keeps no sign-in of its own; this answers its requests
 * for the token with the current user's, and tells every tab it knows when
 * the token changes or the user signs out. A tab may also ask to sign out.
 *
 * Only messages from the gateway's origin are heard, and tokens are posted
 * to that origin only, so no other page receives them, even one a tab
 * navigated to.
 */
export class BrowserTabs implements IDisposable {
  constructor(options: BrowserTabs.IOptions) {
    this._auth = options.auth;
    this._gatewayUrl = options.gatewayUrl;
    this._signOut = options.signOut;
    this._window = options.window ?? window;
    this._window.addEventListener('message', this.receive);
    this._auth.tokenChanged.connect(this._onTokenChanged, this);
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Send this tab (opened with `openMlflowTab`) each new token and the sign-out. */
  adopt(tab: Window): void {
    this._tabs.add(tab);
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._window.removeEventListener('message', this.receive);
    this._auth.tokenChanged.disconnect(this._onTokenChanged, this);
    this._tabs.clear();
  }

  /**
   * A message to this window: a tab's request is answered, anything else
   * ignored. Heard from the window once constructed; a message that came
   * before (and made the plugin load this module) is handed in here.
   */
  readonly receive = (event: MessageEvent): void => {
    const origin = this._gatewayOrigin();
    if (
      origin === null ||
      event.origin !== origin ||
      !isTabRequest(event.data) ||
      event.source === null
    ) {
      return;
    }
    // A tab opened before JupyterLab reloaded makes itself known this way.
    const tab = event.source as Window;
    this._tabs.add(tab);
    if (event.data.type === 'sign-out') {
      void this._signOut();
      return;
    }
    void this._currentToken().then(token => this._post(tab, token));
  };

  private _onTokenChanged(_: IMlflowAuth, token: string | null): void {
    for (const tab of [...this._tabs]) {
      if (tab.closed) {
        this._tabs.delete(tab);
      } else {
        this._post(tab, token);
      }
    }
  }

  private async _currentToken(): Promise<string | null> {
    try {
      return await this._auth.accessToken();
    } catch {
      // Nobody signed in (or the sign-in library did not load).
      return null;
    }
  }

  private _post(tab: Window, token: string | null): void {
    const origin = this._gatewayOrigin();
    if (origin === null) {
      return;
    }
    const reply: TabReply =
      token === null
        ? { channel: TAB_CHANNEL, type: 'signed-out' }
        : { channel: TAB_CHANNEL, type: 'token', token };
    tab.postMessage(reply, origin);
  }

  private _gatewayOrigin(): string | null {
    const gatewayUrl = this._gatewayUrl();
    if (gatewayUrl === null) {
      return null;
    }
    try {
      return new URL(gatewayUrl).origin;
    } catch {
      return null;
    }
  }

  private readonly _auth: IMlflowAuth;
  private readonly _gatewayUrl: () => string | null;
  private readonly _signOut: () => Promise<void>;
  private readonly _window: Window;
  private readonly _tabs = new Set<Window>();
  private _disposed = false;
}

export namespace BrowserTabs {
  export interface IOptions {
    auth: IMlflowAuth;
    /** The gateway's base URL, or `null` while the settings name none. */
    gatewayUrl: () => string | null;
    /** Sign out of MLflow (as the command does), asked for by a tab. */
    signOut: () => Promise<void>;
    /** The window that hears the tabs; `window` by default. */
    window?: Window;
  }
}
