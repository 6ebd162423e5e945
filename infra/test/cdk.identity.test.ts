import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';

import { DeploymentConfig, parseDeploymentConfig } from '../cdk/config';
import { MlflowStack } from '../cdk/stack';
import { BUILT_IN_ROLES } from '../src/permissions';

function synth(json: Record<string, unknown> = {}): {
  app: App;
  config: DeploymentConfig;
  template: Template;
} {
  const app = new App();
  const config = parseDeploymentConfig(json);
  const stack = new MlflowStack(app, 'Test', { config });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, config, template: Template.fromStack(stack) };
}

describe('the identity (Cognito)', () => {
  it('lets only administrators create users, with strong passwords and threat protection', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true
        }
      },
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      DeletionProtection: 'ACTIVE'
    });
    template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain'
    });
  });

  it.each([
    ['off', 'OFF'],
    ['optional', 'OPTIONAL'],
    ['required', 'ON']
  ])('sets MFA %s as configured', (mfa, expected) => {
    synth({ cognito: { mfa } }).template.hasResourceProperties(
      'AWS::Cognito::UserPool',
      { MfaConfiguration: expected }
    );
  });

  it('has one app client for browsers: SRP only, no secret, the extension’s token lifetimes', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      GenerateSecret: false,
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      AccessTokenValidity: 60,
      IdTokenValidity: 60,
      RefreshTokenValidity: 43200
    });
  });

  it('has a group for each role of the permission model, the operator’s included', () => {
    const { template } = synth({
      permissions: {
        roles: [
          {
            name: 'experimenters',
            description: 'Readers who log runs.',
            extends: 'readers',
            allow: ['runs.create']
          }
        ]
      }
    });
    const groups = Object.values(
      template.findResources('AWS::Cognito::UserPoolGroup')
    ).map(group => group.Properties.GroupName);
    expect(groups.sort()).toEqual([...BUILT_IN_ROLES, 'experimenters'].sort());
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', {
      GroupName: 'experimenters',
      Description: 'Readers who log runs.',
      UserPoolId: Match.anyValue()
    });
  });

  it.each(['optional', 'required'])(
    'passes the AWS Solutions checks (cdk-nag) with MFA %s',
    mfa => {
      const { app } = synth({ cognito: { mfa } });
      expect(() => app.synth()).not.toThrow();
    }
  );

  it('fails synthesis on a finding nobody acknowledged', () => {
    const app = new App();
    const stack = new MlflowStack(app, 'Test', {
      config: parseDeploymentConfig({})
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // A bucket with neither access logs nor TLS-only access.
    new s3.Bucket(stack, 'Unchecked');
    expect(() => app.synth()).toThrow(/AwsSolutions-S10/);
  });
});
