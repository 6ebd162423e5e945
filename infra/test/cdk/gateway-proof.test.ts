import { Template } from 'aws-cdk-lib/assertions';

import { PROOF_STAGE_VARIABLE } from '../../src/apigateway';
import { templateOf } from '../support/cdk';

type Resources = Record<string, { Properties: Record<string, any> }>;

/** The proof's secret: its logical id and properties. */
function proofSecret(template: Template): [string, Record<string, any>] {
  const secrets = Object.entries(
    template.findResources('AWS::SecretsManager::Secret') as Resources
  ).filter(([, secret]) =>
    String(secret.Properties.Description).includes('X-Gateway-Proof')
  );
  expect(secrets).toHaveLength(1);
  return [secrets[0][0], secrets[0][1].Properties];
}

/** The MLflow container's ECS secrets, by variable name. */
function containerSecrets(template: Template): Record<string, unknown> {
  const [task] = Object.values(
    template.findResources('AWS::ECS::TaskDefinition')
  );
  const [container] = task.Properties.ContainerDefinitions;
  return Object.fromEntries(
    container.Secrets.map((s: { Name: string; ValueFrom: unknown }) => [
      s.Name,
      s.ValueFrom
    ])
  );
}

describe('the gateway’s proof in AWS', () => {
  const template = templateOf();
  const [secretId, secret] = proofSecret(template);

  it('is a generated secret of 48 letters and digits', () => {
    expect(secret.GenerateSecretString).toMatchObject({
      PasswordLength: 48,
      ExcludePunctuation: true,
      IncludeSpace: false
    });
    expect(secret.GenerateSecretString.PasswordLength).toBeGreaterThanOrEqual(
      48
    );
    expect(secret.SecretString).toBeUndefined();
  });

  it('reaches the stage variable the integrations map as a dynamic reference, never as a value in the template', () => {
    const [stage] = Object.values(
      template.findResources('AWS::ApiGateway::Stage')
    );
    expect(stage.Properties.Variables).toEqual({
      [PROOF_STAGE_VARIABLE]: {
        'Fn::Join': [
          '',
          ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']
        ]
      }
    });
  });

  it('reaches MLflow’s task as an ECS secret, the current version only', () => {
    const secrets = containerSecrets(template);
    expect(secrets.STUDIO_MLFLOW_GATEWAY_PROOF).toEqual({ Ref: secretId });
    expect(secrets).not.toHaveProperty('STUDIO_MLFLOW_GATEWAY_PROOF_PREVIOUS');
    const [task] = Object.values(
      template.findResources('AWS::ECS::TaskDefinition')
    );
    expect(JSON.stringify(task.Properties)).not.toMatch(
      /resolve:secretsmanager/
    );
  });

  it('lets MLflow accept the new (AWSPENDING) and the retiring (AWSCURRENT) proof while a rotation is under way', () => {
    const rotating = templateOf({ gateway: { rotatingProof: true } });
    const [id] = proofSecret(rotating);
    const secrets = containerSecrets(rotating);
    const version = (stage: string) => ({
      'Fn::Join': ['', [{ Ref: id }, `::${stage}:`]]
    });
    expect(secrets.STUDIO_MLFLOW_GATEWAY_PROOF).toEqual(version('AWSPENDING'));
    expect(secrets.STUDIO_MLFLOW_GATEWAY_PROOF_PREVIOUS).toEqual(
      version('AWSCURRENT')
    );
    // The stage keeps sending what the template resolved: the operator
    // switches it (docs/security.md).
    const [stage] = Object.values(
      rotating.findResources('AWS::ApiGateway::Stage')
    );
    expect(JSON.stringify(stage.Properties.Variables)).toContain(
      ':SecretString:::}}'
    );
  });

  it('names the secret in the stack’s outputs, for the rotation steps', () => {
    expect(template.findOutputs('GatewayProofSecretArn')).toEqual({
      GatewayProofSecretArn: expect.objectContaining({
        Value: { Ref: secretId }
      })
    });
  });

  it('is readable by MLflow’s task execution role and by no other role of the stack', () => {
    const policies = Object.values(
      template.findResources('AWS::IAM::Policy') as Resources
    ).concat(
      Object.values(
        template.findResources('AWS::IAM::ManagedPolicy') as Resources
      )
    );
    const readers = policies.filter(policy =>
      JSON.stringify(policy.Properties.PolicyDocument).includes(
        JSON.stringify({ Ref: secretId })
      )
    );
    expect(readers).toHaveLength(1);
    const roles = template.findResources('AWS::IAM::Role') as Resources;
    const [roleRef] = readers[0].Properties.Roles as { Ref: string }[];
    expect(
      JSON.stringify(roles[roleRef.Ref].Properties.AssumeRolePolicyDocument)
    ).toContain('ecs-tasks.amazonaws.com');
    expect(roleRef.Ref).toMatch(/ExecutionRole/);
  });
});
