import { routeResource } from '../panel/route-access';
import { MlflowApiError } from '../api';
import { NotSignedInError } from '../auth/errors';
import { HandoffError } from '../handoff/client';
import { ITokenStore, MlflowPanelModel, PanelState } from '../panel/model';
import { DEFAULT_CONFIG } from '../config';
import { FakeAuth, FakeSettings, accessToken } from './fakes';

class RecordingStore implements ITokenStore {
  stored: string[] = [];
  cleared = 0;
  failWith: Error | null = null;
  async store(token: string): Promise<void> {
    if (this.failWith) {
      throw this.failWith;
    }
    this.stored.push(token);
  }
  async clear(): Promise<void> {
    this.cleared++;
  }
}

const settle = () => new Promise(resolve => setTimeout(resolve, 0));

/** MLflow's answers about routes: those restricted to other teams. */
const TEAM_WORDS =
  'You may not read an experiment here: it is restricted to teams. Ask its managers.';

function setup(
  options: { probe?: MlflowPanelModel.Probe; restricted?: string[] } = {}
) {
  const settings = new FakeSettings();
  const auth = new FakeAuth();
  const store = new RecordingStore();
  const probes: string[] = [];
  const model = new MlflowPanelModel({
    settings,
    auth,
    tokenStore: gateway => {
      expect(gateway).toBe(settings.config.gatewayUrl);
      return store;
    },
    route: '/experiments/1',
    routeRefusal: async (_gateway, route, token) => {
      await token();
      return (options.restricted ?? []).includes(route) ? TEAM_WORDS : null;
    },
    probe:
      options.probe ??
      (async (_gateway, token) => {
        probes.push(await token());
      })
  });
  const states: PanelState['kind'][] = [];
  model.stateChanged.connect((_, state) => states.push(state.kind));
  return { settings, auth, store, model, states, probes };
}

describe('MlflowPanelModel', () => {
  it('asks for sign-in when nobody is signed in', () => {
    const s = setup();
    expect(s.model.state).toEqual({ kind: 'signed-out' });
  });

  it('checks the token with the gateway, hands it over, then shows the route', async () => {
    const s = setup();
    const token = accessToken('reader', ['readers']);
    s.auth.set('signed-in', token);
    expect(s.model.state.kind).toBe('connecting');
    await settle();
    expect(s.probes).toEqual([token]);
    expect(s.store.stored).toEqual([token]);
    expect(s.model.state).toEqual({
      kind: 'ready',
      url: 'https://gw.example.com/prod/#/experiments/1'
    });
  });

  it('navigates when the route changes while ready', async () => {
    const s = setup();
    s.auth.set('signed-in', accessToken('reader', ['readers']));
    await settle();
    s.model.route = '/models';
    await settle();
    expect(s.model.state).toEqual({
      kind: 'ready',
      url: 'https://gw.example.com/prod/#/models'
    });
  });

  it('says "no access" in MLflow’s words for a route restricted to other teams, then goes home', async () => {
    const s = setup({ restricted: ['/experiments/1', '/experiments/7'] });
    s.auth.set('signed-in', accessToken('approver', ['model-approvers']));
    await settle();
    expect(s.model.state).toEqual({
      kind: 'no-access',
      route: '/experiments/1',
      message: TEAM_WORDS
    });
    s.model.route = '/';
    await settle();
    expect(s.model.state).toEqual({
      kind: 'ready',
      url: 'https://gw.example.com/prod/#/'
    });
    s.model.route = '/experiments/7';
    await settle();
    expect(s.model.state.kind).toBe('no-access');
  });

  it('shows the last route asked for when an earlier check answers late', async () => {
    const s = setup({ restricted: ['/experiments/7'] });
    s.auth.set('signed-in', accessToken('approver', ['model-approvers']));
    await settle();
    s.model.route = '/experiments/7';
    s.model.route = '/models';
    await settle();
    expect(s.model.state).toEqual({
      kind: 'ready',
      url: 'https://gw.example.com/prod/#/models'
    });
  });

  it('hands a refreshed token over without reloading the UI', async () => {
    const s = setup();
    s.auth.set('signed-in', accessToken('reader', ['readers']));
    await settle();
    const before = s.states.length;
    const fresh = accessToken('reader', ['readers']);
    s.auth.token = fresh;
    s.auth.tokenChanged.emit(fresh);
    await settle();
    expect(s.store.stored[s.store.stored.length - 1]).toBe(fresh);
    expect(s.states.length).toBe(before);
  });

  it('asks for sign-in on sign-out, leaving the cookie to the panel factory', async () => {
    const s = setup();
    s.auth.set('signed-in', accessToken('reader', ['readers']));
    await settle();
    await s.auth.signOut();
    await settle();
    // One clear per sign-out: `PanelFactory` does it, also with no panel open.
    expect(s.store.cleared).toBe(0);
    expect(s.model.state).toEqual({ kind: 'signed-out' });
  });

  it.each([
    ['unreachable', new MlflowApiError('unreachable', 'no answer')],
    ['unauthorized', new MlflowApiError('unauthorized', 'Unauthorized', 401)],
    ['forbidden', new MlflowApiError('forbidden', 'denied', 403)],
    [
      'unavailable',
      new MlflowApiError('unavailable', 'MLflow is not reachable', 502)
    ],
    ['mlflow', new MlflowApiError('mlflow', 'internal error', 500)]
  ])('says "%s" when the gateway check fails so', async (kind, error) => {
    const s = setup({
      probe: async () => {
        throw error;
      }
    });
    s.auth.set('signed-in', accessToken('reader', ['readers']));
    await settle();
    expect(s.model.state).toEqual({
      kind: 'error',
      error: kind,
      message: error.message
    });
    expect(s.store.stored).toEqual([]);
  });

  it('asks for sign-in when the session ends during the gateway check', async () => {
    const s = setup({
      probe: async () => {
        throw new NotSignedInError();
      }
    });
    s.auth.set('signed-in', accessToken('reader', ['readers']));
    await settle();
    expect(s.model.state).toEqual({ kind: 'signed-out' });
  });

  it('says the sign-in could not start when the identity library fails to load', async () => {
    const s = setup();
    s.auth.status = 'unknown';
    s.auth.restore = async () => {
      throw new Error('Loading chunk amplify failed.');
    };
    s.model.retry();
    await settle();
    expect(s.model.state).toEqual({
      kind: 'error',
      error: 'sign-in',
      message: 'Loading chunk amplify failed.'
    });
  });

  it('says so when the hand-off page refuses, and recovers on retry', async () => {
    const s = setup();
    s.store.failWith = new HandoffError('refused', 'not an allowed origin');
    s.auth.set('signed-in', accessToken('reader', ['readers']));
    await settle();
    expect(s.model.state).toEqual({
      kind: 'error',
      error: 'handoff',
      message: 'not an allowed origin'
    });
    s.store.failWith = null;
    s.model.retry();
    await settle();
    expect(s.model.state.kind).toBe('ready');
  });

  it('points to the settings when they are incomplete, and starts once they are', async () => {
    const s = setup();
    s.settings.problems = ['"region" must be an AWS Region code'];
    s.settings.set(DEFAULT_CONFIG);
    expect(s.model.state).toEqual({
      kind: 'unconfigured',
      problems: ['"region" must be an AWS Region code']
    });
    s.settings.problems = [];
    s.auth.status = 'unknown';
    s.settings.set({
      ...DEFAULT_CONFIG,
      ...s.settings.config,
      gatewayUrl: 'https://gw.example.com/prod',
      region: 'us-east-1',
      userPoolId: 'us-east-1_AbCdEf123',
      userPoolClientId: 'c'
    });
    expect(s.model.state.kind).toBe('connecting');
    expect(s.auth.restored).toBe(1);
  });
});

describe('MlflowPanelModel for several users and the MLflow UI’s preferences', () => {
  function signInAs(auth: FakeAuth, username: string): void {
    auth.status = 'signed-in';
    auth.token = accessToken(username, ['readers']);
    auth.user = { username, groups: ['readers'] };
    auth.changed.emit('signed-in');
  }

  function setupFor(routeUser: string | null) {
    const settings = new FakeSettings();
    const auth = new FakeAuth();
    const sent: { gateway: string; darkMode: boolean }[] = [];
    let darkMode = false;
    const model = new MlflowPanelModel({
      settings,
      auth,
      tokenStore: () => new RecordingStore(),
      route: '/experiments/1',
      routeUser,
      probe: async () => undefined,
      routeRefusal: async () => null,
      uiPreferences: {
        current: () => ({ darkMode }),
        store: gateway => ({
          preferences: async preferences => {
            sent.push({ gateway, ...preferences });
          }
        })
      }
    });
    const setDark = (dark: boolean) => (darkMode = dark);
    return { auth, model, sent, setDark };
  }

  it('keeps the route for the user who opened it, also when restored', async () => {
    const s = setupFor('admin');
    signInAs(s.auth, 'admin');
    await settle();
    expect(s.model.route).toBe('/experiments/1');
    expect(s.model.routeUser).toBe('admin');
  });

  it('starts someone else at the home route: restored for another user', async () => {
    const s = setupFor('admin');
    signInAs(s.auth, 'reader');
    await settle();
    expect(s.model.route).toBe('/');
    expect(s.model.state).toEqual({
      kind: 'ready',
      url: 'https://gw.example.com/prod/#/'
    });
    expect(s.model.routeUser).toBe('reader');
  });

  it('starts someone else at the home route: a sign-in as another user', async () => {
    const s = setupFor(null);
    signInAs(s.auth, 'admin');
    await settle();
    s.model.route = '/experiments/2/runs/r';
    expect(s.model.routeUser).toBe('admin');
    s.auth.set('signed-out', null);
    signInAs(s.auth, 'reader');
    await settle();
    expect(s.model.route).toBe('/');
  });

  it('passes the preferences before the UI loads, and again when asked', async () => {
    const s = setupFor(null);
    signInAs(s.auth, 'admin');
    await settle();
    expect(s.sent).toEqual([
      { gateway: 'https://gw.example.com/prod', darkMode: false }
    ]);
    s.setDark(true);
    s.model.applyPreferences();
    await settle();
    expect(s.sent[1]).toEqual({
      gateway: 'https://gw.example.com/prod',
      darkMode: true
    });
  });

  it('passes nothing while the UI is not shown', async () => {
    const s = setupFor(null);
    s.model.applyPreferences();
    await settle();
    expect(s.sent).toEqual([]);
  });
});

describe('routeResource', () => {
  it('names the experiment or registered model a route shows', () => {
    expect(routeResource('/experiments/7/runs/abc')).toEqual({
      kind: 'experiment',
      id: '7'
    });
    expect(routeResource('/models/churn%20model/versions/2')).toEqual({
      kind: 'registered-model',
      id: 'churn model'
    });
    expect(routeResource('/models')).toBeNull();
    expect(routeResource('/compare-runs?runs=[]')).toBeNull();
    expect(routeResource('/models/%E0%A4%A')).toBeNull();
  });
});
