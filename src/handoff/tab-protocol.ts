/**
 * The messages between JupyterLab (`src/handoff/tabs.ts`) and the MLflow
 * browser tab it opens, the gateway's `/auth/tab` page
 * (`src/gateway-pages/tab.ts`). The tab holds no sign-in of its own: it asks
 * the JupyterLab window that opened it for the token, and JupyterLab tells
 * it when the session ends. Each side checks the other's origin (the
 * gateway's; JupyterLab's on the gateway's allow-list) and window.
 *
 * Shared by both sides: plain data and pure functions only.
 */

/** Marks the tab's messages among whatever else is posted between windows. */
export const TAB_CHANNEL = 'sagemaker-studio-mlflow/tab';

/** Tab → JupyterLab: nothing secret, so it may be posted to each allowed origin. */
export type TabRequest =
  | { channel: typeof TAB_CHANNEL; type: 'request-token' }
  | { channel: typeof TAB_CHANNEL; type: 'sign-out' };

/** JupyterLab → tab, posted to the gateway's origin only. */
export type TabReply =
  | { channel: typeof TAB_CHANNEL; type: 'token'; token: string }
  | { channel: typeof TAB_CHANNEL; type: 'signed-out' };

export function isTabRequest(data: unknown): data is TabRequest {
  const message = data as Partial<TabRequest> | null;
  return (
    typeof message === 'object' &&
    message !== null &&
    message.channel === TAB_CHANNEL &&
    (message.type === 'request-token' || message.type === 'sign-out')
  );
}

export function isTabReply(data: unknown): data is TabReply {
  const message = data as Partial<TabReply> | null;
  if (
    typeof message !== 'object' ||
    message === null ||
    message.channel !== TAB_CHANNEL
  ) {
    return false;
  }
  return (
    message.type === 'signed-out' ||
    (message.type === 'token' &&
      typeof (message as { token?: unknown }).token === 'string')
  );
}
