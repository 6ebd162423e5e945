/**
 * The extension's notifications, as toasts the user sees. JupyterLab keeps
 * a notification without `autoClose` in its notification centre only
 * (silent), so every result the user waits for comes through here.
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';

/** How long a success or warning toast stays on screen. */
export const TOAST_MS = 6000;

/** JupyterLab cuts a toast's message after this many characters. */
export const TOAST_MESSAGE_MAX = 140;

/** An action button on a toast, e.g. "Open in MLflow". */
export interface IToastAction {
  readonly label: string;
  readonly run: () => void;
}

function options(
  message: string,
  autoClose: number | false,
  actions: ReadonlyArray<IToastAction>
): Notification.IOptions<any> {
  // A message the toast cuts (a refusal in words, say) can be read whole.
  const all =
    message.length > TOAST_MESSAGE_MAX
      ? [...actions, { label: 'Read All', run: () => void showWhole(message) }]
      : actions;
  return {
    autoClose,
    actions: all.map(({ label, run }) => ({
      label,
      callback: () => run()
    }))
  };
}

/** A result: shown for `TOAST_MS`, then kept in the notification centre. */
export function notifySuccess(
  message: string,
  actions: ReadonlyArray<IToastAction> = []
): string {
  return Notification.success(message, options(message, TOAST_MS, actions));
}

/** Something the user should know but need not act on. */
export function notifyWarning(
  message: string,
  actions: ReadonlyArray<IToastAction> = []
): string {
  return Notification.warning(message, options(message, TOAST_MS, actions));
}

/** A failure: stays on screen until the user closes it. */
export function notifyError(
  message: string,
  actions: ReadonlyArray<IToastAction> = []
): string {
  return Notification.error(message, options(message, false, actions));
}

function showWhole(message: string) {
  return showDialog({
    title: 'MLflow',
    body: message,
    buttons: [Dialog.okButton({ label: 'Close' })]
  });
}
