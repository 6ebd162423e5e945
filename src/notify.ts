/**
 * The extension's notifications, as toasts the user sees. JupyterLab keeps
 * a notification without `autoClose` in its notification centre only
 * (silent), so every result the user waits for comes through here.
 */
import { Notification } from '@jupyterlab/apputils';

/** How long a success or warning toast stays on screen. */
export const TOAST_MS = 6000;

/** An action button on a toast, e.g. "Open in MLflow". */
export interface IToastAction {
  readonly label: string;
  readonly run: () => void;
}

function options(
  autoClose: number | false,
  actions: ReadonlyArray<IToastAction>
): Notification.IOptions<any> {
  return {
    autoClose,
    actions: actions.map(({ label, run }) => ({
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
  return Notification.success(message, options(TOAST_MS, actions));
}

/** Something the user should know but need not act on. */
export function notifyWarning(
  message: string,
  actions: ReadonlyArray<IToastAction> = []
): string {
  return Notification.warning(message, options(TOAST_MS, actions));
}

/** A failure: stays on screen until the user closes it. */
export function notifyError(
  message: string,
  actions: ReadonlyArray<IToastAction> = []
): string {
  return Notification.error(message, options(false, actions));
}
