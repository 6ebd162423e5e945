import {
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  InitiateAuthCommand,
  ListUsersInGroupCommand
} from '@aws-sdk/client-cognito-identity-provider';

import { decodeJwt } from 'jose';

import {
  APP_CLIENT_NAME,
  cognitoClient,
  provisionCognito
} from '../../../local/cognito/pool';
import type { LocalState } from '../../../local/stack';
import { BUILT_IN_ROLES } from '../../../src/roles';
import {
  TEST_OPERATOR,
  seededState,
  startTestCognito
} from '../../support/cognito';
import { TOKEN_VALIDITY } from '../../../src/user-pool';

// Loading cognito-local (and the AWS SDK v2 it requires) takes a few seconds.
jest.setTimeout(30_000);

describe('provisioning the local user pool', () => {
  let stop: () => Promise<void>;
  let port: number;
  let client: CognitoIdentityProviderClient;
  let state: LocalState;

  beforeAll(async () => {
    ({ port, stop } = await startTestCognito());
    state = await provisionCognito(port, seededState());
    client = cognitoClient(port, TEST_OPERATOR);
  });

  afterAll(async () => {
    client?.destroy();
    await stop?.();
  });

  it('creates the app client with the user pool’s token lifetimes', async () => {
    const { userPoolId, clientId } = state.cognito!;
    const described = await client.send(
      new DescribeUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientId: clientId
      })
    );
    expect(described.UserPoolClient).toMatchObject({
      ClientName: APP_CLIENT_NAME,
      AccessTokenValidity: TOKEN_VALIDITY.accessMinutes,
      IdTokenValidity: TOKEN_VALIDITY.accessMinutes,
      RefreshTokenValidity: 30,
      TokenValidityUnits: {
        AccessToken: 'minutes',
        IdToken: 'minutes',
        RefreshToken: 'days'
      }
    });
    const reader = state.users.readers;
    const signIn = (
      await client.send(
        new InitiateAuthCommand({
          ClientId: clientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: {
            USERNAME: reader.username,
            PASSWORD: reader.password
          }
        })
      )
    ).AuthenticationResult!;
    const access = decodeJwt(signIn.AccessToken!);
    const refresh = decodeJwt(signIn.RefreshToken!);
    expect(access.exp! - access.iat!).toBe(TOKEN_VALIDITY.accessMinutes * 60);
    expect(refresh.exp! - refresh.iat!).toBe(30 * 24 * 3600);
  });

  it('puts each seeded user in the group of its role', async () => {
    for (const role of BUILT_IN_ROLES) {
      const members = await client.send(
        new ListUsersInGroupCommand({
          UserPoolId: state.cognito!.userPoolId,
          GroupName: role
        })
      );
      expect(members.Users?.map(user => user.Username)).toEqual([
        state.users[role].username
      ]);
    }
  });

  it('gives a pool that exists the teams and users a newer state names', async () => {
    const newer = {
      ...state,
      users: {
        ...state.users,
        readers: { ...state.users.readers, teams: ['team-z'] },
        zed: {
          ...state.users.readers,
          username: 'zed',
          role: 'readers',
          teams: ['team-z']
        }
      }
    };
    expect(await provisionCognito(port, newer)).toBe(newer);
    const members = await client.send(
      new ListUsersInGroupCommand({
        UserPoolId: state.cognito!.userPoolId,
        GroupName: 'team-z'
      })
    );
    expect(members.Users?.map(user => user.Username).sort()).toEqual([
      'reader',
      'zed'
    ]);
    // Again, as each `up` does: nothing to add, nothing fails.
    expect(await provisionCognito(port, newer)).toBe(newer);
  });

  it('keeps a pool that still exists, and replaces one that does not', async () => {
    expect(await provisionCognito(port, state)).toBe(state);
    const gone = await provisionCognito(port, {
      ...state,
      cognito: { userPoolId: 'us-east-1_gone', clientId: 'gone' }
    });
    expect(gone.cognito?.userPoolId).not.toBe('us-east-1_gone');
    expect(gone.cognito?.userPoolId).not.toBe(state.cognito!.userPoolId);
  });
});
