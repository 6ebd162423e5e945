/**
 * Who may sign in to MLflow from a browser: a Cognito user pool whose
 * groups are the roles of the permission model, and the app client the
 * extension and the gateway's sign-in page use (SRP, no secret).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

import type { RoleDefinition } from '../src/permissions/roles';
import { PASSWORD_POLICY, TOKEN_VALIDITY } from '../src/user-pool';
import type { MfaSetting } from './config';

const MFA: Record<MfaSetting, cognito.Mfa> = {
  off: cognito.Mfa.OFF,
  optional: cognito.Mfa.OPTIONAL,
  required: cognito.Mfa.REQUIRED
};

export interface MlflowIdentityProps {
  /** Every role, built in and operator-defined: a group each, named and described as the role. */
  readonly roles: readonly RoleDefinition[];
  /** Whether users sign in with a second factor (TOTP). */
  readonly mfa: MfaSetting;
  /**
   * How long access and ID tokens last: with the authorizer's cache, how
   * long a revoked session may still reach MLflow.
   *
   * @default TOKEN_VALIDITY.accessMinutes
   */
  readonly accessTokenMinutes?: number;
}

export class MlflowIdentity extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  /** The Cognito group of each role, by role name. */
  readonly groups: ReadonlyMap<string, cognito.CfnUserPoolGroup>;

  constructor(scope: Construct, id: string, props: MlflowIdentityProps) {
    super(scope, id);

    this.userPool = new cognito.UserPool(this, 'Users', {
      // Administrators add users; nobody signs themselves up.
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      signInCaseSensitive: false,
      passwordPolicy: {
        minLength: PASSWORD_POLICY.minimumLength,
        requireLowercase: PASSWORD_POLICY.requireLowercase,
        requireUppercase: PASSWORD_POLICY.requireUppercase,
        requireDigits: PASSWORD_POLICY.requireNumbers,
        requireSymbols: PASSWORD_POLICY.requireSymbols,
        tempPasswordValidity: Duration.days(3)
      },
      mfa: MFA[props.mfa],
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      // Threat protection: compromised credentials, risky sign-ins.
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode:
        cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN
    });

    const tokenMinutes =
      props.accessTokenMinutes ?? TOKEN_VALIDITY.accessMinutes;
    this.client = this.userPool.addClient('Browser', {
      // The extension and /auth/login sign in with SRP; no secret in a browser.
      authFlows: { userSrp: true },
      // No OAuth (CDK's defaults: implicit and code grants, a placeholder
      // callback URL) until a hosted sign-in is configured for it.
      disableOAuth: true,
      generateSecret: false,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.minutes(tokenMinutes),
      idTokenValidity: Duration.minutes(tokenMinutes),
      refreshTokenValidity: Duration.days(TOKEN_VALIDITY.refreshDays),
      // A stolen refresh token works until its next use by its owner;
      // rotation also turns off InitiateAuth's REFRESH_TOKEN_AUTH.
      refreshTokenRotationGracePeriod: Duration.seconds(
        TOKEN_VALIDITY.refreshRotationGraceSeconds
      )
    });

    const groups = new Map<string, cognito.CfnUserPoolGroup>();
    for (const role of props.roles) {
      groups.set(
        role.name,
        new cognito.CfnUserPoolGroup(
          this,
          `Group-${role.name.replace(/\//g, '-')}`,
          {
            userPoolId: this.userPool.userPoolId,
            groupName: role.name,
            description: role.description.slice(0, 2048)
          }
        )
      );
    }
    this.groups = groups;
  }
}
