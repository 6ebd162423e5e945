import * as fs from 'node:fs';
import * as path from 'node:path';

import { Match, type Template } from 'aws-cdk-lib/assertions';

import type { PagesConfig } from '../../src/contract';
import { GROUP_MAPPING_ENV } from '../../src/federation/pre-token';
import { templateOf } from '../support/cdk';
import { deployed } from '../support/intrinsics';

const EXAMPLE = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'deploy.example.json'), {
    encoding: 'utf-8'
  })
) as { cognito: Record<string, unknown> } & Record<string, unknown>;

type Properties = Record<string, any>;

function propertiesOf(template: Template, type: string): Properties[] {
  return Object.values(template.findResources(type)).map(
    resource => resource.Properties as Properties
  );
}

function providerByName(template: Template, name: string): Properties {
  const found = propertiesOf(
    template,
    'AWS::Cognito::UserPoolIdentityProvider'
  ).find(props => props.ProviderName === name);
  expect(found).toBeDefined();
  return found!;
}

/** The client's URL property as the template writes it: joined from the API's id. */
function joined(value: unknown): string {
  return JSON.stringify(value);
}

describe('SSO on the example configuration (a SAML and an OIDC provider)', () => {
  const template = templateOf(EXAMPLE);

  it('federates the SAML provider by its metadata URL, with single logout and the groups attribute', () => {
    const saml = providerByName(template, 'IdentityCenter');
    expect(saml.ProviderType).toBe('SAML');
    expect(saml.ProviderDetails).toMatchObject({
      MetadataURL: expect.stringMatching(/^https:\/\/portal\.sso\./),
      IDPSignout: true,
      IDPInit: false
    });
    expect(saml.AttributeMapping).toEqual({
      email: 'email',
      'custom:idp_groups': 'groups'
    });
  });

  it('federates the OIDC provider with its secret read from Secrets Manager, never written in the template', () => {
    const oidc = providerByName(template, 'Okta');
    expect(oidc.ProviderType).toBe('OIDC');
    expect(oidc.ProviderDetails).toMatchObject({
      client_id: '0oa1exampleclient',
      oidc_issuer: 'https://example.okta.com',
      authorize_scopes: 'openid email profile groups',
      attributes_request_method: 'GET'
    });
    expect(oidc.ProviderDetails.client_secret).toMatch(
      /^\{\{resolve:secretsmanager:arn:aws:secretsmanager:.*:SecretString:::\}\}$/
    );
    expect(oidc.AttributeMapping['custom:idp_groups']).toBe('groups');
  });

  it('declares the attribute the groups are mapped to: writable by federation, as long as Cognito allows', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      Schema: Match.arrayWith([
        Match.objectLike({
          Name: 'idp_groups',
          AttributeDataType: 'String',
          Mutable: true,
          StringAttributeConstraints: { MaxLength: '2048' }
        })
      ])
    });
  });

  it('has a managed login domain of the new version', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: 'example-mlflow',
      ManagedLoginVersion: 2
    });
  });

  it('styles the managed login with the product’s name, for the browser client', () => {
    const [branding] = propertiesOf(
      template,
      'AWS::Cognito::ManagedLoginBranding'
    );
    expect(branding.UseCognitoProvidedValues).toBe(false);
    expect(joined(branding.ClientId)).toMatch(/IdentityUsersBrowser/);
    expect(
      branding.Assets.map((asset: Properties) => [
        asset.Category,
        asset.ColorMode,
        asset.Extension
      ])
    ).toEqual([
      ['FORM_LOGO', 'LIGHT', 'SVG'],
      ['FORM_LOGO', 'DARK', 'SVG']
    ]);
    const logo = Buffer.from(branding.Assets[0].Bytes, 'base64').toString();
    expect(logo).toContain('>MLflow</text>');
    expect(logo).toContain('in SageMaker Studio');
  });

  it('gives the one browser client the code flow only, back to the gateway’s pages, for both providers and passwords', () => {
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    const [client] = propertiesOf(template, 'AWS::Cognito::UserPoolClient');
    expect(client.AllowedOAuthFlows).toEqual(['code']);
    expect(client.AllowedOAuthFlowsUserPoolClient).toBe(true);
    expect([...client.AllowedOAuthScopes].sort()).toEqual([
      'email',
      'openid',
      'profile'
    ]);
    expect(client.GenerateSecret).toBe(false);
    expect(client.ExplicitAuthFlows).toEqual(['ALLOW_USER_SRP_AUTH']);
    // On the gateway's origin: https://<api id>.execute-api.<region>.<suffix>/prod/auth/…
    const [callback] = client.CallbackURLs;
    const [signOut] = client.LogoutURLs;
    for (const [url, page] of [
      [callback, '/auth/sso-callback'],
      [signOut, '/auth/signed-out']
    ] as const) {
      const text = joined(url);
      expect(text).toContain('"https://"');
      expect(text).toMatch(/"Ref":"GatewayApi[0-9A-F]+"/);
      expect(text).toContain('.execute-api.');
      expect(text).toContain(`/prod${page}`);
    }
    const providers = joined(client.SupportedIdentityProviders);
    expect(client.SupportedIdentityProviders).toContain('COGNITO');
    expect(providers).toMatch(/IdentityFederationProviderIdentityCenter/);
    expect(providers).toMatch(/IdentityFederationProviderOkta/);
  });

  it('maps each provider’s groups to roles and teams in a version 2 pre token generation trigger', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: {
        PreTokenGenerationConfig: {
          LambdaArn: Match.anyValue(),
          LambdaVersion: 'V2_0'
        }
      }
    });
    const functions = propertiesOf(template, 'AWS::Lambda::Function').filter(
      props => props.Environment?.Variables?.[GROUP_MAPPING_ENV] !== undefined
    );
    expect(functions).toHaveLength(1);
    expect(
      JSON.parse(functions[0].Environment.Variables[GROUP_MAPPING_ENV])
    ).toEqual({
      IdentityCenter: {
        'a1b2c3d4-1111-2222-3333-444455556666': ['admins'],
        'a1b2c3d4-7777-8888-9999-000011112222': ['experimenters', 'team-a']
      },
      Okta: {
        'mlflow-readers': ['readers'],
        'mlflow-model-approvers': ['model-approvers']
      }
    });
  });
});

/** What the gateway's `/auth/config.json` says: the pages and the extension read it. */
function pagesConfigOf(template: Template): PagesConfig {
  const pages = propertiesOf(template, 'AWS::Lambda::Function').find(
    props => props.Environment?.Variables?.PAGES_CONFIG !== undefined
  );
  const variables = deployed(template, pages!.Environment.Variables) as Record<
    string,
    string
  >;
  return JSON.parse(variables.PAGES_CONFIG) as PagesConfig;
}

describe('the sign-in methods the pages and the extension offer', () => {
  it('are both, with one button per provider labelled as configured, at the managed login domain', () => {
    const { cognito } = pagesConfigOf(templateOf(EXAMPLE));
    expect(cognito.signIn).toEqual(['password', 'sso']);
    expect(cognito.sso?.providers).toEqual([
      { name: 'IdentityCenter', label: 'AWS IAM Identity Center' },
      { name: 'Okta', label: 'Okta' }
    ]);
    expect(cognito.sso?.domain).toMatch(
      /^https:\/\/.+\.auth\.us-east-1\.amazoncognito\.com$/
    );
  });

  it('are passwords alone without SSO', () => {
    const { cognito } = pagesConfigOf(templateOf({}));
    expect(cognito.signIn).toEqual(['password']);
    expect(cognito.sso).toBeUndefined();
  });
});

describe('SSO only ("signIn": ["sso"])', () => {
  const template = templateOf({
    ...EXAMPLE,
    cognito: { ...EXAMPLE.cognito, signIn: ['sso'] }
  });

  it('takes password sign-in away: no SRP, no Cognito password form on the managed login', () => {
    const [client] = propertiesOf(template, 'AWS::Cognito::UserPoolClient');
    expect(client.ExplicitAuthFlows ?? []).not.toContain('ALLOW_USER_SRP_AUTH');
    expect(client.SupportedIdentityProviders).not.toContain('COGNITO');
    expect(client.SupportedIdentityProviders).toHaveLength(2);
  });

  it('offers no password form in the pages or the extension', () => {
    expect(pagesConfigOf(template).cognito.signIn).toEqual(['sso']);
  });
});

describe('without SSO', () => {
  const template = templateOf({});

  it('has no provider, no domain, no trigger and no custom attribute', () => {
    template.resourceCountIs('AWS::Cognito::UserPoolIdentityProvider', 0);
    template.resourceCountIs('AWS::Cognito::UserPoolDomain', 0);
    template.resourceCountIs('AWS::Cognito::ManagedLoginBranding', 0);
    const [pool] = propertiesOf(template, 'AWS::Cognito::UserPool');
    expect(pool.LambdaConfig).toBeUndefined();
    expect(JSON.stringify(pool.Schema ?? [])).not.toContain('idp_groups');
  });
});
