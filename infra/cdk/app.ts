/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy --all` in infra/.
 * Configuration: infra/deploy.json, or the file named by `-c config=<file>`.
 */
import * as path from 'node:path';

import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

import { readDeploymentConfig } from './config';
import { FEATURE_FLAGS } from './flags';
import { MlflowStack } from './stack';

const app = new App({ context: { ...FEATURE_FLAGS } });
const file = path.resolve(
  String(
    app.node.tryGetContext('config') ??
      path.join(__dirname, '..', 'deploy.json')
  )
);
const config = readDeploymentConfig(file);
new MlflowStack(app, config.name, {
  config,
  description:
    'sagemaker-studio-mlflow: MLflow on AWS with access control by role'
});
// Every rule of the AWS Solutions pack; each suppression names its reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
