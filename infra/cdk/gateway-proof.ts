/**
 * The gateway's proof in AWS: a generated secret that API Gateway sends
 * MLflow with every request it forwards (`X-Gateway-Proof`, from the stage
 * variable `gatewayProof`) and that MLflow's task gets as an ECS secret.
 * MLflow refuses every request without it, so reaching its port is not
 * enough to be served.
 */
import { Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

import { GATEWAY_HEADERS, PROOF_STAGE_VARIABLE } from '../src/apigateway';

/** Characters of a generated proof: MLflow refuses fewer than 32. */
export const PROOF_LENGTH = 48;

/** MLflow's environment variable of the proof, and of the other one it accepts while a rotation is under way. */
export const PROOF_VARIABLES = {
  current: 'STUDIO_MLFLOW_GATEWAY_PROOF',
  previous: 'STUDIO_MLFLOW_GATEWAY_PROOF_PREVIOUS'
} as const;

export class GatewayProof extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // Letters and digits only: a stage variable allows few other characters.
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: `The proof API Gateway sends MLflow with each request (${GATEWAY_HEADERS.proof})`,
      generateSecretString: {
        passwordLength: PROOF_LENGTH,
        excludePunctuation: true,
        includeSpace: false
      }
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The stage variable takes the value when CloudFormation updates the stage, and MLflow when a task starts: the proof is rotated in the documented steps (docs/security.md) that keep both sides in step, not on a schedule that would leave them apart.'
    });
  }

  /**
   * The stage variables that put the proof where the integrations map it
   * from: a dynamic reference, resolved by CloudFormation when it updates
   * the stage, never a value in the template.
   */
  stageVariables(): Record<string, string> {
    return {
      [PROOF_STAGE_VARIABLE]: this.secret.secretValue.unsafeUnwrap()
    };
  }

  /**
   * MLflow's container secrets: the current version; while a rotation is
   * under way, the new one (`AWSPENDING`) and the retiring one
   * (`AWSCURRENT`), so that every task accepts what the gateway sends
   * before, during and after its switch.
   */
  containerSecrets(rotating: boolean): Record<string, ecs.Secret> {
    if (!rotating) {
      return {
        [PROOF_VARIABLES.current]: ecs.Secret.fromSecretsManager(this.secret)
      };
    }
    const version = (versionStage: string) =>
      ecs.Secret.fromSecretsManagerVersion(this.secret, { versionStage });
    return {
      [PROOF_VARIABLES.current]: version('AWSPENDING'),
      [PROOF_VARIABLES.previous]: version('AWSCURRENT')
    };
  }
}
