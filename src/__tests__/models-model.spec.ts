import { loadModelSnippet, modelUri, aliasProblem } from '../models/mlflow';
import { settle } from './fake-mlflow';
import { APPROVER_OPERATIONS, refusal, setupModels } from './fake-registry';

describe('ModelsModel', () => {
  it('asks nothing before it is first shown', async () => {
    const { registry, model } = await setupModels({ shown: false });
    expect(registry.calls).toEqual([]);
    model.active = true;
    await settle();
    expect(registry.calls).toEqual(['permissions', 'searchModels:']);
    model.dispose();
  });

  it('lists the registered models with their latest version and aliases', async () => {
    const { model } = await setupModels();
    expect(model.session.kind).toBe('ready');
    expect(model.models.items.map(m => m.name)).toEqual(['churn-classifier']);
    expect(model.models.items[0].latest_versions?.[0].version).toBe('2');
    expect(model.aliasTarget('churn-classifier', 'champion')).toBe('2');
    expect(model.aliasTarget('churn-classifier', 'challenger')).toBeNull();
  });

  it('shows the sign-in when nobody is signed in, then the models after sign-in', async () => {
    const { model, auth, registry } = await setupModels({ signedIn: false });
    expect(model.session.kind).toBe('signed-out');
    expect(registry.calls).toEqual([]);
    auth.set('signed-in', 'token');
    await settle();
    expect(model.session.kind).toBe('ready');
    expect(model.models.items).toHaveLength(1);
  });

  it('opens a model to its versions, newest first, each with the aliases that point at it', async () => {
    const { model } = await setupModels();
    model.toggleExpanded('churn-classifier');
    expect(model.versions('churn-classifier')?.loading).toBe(true);
    await settle();
    const versions = model.versions('churn-classifier')!.items;
    expect(versions.map(v => v.version)).toEqual(['2', '1']);
    expect(versions.map(v => v.user_id)).toEqual(['admin', 'admin']);
    expect(versions.map(v => model.versionAliases(v))).toEqual([
      ['champion'],
      []
    ]);
    model.toggleExpanded('churn-classifier');
    expect(model.versions('churn-classifier')).toBeNull();
  });

  it('offers alias and stage changes only to roles whose operations allow them', async () => {
    const reader = await setupModels();
    expect(reader.model.canSetAlias).toBe(false);
    expect(reader.model.canTransitionStage).toBe(false);
    const approver = await setupModels({ operations: APPROVER_OPERATIONS });
    expect(approver.model.canSetAlias).toBe(true);
    expect(approver.model.canTransitionStage).toBe(true);
  });

  it('moves an alias, then shows the model and its versions afresh', async () => {
    const { model, registry } = await setupModels({
      operations: APPROVER_OPERATIONS
    });
    model.toggleExpanded('churn-classifier');
    await settle();
    await model.setAlias('churn-classifier', '1', 'champion');
    expect(registry.calls).toContain('setAlias:champion=1');
    expect(model.aliasTarget('churn-classifier', 'champion')).toBe('1');
    const versions = model.versions('churn-classifier')!.items;
    expect(versions.map(v => model.versionAliases(v))).toEqual([
      [],
      ['champion']
    ]);
  });

  it('moves a version to a stage, then shows it', async () => {
    const { model } = await setupModels({ operations: APPROVER_OPERATIONS });
    model.toggleExpanded('churn-classifier');
    await settle();
    await model.transitionStage('churn-classifier', '1', 'Production');
    const stages = model
      .versions('churn-classifier')!
      .items.map(v => v.current_stage);
    expect(stages).toEqual(['None', 'Production']);
  });

  it('passes a refusal on, in the server’s words, and changes nothing', async () => {
    const { model, registry } = await setupModels();
    registry.failNext = refusal('You may not set an alias.');
    await expect(
      model.setAlias('churn-classifier', '1', 'champion')
    ).rejects.toThrow('You may not set an alias.');
    expect(model.aliasTarget('churn-classifier', 'champion')).toBe('2');
  });

  it('keeps a failed list’s reason, and loads again on refresh', async () => {
    const { model, registry } = await setupModels();
    registry.failNext = refusal('You may not search registered models.');
    model.refresh();
    await settle();
    expect(model.models.error).toEqual({
      kind: 'forbidden',
      message: 'You may not search registered models.'
    });
    model.refresh();
    await settle();
    expect(model.models.error).toBeNull();
    expect(model.models.items).toHaveLength(1);
  });

  it('reloads what is open each time it is shown again', async () => {
    const { model, registry } = await setupModels();
    model.toggleExpanded('churn-classifier');
    await settle();
    registry.calls = [];
    registry.aliases.get('churn-classifier')!.set('challenger', '1');
    model.active = false;
    model.active = true;
    await settle();
    expect(registry.calls).toEqual([
      'searchModels:',
      'searchVersions:churn-classifier'
    ]);
    expect(model.aliasTarget('churn-classifier', 'challenger')).toBe('1');
  });

  it('searches models by name', async () => {
    const { model } = await setupModels({
      fill: registry => {
        registry.add('churn-classifier', 1);
        registry.add('image-classifier', 1);
      }
    });
    model.searchModels('image');
    await settle();
    expect(model.models.items.map(m => m.name)).toEqual(['image-classifier']);
  });

  it('loads more models a page at a time', async () => {
    const { model, registry } = await setupModels({
      fill: registry => {
        registry.pageSize = 2;
        ['a', 'b', 'c'].forEach(name => registry.add(name, 1));
      }
    });
    expect(model.models.items.map(m => m.name)).toEqual(['a', 'b']);
    expect(model.models.nextPageToken).not.toBeNull();
    model.loadMoreModels();
    await settle();
    expect(model.models.items.map(m => m.name)).toEqual(['a', 'b', 'c']);
    expect(registry.calls.filter(c => c.startsWith('search'))).toHaveLength(2);
  });
});

describe('the load snippet', () => {
  it('loads by alias when there is one, else by version', () => {
    expect(modelUri('churn', '3', 'champion')).toBe('models:/churn@champion');
    expect(modelUri('churn', '3')).toBe('models:/churn/3');
    expect(loadModelSnippet('churn', '3', 'champion')).toBe(
      [
        'import mlflow',
        '',
        'model = mlflow.pyfunc.load_model("models:/churn@champion")'
      ].join('\n')
    );
  });

  it('refuses the aliases MLflow refuses', () => {
    expect(aliasProblem('champion')).toBeNull();
    expect(aliasProblem('blue_green-2')).toBeNull();
    expect(aliasProblem('latest')).toBe('reserved');
    expect(aliasProblem('v3')).toBe('reserved');
    expect(aliasProblem('in prod')).toBe('characters');
    expect(aliasProblem('')).toBe('empty');
  });
});
