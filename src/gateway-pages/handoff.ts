/**
 * The gateway's `/auth/handoff` page: takes a token from an allowed
 * JupyterLab origin and stores it as the cookie the MLflow UI reads.
 *
 * It trusts a message only when it comes from the window framing it and
 * that window's origin is on the gateway's allow-list; the gateway's
 * `frame-ancestors` policy already keeps other sites from framing it.
 */
import { readClaims } from '../auth/claims';
import {
  IPagesConfig,
  PAGES_CONFIG_FILE,
  clearedTokenCookie,
  looksLikeJwt,
  tokenCookie
} from '../contract';
import {
  CHANNEL,
  HandoffReply,
  ICookieReplacedNotice,
  isHandoffRequest
} from '../handoff/protocol';
import { listenForPreferences } from './mlflow-frames';
import { forgetStoredSignIns, replacedBy } from './session';

async function main(): Promise<void> {
  const status = document.getElementById('status');
  const say = (text: string) => {
    if (status) {
      status.textContent = text;
    }
  };
  if (window.parent === window) {
    say(
      'This page hands your MLflow sign-in from JupyterLab to the MLflow UI. Open MLflow from JupyterLab, or sign in at login.'
    );
    return;
  }

  let config: IPagesConfig;
  try {
    const response = await fetch(PAGES_CONFIG_FILE, { cache: 'no-store' });
    config = (await response.json()) as IPagesConfig;
  } catch {
    say('The gateway configuration could not be read.');
    return;
  }
  const allowed = new Set(config.allowedOrigins);
  // The MLflow UI's look and links, apart from the token.
  listenForPreferences(allowed);
  const guard = guardCookie();

  window.addEventListener('message', event => {
    if (event.source !== window.parent || !isHandoffRequest(event.data)) {
      return;
    }
    const request = event.data;
    const reply = (message: HandoffReply) =>
      window.parent.postMessage(message, event.origin);
    if (!allowed.has(event.origin)) {
      // Tell the sender, so JupyterLab can show why; it learns nothing else.
      reply({
        channel: CHANNEL,
        type: 'refused',
        id: request.id,
        reason: `The gateway does not accept sign-ins from ${event.origin}. Add it to the gateway's allowed origins.`
      });
      return;
    }
    if (request.type === 'clear-token') {
      guard.forget();
      document.cookie = clearedTokenCookie();
      // Signing out also ends what the gateway's own sign-in page kept,
      // where this frame can reach it (the same site as JupyterLab).
      forgetStoredSignIns(window.localStorage);
      reply({ channel: CHANNEL, type: 'done', id: request.id });
      return;
    }
    let expiresAt: number;
    try {
      if (!looksLikeJwt(request.token)) {
        throw new Error('not a JWT');
      }
      expiresAt = readClaims(request.token).exp;
    } catch {
      reply({
        channel: CHANNEL,
        type: 'refused',
        id: request.id,
        reason: 'The sign-in token is malformed.'
      });
      return;
    }
    document.cookie = tokenCookie(request.token, expiresAt, Date.now());
    guard.keep(request.token, expiresAt, event.origin);
    reply({ channel: CHANNEL, type: 'done', id: request.id });
  });

  // Nothing secret in "ready": any parent may learn that the page loaded.
  window.parent.postMessage({ channel: CHANNEL, type: 'ready' }, '*');
  say('Ready.');
}

/** How often the page looks whether the cookie still names its user. */
const GUARD_INTERVAL_MS = 250;

/**
 * The MLflow UI's cookie carries the token of the user JupyterLab shows.
 * Where JupyterLab and the gateway share a site, a sign-in at the gateway's
 * own page in another tab writes the same cookie, and the panel's MLflow UI
 * would act as that user; so the page puts its token back as soon as the
 * cookie names someone else, and tells JupyterLab, which says so.
 */
function guardCookie(): {
  keep(token: string, expiresAt: number, parentOrigin: string): void;
  forget(): void;
} {
  let own: { token: string; expiresAt: number; parentOrigin: string } | null =
    null;
  const check = () => {
    const other = replacedBy(own, document.cookie, Date.now());
    if (own === null || other === undefined) {
      return;
    }
    document.cookie = tokenCookie(own.token, own.expiresAt, Date.now());
    const notice: ICookieReplacedNotice = {
      channel: CHANNEL,
      type: 'cookie-replaced',
      username: other
    };
    window.parent.postMessage(notice, own.parentOrigin);
  };
  window.setInterval(check, GUARD_INTERVAL_MS);
  // At once where the browser reports cookie changes (Chromium).
  const cookieStore = (window as { cookieStore?: EventTarget }).cookieStore;
  cookieStore?.addEventListener('change', check);
  return {
    keep(token, expiresAt, parentOrigin) {
      own = { token, expiresAt, parentOrigin };
    },
    forget() {
      own = null;
    }
  };
}

void main();
