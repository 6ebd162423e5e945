/**
 * Who may sign in to MLflow from a browser: a Cognito user pool whose
 * groups are the roles of the permission model, and the app client the
 * extension and the gateway's sign-in page use (no secret): SRP for
 * passwords, and for SSO the authorization code flow through the managed
 * login domain to the organisation's identity providers (`./federation.ts`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

import type * as logs from 'aws-cdk-lib/aws-logs';

import type { RoleDefinition } from '../src/permissions/roles';
import { PASSWORD_POLICY, TOKEN_VALIDITY } from '../src/user-pool';
import type {
  IdentityProviderConfig,
  MfaSetting,
  SignInMethod
} from './config';
import { IDP_GROUPS_CUSTOM_ATTRIBUTE, MlflowFederation } from './federation';

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
  /**
   * How users sign in: a Cognito password (SRP), SSO, or both.
   *
   * @default ['password']
   */
  readonly signIn?: readonly SignInMethod[];
  /** The identity providers and where their sign-in returns; required with `sso`. */
  readonly sso?: MlflowSsoProps;
}

export interface MlflowSsoProps {
  readonly identityProviders: readonly IdentityProviderConfig[];
  readonly domainPrefix: string;
  /**
   * The gateway's page the code flow returns to, and the one sign-out
   * does (they may be tokens of the gateway, made after this construct).
   */
  readonly callbackUrl: string;
  readonly signOutUrl: string;
  /** How long the group mapping trigger's logs are kept. */
  readonly logRetention: logs.RetentionDays;
}

export class MlflowIdentity extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  /** The Cognito group of each role, by role name. */
  readonly groups: ReadonlyMap<string, cognito.CfnUserPoolGroup>;
  /** The identity providers and managed login domain, with `sso`. */
  readonly federation?: MlflowFederation;

  constructor(scope: Construct, id: string, props: MlflowIdentityProps) {
    super(scope, id);
    const signIn = props.signIn ?? ['password'];
    const password = signIn.includes('password');
    const sso = signIn.includes('sso') ? props.sso : undefined;
    if (signIn.includes('sso') && sso === undefined) {
      throw new Error('MlflowIdentity: signIn has "sso" but no sso props');
    }

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
      // For SSO: the IdP's groups, which the trigger maps to roles and teams.
      customAttributes: sso
        ? {
            [IDP_GROUPS_CUSTOM_ATTRIBUTE]: new cognito.StringAttribute({
              mutable: true,
              maxLen: 2048
            })
          }
        : undefined,
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

    if (sso) {
      this.federation = new MlflowFederation(this, 'Federation', {
        userPool: this.userPool,
        identityProviders: sso.identityProviders,
        domainPrefix: sso.domainPrefix,
        logRetention: sso.logRetention
      });
    }

    const tokenMinutes =
      props.accessTokenMinutes ?? TOKEN_VALIDITY.accessMinutes;
    this.client = this.userPool.addClient('Browser', {
      // The extension and /auth/login sign in with SRP when passwords are
      // on; without, only refreshes (of SSO sessions) remain.
      authFlows: { userSrp: password },
      ...(sso && this.federation
        ? {
            // The code flow only (CDK's default adds the implicit one), back
            // to the gateway's pages; PKCE is the pages' (Cognito accepts it
            // from a client without a secret but cannot require it).
            oAuth: {
              flows: { authorizationCodeGrant: true },
              scopes: [
                cognito.OAuthScope.OPENID,
                cognito.OAuthScope.EMAIL,
                cognito.OAuthScope.PROFILE
              ],
              callbackUrls: [sso.callbackUrl],
              logoutUrls: [sso.signOutUrl]
            },
            supportedIdentityProviders: [
              ...(password
                ? [cognito.UserPoolClientIdentityProvider.COGNITO]
                : []),
              ...this.federation.clientProviders()
            ]
          }
        : {
            // No OAuth (CDK's defaults: implicit and code grants, a
            // placeholder callback URL) without SSO.
            disableOAuth: true
          }),
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

    if (this.federation !== undefined) {
      // The managed login shows the product's name, not Cognito's default.
      const logo = fs
        .readFileSync(path.join(__dirname, 'sign-in-logo.svg'))
        .toString('base64');
      const branding = new cognito.CfnManagedLoginBranding(
        this,
        'SignInBranding',
        {
          userPoolId: this.userPool.userPoolId,
          clientId: this.client.userPoolClientId,
          useCognitoProvidedValues: false,
          assets: (['LIGHT', 'DARK'] as const).map(colorMode => ({
            category: 'FORM_LOGO',
            colorMode,
            extension: 'SVG',
            bytes: logo
          }))
        }
      );
      // A style belongs to a domain's managed login: the domain comes first.
      branding.node.addDependency(this.federation.domain);
    }

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
