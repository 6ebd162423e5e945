/**
 * Sign-in with the organisation's identity providers (SSO) through Cognito
 * federation: a SAML 2.0 or OIDC provider per entry of
 * `cognito.identityProviders`, the managed login domain the code flow runs
 * on, and the pre token generation trigger that turns each provider's
 * groups into roles and teams (`../src/federation/pre-token.ts`).
 *
 * Why a trigger rather than Cognito's attribute mapping alone: Cognito maps
 * IdP attributes to user attributes, never to groups, and the authorizer and
 * MLflow decide by `cognito:groups`. The trigger writes that claim at every
 * sign-in and refresh, from the IdP's groups as of the last sign-in, by an
 * explicit table (an IdP group not in it gives nothing).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { SecretValue } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

import {
  type GroupMapping,
  IDP_GROUPS_ATTRIBUTE
} from '../src/federation/groups';
import { GROUP_MAPPING_ENV } from '../src/federation/pre-token';
import type { IdentityProviderConfig } from './config';
import { nodeFunction } from './node-function';

/** The custom attribute (without `custom:`) the pool declares for the IdP's groups. */
export const IDP_GROUPS_CUSTOM_ATTRIBUTE = IDP_GROUPS_ATTRIBUTE.replace(
  /^custom:/,
  ''
);

export interface MlflowFederationProps {
  /** The pool the providers federate into; it declares {@link IDP_GROUPS_CUSTOM_ATTRIBUTE}. */
  readonly userPool: cognito.UserPool;
  readonly identityProviders: readonly IdentityProviderConfig[];
  /** `https://<prefix>.auth.<region>.amazoncognito.com`. */
  readonly domainPrefix: string;
  /** How long the trigger's logs are kept. */
  readonly logRetention: logs.RetentionDays;
}

export class MlflowFederation extends Construct {
  /** Each provider, in the configuration's order. */
  readonly providers: readonly cognito.IUserPoolIdentityProvider[];
  /** The managed login domain: `/oauth2/authorize`, `/oauth2/token`, `/logout`. */
  readonly domain: cognito.UserPoolDomain;
  readonly groupMappingFunction: lambda.IFunction;

  constructor(scope: Construct, id: string, props: MlflowFederationProps) {
    super(scope, id);
    const { userPool } = props;

    this.providers = props.identityProviders.map(idp =>
      this.provider(userPool, idp)
    );
    this.domain = userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: props.domainPrefix },
      managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN
    });

    const mapping: GroupMapping = Object.fromEntries(
      props.identityProviders.map(idp => [idp.name, idp.groups])
    );
    const fn = nodeFunction(this, 'GroupMapping', {
      entry: path.join(__dirname, '..', 'src', 'federation', 'pre-token.ts'),
      handler: 'handler',
      description:
        'Pre token generation: the roles and teams of a federated user’s IdP groups',
      environment: { [GROUP_MAPPING_ENV]: JSON.stringify(mapping) },
      retention: props.logRetention
    });
    // Version 2 customizes the access token too: the authorizer reads its groups.
    userPool.addTrigger(
      cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
      fn,
      cognito.LambdaVersion.V2_0
    );
    this.groupMappingFunction = fn;
  }

  /** The providers' names as the app client lists them. */
  clientProviders(): cognito.UserPoolClientIdentityProvider[] {
    return this.providers.map(idp =>
      cognito.UserPoolClientIdentityProvider.custom(idp.providerName)
    );
  }

  /** The managed login's base URL (`https://<prefix>.auth.<region>.amazoncognito.com`). */
  baseUrl(): string {
    return this.domain.baseUrl();
  }

  private provider(
    userPool: cognito.UserPool,
    idp: IdentityProviderConfig
  ): cognito.IUserPoolIdentityProvider {
    const id = `Provider-${idp.name.replace(/[^A-Za-z0-9]/g, '')}`;
    const attributeMapping: cognito.AttributeMapping = {
      email: cognito.ProviderAttribute.other(idp.emailAttribute),
      custom: {
        [IDP_GROUPS_ATTRIBUTE]: cognito.ProviderAttribute.other(
          idp.groupsAttribute
        )
      }
    };
    if (idp.saml !== undefined) {
      const metadata =
        idp.saml.metadataUrl !== undefined
          ? cognito.UserPoolIdentityProviderSamlMetadata.url(
              idp.saml.metadataUrl
            )
          : cognito.UserPoolIdentityProviderSamlMetadata.file(
              fs.readFileSync(idp.saml.metadataFile!, 'utf-8')
            );
      return new cognito.UserPoolIdentityProviderSaml(this, id, {
        userPool,
        name: idp.name,
        metadata,
        attributeMapping,
        idpSignout: idp.saml.signOut,
        // Only sign-ins Cognito started (SP-initiated): a response must answer a request.
        idpInitiated: false
      });
    }
    const oidc = idp.oidc!;
    return new cognito.UserPoolIdentityProviderOidc(this, id, {
      userPool,
      name: idp.name,
      issuerUrl: oidc.issuer,
      clientId: oidc.clientId,
      // A dynamic reference: the secret is read by CloudFormation, never in the template.
      clientSecret: SecretValue.secretsManager(
        oidc.clientSecretArn
      ).unsafeUnwrap(),
      scopes: [...oidc.scopes],
      attributeRequestMethod: cognito.OidcAttributeRequestMethod.GET,
      attributeMapping
    });
  }
}
