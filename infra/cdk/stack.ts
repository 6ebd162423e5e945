import { CfnOutput, Stack, StackProps, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';

import type { DeploymentConfig } from './config';
import { MlflowData } from './data';
import { MlflowIdentity } from './identity';
import { MlflowService } from './mlflow-service';
import { MlflowNetwork } from './network';

export interface MlflowStackProps extends StackProps {
  readonly config: DeploymentConfig;
}

/**
 * sagemaker-studio-mlflow in one account: so far the identity (Cognito),
 * the network, MLflow's data (Aurora, S3) and MLflow on Fargate behind an
 * internal load balancer; the gateway and Studio join them.
 */
export class MlflowStack extends Stack {
  readonly identity: MlflowIdentity;
  readonly network: MlflowNetwork;
  readonly data: MlflowData;
  readonly mlflow: MlflowService;

  constructor(scope: Construct, id: string, props: MlflowStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.identity = new MlflowIdentity(this, 'Identity', { config });
    this.network = new MlflowNetwork(this, 'Network', { config });
    this.data = new MlflowData(this, 'Data', {
      config,
      vpc: this.network.vpc,
      subnets: this.network.privateSubnets
    });
    this.mlflow = new MlflowService(this, 'Mlflow', {
      config,
      vpc: this.network.vpc,
      subnets: this.network.privateSubnets,
      database: this.data.database,
      artifacts: this.data.artifacts,
      corsOrigins: config.studio.origins
    });
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
    new CfnOutput(this, 'ArtifactBucket', {
      value: this.data.artifacts.bucketName,
      description: 'Where MLflow stores artifacts'
    });
    new CfnOutput(this, 'UserPoolClientId', {
      value: this.identity.client.userPoolClientId,
      description: 'The extension setting userPoolClientId'
    });
  }
}
