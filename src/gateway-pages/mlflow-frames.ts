/**
 * The hand-off page's care of the MLflow UI in the panels beside it: frames
 * of the same JupyterLab page on this origin, so in this storage partition
 * and reachable through `parent.frames`. On the extension's `preferences`
 * message it writes what the MLflow UI reads when it starts, reloads a
 * running UI when the theme changed, and makes the UI's links that open in a
 * new tab go through the sign-in page: a new top-level tab does not have the
 * panel's (partitioned) cookie.
 */
import { HANDOFF_PATH, PAGES_PREFIX } from '../contract';
import {
  CHANNEL,
  HandoffReply,
  isPreferencesRequest
} from '../handoff/protocol';
import {
  IMlflowUiPreferences,
  MLFLOW_UI_KEYS,
  mlflowUiStorage,
  newTabUrl
} from '../panel/ui-preferences';

/** Answer `preferences` messages from the framing window, if its origin is allowed. */
export function listenForPreferences(allowed: ReadonlySet<string>): void {
  window.addEventListener('message', event => {
    if (event.source !== window.parent || !isPreferencesRequest(event.data)) {
      return;
    }
    const { id, preferences } = event.data;
    const reply = (message: HandoffReply) =>
      window.parent.postMessage(message, event.origin);
    if (!allowed.has(event.origin)) {
      reply({
        channel: CHANNEL,
        type: 'refused',
        id,
        reason: `The gateway does not accept requests from ${event.origin}.`
      });
      return;
    }
    try {
      applyPreferences(preferences);
    } catch (reason) {
      // Preferences are a convenience: storage this frame may not use (a
      // browser's third-party rules) must not keep the panel from MLflow.
      console.error(
        'MLflow: the MLflow UI preferences were not applied.',
        reason
      );
    }
    reply({ channel: CHANNEL, type: 'done', id });
  });
}

function applyPreferences(preferences: IMlflowUiPreferences): void {
  const themeBefore = localStorage.getItem(MLFLOW_UI_KEYS.darkMode);
  const entries = mlflowUiStorage(preferences, key =>
    localStorage.getItem(key)
  );
  for (const [key, value] of Object.entries(entries)) {
    localStorage.setItem(key, value);
  }
  const themeChanged = themeBefore !== entries[MLFLOW_UI_KEYS.darkMode];
  for (const frame of mlflowFrames()) {
    if (themeChanged) {
      // The MLflow UI reads its theme once: start it again where it is.
      frame.location.reload();
    } else {
      routeNewTabsThroughSignIn(frame);
    }
  }
}

/** The gateway's base URL, from this page's own (`<base>/auth/handoff`). */
function gatewayUrl(): string {
  const path = location.pathname.replace(/\/$/, '');
  const base = path.endsWith(HANDOFF_PATH)
    ? path.slice(0, -HANDOFF_PATH.length)
    : '';
  return `${location.origin}${base}`;
}

/** The framing page's frames that show the MLflow UI of this gateway. */
function mlflowFrames(): Window[] {
  const pages =
    new URL(gatewayUrl()).pathname.replace(/\/$/, '') + PAGES_PREFIX;
  const frames: Window[] = [];
  for (let i = 0; i < window.parent.frames.length; i++) {
    const frame = window.parent.frames[i];
    try {
      if (
        frame !== window &&
        frame.location.origin === location.origin &&
        !frame.location.pathname.startsWith(pages)
      ) {
        frames.push(frame);
      }
    } catch {
      // A frame of another origin: none of ours.
    }
  }
  return frames;
}

/** The documents whose links are taken care of already. */
const prepared = new WeakSet<Document>();

/**
 * Make a frame's links to the MLflow UI that open in a new tab (`_blank`,
 * a modifier key, the middle button, the context menu, `window.open`) lead
 * to the sign-in page, which opens the same route once signed in.
 */
function routeNewTabsThroughSignIn(frame: Window): void {
  const document = frame.document;
  if (prepared.has(document)) {
    return;
  }
  prepared.add(document);
  const gateway = gatewayUrl();

  const onPointer = (event: MouseEvent) => {
    const target = event.target as Element | null;
    const anchor = target?.closest?.('a[href]') as HTMLAnchorElement | null;
    if (!anchor) {
      return;
    }
    const newTab =
      event.type === 'contextmenu' ||
      anchor.target === '_blank' ||
      event.ctrlKey ||
      event.metaKey ||
      event.shiftKey ||
      event.button === 1;
    const url = newTab ? newTabUrl(anchor.href, gateway) : null;
    if (url === null) {
      return;
    }
    // The browser follows the link as it is once the event is dispatched;
    // the UI keeps its own link afterwards.
    const href = anchor.getAttribute('href') ?? '';
    anchor.setAttribute('href', url);
    frame.setTimeout(() => anchor.setAttribute('href', href));
  };
  for (const type of ['click', 'auxclick', 'contextmenu']) {
    document.addEventListener(type, onPointer as EventListener, true);
  }

  const open = frame.open.bind(frame);
  frame.open = (url?: string | URL, target?: string, features?: string) => {
    const newTab = target === undefined || target === '_blank';
    const absolute =
      url === undefined ? null : new URL(String(url), frame.location.href);
    const through =
      newTab && absolute !== null ? newTabUrl(absolute.href, gateway) : null;
    return open(through ?? url, target, features);
  };
}
