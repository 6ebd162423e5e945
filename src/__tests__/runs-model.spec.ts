import { MlflowApiError } from '../api';
import { NotSignedInError } from '../auth/errors';
import { RunBrowserModel, toBrowserError } from '../runs/model';
import { durationOf, metricColumn, paramColumn } from '../runs/table';
import {
  CHURN,
  FakeMlflow,
  teamRefusal,
  IFakeRun,
  MemoryStore,
  VISION,
  lastOrder,
  manyRuns,
  settle,
  setup
} from './fake-mlflow';
import { FakeAuth, FakeSettings, accessToken } from './fakes';

describe('RunBrowserModel', () => {
  describe('before and around the session', () => {
    it('loads nothing, not even the sign-in library, until it is shown', async () => {
      const auth = new FakeAuth();
      auth.status = 'unknown';
      const mlflow = new FakeMlflow();
      const model = new RunBrowserModel({
        settings: new FakeSettings(),
        auth,
        client: mlflow
      });
      await settle();
      expect(auth.restored).toBe(0);
      expect(mlflow.searches).toHaveLength(0);
      model.active = true;
      await settle();
      expect(auth.restored).toBe(1);
      model.dispose();
    });

    it('asks for settings when the gateway is not configured', async () => {
      const { model } = await setup({ config: { gatewayUrl: '' } });
      expect(model.session.kind).toBe('unconfigured');
    });

    it('shows the sign-in when signed out, and the experiments after signing in', async () => {
      const { model, auth } = await setup({ signedIn: false });
      expect(model.session.kind).toBe('signed-out');
      auth.set('signed-in', accessToken('reader', ['readers']));
      await settle();
      expect(model.session.kind).toBe('ready');
      expect(model.experiments.items.map(e => e.name)).toEqual([
        'churn-prediction',
        'image-classifier'
      ]);
    });

    it('explains an unreachable gateway, and recovers on retry', async () => {
      const settings = new FakeSettings();
      const auth = new FakeAuth();
      auth.set('signed-in', accessToken('reader', ['readers']));
      const mlflow = new FakeMlflow();
      mlflow.failNext = new MlflowApiError('unreachable', 'cannot be reached');
      const model = new RunBrowserModel({ settings, auth, client: mlflow });
      model.active = true;
      await settle();
      expect(model.experiments.error).toEqual({
        kind: 'unreachable',
        message: 'cannot be reached'
      });
      model.retry();
      await settle();
      expect(model.experiments.error).toBeNull();
      expect(model.experiments.items).toHaveLength(2);
    });

    it('shows the sign-in when a call finds nobody signed in', async () => {
      const { model, mlflow, auth } = await setup({ runs: manyRuns(3) });
      model.openExperiment(CHURN);
      await settle();
      // The session ended elsewhere; the next call is the first to know.
      auth.status = 'signed-out';
      mlflow.failNext = new NotSignedInError();
      model.setFilter('metrics.rmse < 0.5');
      await settle();
      expect(model.session.kind).toBe('signed-out');
      expect(model.runs).toBeNull();
    });

    it('shows a 403 as forbidden, not as an empty list', async () => {
      const { model, mlflow } = await setup();
      mlflow.failNext = new MlflowApiError('forbidden', 'not authorized', 403);
      model.searchExperiments('churn');
      await settle();
      expect(model.experiments.error?.kind).toBe('forbidden');
      expect(model.experiments.items).toEqual([]);
    });
  });

  describe('experiments', () => {
    it('searches by part of the name', async () => {
      const { model } = await setup();
      model.searchExperiments('image');
      await settle();
      expect(model.experiments.items.map(e => e.name)).toEqual([
        'image-classifier'
      ]);
    });

    it('opens the pinned default experiment first', async () => {
      const { model } = await setup({
        config: { defaultExperiment: 'image-classifier' }
      });
      expect(model.runs?.experiment).toEqual(VISION);
    });

    it('remembers the last experiment and opens it next time', async () => {
      const store = new MemoryStore();
      const first = await setup({ store });
      first.model.openExperiment(CHURN);
      await settle();
      expect(store.state?.lastExperimentId).toBe('1');
      const second = await setup({ store });
      expect(second.model.runs?.experiment).toEqual(CHURN);
    });

    it('says there is no access to a pinned experiment restricted to other teams, and lists the rest', async () => {
      const { model } = await setup({
        config: { defaultExperiment: 'image-classifier' },
        restricted: ['image-classifier']
      });
      expect(model.runs).toBeNull();
      expect(model.experiments.error).toBeNull();
      expect(model.experiments.items).toHaveLength(2);
      expect(model.noAccess?.experiment).toBe('image-classifier');
      expect(model.noAccess?.message).toContain('Ask its managers');
      model.openExperiment(CHURN);
      expect(model.noAccess).toBeNull();
    });

    it('titles a team refusal "No access", not a missing role', () => {
      expect(toBrowserError(teamRefusal()).kind).toBe('noAccess');
      expect(
        toBrowserError(
          new MlflowApiError('forbidden', 'no', 403, 'PERMISSION_DENIED')
        ).kind
      ).toBe('forbidden');
    });

    it('falls back to the list when the pinned experiment is gone', async () => {
      const { model } = await setup({
        config: { defaultExperiment: 'deleted-one' }
      });
      expect(model.runs).toBeNull();
      expect(model.experiments.items).toHaveLength(2);
    });
  });

  describe('runs', () => {
    it('loads runs a page at a time, only as far as asked', async () => {
      const { model, mlflow } = await setup({ runs: manyRuns(25) });
      model.openExperiment(CHURN);
      await settle();
      expect(model.runs?.rows).toHaveLength(10);
      expect(model.runs?.nextPageToken).toBe('10');
      model.loadMoreRuns();
      model.loadMoreRuns(); // a second call while loading asks nothing more
      await settle();
      expect(model.runs?.rows).toHaveLength(20);
      model.loadMoreRuns();
      await settle();
      expect(model.runs?.rows).toHaveLength(25);
      expect(model.runs?.nextPageToken).toBeNull();
      expect(mlflow.searches.map(s => s.pageToken)).toEqual([
        undefined,
        '10',
        '20'
      ]);
      expect(new Set(model.runs?.rows.map(r => r.id)).size).toBe(25);
    });

    it('sorts on the server: newest first, then by a metric both ways', async () => {
      const runs = manyRuns(25);
      const rmses = runs.map(run => run.rmse);
      const { model, mlflow } = await setup({ runs });
      model.openExperiment(CHURN);
      await settle();
      expect(model.runs?.rows[0].id).toBe('run-00024');
      model.sortBy(metricColumn('rmse'));
      await settle();
      expect(lastOrder(mlflow)).toBe('metrics.rmse DESC');
      expect(model.runs?.rows[0].metrics.rmse).toBe(Math.max(...rmses));
      model.sortBy(metricColumn('rmse'));
      await settle();
      expect(lastOrder(mlflow)).toBe('metrics.rmse ASC');
      expect(model.runs?.rows[0].metrics.rmse).toBe(Math.min(...rmses));
      expect(model.runs?.rows).toHaveLength(10); // from the first page again
    });

    it('sorts by duration among the loaded runs and says so', async () => {
      const runs = manyRuns(12);
      const { model, mlflow } = await setup({ runs });
      model.openExperiment(CHURN);
      await settle();
      const searches = mlflow.searches.length;
      model.sortBy('duration');
      await settle();
      expect(model.sortedLocally).toBe(true);
      expect(mlflow.searches.length).toBe(searches + 1);
      expect(lastOrder(mlflow)).toBe('attributes.start_time DESC');
    });

    it('orders the loaded runs by duration, both ways, and says so while more pages exist', async () => {
      // Durations unrelated to the start times (MLflow's order for pages).
      const runs = manyRuns(12).map((run, i) => ({
        ...run,
        duration: (((i * 5) % 12) + 1) * 1000
      }));
      const { model } = await setup({ runs, pageSize: 10 });
      model.openExperiment(CHURN);
      await settle();
      const shownDurations = () =>
        model.items.map(item => durationOf(item.row, Date.now()));
      // The first page: the ten newest runs.
      const loaded = runs.slice(2).map(run => run.duration);
      const longestFirst = [...loaded].sort((a, b) => b - a);
      expect(shownDurations()).not.toEqual(longestFirst);

      model.sortBy('duration');
      await settle();
      expect(model.runs?.sort).toEqual({
        column: 'duration',
        descending: true
      });
      expect(shownDurations()).toEqual(longestFirst);
      expect(model.sortedLocally).toBe(true);

      model.sortBy('duration');
      expect(model.runs?.sort.descending).toBe(false);
      expect(shownDurations()).toEqual([...longestFirst].reverse());
      expect(model.sortedLocally).toBe(true);

      model.loadMoreRuns();
      await settle();
      expect(shownDurations()).toEqual(
        runs.map(run => run.duration).sort((a, b) => a - b)
      );
      expect(model.sortedLocally).toBe(false); // all runs are loaded
    });

    it('shows MLflow’s message when the filter is wrong, and keeps the filter', async () => {
      const { model } = await setup({ runs: manyRuns(5) });
      model.openExperiment(CHURN);
      await settle();
      model.setFilter('metrics.rmse <');
      await settle();
      expect(model.runs?.error).toEqual({
        kind: 'filter',
        message: "Invalid clause(s) in filter string: 'metrics.rmse <'"
      });
      expect(model.runs?.filter).toBe('metrics.rmse <');
      expect(model.runs?.rows).toEqual([]);
      model.setFilter('metrics.rmse < 0.5');
      await settle();
      expect(model.runs?.error).toBeNull();
      expect(model.runs?.rows.every(r => r.metrics.rmse < 0.5)).toBe(true);
      expect(model.runs?.rows.length).toBeGreaterThan(0);
    });

    it('folds child runs under their parent until it is expanded', async () => {
      const { model } = await setup({
        runs: [
          { id: 'parent', rmse: 0.5, start: 1 },
          { id: 'child-a', rmse: 0.4, start: 2, parent: 'parent' },
          { id: 'child-b', rmse: 0.3, start: 3, parent: 'parent' },
          { id: 'solo', rmse: 0.2, start: 4 }
        ]
      });
      model.openExperiment(CHURN);
      await settle();
      const lines = () =>
        model.items.map(i => `${'  '.repeat(i.depth)}${i.row.id}`);
      expect(lines()).toEqual(['solo', 'parent']);
      expect(model.items[1].childCount).toBe(2);
      model.toggleExpanded('parent');
      expect(lines()).toEqual(['solo', 'parent', '  child-b', '  child-a']);
      model.toggleExpanded('parent');
      expect(lines()).toEqual(['solo', 'parent']);
    });

    it('sorted by a metric, shows the best run at the top even when it is a child', async () => {
      const { model } = await setup({
        runs: [
          { id: 'parent', rmse: 0.5, start: 1 },
          { id: 'child-a', rmse: 0.4, start: 2, parent: 'parent' },
          { id: 'child-b', rmse: 0.1, start: 3, parent: 'parent' },
          { id: 'solo', rmse: 0.2, start: 4 }
        ]
      });
      model.openExperiment(CHURN);
      await settle();
      const lines = () =>
        model.items.map(i => `${'  '.repeat(i.depth)}${i.row.id}`);
      model.sortBy('metric:rmse'); // the largest first
      model.sortBy('metric:rmse'); // the smallest first
      await settle();
      expect(model.runs?.sort).toEqual({
        column: 'metric:rmse',
        descending: false
      });
      expect(lines()).toEqual(['parent', '  child-b', '  child-a', 'solo']);
      // Closed by the user, it stays closed, and opens again.
      model.toggleExpanded('parent');
      expect(lines()).toEqual(['parent', 'solo']);
      model.toggleExpanded('parent');
      expect(lines()).toEqual(['parent', '  child-b', '  child-a', 'solo']);
      // Sorted by start again, the families keep the server's order.
      model.sortBy('start');
      await settle();
      model.toggleExpanded('parent');
      expect(lines()).toEqual(['solo', 'parent']);
    });

    it('refreshes running runs while shown, and stops when hidden', async () => {
      const runs: IFakeRun[] = [
        { id: 'training', rmse: 0.9, start: 1, status: 'RUNNING' },
        { id: 'done', rmse: 0.5, start: 0 }
      ];
      const { model, mlflow } = await setup({ runs });
      model.openExperiment(CHURN);
      await settle();
      runs[0].rmse = 0.3;
      runs[0].status = 'FINISHED';
      await new Promise(resolve => setTimeout(resolve, 60));
      await settle();
      expect(mlflow.polled[0]).toEqual(['training']);
      expect(model.row('training')?.metrics.rmse).toBe(0.3);
      expect(model.row('training')?.status).toBe('FINISHED');
      const polls = mlflow.polled.length;
      await new Promise(resolve => setTimeout(resolve, 60));
      expect(mlflow.polled.length).toBe(polls); // nothing running any more
      model.dispose();
    });

    it('does not poll while hidden, and polls again once shown', async () => {
      const runs: IFakeRun[] = [
        { id: 'training', rmse: 0.9, start: 1, status: 'RUNNING' }
      ];
      const { model, mlflow } = await setup({ runs });
      model.openExperiment(CHURN);
      await settle();
      model.active = false;
      const polls = mlflow.polled.length;
      await new Promise(resolve => setTimeout(resolve, 60));
      expect(mlflow.polled.length).toBe(polls);
      model.active = true;
      await new Promise(resolve => setTimeout(resolve, 60));
      expect(mlflow.polled.length).toBeGreaterThan(polls);
      model.dispose();
    });

    it('shows the first metrics and a param, then the columns chosen, remembered per experiment', async () => {
      const store = new MemoryStore();
      const { model } = await setup({ runs: manyRuns(3), store });
      model.openExperiment(CHURN);
      await settle();
      expect(model.runs?.columns).toEqual([
        metricColumn('rmse'),
        paramColumn('model')
      ]);
      model.setColumns([paramColumn('model')]);
      expect(store.state?.columns).toEqual({ '1': ['param:model'] });
      model.showExperiments();
      model.openExperiment(CHURN);
      await settle();
      expect(model.runs?.columns).toEqual([paramColumn('model')]);
    });

    it('selects runs for comparison, and a new search clears the selection', async () => {
      const { model } = await setup({ runs: manyRuns(3) });
      model.openExperiment(CHURN);
      await settle();
      model.toggleSelected('run-00000');
      model.toggleSelected('run-00001');
      expect([...(model.runs?.selected ?? [])]).toEqual([
        'run-00000',
        'run-00001'
      ]);
      model.setFilter('metrics.rmse < 0.5');
      await settle();
      expect(model.runs?.selected.size).toBe(0);
    });
  });

  describe('what the role allows', () => {
    it('offers registering models only when the gateway allows both operations', async () => {
      const { model, mlflow } = await setup();
      expect(model.canRegisterModels).toBe(false);
      mlflow.operations = ['model-versions.create'];
      model.retry();
      await settle();
      expect(model.canRegisterModels).toBe(false);
      mlflow.operations = ['model-versions.create', 'registered-models.create'];
      model.retry();
      await settle();
      expect(model.canRegisterModels).toBe(true);
    });

    it('forgets the permissions on sign-out', async () => {
      const { model, mlflow, auth } = await setup();
      mlflow.operations = ['model-versions.create', 'registered-models.create'];
      model.retry();
      await settle();
      expect(model.canRegisterModels).toBe(true);
      auth.set('signed-out', null);
      await settle();
      expect(model.canRegisterModels).toBe(false);
      expect(model.session.kind).toBe('signed-out');
    });

    it('registers the run’s latest logged model', async () => {
      const { model, mlflow } = await setup({
        runs: [{ id: 'r1', rmse: 0.1, start: 1, model: 'm-abc' }]
      });
      model.openExperiment(CHURN);
      await settle();
      const version = await model.registerModel(model.row('r1')!, 'churn');
      expect(version).toBe('3');
      expect(mlflow.registered).toEqual([
        { name: 'churn', runId: 'r1', modelId: 'm-abc' }
      ]);
      await expect(model.modelPath(model.row('r1')!)).resolves.toBe('model');
    });
  });
});
