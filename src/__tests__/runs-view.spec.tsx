import { nullTranslator } from '@jupyterlab/translation';
import * as React from 'react';
import { act } from 'react';
import { createRoot } from 'react-dom/client';

import { MlflowApiError } from '../api';
import { RunBrowserModel } from '../runs/model';
import { IRunBrowserActions } from '../runs/actions';
import { ROW_HEIGHT } from '../runs/components/run-table';
import { RunBrowserView } from '../runs/view';
import { CHURN, IFakeRun, manyRuns, settle, setup } from './fake-mlflow';

// Tell React that updates are wrapped in act(), as in its own tests.
(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

// jsdom lays nothing out: give the runs table the height of a sidebar, so
// that the virtualiser has rows to show.
const TABLE_HEIGHT = 560;
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains('jp-MlflowRuns-table') ? TABLE_HEIGHT : 0;
    }
  });
});
afterAll(() => {
  delete (HTMLElement.prototype as any).clientHeight;
});

function render(model: RunBrowserModel) {
  const host = document.createElement('div');
  document.body.appendChild(host);
  const actions: jest.Mocked<IRunBrowserActions> = {
    openSettings: jest.fn(),
    openRun: jest.fn(),
    compare: jest.fn(),
    showRunMenu: jest.fn(),
    chooseColumns: jest.fn(),
    pinExperiment: jest.fn(),
    pinned: jest.fn(() => ''),
    showAccess: jest.fn(),
    signOut: jest.fn()
  };
  const root = createRoot(host);
  act(() =>
    root.render(
      <RunBrowserView
        model={model}
        actions={actions}
        trans={nullTranslator.load('test')}
      />
    )
  );
  const text = () => host.textContent ?? '';
  const button = (label: string | RegExp) => {
    const found = [...host.querySelectorAll('button')].find(b =>
      typeof label === 'string'
        ? b.textContent === label || b.getAttribute('aria-label') === label
        : label.test(b.textContent ?? '')
    );
    if (!found) {
      throw new Error(`No button ${label} in: ${text()}`);
    }
    return found;
  };
  const runNames = () =>
    [
      ...host.querySelectorAll('.jp-MlflowRuns-runRow .jp-MlflowRuns-runName')
    ].map(b => b.textContent);
  return { host, actions, text, button, runNames, root };
}

/** Let the model's calls settle and React render the result. */
const flush = () => act(settle);

async function browsing(runs: IFakeRun[], options = {}) {
  // No live refresh: its renders would come outside act().
  const fixture = await setup({ runs, pollMs: 60_000, ...options });
  const view = render(fixture.model);
  await flush();
  return { ...fixture, ...view };
}

describe('RunBrowserView', () => {
  it('asks for the settings when MLflow is not set up', async () => {
    const { text, button, actions } = await browsing([], {
      config: { gatewayUrl: '' }
    });
    expect(text()).toContain('MLflow is not set up yet');
    act(() => button('Open MLflow settings').click());
    expect(actions.openSettings).toHaveBeenCalled();
  });

  it('shows the sign-in form when signed out', async () => {
    const { text } = await browsing([], { signedIn: false });
    expect(text()).toContain('Sign in to MLflow');
  });

  it('lists the experiments and opens one', async () => {
    const { text, button, model } = await browsing(manyRuns(3));
    expect(text()).toContain('churn-prediction');
    expect(text()).toContain('image-classifier');
    act(() => button(/churn-prediction/).click());
    await flush();
    expect(model.runs?.experiment).toEqual(CHURN);
    expect(text()).toContain('3 runs');
  });

  it('names the signed-in user and their groups, with a way to sign out', async () => {
    const { host, button, actions } = await browsing([]);
    expect(host.querySelector('.jp-MlflowSignedIn')?.textContent).toBe(
      'readerreadersSign out'
    );
    act(() => button('Sign out').click());
    expect(actions.signOut).toHaveBeenCalled();
  });

  it('says when there are no experiments, or none matches the search', async () => {
    const { text, model, mlflow } = await browsing([]);
    mlflow.experiments = [];
    act(() => model.searchExperiments(''));
    await flush();
    expect(text()).toContain('There are no experiments yet');
    act(() => model.searchExperiments('nothing-like-this'));
    await flush();
    expect(text()).toContain('No experiment matches “nothing-like-this”.');
  });

  it('explains a gateway that is down and offers to try again', async () => {
    const { text, button, model, mlflow } = await browsing([]);
    mlflow.failNext = new MlflowApiError(
      'unreachable',
      'The MLflow gateway at https://gw.example.com/prod cannot be reached.'
    );
    act(() => model.searchExperiments('churn'));
    await flush();
    expect(text()).toContain('The MLflow gateway cannot be reached');
    expect(text()).toContain('https://gw.example.com/prod cannot be reached');
    act(() => button('Try again').click());
    await flush();
    expect(text()).not.toContain('cannot be reached');
    expect(text()).toContain('churn-prediction');
  });

  it('says MLflow is not answering behind the gateway, and recovers on try again', async () => {
    const { text, button, model, mlflow } = await browsing([]);
    mlflow.failNext = new MlflowApiError(
      'unavailable',
      'MLflow is not reachable behind the gateway.',
      502,
      'BAD_GATEWAY'
    );
    act(() => model.searchExperiments('churn'));
    await flush();
    expect(text()).toContain('MLflow is not answering');
    expect(text()).toContain('Try again in a minute');
    act(() => button('Try again').click());
    await flush();
    expect(text()).not.toContain('MLflow is not answering');
    expect(text()).toContain('churn-prediction');
  });

  it('explains a 403 with the user and their groups', async () => {
    const { text, model, mlflow } = await browsing([]);
    mlflow.failNext = new MlflowApiError('forbidden', 'not authorized', 403);
    act(() => model.searchExperiments(''));
    await flush();
    expect(text()).toContain('Your MLflow role does not allow this');
    expect(text()).toContain('You are signed in as reader (readers)');
  });

  it('shows the runs with their columns, folding children under parents', async () => {
    const { runNames, button, text, model, host } = await browsing([
      { id: 'parent', rmse: 0.5, start: 1 },
      { id: 'child', rmse: 0.4, start: 2, parent: 'parent' },
      { id: 'other', rmse: 0.2, start: 3, status: 'RUNNING' }
    ]);
    act(() => model.openExperiment(CHURN));
    await flush();
    expect(runNames()).toEqual(['other', 'parent']);
    const headers = [...host.querySelectorAll('[role=columnheader]')].map(
      h => h.textContent
    );
    // The chosen metric and param right after the start, so that the
    // first metric shows at the sidebar's default width.
    expect(headers).toEqual([
      '',
      'Run',
      'Status',
      'Started ↓',
      'rmse',
      'model',
      'Duration',
      'User'
    ]);
    const statuses = [
      ...host.querySelectorAll('.jp-MlflowRuns-runRow [role=img]')
    ].map(mark => mark.getAttribute('aria-label'));
    expect(statuses).toEqual(['Running', 'Finished']);
    expect(text()).not.toContain('RUNNING');
    act(() => button('Show the 1 child runs of parent').click());
    expect(runNames()).toEqual(['other', 'parent', 'child']);
    model.dispose();
  });

  it('says when no run matches the filter, and shows MLflow’s error for a bad one', async () => {
    const { text, model } = await browsing(manyRuns(3));
    act(() => model.openExperiment(CHURN));
    await flush();
    act(() => model.setFilter('metrics.rmse < 0'));
    await flush();
    expect(text()).toContain('No runs match “metrics.rmse < 0”.');
    act(() => model.setFilter('params.model ='));
    await flush();
    expect(text()).toContain('MLflow cannot use this search');
    expect(text()).toContain(
      "Invalid clause(s) in filter string: 'params.model ='"
    );
    expect(text()).not.toContain('Try again');
  });

  it('sorts by a column when its header is clicked', async () => {
    const { button, model, host } = await browsing(manyRuns(3));
    act(() => model.openExperiment(CHURN));
    await flush();
    act(() => button('rmse').click());
    await flush();
    expect(model.runs?.sort).toEqual({
      column: 'metric:rmse',
      descending: true
    });
    expect(host.querySelector('[aria-sort=descending]')?.textContent).toBe(
      'rmse ↓'
    );
  });

  it('sorts the loaded runs by duration when its header is clicked, and says so', async () => {
    // Durations unrelated to the start times (MLflow's order for pages).
    const runs = manyRuns(150).map((run, i) => ({
      ...run,
      duration: (((i * 37) % 150) + 1) * 1000
    }));
    const { button, runNames, model, host, text } = await browsing(runs, {
      pageSize: 100
    });
    act(() => model.openExperiment(CHURN));
    await flush();
    expect(model.runs?.rows).toHaveLength(100);
    const longestFirst = runs
      .slice(50) // the first page: the 100 newest runs
      .sort((a, b) => b.duration - a.duration)
      .map(run => run.id);
    expect(runNames()).not.toEqual(longestFirst.slice(0, runNames().length));

    act(() => button('Duration').click());
    await flush();
    expect(host.querySelector('[aria-sort=descending]')?.textContent).toBe(
      'Duration ↓'
    );
    expect(runNames().length).toBeGreaterThan(10);
    expect(runNames()).toEqual(longestFirst.slice(0, runNames().length));
    expect(text()).toContain(
      '100 runs loaded; scroll for more · sorted among the loaded runs'
    );

    act(() => button('Duration ↓').click());
    await flush();
    const shortestFirst = [...longestFirst].reverse();
    expect(runNames()).toEqual(shortestFirst.slice(0, runNames().length));
    model.dispose();
  });

  it('renders a bounded number of rows for a long list, and asks for the next page near its end', async () => {
    const { host, model, mlflow } = await browsing(manyRuns(500), {
      pageSize: 200
    });
    act(() => model.openExperiment(CHURN));
    await flush();
    expect(model.runs?.rows).toHaveLength(200);
    const shown = () => host.querySelectorAll('.jp-MlflowRuns-runRow').length;
    // A screenful and the overscan, not 200 rows.
    expect(shown()).toBeGreaterThanOrEqual(TABLE_HEIGHT / ROW_HEIGHT);
    expect(shown()).toBeLessThan(50);
    expect(mlflow.searches).toHaveLength(1);

    const table = host.querySelector('.jp-MlflowRuns-table') as HTMLElement;
    table.scrollTop = 190 * ROW_HEIGHT;
    act(() => {
      table.dispatchEvent(new Event('scroll'));
    });
    await flush();
    expect(mlflow.searches.map(search => search.pageToken)).toEqual([
      undefined,
      '200'
    ]);
    expect(model.runs?.rows).toHaveLength(400);
    expect(shown()).toBeLessThan(50);
    model.dispose();
  });

  it('shows a progress bar while the runs load, and labels the experiment ids', async () => {
    const { host, text, model } = await browsing(manyRuns(3));
    expect(text()).toContain('ID 1');
    act(() => model.openExperiment(CHURN));
    const progress = () =>
      host.querySelector('[role=progressbar]')?.getAttribute('aria-label');
    expect(progress()).toBe('Loading runs');
    await flush();
    expect(progress()).toBeUndefined();
  });

  it('makes the table one Tab stop that the arrow keys move; Space selects, Enter opens', async () => {
    const runs: IFakeRun[] = [
      { id: 'parent', rmse: 0.5, start: 3 },
      { id: 'child', rmse: 0.4, start: 2, parent: 'parent' },
      { id: 'other', rmse: 0.2, start: 1 }
    ];
    const { host, actions, model, runNames } = await browsing(runs);
    act(() => model.openExperiment(CHURN));
    await flush();
    const body = host.querySelector('.jp-MlflowRuns-body')!;
    const tabStops = () =>
      [...body.querySelectorAll<HTMLElement>('button, input, [tabindex]')]
        .filter(node => node.tabIndex >= 0)
        .map(node => node.dataset.runId);
    expect(tabStops()).toEqual(['parent']);
    const focused = () =>
      (document.activeElement as HTMLElement | null)?.dataset.runId;
    const press = (key: string) =>
      act(() => {
        document.activeElement!.dispatchEvent(
          new KeyboardEvent('keydown', { key, bubbles: true })
        );
      });
    const line = (id: string) =>
      body.querySelector<HTMLElement>(`[data-run-id="${id}"]`)!;
    act(() => line('parent').focus());

    press('ArrowDown');
    expect(focused()).toBe('other');
    expect(tabStops()).toEqual(['other']);
    press('ArrowDown'); // the last line: stays
    expect(focused()).toBe('other');
    press('Home');
    expect(focused()).toBe('parent');
    press('ArrowRight'); // opens the parent
    expect(runNames()).toEqual(['parent', 'child', 'other']);
    press('ArrowRight'); // to its first child
    expect(focused()).toBe('child');
    press('ArrowLeft'); // back to the parent
    expect(focused()).toBe('parent');
    press('ArrowLeft'); // closes it
    expect(runNames()).toEqual(['parent', 'other']);

    press(' ');
    expect(model.runs?.selected).toEqual(new Set(['parent']));
    press(' ');
    expect(model.runs?.selected).toEqual(new Set());
    press('End');
    press('Enter');
    expect(actions.openRun).toHaveBeenCalledWith(
      expect.objectContaining({ id: 'other' })
    );
    model.dispose();
  });

  it('opens a run, compares the selected ones, and pins the experiment', async () => {
    const { button, actions, model, host } = await browsing(manyRuns(3));
    act(() => model.openExperiment(CHURN));
    await flush();
    act(() => button('run-00002').click());
    expect(actions.openRun).toHaveBeenCalledWith(
      expect.objectContaining({ id: 'run-00002' })
    );
    const boxes = host.querySelectorAll<HTMLInputElement>(
      '.jp-MlflowRuns-runRow input[type=checkbox]'
    );
    act(() => boxes[0].click());
    act(() => boxes[1].click());
    act(() => button('Compare (2)').click());
    expect(actions.compare).toHaveBeenCalledWith(['run-00002', 'run-00001']);
    act(() => button('Pin').click());
    expect(actions.pinExperiment).toHaveBeenCalledWith(CHURN);
  });

  it('says there is no access to the pinned experiment, in the server’s words', async () => {
    const { host } = await browsing([], {
      config: { defaultExperiment: 'churn-prediction' },
      restricted: ['churn-prediction']
    });
    const alert = host.querySelector('[role=alert]')!;
    expect(alert.textContent).toContain(
      'No access to the experiment churn-prediction'
    );
    expect(alert.textContent).toContain('Ask its managers');
    expect(host.textContent).toContain('image-classifier');
  });

  it('offers who has access to an experiment only to roles that may ask', async () => {
    const reader = await browsing(manyRuns(1));
    act(() => reader.model.openExperiment(CHURN));
    await flush();
    expect(() => reader.button('Access')).toThrow();

    const manager = await browsing(manyRuns(1), {
      operations: ['experiments.search', 'runs.search', 'access.get']
    });
    act(() => manager.model.openExperiment(CHURN));
    await flush();
    act(() => manager.button('Access').click());
    expect(manager.actions.showAccess).toHaveBeenCalledWith(CHURN);
  });
});
