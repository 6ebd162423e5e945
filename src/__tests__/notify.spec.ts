import { Notification } from '@jupyterlab/apputils';

import {
  TOAST_MESSAGE_MAX,
  TOAST_MS,
  notifyError,
  notifySuccess,
  notifyWarning
} from '../notify';

describe('notifications', () => {
  afterEach(() => Notification.dismiss());

  const latest = () => Notification.manager.notifications[0];

  it('shows results and warnings as toasts that close by themselves', () => {
    notifySuccess('Registered');
    expect(latest().options.autoClose).toBe(TOAST_MS);
    expect(latest().type).toBe('success');
    notifyWarning('Careful');
    expect(latest().options.autoClose).toBe(TOAST_MS);
    expect(latest().type).toBe('warning');
  });

  it('keeps a failure on screen until it is closed', () => {
    notifyError('Refused');
    expect(latest().options.autoClose).toBe(false);
    expect(latest().type).toBe('error');
  });

  it('runs the action the user clicks', () => {
    const run = jest.fn();
    notifySuccess('Registered', [{ label: 'Open in MLflow', run }]);
    const [action] = latest().options.actions ?? [];
    expect(action.label).toBe('Open in MLflow');
    action.callback(new MouseEvent('click'));
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('offers to read a message the toast cuts, and only such a message', async () => {
    notifyError('Refused');
    expect(latest().options.actions ?? []).toEqual([]);
    const long = `You may not create a registered model. ${'x'.repeat(TOAST_MESSAGE_MAX)}`;
    notifyError(long);
    const [action] = latest().options.actions ?? [];
    expect(action.label).toBe('Read All');
    action.callback(new MouseEvent('click'));
    await new Promise(resolve => setTimeout(resolve, 0));
    const dialog = document.querySelector('.jp-Dialog-body');
    expect(dialog?.textContent).toBe(long);
    (
      document.querySelector('.jp-Dialog-button.jp-mod-accept') as HTMLElement
    ).click();
  });
});
