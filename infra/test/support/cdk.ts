import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';

import { DeploymentConfig, parseDeploymentConfig } from '../../cdk/config';
import { FEATURE_FLAGS } from '../../cdk/flags';
import { MlflowStack } from '../../cdk/stack';

/**
 * The app's stack for a configuration, with the AWS Solutions checks, as
 * `cdk synth` builds it; the Lambda code is bundled only when asked for.
 */
export function buildStack(
  json: Record<string, unknown> = {},
  options: { bundle?: boolean } = {}
): {
  app: App;
  stack: MlflowStack;
  config: DeploymentConfig;
} {
  const app = new App({
    context: {
      ...FEATURE_FLAGS,
      'aws:cdk:bundling-stacks': options.bundle ? ['**'] : []
    }
  });
  const config = parseDeploymentConfig(json);
  const stack = new MlflowStack(app, 'Test', { config });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, config };
}

/** The synthesized template of the stack for a configuration. */
export function templateOf(json: Record<string, unknown> = {}): Template {
  return Template.fromStack(buildStack(json).stack);
}
