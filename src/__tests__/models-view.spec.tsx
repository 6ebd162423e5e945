import { nullTranslator } from '@jupyterlab/translation';
import * as React from 'react';
import { act } from 'react';
import { createRoot } from 'react-dom/client';

import { MlflowApiError } from '../api';
import { IModelsActions } from '../models/actions';
import { ModelsModel } from '../models/model';
import { ModelsView } from '../models/view';
import { settle } from './fake-mlflow';
import { APPROVER_OPERATIONS, refusal, setupModels } from './fake-registry';

// Tell React that updates are wrapped in act(), as in its own tests.
(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

function render(model: ModelsModel) {
  const host = document.createElement('div');
  document.body.appendChild(host);
  const actions: jest.Mocked<IModelsActions> = {
    openSettings: jest.fn(),
    openInMlflow: jest.fn(),
    insertCode: jest.fn(),
    setAlias: jest.fn(),
    setStage: jest.fn(),
    showAccess: jest.fn(),
    signOut: jest.fn()
  };
  const root = createRoot(host);
  act(() =>
    root.render(
      <ModelsView
        model={model}
        actions={actions}
        trans={nullTranslator.load('test')}
      />
    )
  );
  const buttons = (label: string | RegExp) =>
    [...host.querySelectorAll('button')].filter(b => {
      const name = b.getAttribute('aria-label') ?? b.textContent ?? '';
      return typeof label === 'string' ? name === label : label.test(name);
    });
  const button = (label: string | RegExp, within: ParentNode = host) => {
    const found = buttons(label).find(b => within.contains(b));
    if (!found) {
      throw new Error(`No button ${label} in: ${host.textContent}`);
    }
    return found;
  };
  const version = (number: string) =>
    host.querySelector(`.jp-MlflowModels-version[data-version="${number}"]`)!;
  return { host, actions, button, buttons, version, root };
}

const flush = () => act(settle);

async function showing(options: Parameters<typeof setupModels>[0] = {}) {
  const fixture = await setupModels(options);
  const view = render(fixture.model);
  await flush();
  return { ...fixture, ...view };
}

describe('ModelsView', () => {
  it('asks for the settings when MLflow is not set up', async () => {
    const { host, button, actions } = await showing({
      config: { gatewayUrl: '' }
    });
    expect(host.textContent).toContain('MLflow is not set up yet');
    act(() => button('Open MLflow settings').click());
    expect(actions.openSettings).toHaveBeenCalled();
  });

  it('shows the sign-in form when signed out', async () => {
    const { host } = await showing({ signedIn: false });
    expect(host.textContent).toContain('Sign in to MLflow');
  });

  it('lists the models with their latest version and aliases, and opens one to its versions', async () => {
    const { host, button, version } = await showing();
    expect(host.textContent).toContain('latest version 2');
    expect(host.textContent).toContain('@champion → version 2');
    const toggle = button('churn-classifier');
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    act(() => toggle.click());
    await flush();
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(version('2').textContent).toContain('Version 2@champion');
    expect(version('2').textContent).toContain('Registered by admin');
    expect(version('1').textContent).not.toContain('@champion');
  });

  it('opens a version, or the model, in the MLflow panel', async () => {
    const { button, version, actions } = await showing();
    act(() => button('churn-classifier').click());
    await flush();
    act(() => button('Version 1', version('1')).click());
    expect(actions.openInMlflow).toHaveBeenCalledWith('churn-classifier', '1');
    act(() => button('Open churn-classifier in MLflow').click());
    expect(actions.openInMlflow).toHaveBeenLastCalledWith('churn-classifier');
  });

  it('inserts the code that loads a version, by its alias when it has one', async () => {
    const { button, version, actions } = await showing();
    act(() => button('churn-classifier').click());
    await flush();
    act(() => button('Insert code', version('2')).click());
    expect(actions.insertCode).toHaveBeenLastCalledWith(
      expect.stringContaining(
        'mlflow.pyfunc.load_model("models:/churn-classifier@champion")'
      )
    );
    act(() => button('Insert code', version('1')).click());
    expect(actions.insertCode).toHaveBeenLastCalledWith(
      expect.stringContaining(
        'mlflow.pyfunc.load_model("models:/churn-classifier/1")'
      )
    );
  });

  it('does not offer alias or stage changes to a reader', async () => {
    const { button, buttons } = await showing();
    act(() => button('churn-classifier').click());
    await flush();
    expect(buttons('Insert code')).toHaveLength(2);
    expect(buttons('Set alias…')).toHaveLength(0);
    expect(buttons('Set stage…')).toHaveLength(0);
  });

  it('offers alias and stage changes to a model-approver, for each version', async () => {
    const { button, version, actions, model } = await showing({
      operations: APPROVER_OPERATIONS
    });
    act(() => button('churn-classifier').click());
    await flush();
    act(() => button('Set alias…', version('1')).click());
    expect(actions.setAlias).toHaveBeenCalledWith(
      model.versions('churn-classifier')!.items[1]
    );
    act(() => button('Set stage…', version('2')).click());
    expect(actions.setStage).toHaveBeenCalledWith(
      model.versions('churn-classifier')!.items[0]
    );
  });

  it('offers who has access to a model only to roles that may ask', async () => {
    const reader = await showing();
    expect(reader.buttons('Who has access to churn-classifier')).toHaveLength(
      0
    );
    const approver = await showing({
      operations: [...APPROVER_OPERATIONS, 'access.get']
    });
    act(() => approver.button('Who has access to churn-classifier').click());
    expect(approver.actions.showAccess).toHaveBeenCalledWith(
      'churn-classifier'
    );
  });

  it('shows a refusal in the server’s words, with a way to try again', async () => {
    const { host, button, registry, model } = await showing();
    registry.failNext = refusal(
      'You may not search registered models (registered-models.search).'
    );
    act(() => model.refresh());
    await flush();
    const alert = host.querySelector('[role=alert]')!;
    expect(alert.textContent).toContain('Your MLflow role does not allow this');
    expect(alert.textContent).toContain(
      'You may not search registered models (registered-models.search).'
    );
    act(() => button('Try again').click());
    await flush();
    expect(host.querySelector('[role=alert]')).toBeNull();
    expect(host.textContent).toContain('churn-classifier');
  });

  it('says MLflow is not answering behind the gateway, with what to do', async () => {
    const { host, button, registry, model } = await showing();
    registry.failNext = new MlflowApiError(
      'unavailable',
      'MLflow did not answer within 29 s.',
      504,
      'GATEWAY_TIMEOUT'
    );
    act(() => model.refresh());
    await flush();
    const alert = host.querySelector('[role=alert]')!;
    expect(alert.textContent).toContain('MLflow is not answering');
    expect(alert.textContent).toContain('Try again in a minute');
    act(() => button('Try again').click());
    await flush();
    expect(host.querySelector('[role=alert]')).toBeNull();
  });

  it('says when there are no registered models', async () => {
    const { host } = await showing({ fill: () => undefined });
    expect(host.textContent).toContain('No registered models yet');
  });

  it('names the signed-in user, with a way to sign out', async () => {
    const { host, button, actions } = await showing();
    expect(host.querySelector('.jp-MlflowSignedIn')?.textContent).toBe(
      'readerreadersSign out'
    );
    act(() => button('Sign out').click());
    expect(actions.signOut).toHaveBeenCalled();
  });
});
