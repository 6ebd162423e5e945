import type { IJupyterLabPageFixture } from '@jupyterlab/galata';

import { expect, test } from '../fixtures';
import {
  dismissTips,
  keepScreenshot,
  mlflowApi,
  mlflowFrame,
  signIn
} from '../mlflow';
import { readStack } from '../stack';

test.use({ viewport: { width: 1400, height: 860 } });

const MODELS = '#mlflow-models';
/** The registered model `infra/local/seed.py` seeds, with two versions. */
const SEEDED_MODEL = 'churn-classifier';

/** Open the models view from its sidebar tab. */
async function openModels(page: IJupyterLabPageFixture) {
  await page.sidebar.openTab('mlflow-models');
  const view = page.locator(MODELS);
  await expect(view).toBeVisible();
  return view;
}

/** A version's line in the models view. */
function versionRow(page: IJupyterLabPageFixture, version: string) {
  return page.locator(
    `${MODELS} .jp-MlflowModels-version[data-version="${version}"]`
  );
}

/** The version the alias points at, as MLflow reports it. */
async function aliasVersion(alias: string): Promise<string> {
  const found = await mlflowApi(
    `registered-models/alias?name=${SEEDED_MODEL}&alias=${alias}`
  );
  return found.model_version.version;
}

/** Record the commands the page executes (and run those that exist). */
async function spyOnCommands(page: IJupyterLabPageFixture): Promise<void> {
  await page.evaluate(() => {
    const commands = (window as any).jupyterapp.commands;
    const execute = commands.execute.bind(commands);
    (window as any).executedCommands = [];
    commands.execute = (id: string, args: unknown) => {
      (window as any).executedCommands.push({ id, args });
      return commands.hasCommand(id)
        ? execute(id, args)
        : Promise.resolve(undefined);
    };
  });
}

async function executedCommands(
  page: IJupyterLabPageFixture
): Promise<{ id: string; args: any }[]> {
  return page.evaluate(() => (window as any).executedCommands);
}

test('the model-approver sees the registered versions, who registered them, and moves the champion alias after confirming', async ({
  page
}, testInfo) => {
  const seededChampion = await aliasVersion('champion');
  const other = seededChampion === '1' ? '2' : '1';
  const { model_versions: versions } = await mlflowApi(
    `model-versions/search?filter=${encodeURIComponent(`name = '${SEEDED_MODEL}'`)}`
  );
  // The two versions the local stack seeds (later tests may add more).
  const seeded = versions.filter((v: { version: string }) =>
    ['1', '2'].includes(v.version)
  );
  const author = readStack().users.admins.username;
  expect(seeded.map((v: { user_id?: string }) => v.user_id)).toEqual([
    author,
    author
  ]);
  try {
    const view = await openModels(page);
    await signIn(page, 'model-approvers', MODELS);

    await view
      .getByRole('button', { name: new RegExp(`^${SEEDED_MODEL}`) })
      .click();
    await expect(versionRow(page, '1')).toBeVisible();
    await expect(versionRow(page, '2')).toBeVisible();
    await expect(versionRow(page, seededChampion)).toContainText('@champion');
    await expect(versionRow(page, other)).not.toContainText('@champion');
    await expect(versionRow(page, '1')).toContainText(author);
    await expect(versionRow(page, '2')).toContainText(author);
    await keepScreenshot(page, testInfo, 'models-view');

    // Cancelling the confirmation changes nothing.
    const dialog = page.locator('.jp-Dialog');
    await versionRow(page, other)
      .getByRole('button', { name: 'Set alias…' })
      .click();
    await dialog.locator('input').fill('champion');
    await dialog.getByRole('button', { name: 'Next' }).click();
    await expect(dialog).toContainText(
      `champion points at version ${seededChampion}`
    );
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toHaveCount(0);
    expect(await aliasVersion('champion')).toBe(seededChampion);

    // Confirmed, the alias moves: in MLflow and in the view.
    await versionRow(page, other)
      .getByRole('button', { name: 'Set alias…' })
      .click();
    await dialog.locator('input').fill('champion');
    await dialog.getByRole('button', { name: 'Next' }).click();
    await dialog.getByRole('button', { name: 'Move alias' }).click();
    await expect(versionRow(page, other)).toContainText('@champion');
    await expect(versionRow(page, seededChampion)).not.toContainText(
      '@champion'
    );
    expect(await aliasVersion('champion')).toBe(other);
  } finally {
    await mlflowApi('registered-models/alias', {
      name: SEEDED_MODEL,
      alias: 'champion',
      version: seededChampion
    });
  }
});

test('the reader is not offered alias or stage changes, opens a version in MLflow and inserts the code that loads it', async ({
  page
}) => {
  const champion = await aliasVersion('champion');
  const view = await openModels(page);
  await signIn(page, 'readers', MODELS);
  await view
    .getByRole('button', { name: new RegExp(`^${SEEDED_MODEL}`) })
    .click();
  const row = versionRow(page, champion);
  await expect(row).toContainText('@champion');
  await expect(view.getByRole('button', { name: 'Set alias…' })).toHaveCount(0);
  await expect(view.getByRole('button', { name: 'Set stage…' })).toHaveCount(0);

  await spyOnCommands(page);
  await row.getByRole('button', { name: 'Insert code' }).click();
  await expect
    .poll(async () =>
      (await executedCommands(page)).filter(c => c.id === 'mlflow:insert-code')
    )
    .toEqual([
      {
        id: 'mlflow:insert-code',
        args: {
          code: expect.stringContaining(
            `mlflow.pyfunc.load_model("models:/${SEEDED_MODEL}@champion")`
          )
        }
      }
    ]);

  await row
    .getByRole('button', { name: `Version ${champion}`, exact: true })
    .click();
  const frame = mlflowFrame(page);
  await dismissTips(frame);
  await expect(
    frame.getByText(`Version ${champion}`, { exact: true }).first()
  ).toBeVisible();
});
