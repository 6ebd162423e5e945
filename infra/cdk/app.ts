/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy --all` in infra/.
 * Configuration: infra/deploy.json, or the file named by `-c config=<file>`.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

import { appDeploymentConfig } from './config';
import { FEATURE_FLAGS } from './flags';
import { MlflowStack } from './stack';

const app = new App({ context: { ...FEATURE_FLAGS } });
const config = appDeploymentConfig(app.node.tryGetContext('config'));
new MlflowStack(app, config.name, {
  config,
  description:
    'sagemaker-studio-mlflow: MLflow on AWS with access control by role'
});
// Every rule of the AWS Solutions pack; each suppression names its reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
