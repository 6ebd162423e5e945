import { Notification } from '@jupyterlab/apputils';

import { TOAST_MS, notifyError, notifySuccess, notifyWarning } from '../notify';

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
});
