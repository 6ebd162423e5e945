import { Match, Template } from 'aws-cdk-lib/assertions';

import type { PolicyDocument } from '../../src/apigateway/policy-evaluation';
import { samplePath } from '../../src/gateway-routes';
import { OPERATIONS, pathTemplates } from '../../src/permissions';
import { iamPolicyDocuments, methodArn } from '../../src/permissions/policy';
import { compileRoles } from '../../src/permissions/roles';
import { STAGE } from '../../cdk/gateway';
import { buildStack } from '../support/cdk';
import { ARN_PREFIX, allows, policiesOf, roleIdOf } from '../support/iam';
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
type Resource = { Properties: Record<string, any> };
type Statement = {
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
};

/** Every statement of the policies attached to a role (managed and inline), as deployed. */
function statementsOf(template: Template, roleId: string): Statement[] {
  const resources = template.toJSON().Resources as Record<
    string,
    Resource & { Type: string }
  >;
  return Object.values(resources)
    .filter(
      resource =>
        ['AWS::IAM::ManagedPolicy', 'AWS::IAM::Policy'].includes(
          resource.Type
        ) &&
        (resource.Properties.Roles as { Ref: string }[]).some(
          ref => ref.Ref === roleId
        )
    )
    .flatMap(
      resource =>
        deployed(
          template,
          resource.Properties.PolicyDocument.Statement
        ) as Statement[]
    );
}

/** The description of a Studio user's own execution role. */
const USER_ROLE = (user: string, role: string) =>
  `SageMaker execution role of the Studio user "${user}" (MLflow role "${role}")`;

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

  it('gives each role an execution role under the deployment’s path that only SageMaker of this account assumes, with no broad managed policy', () => {
    for (const role of roles.keys()) {
      const id = roleIdOf(
        template,
        `SageMaker execution role of the MLflow role "${role}"`
      );
      const properties = template.toJSON().Resources[id].Properties;
      expect(properties.Path).toBe('/mlflow-SagemakerStudioMlflow/');
      expect(
        deployed(template, properties.AssumeRolePolicyDocument.Statement)
      ).toEqual([
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'sagemaker.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': '123456789012' }
          }
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
        apiId: DEPLOYED_IDS.restApi,
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

  it('lets a user create, change and delete only their own private spaces and the apps in them, and tag only while creating', () => {
    const [domainId] = Object.keys(
      template.findResources('AWS::SageMaker::Domain')
    );
    const statements = statementsOf(
      template,
      roleIdOf(
        template,
        'SageMaker execution role of the MLflow role "readers"'
      )
    );
    const changing = /^sagemaker:(Create|Update|Delete)(Space|App)$/;
    const ownProfile = `arn:aws:sagemaker:us-east-1:123456789012:user-profile/${domainId}.DomainId/\${sagemaker:UserProfileName}`;
    const changes = statements.filter(statement =>
      [statement.Action].flat().some(action => changing.test(action))
    );
    expect(changes.flatMap(s => [s.Action].flat()).sort()).toEqual([
      'sagemaker:CreateApp',
      'sagemaker:CreateSpace',
      'sagemaker:DeleteApp',
      'sagemaker:DeleteSpace',
      'sagemaker:UpdateSpace'
    ]);
    for (const statement of changes) {
      expect(statement.Condition).toEqual({
        ArnLike: { 'sagemaker:OwnerUserProfileArn': ownProfile },
        StringEquals: { 'sagemaker:SpaceSharingType': 'Private' }
      });
    }
    const tagging = statements.filter(statement =>
      [statement.Action].flat().includes('sagemaker:AddTags')
    );
    expect(tagging).toHaveLength(1);
    expect(tagging[0].Condition).toEqual({
      Null: { 'sagemaker:TaggingAction': 'false' }
    });
  });

  it('lets each execution role pass only itself to SageMaker, and open Studio only as its own user’s profile', () => {
    const [domainId] = Object.keys(
      template.findResources('AWS::SageMaker::Domain')
    );
    const profile = (name: string) =>
      `arn:aws:sagemaker:us-east-1:123456789012:user-profile/${domainId}.DomainId/${name}`;
    // The configured users have roles of their own; a role's shared one
    // opens no profile (the domain's default and profiles made elsewhere).
    const expectedProfiles: Record<string, string[]> = {
      [USER_ROLE('alice', 'model-approvers')]: [profile('alice')],
      [USER_ROLE('bob', 'experimenters')]: [profile('bob')]
    };
    const descriptions = [
      ...[...roles.keys()].map(
        role => `SageMaker execution role of the MLflow role "${role}"`
      ),
      ...Object.keys(expectedProfiles)
    ];
    for (const description of descriptions) {
      const id = roleIdOf(template, description);
      const statements = statementsOf(template, id);
      const withAction = (action: string) =>
        statements.filter(statement =>
          [statement.Action].flat().some(a => a === action || a.endsWith(':*'))
        );
      expect(withAction('iam:PassRole')).toEqual([
        {
          Action: 'iam:PassRole',
          Effect: 'Allow',
          Resource: `${id}.Arn`,
          Condition: {
            StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' }
          }
        }
      ]);
      const presigned = withAction('sagemaker:CreatePresignedDomainUrl');
      expect(presigned.flatMap(s => [s.Resource].flat()).sort()).toEqual(
        expectedProfiles[description] ?? []
      );
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

  it('creates each user’s profile with an execution role of the user’s own', () => {
    template.resourceCountIs('AWS::SageMaker::UserProfile', 2);
    template.hasResourceProperties('AWS::SageMaker::UserProfile', {
      UserProfileName: 'alice',
      UserSettings: Match.objectLike({
        ExecutionRole: {
          'Fn::GetAtt': [
            roleIdOf(template, USER_ROLE('alice', 'model-approvers')),
            'Arn'
          ]
        }
      }),
      Tags: [{ Key: 'mlflow-role', Value: 'model-approvers' }]
    });
  });

  it('gives each user’s role its MLflow role’s policies, the same managed policies attached, under the deployment’s path that only SageMaker of this account assumes', () => {
    const resources = template.toJSON().Resources as Record<
      string,
      Resource & { Type: string }
    >;
    const attachedTo = (roleId: string) =>
      Object.entries(resources)
        .filter(
          ([, resource]) =>
            resource.Type === 'AWS::IAM::ManagedPolicy' &&
            (resource.Properties.Roles as { Ref: string }[]).some(
              ref => ref.Ref === roleId
            )
        )
        .map(([id]) => id)
        .sort();
    const policyCount = Object.values(resources).filter(
      resource => resource.Type === 'AWS::IAM::ManagedPolicy'
    ).length;
    for (const [user, role] of [
      ['alice', 'model-approvers'],
      ['bob', 'experimenters']
    ]) {
      const userRole = roleIdOf(template, USER_ROLE(user, role));
      const shared = roleIdOf(
        template,
        `SageMaker execution role of the MLflow role "${role}"`
      );
      expect(attachedTo(userRole)).toEqual(attachedTo(shared));
      expect(attachedTo(userRole).length).toBeGreaterThan(1);
      const properties = resources[userRole].Properties;
      expect(properties.Path).toBe('/mlflow-SagemakerStudioMlflow/');
      expect(
        deployed(template, properties.AssumeRolePolicyDocument.Statement)
      ).toEqual(
        deployed(
          template,
          resources[shared].Properties.AssumeRolePolicyDocument.Statement
        )
      );
    }
    // Attached, not copied: as many policies as without the users.
    const withoutUsers = Template.fromStack(
      buildStack({
        permissions: PERMISSIONS,
        studio: { origins: ['https://d-abc123.studio.us-east-1.sagemaker.aws'] }
      }).stack
    );
    withoutUsers.resourceCountIs('AWS::IAM::ManagedPolicy', policyCount);
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

  it('attaches broader managed policies only to the roles they are configured for', () => {
    const template = Template.fromStack(
      buildStack({
        studio: {
          managedPolicies: {
            admins: ['arn:aws:iam::123456789012:policy/TrainingJobs']
          }
        }
      }).stack
    );
    template.hasResourceProperties('AWS::IAM::Role', {
      Description: 'SageMaker execution role of the MLflow role "admins"',
      ManagedPolicyArns: ['arn:aws:iam::123456789012:policy/TrainingJobs']
    });
    const withUsers = Template.fromStack(
      buildStack({
        studio: {
          managedPolicies: {
            admins: ['arn:aws:iam::123456789012:policy/TrainingJobs']
          },
          users: [
            { name: 'alice', role: 'admins' },
            { name: 'carol', role: 'readers' }
          ]
        }
      }).stack
    );
    withUsers.hasResourceProperties('AWS::IAM::Role', {
      Description: USER_ROLE('alice', 'admins'),
      ManagedPolicyArns: ['arn:aws:iam::123456789012:policy/TrainingJobs']
    });
    expect(
      withUsers.toJSON().Resources[
        roleIdOf(withUsers, USER_ROLE('carol', 'readers'))
      ].Properties.ManagedPolicyArns
    ).toBeUndefined();
    const readers =
      template.toJSON().Resources[
        roleIdOf(
          template,
          'SageMaker execution role of the MLflow role "readers"'
        )
      ].Properties;
    expect(readers.ManagedPolicyArns).toBeUndefined();
  });

  it('refuses to synthesize a role with more managed policies than IAM allows, naming it', () => {
    const policies = Array.from(
      { length: 10 },
      (_, i) => `arn:aws:iam::123456789012:policy/Extra${i}`
    );
    expect(() =>
      Template.fromStack(
        buildStack({ studio: { managedPolicies: { readers: policies } } }).stack
      )
    ).toThrow(
      /The execution role of "readers" would have 1\d managed policies, more than IAM's default quota of 10/
    );
    expect(() =>
      Template.fromStack(
        buildStack({
          studio: {
            managedPolicies: { readers: policies },
            users: [{ name: 'dave', role: 'readers' }]
          }
        }).stack
      )
    ).toThrow(
      /The execution role of the Studio user "dave" would have 1\d managed policies/
    );
    expect(() =>
      Template.fromStack(
        buildStack({
          studio: { managedPolicies: { readers: policies.slice(0, 5) } }
        }).stack
      )
    ).not.toThrow();
  });

  it('refuses users of undefined roles', () => {
    expect(() =>
      buildStack({ studio: { users: [{ name: 'dave', role: 'owners' }] } })
    ).toThrow(/"dave" has the role "owners", which is not defined/);
  });
});
