import { App, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';

import type { PolicyDocument } from '../../src/apigateway/policy-evaluation';
import { iamPolicyDocuments } from '../../src/permissions/policy';
import { compileRoles } from '../../src/permissions/roles';
import { FEATURE_FLAGS } from '../../cdk/flags';
import { STAGE } from '../../cdk/gateway';
import { MlflowAccessPolicies } from '../../cdk/mlflow-access-policies';
import {
  DEPLOYED_IDS,
  DEPLOYED_REFS,
  resolveIntrinsics
} from '../support/intrinsics';

type Resource = { Properties: Record<string, any> };

/** Each statement's resources one by one, as `Effect Action Resource`. */
function grants(documents: readonly PolicyDocument[]): string[] {
  return documents
    .flatMap(document => document.Statement)
    .flatMap(statement =>
      [statement.Resource]
        .flat()
        .map(resource => `${statement.Effect} ${statement.Action} ${resource}`)
    )
    .sort();
}

describe('MlflowAccessPolicies', () => {
  const operations = compileRoles().get('model-approvers')!;
  const app = new App({ context: { ...FEATURE_FLAGS } });
  const stack = new Stack(app, 'Test');
  // Where the Studio construct puts the execution roles' policies.
  const scope = new Construct(stack, 'Studio');
  const api = apigw.RestApi.fromRestApiId(stack, 'Api', DEPLOYED_IDS.restApi);
  const role = new iam.Role(scope, 'ModelApproversExecutionRole', {
    assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com')
  });
  const access = new MlflowAccessPolicies(
    scope,
    'ModelApproversExecutionRoleMlflow',
    { role, roleName: 'model-approvers', operations, api }
  );
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const template = Template.fromStack(stack);
  const policies = Object.entries(
    template.findResources('AWS::IAM::ManagedPolicy') as Record<
      string,
      Resource
    >
  );

  it('allows the role exactly its operations on the API, over as many policies as IAM’s size limit needs', () => {
    const roleId = stack.getLogicalId(role.node.defaultChild as iam.CfnRole);
    expect(policies.length).toBeGreaterThan(1);
    expect(access.policies).toHaveLength(policies.length);
    for (const [, policy] of policies) {
      expect(policy.Properties.Roles).toEqual([{ Ref: roleId }]);
    }
    const deployed = policies.map(
      ([, policy]) =>
        resolveIntrinsics(
          policy.Properties.PolicyDocument,
          DEPLOYED_REFS
        ) as PolicyDocument
    );
    expect(grants(deployed)).toEqual(
      grants(
        iamPolicyDocuments(operations, {
          region: DEPLOYED_REFS['AWS::Region'],
          account: DEPLOYED_REFS['AWS::AccountId'],
          apiId: DEPLOYED_IDS.restApi,
          stage: STAGE
        })
      )
    );
  });

  it('names the role in each policy’s description, numbered', () => {
    expect(
      policies.map(([, policy]) => policy.Properties.Description).sort()
    ).toEqual(
      policies.map(
        (_, i) =>
          `MLflow operations of the "model-approvers" role (${i + 1}), generated from the permission model`
      )
    );
  });

  it('keeps the logical ids deployed stacks have for the policies', () => {
    expect(policies.map(([id]) => id)).toContain(
      'StudioModelApproversExecutionRoleMlflow1B655ADB1'
    );
    expect(access.policies.map(policy => policy.node.id)).toEqual(
      policies.map((_, i) => `ModelApproversExecutionRoleMlflow${i + 1}`)
    );
  });

  it('passes the AWS Solutions checks: each wildcard is a path parameter, acknowledged', () => {
    expect(() => app.synth()).not.toThrow();
  });
});
