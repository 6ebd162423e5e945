/**
 * The gateway's `/auth/tab` page: the MLflow UI in a browser tab of its own
 * ("Open MLflow in a Browser Tab"), as the user signed in to the JupyterLab
 * window that opened it. It keeps no sign-in of its own: it asks that
 * window for the token (`src/handoff/tab-protocol.ts`), stores it as the
 * MLflow UI's cookie, shows the MLflow UI in a frame under a bar that says
 * who is signed in, and ends when JupyterLab signs out or its user signs out
 * here. Opened any other way, or when JupyterLab has nobody signed in, it
 * leads to the sign-in page.
 */
import { ITokenClaims, readClaims, refreshDelayMs } from '../auth/claims';
import {
  IPagesConfig,
  LOGIN_NEXT_PARAM,
  LOGIN_PAGE,
  PAGES_CONFIG_FILE,
  clearedTokenCookie,
  looksLikeJwt,
  routeOrHome,
  tokenCookie
} from '../contract';
import { TAB_CHANNEL, TabRequest, isTabReply } from '../handoff/tab-protocol';
import { mlflowUrl } from '../panel/routes';
import { forgetStoredSignIns } from './session';

/** How long JupyterLab has to answer before the page asks for a password. */
const ANSWER_TIMEOUT_MS = 5_000;

async function main(): Promise<void> {
  const route = routeOrHome(
    new URLSearchParams(window.location.search).get(LOGIN_NEXT_PARAM)
  );
  const signInUrl = new URL(
    `${LOGIN_PAGE}?${LOGIN_NEXT_PARAM}=${encodeURIComponent(route)}`,
    window.location.href
  ).href;
  const opener = window.opener as Window | null;
  if (opener === null) {
    window.location.replace(signInUrl);
    return;
  }
  const view = new TabView(signInUrl);
  let config: IPagesConfig;
  try {
    const response = await fetch(PAGES_CONFIG_FILE, { cache: 'no-store' });
    config = (await response.json()) as IPagesConfig;
  } catch {
    view.message('The gateway configuration could not be read.');
    return;
  }
  const allowed = new Set(config.allowedOrigins);
  // The MLflow UI is the gateway's root, beside the pages.
  const gatewayUrl = new URL('..', window.location.href).href.replace(
    /\/$/,
    ''
  );

  let jupyterOrigin: string | null = null;
  let user: ITokenClaims | null = null;
  let ended = false;
  const timers: number[] = [];
  const clearTimers = () => timers.splice(0).forEach(window.clearTimeout);

  const ask = (): void => {
    const request: TabRequest = { channel: TAB_CHANNEL, type: 'request-token' };
    // Nothing secret in a request: it may go to every allowed origin.
    for (const origin of jupyterOrigin === null ? allowed : [jupyterOrigin]) {
      opener.postMessage(request, origin);
    }
  };
  const end = (why: string): void => {
    clearTimers();
    ended = true;
    user = null;
    document.cookie = clearedTokenCookie();
    forgetStoredSignIns(window.localStorage);
    view.signedOut(why);
  };
  const take = (token: string): void => {
    let claims: ITokenClaims;
    try {
      if (!looksLikeJwt(token)) {
        throw new Error('not a JWT');
      }
      claims = readClaims(token);
    } catch {
      return;
    }
    const sameUser = user !== null && user.username === claims.username;
    clearTimers();
    ended = false;
    user = claims;
    document.cookie = tokenCookie(token, claims.exp, Date.now());
    view.signedIn(claims, sameUser ? null : mlflowUrl(gatewayUrl, route));
    // JupyterLab sends each refreshed token; asking is the fallback.
    timers.push(
      window.setTimeout(ask, refreshDelayMs(claims, Date.now())),
      window.setTimeout(
        () =>
          end(
            'Your MLflow session in this tab has ended: JupyterLab did not renew it. Open MLflow in a browser tab from JupyterLab again.'
          ),
        Math.max(0, claims.exp * 1000 - Date.now())
      )
    );
  };

  window.addEventListener('message', event => {
    if (
      event.source !== opener ||
      !allowed.has(event.origin) ||
      !isTabReply(event.data)
    ) {
      return;
    }
    jupyterOrigin = event.origin;
    if (event.data.type === 'token') {
      take(event.data.token);
    } else if (user === null && !ended) {
      // Nobody is signed in to JupyterLab: ask for a password instead.
      window.location.replace(signInUrl);
    } else if (!ended) {
      end('You signed out of MLflow in JupyterLab.');
    }
  });
  view.onSignOut(() => {
    if (jupyterOrigin !== null) {
      const request: TabRequest = { channel: TAB_CHANNEL, type: 'sign-out' };
      opener.postMessage(request, jupyterOrigin);
    }
    end('You signed out of MLflow.');
  });
  // Coming back to the tab: is JupyterLab still signed in, and as whom?
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') {
      ask();
    }
  });
  window.setTimeout(() => {
    if (jupyterOrigin === null) {
      window.location.replace(signInUrl);
    }
  }, ANSWER_TIMEOUT_MS);
  ask();
}

/** The page: a bar with the user and "Sign out", and the MLflow UI below. */
class TabView {
  constructor(private readonly _signInUrl: string) {
    document.body.replaceChildren(this._bar, this._main);
    this._bar.className = 'jp-MlflowTab-bar';
    this._main.className = 'jp-MlflowTab-main';
    this._signOut.type = 'button';
    this._signOut.textContent = 'Sign out';
    this._signOut.className = 'jp-MlflowTab-signOut';
    this._signOut.hidden = true;
    const title = document.createElement('strong');
    title.textContent = 'MLflow';
    this._user.className = 'jp-MlflowTab-user';
    this._bar.append(title, this._user, this._signOut);
    this.message('Signing in as the user of JupyterLab…');
  }

  onSignOut(handler: () => void): void {
    this._signOut.addEventListener('click', handler);
  }

  /** Show `user`; load the MLflow UI at `url` (`null`: keep it as it is). */
  signedIn(user: ITokenClaims, url: string | null): void {
    const groups = user.groups.length > 0 ? user.groups.join(', ') : 'no group';
    this._user.textContent = `Signed in as ${user.username} (${groups})`;
    this._signOut.hidden = false;
    if (url !== null) {
      const frame = document.createElement('iframe');
      frame.className = 'jp-MlflowTab-frame';
      frame.title = 'MLflow';
      frame.allow = 'clipboard-write';
      frame.src = url;
      this._main.replaceChildren(frame);
    }
  }

  signedOut(why: string): void {
    this._user.textContent = 'Not signed in';
    this._signOut.hidden = true;
    const again = document.createElement('a');
    again.href = this._signInUrl;
    again.textContent = 'Sign in again';
    this.message(why, again);
  }

  message(text: string, ...after: HTMLElement[]): void {
    const paragraph = document.createElement('p');
    paragraph.textContent = text;
    const box = document.createElement('div');
    box.className = 'jp-MlflowTab-message';
    box.append(paragraph, ...after);
    this._main.replaceChildren(box);
  }

  private readonly _bar = document.createElement('header');
  private readonly _main = document.createElement('main');
  private readonly _user = document.createElement('span');
  private readonly _signOut = document.createElement('button');
}

void main();
