import { Match, Template } from 'aws-cdk-lib/assertions';

import { evaluatePolicy } from '../../src/apigateway/policy-evaluation';
import type { PolicyDocument } from '../../src/apigateway/policy-evaluation';
import { samplePath } from '../../src/gateway-routes';
import { OPERATIONS, pathTemplates } from '../../src/permissions';
import { iamPolicyDocuments, methodArn } from '../../src/permissions/policy';
import { compileRoles } from '../../src/permissions/roles';
import { STAGE } from '../../cdk/gateway';
import { buildStack } from '../support/cdk';
import { DEPLOYED_IDS, deployed } from '../support/intrinsics';

const PERMISSIONS = {
  roles: [
    {
      name: 'experimenters',
      description: 'Readers who log runs.',
      extends: 'readers',
      allow: ['runs.create', 'runs.log-batch']
    }
  ]
};
const API_ID = DEPLOYED_IDS.restApi;
const ARN_PREFIX = `arn:aws:execute-api:us-east-1:123456789012:${API_ID}/${STAGE}/`;

type Resource = { Properties: Record<string, any> };

/** The MLflow managed policies attached to a role, as deployed. */
function policiesOf(template: Template, roleId: string): PolicyDocument[] {
  return Object.values(
    template.findResources('AWS::IAM::ManagedPolicy') as Record<
      string,
      Resource
    >
  )
    .filter(
      policy =>
        (policy.Properties.Roles as { Ref: string }[]).some(
          ref => ref.Ref === roleId
        ) &&
        String(policy.Properties.Description).startsWith('MLflow operations')
    )
    .map(
      policy =>
        deployed(template, policy.Properties.PolicyDocument) as PolicyDocument
    );
}

function roleIdOf(template: Template, description: string): string {
  const roles = template.findResources('AWS::IAM::Role', {
    Properties: { Description: description }
  });
  expect(Object.keys(roles)).toHaveLength(1);
  return Object.keys(roles)[0];
}

/** Whether IAM lets a holder of these policies call the request (an explicit deny wins). */
function allows(policies: PolicyDocument[], arn: string): boolean {
  const statements = policies.flatMap(policy => policy.Statement);
  return (
    evaluatePolicy({ Version: '2012-10-17', Statement: statements }, arn) ===
    'allow'
  );
}

describe('Studio: execution roles, domain and users', () => {
  const { stack } = buildStack({
    permissions: PERMISSIONS,
    studio: {
      origins: ['https://d-abc123.studio.us-east-1.sagemaker.aws'],
      users: [
        { name: 'alice', role: 'model-approvers' },
        { name: 'bob', role: 'experimenters' }
      ]
    }
  });
  const lifecycle =
    'arn:aws:sagemaker:us-east-1:123456789012:studio-lifecycle-config/mlflow';
  stack.studio.addLifecycleConfig(lifecycle);
  const template = Template.fromStack(stack);
  const roles = compileRoles(PERMISSIONS);

  it('gives each role an execution role that SageMaker assumes, with no broad managed policy', () => {
    for (const role of roles.keys()) {
      const id = roleIdOf(
        template,
        `SageMaker execution role of the MLflow role "${role}"`
      );
      const properties = template.toJSON().Resources[id].Properties;
      expect(properties.AssumeRolePolicyDocument.Statement).toEqual([
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'sagemaker.amazonaws.com' }
        }
      ]);
      expect(properties.ManagedPolicyArns).toBeUndefined();
    }
    expect(JSON.stringify(template.toJSON())).not.toContain(
      'AmazonSageMakerFullAccess'
    );
  });

  it('allows each execution role exactly the permission model’s policies', () => {
    for (const [role, allowed] of roles) {
      const id = roleIdOf(
        template,
        `SageMaker execution role of the MLflow role "${role}"`
      );
      const expected = iamPolicyDocuments(allowed, {
        region: 'us-east-1',
        account: '123456789012',
        apiId: API_ID,
        stage: STAGE
      });
      const statements = (documents: PolicyDocument[]) =>
        documents
          .flatMap(d => d.Statement)
          .flatMap(s =>
            [s.Resource]
              .flat()
              .map(resource => `${s.Effect} ${s.Action} ${resource}`)
          );
      expect(statements(policiesOf(template, id)).sort()).toEqual(
        statements(expected).sort()
      );
    }
  });

  it('lets a role call, through the deployed API, only the SDK operations its role allows', () => {
    const wrong: string[] = [];
    for (const [role, allowed] of roles) {
      const policies = policiesOf(
        template,
        roleIdOf(
          template,
          `SageMaker execution role of the MLflow role "${role}"`
        )
      );
      for (const op of OPERATIONS) {
        for (const template of pathTemplates(op).filter(t =>
          t.startsWith('/api/')
        )) {
          const arn = methodArn(ARN_PREFIX, op.method, samplePath(template));
          if (allows(policies, arn) !== allowed.has(op.id)) {
            wrong.push(`${role} ${op.id} ${arn}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(roles.get('experimenters')?.has('runs.create')).toBe(true);
    expect(roles.get('readers')?.has('runs.create')).toBe(false);
  });

  it('lets every execution role run its user’s own spaces and apps in this domain, and nothing else of SageMaker', () => {
    const policies = Object.values(
      template.findResources('AWS::IAM::ManagedPolicy', {
        Properties: { Description: Match.stringLikeRegexp('^Studio:') }
      })
    ) as Resource[];
    expect(policies).toHaveLength(1);
    const [domainId] = Object.keys(
      template.findResources('AWS::SageMaker::Domain')
    );
    const roleIds = Object.keys(
      template.findResources('AWS::IAM::Role', {
        Properties: {
          Description: Match.stringLikeRegexp('^SageMaker execution role')
        }
      })
    );
    expect(
      policies[0].Properties.Roles.map((r: { Ref: string }) => r.Ref).sort()
    ).toEqual(roleIds.sort());
    const statements = deployed(
      template,
      policies[0].Properties.PolicyDocument.Statement
    ) as { Action: string | string[]; Resource: string | string[] }[];
    const prefix = 'arn:aws:sagemaker:us-east-1:123456789012:';
    for (const statement of statements) {
      for (const action of [statement.Action].flat()) {
        expect(action).toMatch(/^sagemaker:[A-Z][A-Za-z]+$/);
      }
      const resources = [statement.Resource].flat();
      if (resources.includes('*')) {
        // Only the list calls, which take no resource.
        expect(
          [statement.Action].flat().every(a => a.startsWith('sagemaker:List'))
        ).toBe(true);
      } else {
        for (const resource of resources) {
          expect(resource.startsWith(prefix)).toBe(true);
          expect(resource).toContain(`/${domainId}.DomainId`);
        }
      }
    }
  });

  it('creates a VPC-only domain whose users get the least role by default', () => {
    const domain = Object.values(
      template.findResources('AWS::SageMaker::Domain')
    )[0].Properties;
    expect(domain).toMatchObject({
      AuthMode: 'IAM',
      AppNetworkAccessType: 'VpcOnly'
    });
    expect(domain.DefaultUserSettings.ExecutionRole).toEqual({
      'Fn::GetAtt': [
        roleIdOf(
          template,
          'SageMaker execution role of the MLflow role "readers"'
        ),
        'Arn'
      ]
    });
    expect(domain.SubnetIds.length).toBeGreaterThanOrEqual(2);
  });

  it('creates each user’s profile with the execution role of the user’s role', () => {
    template.resourceCountIs('AWS::SageMaker::UserProfile', 2);
    template.hasResourceProperties('AWS::SageMaker::UserProfile', {
      UserProfileName: 'alice',
      UserSettings: Match.objectLike({
        ExecutionRole: {
          'Fn::GetAtt': [
            roleIdOf(
              template,
              'SageMaker execution role of the MLflow role "model-approvers"'
            ),
            'Arn'
          ]
        }
      }),
      Tags: [{ Key: 'mlflow-role', Value: 'model-approvers' }]
    });
  });

  it('runs the extension’s lifecycle configuration by default in every JupyterLab space, and any added one', () => {
    const domain = Object.values(
      template.findResources('AWS::SageMaker::Domain')
    )[0].Properties;
    const [extension] = Object.keys(
      template.findResources('AWS::SageMaker::StudioLifecycleConfig')
    );
    const arn = { 'Fn::GetAtt': [extension, 'StudioLifecycleConfigArn'] };
    expect(domain.DefaultUserSettings.JupyterLabAppSettings).toEqual({
      LifecycleConfigArns: [arn, lifecycle],
      DefaultResourceSpec: { LifecycleConfigArn: arn }
    });
  });

  it('leaves an existing domain alone and attaches the lifecycle configuration to its new profiles', () => {
    const template = Template.fromStack(
      buildStack({
        studio: {
          domainId: 'd-existing1',
          users: [{ name: 'carol', role: 'readers' }]
        }
      }).stack
    );
    template.resourceCountIs('AWS::SageMaker::Domain', 0);
    const [extension] = Object.keys(
      template.findResources('AWS::SageMaker::StudioLifecycleConfig')
    );
    const arn = { 'Fn::GetAtt': [extension, 'StudioLifecycleConfigArn'] };
    template.hasResourceProperties('AWS::SageMaker::UserProfile', {
      DomainId: 'd-existing1',
      UserSettings: Match.objectLike({
        JupyterLabAppSettings: {
          LifecycleConfigArns: [arn],
          DefaultResourceSpec: { LifecycleConfigArn: arn }
        }
      })
    });
  });

  it('attaches broader managed policies only when configured', () => {
    const template = Template.fromStack(
      buildStack({ studio: { managedPolicies: ['AmazonSageMakerFullAccess'] } })
        .stack
    );
    template.hasResourceProperties('AWS::IAM::Role', {
      Description: 'SageMaker execution role of the MLflow role "readers"',
      ManagedPolicyArns: [
        {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':iam::aws:policy/AmazonSageMakerFullAccess'
            ]
          ]
        }
      ]
    });
  });

  it('refuses users of undefined roles', () => {
    expect(() =>
      buildStack({ studio: { users: [{ name: 'dave', role: 'owners' }] } })
    ).toThrow(/"dave" has the role "owners", which is not defined/);
  });
});

describe('access from other accounts', () => {
  const { stack } = buildStack({
    crossAccount: [{ role: 'readers', accounts: ['111122223333'] }]
  });
  const template = Template.fromStack(stack);

  it('lets the listed accounts assume a role with exactly the role’s MLflow policies', () => {
    const id = roleIdOf(
      template,
      'Reaches MLflow with the permissions of the "readers" role, from 111122223333'
    );
    const trust = deployed(
      template,
      template.toJSON().Resources[id].Properties.AssumeRolePolicyDocument
    );
    expect(trust).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111122223333:root' }
        }
      ]
    });
    const policies = policiesOf(template, id);
    const readers = compileRoles().get('readers') as ReadonlySet<string>;
    for (const op of OPERATIONS) {
      for (const path of pathTemplates(op).filter(t => t.startsWith('/api/'))) {
        expect([
          op.id,
          allows(policies, methodArn(ARN_PREFIX, op.method, samplePath(path)))
        ]).toEqual([op.id, readers.has(op.id)]);
      }
    }
  });
});
