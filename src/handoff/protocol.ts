/**
 * The messages of the token hand-off between the extension (the parent,
 * `src/handoff/client.ts`) and the gateway's `/auth/handoff` page (the
 * frame, `src/gateway-pages/handoff.ts`). The rest of what the extension
 * and the gateway agree on (paths, the cookie, the pages' configuration) is
 * `src/contract.ts`.
 *
 * Shared by both sides: plain data and pure functions only.
 */

import type { IMlflowUiPreferences } from '../panel/ui-preferences';

/** Marks our messages among whatever else is posted between windows. */
export const CHANNEL = 'sagemaker-studio-mlflow/handoff';

/** Parent → page. */
export type HandoffRequest =
  | { channel: typeof CHANNEL; type: 'store-token'; id: number; token: string }
  | { channel: typeof CHANNEL; type: 'clear-token'; id: number };

/** Page → parent. */
export type HandoffReply =
  | { channel: typeof CHANNEL; type: 'ready' }
  | { channel: typeof CHANNEL; type: 'done'; id: number }
  | { channel: typeof CHANNEL; type: 'refused'; id: number; reason: string };

export function isHandoffRequest(data: unknown): data is HandoffRequest {
  const message = data as Partial<HandoffRequest> | null;
  if (
    typeof message !== 'object' ||
    message === null ||
    message.channel !== CHANNEL ||
    typeof message.id !== 'number'
  ) {
    return false;
  }
  return (
    message.type === 'clear-token' ||
    (message.type === 'store-token' &&
      typeof (message as { token?: unknown }).token === 'string')
  );
}

export function isHandoffReply(data: unknown): data is HandoffReply {
  const message = data as Partial<HandoffReply> | null;
  return (
    typeof message === 'object' &&
    message !== null &&
    message.channel === CHANNEL &&
    (message.type === 'ready' ||
      message.type === 'done' ||
      message.type === 'refused')
  );
}

/**
 * Parent → page, apart from the token: how the MLflow UI should look and
 * behave in the panel (`src/panel/ui-preferences.ts`). The page writes the
 * preferences where the MLflow UI reads them, prepares the MLflow frames
 * beside it and answers `done`.
 */
export interface IPreferencesRequest {
  channel: typeof CHANNEL;
  type: 'preferences';
  id: number;
  preferences: IMlflowUiPreferences;
}

export function isPreferencesRequest(
  data: unknown
): data is IPreferencesRequest {
  const message = data as Partial<IPreferencesRequest> | null;
  return (
    typeof message === 'object' &&
    message !== null &&
    message.channel === CHANNEL &&
    message.type === 'preferences' &&
    typeof message.id === 'number' &&
    typeof message.preferences === 'object' &&
    message.preferences !== null &&
    typeof message.preferences.darkMode === 'boolean'
  );
}

/**
 * Page → parent, unasked: the MLflow UI's cookie named another user (a
 * sign-in elsewhere on the gateway's site replaced it) and the page has put
 * the parent's token back. `username` is whom the other cookie named (`''`
 * when it named nobody).
 */
export interface ICookieReplacedNotice {
  channel: typeof CHANNEL;
  type: 'cookie-replaced';
  username: string;
}

export function isCookieReplacedNotice(
  data: unknown
): data is ICookieReplacedNotice {
  const message = data as Partial<ICookieReplacedNotice> | null;
  return (
    typeof message === 'object' &&
    message !== null &&
    message.channel === CHANNEL &&
    message.type === 'cookie-replaced' &&
    typeof message.username === 'string'
  );
}
