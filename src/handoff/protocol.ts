/**
 * The messages of the token hand-off between the extension (the parent,
 * `src/handoff/client.ts`) and the gateway's `/auth/handoff` page (the
 * frame, `src/gateway-pages/handoff.ts`). The rest of what the extension
 * and the gateway agree on (paths, the cookie, the pages' configuration) is
 * `src/contract.ts`.
 *
 * Shared by both sides: plain data and pure functions only.
 */

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
