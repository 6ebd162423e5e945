import { Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';

import { BUILT_IN_ROLES } from '../../src/permissions';
import { buildStack, templateOf } from '../support/cdk';

describe('the identity (Cognito)', () => {
  it('lets only administrators create users, with strong passwords and threat protection', () => {
    const template = templateOf();
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

  it('requires a second factor unless configured otherwise', () => {
    templateOf().hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'ON'
    });
  });

  it.each([
    ['off', 'OFF'],
    ['optional', 'OPTIONAL'],
    ['required', 'ON']
  ])('sets MFA %s as configured', (mfa, expected) => {
    templateOf({ cognito: { mfa } }).hasResourceProperties(
      'AWS::Cognito::UserPool',
      { MfaConfiguration: expected }
    );
  });

  it('has one app client for browsers: SRP only, no secret, short-lived access tokens, rotating refresh tokens', () => {
    const template = templateOf();
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      // Rotation needs GetTokensFromRefreshToken: no REFRESH_TOKEN_AUTH.
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH'],
      GenerateSecret: false,
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      // A revoked session reaches MLflow until its access token expires.
      AccessTokenValidity: 15,
      IdTokenValidity: 15,
      TokenValidityUnits: Match.objectLike({
        AccessToken: 'minutes',
        IdToken: 'minutes'
      }),
      RefreshTokenValidity: 43200,
      RefreshTokenRotation: { Feature: 'ENABLED', RetryGracePeriodSeconds: 10 }
    });
  });

  it('offers no OAuth flow (no implicit grant, no callback URL) until one is configured', () => {
    const [client] = Object.values(
      templateOf().findResources('AWS::Cognito::UserPoolClient')
    ).map(resource => resource.Properties);
    expect(client).not.toHaveProperty('AllowedOAuthFlows');
    expect(client).not.toHaveProperty('AllowedOAuthScopes');
    expect(client).not.toHaveProperty('CallbackURLs');
    expect(client.AllowedOAuthFlowsUserPoolClient ?? false).toBe(false);
  });

  it('issues access tokens for as long as the configuration says', () => {
    templateOf({ cognito: { accessTokenMinutes: 5 } }).hasResourceProperties(
      'AWS::Cognito::UserPoolClient',
      { AccessTokenValidity: 5, IdTokenValidity: 5 }
    );
  });

  it('has a group for each role of the permission model, the operator’s included', () => {
    const template = templateOf({
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
      const { app } = buildStack({ cognito: { mfa } });
      expect(() => app.synth()).not.toThrow();
    }
  );

  it('fails synthesis on a finding nobody acknowledged', () => {
    const { app, stack } = buildStack();
    // A bucket with neither access logs nor TLS-only access.
    new s3.Bucket(stack, 'Unchecked');
    expect(() => app.synth()).toThrow(/AwsSolutions-S10/);
  });
});
