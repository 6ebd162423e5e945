import { IDisposable } from '@lumino/disposable';
import { Message, MessageHook, MessageLoop } from '@lumino/messaging';
import { DockPanel, SplitPanel, Widget } from '@lumino/widgets';

/**
 * The width the run browser leaves JupyterLab's main area (where the MLflow
 * panel is) when the sidebar is dragged wider: below it the MLflow UI's
 * columns overlap.
 */
export const MAIN_AREA_MIN_WIDTH = 600;

/** What may change the room beside the sidebar. */
const LAYOUT_MESSAGES = new Set([
  'after-attach',
  'after-show',
  'after-hide',
  'resize'
]);

/**
 * Let `widget`'s sidebar widen only as far as the main area keeps
 * `MAIN_AREA_MIN_WIDTH`: JupyterLab's split between the sidebars and the
 * main area reads its panels' max-width when it lays them out. A sidebar
 * already wider keeps its width; another panel shown in it is not limited.
 * Installed when the run browser's view is loaded (it is shown then).
 */
export function limitSidebarWidth(widget: Widget): IDisposable {
  const setMaxWidth = (maxWidth: string): void => {
    const sidebar = widget.parent;
    if (sidebar && sidebar.node.style.maxWidth !== maxWidth) {
      sidebar.node.style.maxWidth = maxWidth;
      if (sidebar.parent) {
        MessageLoop.postMessage(sidebar.parent, Widget.Msg.FitRequest);
      }
    }
  };
  const limit = (): void => {
    const split = widget.parent?.parent;
    const main =
      split instanceof SplitPanel
        ? split.widgets.find(child => child instanceof DockPanel)
        : undefined;
    if (!widget.isVisible || !main || !widget.parent) {
      setMaxWidth('');
      return;
    }
    const room = main.node.offsetWidth - MAIN_AREA_MIN_WIDTH;
    const width = widget.parent.node.offsetWidth + Math.max(0, room);
    setMaxWidth(`${width}px`);
  };
  const hook: MessageHook = (_: unknown, msg: Message) => {
    if (msg.type === 'before-detach') {
      setMaxWidth('');
    } else if (LAYOUT_MESSAGES.has(msg.type)) {
      // Once the widget has handled the message (shown, hidden, resized).
      queueMicrotask(limit);
    }
    return true;
  };
  MessageLoop.installMessageHook(widget, hook);
  window.addEventListener('resize', limit);
  limit();
  let disposed = false;
  return {
    get isDisposed() {
      return disposed;
    },
    dispose() {
      if (!disposed) {
        disposed = true;
        MessageLoop.removeMessageHook(widget, hook);
        window.removeEventListener('resize', limit);
        setMaxWidth('');
      }
    }
  };
}
