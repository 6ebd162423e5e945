/**
 * Every refusal says in words what was refused, the caller's roles and
 * whom to ask: in the panel's MLflow UI, in the run browser and in a
 * notebook's SDK call.
 */
import { expect, test } from '../fixtures';
import {
  cognito,
  deleteExperiment,
  experimentById,
  mlflowFrame,
  renameExperimentInPanel,
  runCommand,
  scratchExperiment,
  signIn
} from '../mlflow';
import { readStack } from '../stack';

test.use({ viewport: { width: 1400, height: 860 } });
// Sign-in, MLflow's UI and a kernel in one test: slow on a shared machine.
test.describe.configure({ timeout: 180_000 });

test('a reader’s experiment rename in the panel’s MLflow UI says in words what was refused and the reader’s role', async ({
  page
}) => {
  const id = await scratchExperiment('refused-rename');
  const before = await experimentById(id);
  try {
    await page.goto();
    await runCommand(page, 'mlflow:open', { route: `/experiments/${id}/runs` });
    await signIn(page, 'readers');
    const frame = mlflowFrame(page);
    await renameExperimentInPanel(page, `${before.name}-by-reader`);

    const refusal = frame.getByText(/You may not rename an experiment/).first();
    await expect(refusal).toBeVisible();
    await expect(refusal).toContainText('Your roles: readers.');
    // admins, and the operator roles of infra/roles.json that may (experimenters).
    await expect(refusal).toContainText('Roles that may: admins');
    await expect(refusal).toContainText('Ask your MLflow administrator');
    await expect(refusal).not.toContainText('/ajax-api/');
    expect(await experimentById(id)).toEqual(before);
  } finally {
    await deleteExperiment(id);
  }
});

test('the run browser shows a refusal in words for a user none of whose groups is a role', async ({
  page
}) => {
  const { userPoolId } = readStack().cognito;
  const username = `no-role-${Date.now()}`;
  const password = 'No-role-passw0rd!';
  await cognito('AdminCreateUser', {
    UserPoolId: userPoolId,
    Username: username,
    MessageAction: 'SUPPRESS'
  });
  await cognito('AdminSetUserPassword', {
    UserPoolId: userPoolId,
    Username: username,
    Password: password,
    Permanent: true
  });
  try {
    await page.goto();
    await runCommand(page, 'mlflow:open', { route: '/experiments' });
    const panel = page.locator('.jp-MlflowPanel');
    await panel.getByLabel('User name').fill(username);
    await panel.getByLabel('Password', { exact: true }).fill(password);
    await panel.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.locator('.jp-MlflowUser-name')).toHaveText(username);

    await page.sidebar.openTab('mlflow-run-browser');
    const message = page.locator(
      '#mlflow-run-browser .jp-MlflowRuns-errorMessage'
    );
    await expect(message).toContainText(/You may not search experiments/);
    await expect(message).toContainText('Your roles: none.');
    await expect(message).toContainText('Ask your MLflow administrator');
    await expect(message).not.toContainText('/ajax-api/');
  } finally {
    await cognito('AdminDeleteUser', {
      UserPoolId: userPoolId,
      Username: username
    });
  }
});

test('a write from a notebook kernel signed as the readers’ role ends in a short error in words', async ({
  page
}) => {
  await page.notebook.createNew('refused-write.ipynb');
  await page.notebook.setCell(
    0,
    'code',
    [
      'import mlflow',
      // This stack's gateway, whatever a shared kernel spec says.
      `mlflow.set_tracking_uri(${JSON.stringify(readStack().gateway)})`,
      // No indented lines: the editor indents what is typed into it.
      "try: mlflow.create_experiment('refused-for-the-reader')",
      'except Exception as caught: error = caught',
      "print('ERROR', type(error).__name__)",
      'print(str(error))'
    ].join('\n')
  );
  await page.notebook.runCell(0);

  const output = (await page.notebook.getCellTextOutput(0))?.join('') ?? '';
  expect(output).toContain('ERROR RestException');
  const message = output.split('ERROR RestException')[1].trim();
  expect(message).toMatch(
    /^PERMISSION_DENIED: You may not create an experiment \(experiments\.create\)\./
  );
  // The gateway knows the IAM identity that signed; the roles that may come from the model.
  expect(message).toContain(
    `Your roles: those of the IAM identity user/${readStack().users.readers.username}.`
  );
  expect(message).toContain('Roles that may: admins.');
  expect(message).not.toContain('execute-api:Invoke');
  // Short enough to read without the traceback.
  expect(message.split('\n').length).toBeLessThanOrEqual(2);
});
