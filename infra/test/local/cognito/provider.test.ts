import {
  AdminAddUserToGroupCommand,
  AdminListGroupsForUserCommand,
  type AuthenticationResultType,
  CognitoIdentityProviderClient,
  GetTokensFromRefreshTokenCommand,
  InitiateAuthCommand
} from '@aws-sdk/client-cognito-identity-provider';

import {
  SignJWT,
  createRemoteJWKSet,
  decodeJwt,
  generateKeyPair,
  jwtVerify
} from 'jose';

import {
  GET_TOKENS_TARGET,
  INITIATE_AUTH_TARGET,
  SIGNING_SERVICE
} from '../../../local/cognito/bridge';
import { LOCAL_REGION } from '../../../local/config';
import { type AccessKey, signedRequest } from '../../support/signer';
import { cognitoClient, provisionCognito } from '../../../local/cognito/pool';
import type { RunningCognito } from '../../../local/cognito/provider';
import type { LocalState } from '../../../local/stack';
import {
  TEST_OPERATOR,
  seededState,
  startTestCognito
} from '../../support/cognito';
import { TOKEN_VALIDITY } from '../../../src/user-pool';

// Loading cognito-local (and the AWS SDK v2 it requires) takes a few seconds.
jest.setTimeout(30_000);

describe('cognito-local behind the bridge', () => {
  let cognito: RunningCognito;
  let stop: () => Promise<void>;
  let client: CognitoIdentityProviderClient;
  let state: LocalState;
  let userPoolId: string;
  let clientId: string;
  let signIn: AuthenticationResultType;

  beforeAll(async () => {
    let port: number;
    ({ cognito, port, stop } = await startTestCognito());
    // The stack's own provisioning: pool, app client, groups, users.
    state = await provisionCognito(port, seededState());
    userPoolId = state.cognito!.userPoolId;
    clientId = state.cognito!.clientId;
    client = cognitoClient(port, TEST_OPERATOR);
    const reader = state.users.readers;
    const answer = await client.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: reader.username, PASSWORD: reader.password }
      })
    );
    signIn = answer.AuthenticationResult!;
  });

  afterAll(async () => {
    client?.destroy();
    await stop?.();
  });

  const issuer = () => `${cognito.url}/${userPoolId}`;

  /** What a direct call to cognito-local needs (the bridge's pass). */
  const passFor = (base: string): Record<string, string> =>
    base === cognito.internalUrl ? { ...cognito.bridgeHeaders } : {};

  /**
   * A raw Cognito call through the bridge (or, with `base`, elsewhere),
   * signed with `key` when given.
   */
  const call = async (
    target: string,
    body: unknown,
    headers: Record<string, string> = {},
    base = cognito.url,
    key?: AccessKey
  ) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const unsigned = {
      ...passFor(base),
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityProviderService.${target}`,
      ...headers
    };
    const sent =
      key === undefined
        ? unsigned
        : ((
            await signedRequest(
              { method: 'POST', path: '/', headers: unsigned, body: text },
              key,
              {
                region: LOCAL_REGION,
                host: new URL(base).host,
                date: new Date(),
                service: SIGNING_SERVICE
              }
            )
          ).headers as Record<string, string>);
    return fetch(`${base}/`, { method: 'POST', headers: sent, body: text });
  };

  it('answers GetTokensFromRefreshToken with new tokens for the same user', async () => {
    const answer = await client.send(
      new GetTokensFromRefreshTokenCommand({
        ClientId: clientId,
        RefreshToken: signIn.RefreshToken!
      })
    );
    const result = answer.AuthenticationResult!;
    expect(answer.$metadata.httpStatusCode).toBe(200);
    expect(result.RefreshToken).toBe(signIn.RefreshToken);
    expect(result.TokenType).toBe('Bearer');
    expect(result.ExpiresIn).toBe(TOKEN_VALIDITY.accessMinutes * 60);
    expect(result.AccessToken).not.toBe(signIn.AccessToken);
    expect(result.IdToken).not.toBe(signIn.IdToken);

    // Verified as the authorizer would: the pool's keys, through the bridge.
    const keys = createRemoteJWKSet(
      new URL(`${issuer()}/.well-known/jwks.json`)
    );
    const access = (
      await jwtVerify(result.AccessToken!, keys, { issuer: issuer() })
    ).payload;
    const id = (
      await jwtVerify(result.IdToken!, keys, {
        issuer: issuer(),
        audience: clientId
      })
    ).payload;
    const before = decodeJwt(signIn.AccessToken!);
    expect(access).toMatchObject({
      token_use: 'access',
      client_id: clientId,
      username: 'reader',
      sub: before.sub,
      'cognito:groups': ['readers']
    });
    expect(access.jti).not.toBe(before.jti);
    expect(access.iat!).toBeGreaterThanOrEqual(before.iat!);
    expect(access.exp! - access.iat!).toBe(TOKEN_VALIDITY.accessMinutes * 60);
    expect(id).toMatchObject({
      token_use: 'id',
      'cognito:username': 'reader',
      'cognito:groups': ['readers']
    });
  });

  it('is what answers: cognito-local alone lacks the target', async () => {
    const direct = await call(
      'GetTokensFromRefreshToken',
      { ClientId: clientId, RefreshToken: signIn.RefreshToken },
      {},
      cognito.internalUrl
    );
    expect(direct.status).toBe(500);
    expect(await direct.text()).toMatch(/Unsupported x-amz-target/);
  });

  it('refuses a refresh token cognito-local never issued', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ 'cognito:username': 'reader' })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(issuer())
      .setIssuedAt()
      .setExpirationTime('30d')
      .sign(privateKey);
    for (const token of [forged, 'not-a-token']) {
      await expect(
        client.send(
          new GetTokensFromRefreshTokenCommand({
            ClientId: clientId,
            RefreshToken: token
          })
        )
      ).rejects.toMatchObject({
        name: 'NotAuthorizedException',
        $metadata: { httpStatusCode: 400 }
      });
    }
  });

  it("passes cognito-local's errors through, and answers bad requests itself", async () => {
    const unknownClient = await call('GetTokensFromRefreshToken', {
      ClientId: 'nope',
      RefreshToken: signIn.RefreshToken
    });
    // Byte for byte what cognito-local's InitiateAuth says to the same request.
    const direct = await call(
      'InitiateAuth',
      {
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        ClientId: 'nope',
        AuthParameters: { REFRESH_TOKEN: signIn.RefreshToken }
      },
      {},
      cognito.internalUrl
    );
    expect(unknownClient.status).toBe(direct.status);
    expect(await unknownClient.clone().text()).toBe(await direct.text());
    expect(unknownClient.status).toBe(400);
    expect(await unknownClient.json()).toMatchObject({
      __type: 'ResourceNotFoundException'
    });

    const missing = await call('GetTokensFromRefreshToken', {
      ClientId: clientId
    });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({
      __type: 'InvalidParameterException'
    });
  });

  it('passes other targets, keys and health checks through unchanged', async () => {
    const same = async (make: (base: string) => Promise<Response>) => {
      const [viaBridge, direct] = await Promise.all([
        make(cognito.url),
        make(cognito.internalUrl)
      ]);
      expect(viaBridge.status).toBe(direct.status);
      expect(viaBridge.headers.get('content-type')).toBe(
        direct.headers.get('content-type')
      );
      expect(Buffer.from(await viaBridge.arrayBuffer())).toEqual(
        Buffer.from(await direct.arrayBuffer())
      );
      return viaBridge;
    };
    const pool = await same(base =>
      call(
        'DescribeUserPool',
        { UserPoolId: userPoolId },
        {},
        base,
        TEST_OPERATOR
      )
    );
    expect(pool.status).toBe(200);
    // An error of another target, and a target cognito-local lacks.
    expect(
      (
        await same(base =>
          call('DescribeUserPool', { UserPoolId: 'x' }, {}, base, TEST_OPERATOR)
        )
      ).status
    ).toBe(400);
    expect(
      (
        await same(base =>
          call(
            'DescribeRiskConfiguration',
            { UserPoolId: userPoolId },
            {},
            base,
            TEST_OPERATOR
          )
        )
      ).status
    ).toBe(500);
    const jwks = await same(base =>
      fetch(`${base}/${userPoolId}/.well-known/jwks.json`, {
        headers: passFor(base)
      })
    );
    expect(jwks.status).toBe(200);
    expect(
      (await same(base => fetch(`${base}/health`, { headers: passFor(base) })))
        .status
    ).toBe(200);
  });

  it('signs in through the bridge byte for byte, chunked bodies included', async () => {
    const reader = state.users.readers;
    const body = JSON.stringify({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: clientId,
      AuthParameters: { USERNAME: reader.username, PASSWORD: reader.password }
    });
    // A stream has no known length, so fetch sends it chunked.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = new TextEncoder().encode(body);
        controller.enqueue(bytes.slice(0, 10));
        controller.enqueue(bytes.slice(10));
        controller.close();
      }
    });
    const answer = await fetch(`${cognito.url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': INITIATE_AUTH_TARGET
      },
      body: stream,
      duplex: 'half'
    } as RequestInit);
    expect(answer.status).toBe(200);
    const { AuthenticationResult } = (await answer.json()) as {
      AuthenticationResult: { AccessToken: string };
    };
    expect(decodeJwt(AuthenticationResult.AccessToken).iss).toBe(issuer());
  });

  it('serves browsers on another origin: preflights and answers carry CORS', async () => {
    const origin = 'http://127.0.0.1:8888';
    const preflight = await fetch(`${cognito.url}/`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers':
          'content-type,x-amz-target,x-amz-user-agent'
      }
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(
      /POST/
    );
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(
      /x-amz-target/
    );

    const refreshed = await call(
      'GetTokensFromRefreshToken',
      { ClientId: clientId, RefreshToken: signIn.RefreshToken },
      { origin }
    );
    expect(refreshed.status).toBe(200);
    expect(refreshed.headers.get('access-control-allow-origin')).toBe('*');
    expect(refreshed.headers.get('content-type')).toBe(
      'application/x-amz-json-1.1'
    );
    expect(await refreshed.json()).toMatchObject({
      AuthenticationResult: {
        TokenType: 'Bearer',
        ExpiresIn: TOKEN_VALIDITY.accessMinutes * 60
      }
    });

    // The browser must be able to read a refusal too.
    const refused = await call(
      'GetTokensFromRefreshToken',
      { ClientId: clientId, RefreshToken: 'not-a-token' },
      { origin }
    );
    expect(refused.status).toBe(400);
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
    expect(await refused.json()).toMatchObject({
      __type: 'NotAuthorizedException'
    });
  });

  it('keeps anyone without the operator’s key out of the admin API: nobody joins admins', async () => {
    const add = {
      UserPoolId: userPoolId,
      Username: state.users.readers.username,
      GroupName: 'admins'
    };
    const stranger = {
      accessKeyId: 'AKIASTRANGER00000001',
      secretAccessKey: 'any'
    };
    for (const key of [undefined, stranger]) {
      const refused = await call(
        'AdminAddUserToGroup',
        add,
        {},
        cognito.url,
        key
      );
      expect(refused.status).toBe(400);
    }
    const groups = await client.send(
      new AdminListGroupsForUserCommand({
        UserPoolId: userPoolId,
        Username: state.users.readers.username
      })
    );
    expect(groups.Groups?.map(group => group.GroupName)).toEqual(['readers']);
    // Nor straight to cognito-local, past the bridge.
    const passes: Record<string, string>[] = [
      {},
      { 'x-local-bridge-pass': 'guessed' }
    ];
    for (const pass of passes) {
      const direct = await fetch(`${cognito.internalUrl}/`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target':
            'AWSCognitoIdentityProviderService.AdminAddUserToGroup',
          ...pass
        },
        body: JSON.stringify(add)
      });
      expect(direct.status).toBe(403);
      expect(await direct.json()).toMatchObject({
        __type: 'UnrecognizedClientException'
      });
    }
    // The SDK without the key is refused too, with Cognito's error.
    const anonymous = cognitoClient(Number(new URL(cognito.url).port));
    await expect(
      anonymous.send(new AdminAddUserToGroupCommand(add))
    ).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
      $metadata: { httpStatusCode: 400 }
    });
    anonymous.destroy();
  });

  it('only translates POSTs of that target', async () => {
    const get = await fetch(`${cognito.url}/`, {
      headers: { 'x-amz-target': GET_TOKENS_TARGET }
    });
    // cognito-local has no GET /: its own 404, not a translation.
    expect(get.status).toBe(404);
  });
});
