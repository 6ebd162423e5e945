import { nullTranslator } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';
import * as React from 'react';
import { act } from 'react';
import { createRoot } from 'react-dom/client';

import { MlflowPanelModel, PanelError, PanelState } from '../panel/model';
import { PanelView } from '../panel/view';

// Tell React that updates are wrapped in act(), as in its own tests.
(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

/** The view reads the model's state, its signal and the signed-in user. */
function modelIn(state: PanelState): MlflowPanelModel {
  const model = {
    state,
    auth: { user: { username: 'reader', groups: ['readers'] } }
  } as unknown as MlflowPanelModel;
  (model as any).stateChanged = new Signal(model);
  return model;
}

function render(state: PanelState) {
  const host = document.createElement('div');
  const actions = {
    openSettings: jest.fn(),
    retry: jest.fn(),
    openHome: jest.fn(),
    signOut: jest.fn()
  };
  const root = createRoot(host);
  act(() =>
    root.render(
      <PanelView
        model={modelIn(state)}
        actions={actions}
        trans={nullTranslator.load('test')}
        reloadKey={0}
      />
    )
  );
  const buttons = [...host.querySelectorAll('button')].map(b => b.textContent);
  return { host, actions, buttons, root };
}

describe('PanelView', () => {
  it.each<[PanelError, string, string[]]>([
    [
      'unreachable',
      'The MLflow gateway cannot be reached',
      ['Try again', 'Open MLflow settings']
    ],
    [
      'unauthorized',
      'The MLflow gateway did not accept your sign-in',
      ['Sign out', 'Try again']
    ],
    [
      'forbidden',
      'Your MLflow role does not allow this',
      ['Sign out', 'Try again']
    ],
    ['sign-in', 'The MLflow sign-in could not start', ['Try again']],
    ['handoff', 'MLflow could not receive your sign-in', ['Try again']],
    ['unavailable', 'MLflow is not answering', ['Try again']],
    ['mlflow', 'MLflow answered with an error', ['Try again']]
  ])(
    'shows "%s" as a readable alert with what to do',
    (error, title, buttons) => {
      const view = render({ kind: 'error', error, message: 'the detail' });
      const alert = view.host.querySelector('[role="alert"]')!;
      expect(alert.querySelector('h2')!.textContent).toBe(title);
      expect(alert.textContent).toContain('the detail');
      expect(view.buttons).toEqual(buttons);
      act(() => view.root.unmount());
    }
  );

  it('says there is no access, in the server’s words, with a way home', () => {
    const view = render({
      kind: 'no-access',
      route: '/experiments/7',
      message: 'It is restricted to teams. Ask its managers.'
    });
    const alert = view.host.querySelector('[role="alert"]')!;
    expect(alert.querySelector('h2')!.textContent).toBe('No access');
    expect(alert.textContent).toContain('Ask its managers.');
    expect(view.host.querySelector('iframe')).toBeNull();
    act(() => view.host.querySelector('button')!.click());
    expect(view.actions.openHome).toHaveBeenCalled();
    act(() => view.root.unmount());
  });

  it('says MLflow being down passes: wait and try again', () => {
    const view = render({
      kind: 'error',
      error: 'unavailable',
      message: 'MLflow is not reachable behind the gateway.'
    });
    expect(view.host.textContent).toContain('Try again in a minute');
    act(() => view.root.unmount());
  });

  it('names the user and groups when the role lacks permission', () => {
    const view = render({
      kind: 'error',
      error: 'forbidden',
      message: 'denied'
    });
    expect(view.host.textContent).toContain(
      'You are signed in as reader with the groups readers, which may not read MLflow.'
    );
    expect(view.host.textContent).toContain('The gateway said: denied');
    act(() => view.root.unmount());
  });

  it('wires the buttons to the actions', () => {
    const view = render({ kind: 'error', error: 'unreachable', message: 'x' });
    const [retry, settings] = view.host.querySelectorAll('button');
    act(() => retry.click());
    act(() => settings.click());
    expect(view.actions.retry).toHaveBeenCalledTimes(1);
    expect(view.actions.openSettings).toHaveBeenCalledTimes(1);
    act(() => view.root.unmount());
  });

  it('points to the settings when not configured, listing the problems', () => {
    const view = render({
      kind: 'unconfigured',
      problems: ['"region" is wrong']
    });
    expect(view.host.textContent).toContain('MLflow is not set up yet');
    expect(view.host.textContent).toContain('"region" is wrong');
    expect(view.buttons).toEqual(['Open MLflow settings']);
    act(() => view.root.unmount());
  });

  it('shows the MLflow UI at its URL when ready', () => {
    const view = render({
      kind: 'ready',
      url: 'https://gw.example.com/#/models'
    });
    const frame = view.host.querySelector('iframe')!;
    expect(frame.getAttribute('src')).toBe('https://gw.example.com/#/models');
    act(() => view.root.unmount());
  });
});
