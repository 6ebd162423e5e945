import { expect, test } from '../fixtures';
import { readStack } from '../stack';

test('notebook kernels reach MLflow through the gateway with the SDK', async ({
  page
}) => {
  const stack = readStack();
  await page.notebook.createNew('mlflow-sdk.ipynb');
  await page.notebook.setCell(
    0,
    'code',
    [
      'import os, mlflow',
      "print(os.environ['MLFLOW_TRACKING_URI'])",
      'print(sorted(e.name for e in mlflow.search_experiments()))'
    ].join('\n')
  );
  await page.notebook.runCell(0);

  const output = (await page.notebook.getCellTextOutput(0))?.join('') ?? '';
  expect(output).toContain(stack.gateway);
  expect(output).toContain("'churn-prediction'");
  expect(output).toContain("'image-classifier'");
});
