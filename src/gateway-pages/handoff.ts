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
import { CHANNEL, HandoffReply, isHandoffRequest } from '../handoff/protocol';
import { listenForPreferences } from './mlflow-frames';

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
      document.cookie = clearedTokenCookie();
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
    reply({ channel: CHANNEL, type: 'done', id: request.id });
  });

  // Nothing secret in "ready": any parent may learn that the page loaded.
  window.parent.postMessage({ channel: CHANNEL, type: 'ready' }, '*');
  say('Ready.');
}

void main();
