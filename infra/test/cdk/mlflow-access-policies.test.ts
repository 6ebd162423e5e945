import { App, CfnElement, Lazy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';

import type { PolicyDocument } from '../../src/apigateway/policy-evaluation';
import { FAMILIES, OPERATIONS } from '../../src/permissions';
import {
  MAX_MANAGED_POLICY_CHARS,
  iamPolicyDocuments
} from '../../src/permissions/policy';
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

  it('allows the role exactly its operations on the API', () => {
    const roleId = stack.getLogicalId(role.node.defaultChild as iam.CfnRole);
    expect(policies.length).toBeGreaterThan(0);
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

  it('names the API in the deployment’s partition', () => {
    const resources = policies.flatMap(([, policy]) =>
      (
        policy.Properties.PolicyDocument.Statement as { Resource: unknown }[]
      ).flatMap(statement => [statement.Resource].flat())
    );
    expect(resources.length).toBeGreaterThan(0);
    for (const resource of resources) {
      expect(resource).toEqual({
        'Fn::Join': [
          '',
          expect.arrayContaining(['arn:', { Ref: 'AWS::Partition' }])
        ]
      });
      const [, parts] = (resource as { 'Fn::Join': [string, unknown[]] })[
        'Fn::Join'
      ];
      expect(parts.slice(0, 3)).toEqual([
        'arn:',
        { Ref: 'AWS::Partition' },
        ':execute-api:'
      ]);
    }
  });

  it('splits a role’s policies as IAM’s size limit needs, the same way on every synthesis', () => {
    // An operator role that few wildcards can stand for: the writes of
    // every other family and the reads of the rest.
    const writing = FAMILIES.filter((_, i) => i % 2 === 0);
    const scattered = new Set(
      OPERATIONS.filter(
        op =>
          op.access !== 'public' &&
          (op.access === 'write') === writing.includes(op.family)
      ).map(op => op.id)
    );
    const synthesize = () => {
      const app = new App({ context: { ...FEATURE_FLAGS } });
      const stack = new Stack(app, 'Test');
      const scope = new Construct(stack, 'Studio');
      // The stack's own API, whose id is known only once deployed.
      const api = new apigw.RestApi(stack, 'Api');
      api.root.addMethod('GET');
      const role = new iam.Role(scope, 'EditorsExecutionRole', {
        assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com')
      });
      new MlflowAccessPolicies(scope, 'EditorsExecutionRoleMlflow', {
        role,
        roleName: 'editors',
        operations: scattered,
        api
      });
      const apiId = stack.getLogicalId(api.node.defaultChild as CfnElement);
      return {
        apiId,
        policies: Object.values(
          Template.fromStack(stack).findResources(
            'AWS::IAM::ManagedPolicy'
          ) as Record<string, Resource>
        )
      };
    };
    const first = synthesize();
    expect(first.policies.length).toBeGreaterThan(1);
    const refs = { ...DEPLOYED_REFS, [first.apiId]: DEPLOYED_IDS.restApi };
    const deployed = first.policies.map(policy => {
      const document = resolveIntrinsics(
        policy.Properties.PolicyDocument,
        refs
      ) as PolicyDocument;
      expect(JSON.stringify(document).length).toBeLessThanOrEqual(
        MAX_MANAGED_POLICY_CHARS
      );
      return document;
    });
    expect(grants(deployed)).toEqual(
      grants(
        iamPolicyDocuments(scattered, {
          region: DEPLOYED_REFS['AWS::Region'],
          account: DEPLOYED_REFS['AWS::AccountId'],
          apiId: DEPLOYED_IDS.restApi,
          stage: STAGE
        })
      )
    );
    // Tokens are numbered as they are made: later ones have longer
    // placeholders, which must not change how the policies are split.
    for (let i = 0; i < 100_000; i++) {
      Lazy.string({ produce: () => '' });
    }
    expect(synthesize()).toEqual(first);
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
