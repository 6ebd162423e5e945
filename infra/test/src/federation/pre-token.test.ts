import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';

import {
  isMappableGroup,
  mappedGroups,
  parseIdpGroups
} from '../../../src/federation/groups';
import {
  UnreadableIdentitiesError,
  federatedProvider,
  mappingFrom,
  withMappedGroups
} from '../../../src/federation/pre-token';

const MAPPING = {
  IdentityCenter: {
    'idc-admins': ['admins'],
    'idc-forecasting': ['experimenters', 'team-a']
  },
  Okta: { 'mlflow-readers': ['readers'] }
};

function event(
  attributes: Record<string, string>,
  poolGroups: string[] = []
): PreTokenGenerationV2TriggerEvent {
  return {
    version: '2',
    triggerSource: 'TokenGeneration_HostedAuth',
    region: 'us-east-1',
    userPoolId: 'us-east-1_pool',
    userName: 'IdentityCenter_alice',
    callerContext: { awsSdkVersion: '1', clientId: 'client' },
    request: {
      userAttributes: attributes,
      groupConfiguration: { groupsToOverride: poolGroups },
      scopes: ['openid']
    },
    response: { claimsAndScopeOverrideDetails: {} }
  } as unknown as PreTokenGenerationV2TriggerEvent;
}

const identities = (providerName: string) =>
  JSON.stringify([
    { userId: 'alice', providerName, providerType: 'SAML', primary: 'true' }
  ]);

function groupsOf(result: PreTokenGenerationV2TriggerEvent): unknown {
  return result.response.claimsAndScopeOverrideDetails?.groupOverrideDetails
    ?.groupsToOverride;
}

describe('the IdP groups Cognito stored', () => {
  it.each([
    ['[idc-admins, idc-forecasting]', ['idc-admins', 'idc-forecasting']],
    ['["idc-admins","idc-forecasting"]', ['idc-admins', 'idc-forecasting']],
    ['idc-admins', ['idc-admins']],
    ['[]', []],
    ['', []],
    [undefined, []],
    ['[a, a, ]', ['a']]
  ])('reads %p as %p', (value, groups) => {
    expect(parseIdpGroups(value)).toEqual(groups);
  });
});

describe('the group mapping', () => {
  it('gives the mapped roles and teams of a provider, and nothing for what it does not map', () => {
    expect(
      mappedGroups(MAPPING, 'IdentityCenter', [
        'idc-forecasting',
        'everyone-at-acme'
      ])
    ).toEqual(['experimenters', 'team-a']);
    // The same group name at another provider maps to nothing.
    expect(mappedGroups(MAPPING, 'Okta', ['idc-admins'])).toEqual([]);
    expect(mappedGroups(MAPPING, 'Unknown', ['idc-admins'])).toEqual([]);
    expect(mappedGroups(MAPPING, 'constructor', ['toString'])).toEqual([]);
  });

  it('may name roles of the deployment and teams only', () => {
    const roles = new Set(['admins', 'readers']);
    expect(isMappableGroup('readers', roles)).toBe(true);
    expect(isMappableGroup('team-a', roles)).toBe(true);
    expect(isMappableGroup('root', roles)).toBe(false);
    expect(isMappableGroup('team-a b', roles)).toBe(false);
  });
});

describe('the pre token generation trigger', () => {
  it('puts the mapped groups beside the pool groups in the tokens of a federated user', () => {
    const result = withMappedGroups(
      event(
        {
          identities: identities('IdentityCenter'),
          'custom:idp_groups': '[idc-forecasting, unrelated]'
        },
        ['readers']
      ),
      MAPPING
    );
    expect(groupsOf(result)).toEqual(['experimenters', 'readers', 'team-a']);
  });

  it('gives a federated user without mapped groups only its pool groups', () => {
    const result = withMappedGroups(
      event({ identities: identities('Okta') }),
      MAPPING
    );
    expect(groupsOf(result)).toEqual([]);
  });

  it('leaves a user of the pool as it is, even one that wrote the groups attribute itself', () => {
    const input = event(
      { email: 'reader@example.com', 'custom:idp_groups': '[idc-admins]' },
      ['readers']
    );
    expect(withMappedGroups(input, MAPPING)).toBe(input);
  });

  it('refuses an identities attribute it cannot read, rather than guess', () => {
    expect(() => federatedProvider({ identities: 'not json' })).toThrow(
      UnreadableIdentitiesError
    );
    expect(() => federatedProvider({ identities: '[{}]' })).toThrow(
      UnreadableIdentitiesError
    );
  });

  it('fails on a mapping that is not an object', () => {
    expect(() => mappingFrom('[]')).toThrow(/JSON object/);
    expect(mappingFrom(undefined)).toEqual({});
  });
});
