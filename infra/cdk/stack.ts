import { CfnOutput, Stack, StackProps, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';

import type { DeploymentConfig } from './config';
import { MlflowIdentity } from './identity';

export interface MlflowStackProps extends StackProps {
  readonly config: DeploymentConfig;
}

/**
 * sagemaker-studio-mlflow in one account: so far the identity (Cognito);
 * the network, MLflow, the gateway and Studio join it.
 */
export class MlflowStack extends Stack {
  readonly identity: MlflowIdentity;

  constructor(scope: Construct, id: string, props: MlflowStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.identity = new MlflowIdentity(this, 'Identity', { config });
    if (config.cognito.mfa !== 'required') {
      Validations.of(this.identity.userPool).acknowledge({
        id: 'AwsSolutions-COG2',
        reason: `MFA is "${config.cognito.mfa}" by the deployment configuration (cognito.mfa); set it to "required" to enforce a second factor.`
      });
    }

    new CfnOutput(this, 'UserPoolId', {
      value: this.identity.userPool.userPoolId,
      description: 'The extension setting userPoolId'
    });
    new CfnOutput(this, 'UserPoolClientId', {
      value: this.identity.client.userPoolClientId,
      description: 'The extension setting userPoolClientId'
    });
  }
}
