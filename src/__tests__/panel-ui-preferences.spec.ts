import { TokenHandoff } from '../handoff/client';
import { isPreferencesRequest, CHANNEL } from '../handoff/protocol';
import {
  MLFLOW_UI_FIRST_RUN_TIPS,
  MLFLOW_UI_KEYS,
  mlflowUiStorage,
  newTabUrl
} from '../panel/ui-preferences';

describe('mlflowUiStorage', () => {
  const nothingStored = () => null;

  it('sets the MLflow UI’s theme to JupyterLab’s, whatever MLflow had', () => {
    const stored = (key: string) =>
      key === MLFLOW_UI_KEYS.darkMode ? 'true' : null;
    expect(
      mlflowUiStorage({ darkMode: false }, stored)[MLFLOW_UI_KEYS.darkMode]
    ).toBe('false');
    expect(
      mlflowUiStorage({ darkMode: true }, nothingStored)[
        MLFLOW_UI_KEYS.darkMode
      ]
    ).toBe('true');
  });

  it('starts on the model-training workflow, unless the user chose one in MLflow', () => {
    expect(
      mlflowUiStorage({ darkMode: false }, nothingStored)[
        MLFLOW_UI_KEYS.workflowType
      ]
    ).toBe('"machine_learning"');
    const chose = (key: string) =>
      key === MLFLOW_UI_KEYS.workflowType ? '"genai"' : null;
    expect(mlflowUiStorage({ darkMode: false }, chose)).not.toHaveProperty(
      MLFLOW_UI_KEYS.workflowType
    );
  });

  it('keeps the assistant from opening itself over the page, and leaves it open if the user opened it', () => {
    const first = mlflowUiStorage({ darkMode: false }, nothingStored);
    expect(first[MLFLOW_UI_KEYS.assistantAutoOpened]).toBe('true');
    expect(first[MLFLOW_UI_KEYS.assistantPanelOpen]).toBe('false');
    const opened = (key: string) =>
      key === MLFLOW_UI_KEYS.assistantPanelOpen ? 'true' : null;
    expect(mlflowUiStorage({ darkMode: false }, opened)).not.toHaveProperty(
      MLFLOW_UI_KEYS.assistantPanelOpen
    );
  });

  it('counts the first-run tips as seen', () => {
    const entries = mlflowUiStorage({ darkMode: false }, nothingStored);
    for (const tip of MLFLOW_UI_FIRST_RUN_TIPS) {
      expect(entries[tip]).toBe('true');
    }
  });
});

describe('newTabUrl', () => {
  const gateway = 'https://gw.example.com/prod';

  it('sends a route of the MLflow UI through the sign-in page', () => {
    expect(newTabUrl(`${gateway}/#/experiments/1/runs/abc`, gateway)).toBe(
      `${gateway}/auth/login?next=${encodeURIComponent('/experiments/1/runs/abc')}`
    );
    // MLflow opens some routes at its root, without the stage path.
    expect(newTabUrl('https://gw.example.com/#/models', gateway)).toBe(
      `${gateway}/auth/login?next=${encodeURIComponent('/models')}`
    );
  });

  it('leaves other links alone: other sites, downloads, the gateway’s own pages', () => {
    for (const href of [
      'https://mlflow.org/docs/latest/#/x',
      `${gateway}/get-artifact?path=model.pkl`,
      `${gateway}/auth/login?next=%2F`,
      `${gateway}/`,
      'not a url'
    ]) {
      expect(newTabUrl(href, gateway)).toBeNull();
    }
  });
});

describe('isPreferencesRequest', () => {
  it('accepts the preferences message only with its fields', () => {
    const message = {
      channel: CHANNEL,
      type: 'preferences',
      id: 1,
      preferences: { darkMode: true }
    };
    expect(isPreferencesRequest(message)).toBe(true);
    expect(isPreferencesRequest({ ...message, channel: 'other' })).toBe(false);
    expect(isPreferencesRequest({ ...message, preferences: {} })).toBe(false);
    expect(isPreferencesRequest({ ...message, type: 'store-token' })).toBe(
      false
    );
    expect(isPreferencesRequest(null)).toBe(false);
  });
});

describe('TokenHandoff.preferences', () => {
  it('posts the preferences to the gateway page’s origin only, and resolves when it is done', async () => {
    const host = document.createElement('div');
    document.body.appendChild(host);
    const handoff = new TokenHandoff({
      gatewayUrl: 'https://gw.example.com/prod',
      host
    });
    const sent = handoff.preferences({ darkMode: true });
    const frame = host.querySelector('iframe') as HTMLIFrameElement;
    const post = jest.spyOn(frame.contentWindow!, 'postMessage');
    const fromPage = (data: unknown) =>
      window.dispatchEvent(
        new MessageEvent('message', {
          data,
          origin: 'https://gw.example.com',
          source: frame.contentWindow
        })
      );
    fromPage({ channel: CHANNEL, type: 'ready' });
    for (let i = 0; i < 3; i++) {
      await Promise.resolve();
    }
    expect(post).toHaveBeenCalledWith(
      {
        channel: CHANNEL,
        type: 'preferences',
        id: 1,
        preferences: { darkMode: true }
      },
      'https://gw.example.com'
    );
    fromPage({ channel: CHANNEL, type: 'done', id: 1 });
    await expect(sent).resolves.toBeUndefined();
    handoff.dispose();
  });
});
