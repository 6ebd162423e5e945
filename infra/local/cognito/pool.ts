import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolCommand
} from '@aws-sdk/client-cognito-identity-provider';

import { BUILT_IN_ROLES } from '../../src/roles';
import { PASSWORD_POLICY, TOKEN_VALIDITY } from '../../src/user-pool';
import { LOCAL_REGION, urlOf } from '../config';
import { type AccessKey, type LocalState, roleOf } from '../stack';

export const USER_POOL_NAME = 'sagemaker-studio-mlflow-local';
export const APP_CLIENT_NAME = 'jupyterlab';

/**
 * A client of the local identity provider. Signed with the operator's key
 * it may call the admin API (the bridge refuses that to anyone else);
 * without, only what a user calls (signing in, their tokens).
 */
export function cognitoClient(
  port: number,
  operator?: AccessKey
): CognitoIdentityProviderClient {
  // The SDK's version is pinned and the project runs on Node 20 by choice; its
  // notice about future releases needing Node 22 says nothing about this one.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new CognitoIdentityProviderClient({
    endpoint: urlOf(port),
    region: LOCAL_REGION,
    // A user's calls need none, but the SDK insists on some to sign with.
    credentials: operator ?? {
      accessKeyId: 'local',
      secretAccessKey: 'local'
    }
  });
}

async function poolExists(
  client: CognitoIdentityProviderClient,
  userPoolId: string
): Promise<boolean> {
  try {
    await client.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId }));
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure the user pool, its app client, one group per role and per
 * team, and the state's users in their groups exist: the pool and client
 * are made on first use, the groups, users and memberships at every start
 * (a state from an older checkout may name teams or users the pool has
 * not). Returns the state with the pool's ids filled in.
 */
export async function provisionCognito(
  port: number,
  state: LocalState
): Promise<LocalState> {
  const client = cognitoClient(port, state.operator);
  if (state.cognito && (await poolExists(client, state.cognito.userPoolId))) {
    await provisionUsers(client, state.cognito.userPoolId, state);
    return state;
  }
  const cognito = await createPool(client);
  await provisionUsers(client, cognito.userPoolId, state);
  return { ...state, cognito };
}

async function createPool(
  client: CognitoIdentityProviderClient
): Promise<{ userPoolId: string; clientId: string }> {
  const pool = await client.send(
    new CreateUserPoolCommand({
      PoolName: USER_POOL_NAME,
      UsernameAttributes: [],
      Policies: {
        PasswordPolicy: {
          MinimumLength: PASSWORD_POLICY.minimumLength,
          RequireLowercase: PASSWORD_POLICY.requireLowercase,
          RequireUppercase: PASSWORD_POLICY.requireUppercase,
          RequireNumbers: PASSWORD_POLICY.requireNumbers,
          RequireSymbols: PASSWORD_POLICY.requireSymbols
        }
      }
    })
  );
  const userPoolId = pool.UserPool?.Id;
  if (!userPoolId) {
    throw new Error('cognito-local created a user pool without an id.');
  }
  const appClient = await client.send(
    new CreateUserPoolClientCommand({
      UserPoolId: userPoolId,
      ClientName: APP_CLIENT_NAME,
      ExplicitAuthFlows: [
        'ALLOW_USER_PASSWORD_AUTH',
        'ALLOW_USER_SRP_AUTH',
        'ALLOW_REFRESH_TOKEN_AUTH'
      ],
      // As in AWS: cognito-local would otherwise issue access and ID tokens
      // for 24 hours, and token refresh would never be exercised locally.
      AccessTokenValidity: TOKEN_VALIDITY.accessMinutes,
      IdTokenValidity: TOKEN_VALIDITY.accessMinutes,
      RefreshTokenValidity: TOKEN_VALIDITY.refreshDays,
      TokenValidityUnits: {
        AccessToken: 'minutes',
        IdToken: 'minutes',
        RefreshToken: 'days'
      }
    })
  );
  const clientId = appClient.UserPoolClient?.ClientId;
  if (!clientId) {
    throw new Error('cognito-local created an app client without an id.');
  }
  return { userPoolId, clientId };
}

/** Whether `error` says what was to be made exists already. */
function exists(error: unknown): boolean {
  const name = (error as { name?: string }).name ?? '';
  return name === 'GroupExistsException' || name === 'UsernameExistsException';
}

async function provisionUsers(
  client: CognitoIdentityProviderClient,
  userPoolId: string,
  state: LocalState
): Promise<void> {
  const groups = new Set<string>(BUILT_IN_ROLES);
  for (const [key, user] of Object.entries(state.users)) {
    groups.add(roleOf(key, user));
    user.teams.forEach(team => groups.add(team));
  }
  for (const group of groups) {
    await client
      .send(
        new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: group })
      )
      .catch(error => {
        if (!exists(error)) {
          throw error;
        }
      });
  }
  for (const [key, user] of Object.entries(state.users)) {
    const created = await client
      .send(
        new AdminCreateUserCommand({
          UserPoolId: userPoolId,
          Username: user.username,
          MessageAction: 'SUPPRESS',
          UserAttributes: [
            { Name: 'email', Value: `${user.username}@example.com` },
            { Name: 'email_verified', Value: 'true' }
          ]
        })
      )
      .then(
        () => true,
        error => {
          if (!exists(error)) {
            throw error;
          }
          return false;
        }
      );
    if (created) {
      await client.send(
        new AdminSetUserPasswordCommand({
          UserPoolId: userPoolId,
          Username: user.username,
          Password: user.password,
          Permanent: true
        })
      );
    }
    // Its role's group, and a group per team (teams are groups in Cognito).
    for (const group of [roleOf(key, user), ...user.teams]) {
      await client.send(
        new AdminAddUserToGroupCommand({
          UserPoolId: userPoolId,
          Username: user.username,
          GroupName: group
        })
      );
    }
  }
}
