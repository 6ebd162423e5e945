import { Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';

import {
  aliasChoices,
  setAliasWithConfirmation,
  stageChoices,
  transitionStageWithConfirmation
} from '../models/dialogs';
import { IModelVersion } from '../models/mlflow';
import { settle } from './fake-mlflow';
import { APPROVER_OPERATIONS, refusal, setupModels } from './fake-registry';

const trans = nullTranslator.load('test');

/** The dialog on screen, once it is. */
async function dialog(): Promise<HTMLElement> {
  for (let i = 0; i < 50; i++) {
    const found = document.querySelector<HTMLElement>('.jp-Dialog');
    if (found) {
      return found;
    }
    await new Promise(resolve => setTimeout(resolve, 10));
  }
  throw new Error('No dialog');
}

/** Click a dialog's button and wait for the dialog to go. */
async function press(shown: HTMLElement, label: string): Promise<void> {
  const button = [
    ...shown.querySelectorAll<HTMLButtonElement>('.jp-Dialog-button')
  ].find(b => b.textContent === label);
  if (!button) {
    throw new Error(`No button ${label} in: ${shown.textContent}`);
  }
  button.click();
  for (let i = 0; i < 50 && document.body.contains(shown); i++) {
    await new Promise(resolve => setTimeout(resolve, 10));
  }
}

function fill(shown: HTMLElement, value: string): void {
  const field = shown.querySelector<HTMLInputElement | HTMLSelectElement>(
    'input, select'
  )!;
  field.value = value;
}

const messages = () => Notification.manager.notifications.map(n => n.message);

async function approver() {
  const fixture = await setupModels({ operations: APPROVER_OPERATIONS });
  fixture.model.toggleExpanded('churn-classifier');
  await settle();
  const version = (number: string): IModelVersion =>
    fixture.model
      .versions('churn-classifier')!
      .items.find(v => v.version === number)!;
  return { ...fixture, version };
}

describe('the alias confirmation', () => {
  afterEach(() => {
    Notification.manager.dismiss();
    document.querySelectorAll('.jp-Dialog').forEach(d => d.remove());
  });

  it('says where the alias points now, and moves it once confirmed', async () => {
    const { model, registry, version } = await approver();
    const done = setAliasWithConfirmation(model, version('1'), trans);
    const pick = await dialog();
    fill(pick, 'champion');
    await press(pick, 'Next');
    const confirm = await dialog();
    expect(confirm.textContent).toContain(
      'champion points at version 2 of churn-classifier. Move it to version 1? Code that loads models:/churn-classifier@champion will load version 1.'
    );
    await press(confirm, 'Move alias');
    await expect(done).resolves.toBe(true);
    expect(registry.calls).toContain('setAlias:champion=1');
    expect(model.aliasTarget('churn-classifier', 'champion')).toBe('1');
    expect(messages()).toContain(
      'models:/churn-classifier@champion now points at version 1.'
    );
  });

  it('sets a new alias after confirming', async () => {
    const { model, registry, version } = await approver();
    const done = setAliasWithConfirmation(model, version('1'), trans);
    const pick = await dialog();
    fill(pick, 'challenger');
    await press(pick, 'Next');
    const confirm = await dialog();
    expect(confirm.textContent).toContain(
      'Point challenger of churn-classifier at version 1?'
    );
    await press(confirm, 'Set alias');
    await expect(done).resolves.toBe(true);
    expect(registry.calls).toContain('setAlias:challenger=1');
  });

  it('changes nothing when the confirmation is cancelled', async () => {
    const { model, registry, version } = await approver();
    const done = setAliasWithConfirmation(model, version('1'), trans);
    const pick = await dialog();
    fill(pick, 'champion');
    await press(pick, 'Next');
    await press(await dialog(), 'Cancel');
    await expect(done).resolves.toBe(false);
    expect(registry.calls.some(c => c.startsWith('setAlias'))).toBe(false);
  });

  it('refuses an alias MLflow reserves, without asking MLflow', async () => {
    const { model, registry, version } = await approver();
    const done = setAliasWithConfirmation(model, version('1'), trans);
    const pick = await dialog();
    fill(pick, 'latest');
    await press(pick, 'Next');
    await expect(done).resolves.toBe(false);
    expect(registry.calls.some(c => c.startsWith('setAlias'))).toBe(false);
    expect(messages()[0]).toContain('“latest” is reserved by MLflow');
  });

  it('shows a refusal in the server’s words', async () => {
    const { model, registry, version } = await approver();
    const done = setAliasWithConfirmation(model, version('1'), trans);
    const pick = await dialog();
    fill(pick, 'champion');
    await press(pick, 'Next');
    registry.failNext = refusal(
      'You may not set an alias of a registered model (registered-models.set-alias).'
    );
    await press(await dialog(), 'Move alias');
    await expect(done).resolves.toBe(false);
    expect(messages()).toContain(
      'The alias was not set: You may not set an alias of a registered model (registered-models.set-alias).'
    );
  });

  it('offers the usual aliases and the model’s others, not those the version has', () => {
    expect(aliasChoices(['champion', 'shadow'], ['champion'])).toEqual([
      'challenger',
      'shadow'
    ]);
  });
});

describe('the stage confirmation', () => {
  afterEach(() => {
    Notification.manager.dismiss();
    document.querySelectorAll('.jp-Dialog').forEach(d => d.remove());
  });

  it('moves a version to the stage chosen once confirmed', async () => {
    const { model, registry, version } = await approver();
    const done = transitionStageWithConfirmation(model, version('1'), trans);
    const pick = await dialog();
    fill(pick, 'Production');
    await press(pick, 'Next');
    const confirm = await dialog();
    expect(confirm.textContent).toContain(
      'Version 1 of churn-classifier moves from None to Production.'
    );
    await press(confirm, 'Move to Production');
    await expect(done).resolves.toBe(true);
    expect(registry.calls).toContain('transitionStage:1=Production');
    expect(messages()).toContain(
      'churn-classifier version 1 is now in Production.'
    );
  });

  it('offers every stage but the version’s own', () => {
    expect(stageChoices('Production')).toEqual(['None', 'Staging', 'Archived']);
    expect(stageChoices(undefined)).toEqual([
      'Staging',
      'Production',
      'Archived'
    ]);
  });
});
