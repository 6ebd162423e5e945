import {
  type AuthenticationResultType,
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  GetTokensFromRefreshTokenCommand,
  InitiateAuthCommand
} from '@aws-sdk/client-cognito-identity-provider';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  SignJWT,
  createRemoteJWKSet,
  decodeJwt,
  generateKeyPair,
  jwtVerify
} from 'jose';

import {
  BridgeRequestError,
  GET_TOKENS_TARGET,
  type RunningCognito,
  cognitoLocalLogger,
  parseGetTokensRequest,
  startCognito,
  toGetTokensResponse,
  toInitiateAuthRequest
} from '../../../local/cognito/bridge';
import { cognitoClient, provisionCognito } from '../../../local/cognito/pool';
import { PATHS } from '../../../local/config';
import type { LocalState } from '../../../local/stack';
import { SEEDED_USERNAMES } from '../../../local/stack';
import { BUILT_IN_ROLES } from '../../../src/roles';

// Loading cognito-local (and the AWS SDK v2 it requires) takes a few seconds.
jest.setTimeout(30_000);

/** An unsigned JWT with these claims, enough for the bridge to read them. */
function unsignedJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) =>
    Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none' })}.${part(claims)}.`;
}

describe('translating GetTokensFromRefreshToken', () => {
  it('asks InitiateAuth for REFRESH_TOKEN_AUTH with the same token and client', () => {
    expect(
      toInitiateAuthRequest({ ClientId: 'client', RefreshToken: 'refresh' })
    ).toEqual({
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      ClientId: 'client',
      AuthParameters: { REFRESH_TOKEN: 'refresh' }
    });
  });

  it('carries the device key and client metadata, not the client secret', () => {
    expect(
      toInitiateAuthRequest({
        ClientId: 'client',
        RefreshToken: 'refresh',
        ClientSecret: 'secret',
        DeviceKey: 'us-east-1_device',
        ClientMetadata: { app: 'lab' }
      })
    ).toEqual({
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      ClientId: 'client',
      AuthParameters: {
        REFRESH_TOKEN: 'refresh',
        DEVICE_KEY: 'us-east-1_device'
      },
      ClientMetadata: { app: 'lab' }
    });
  });

  it('keeps the refresh token the caller sent and adds ExpiresIn and TokenType', () => {
    const access = unsignedJwt({ iat: 1000, exp: 4600 });
    expect(
      toGetTokensResponse(
        {
          AuthenticationResult: {
            AccessToken: access,
            IdToken: 'id',
            RefreshToken: undefined,
            ExpiresIn: undefined,
            TokenType: undefined
          }
        },
        'sent-refresh'
      )
    ).toEqual({
      AuthenticationResult: {
        AccessToken: access,
        IdToken: 'id',
        RefreshToken: 'sent-refresh',
        ExpiresIn: 3600,
        TokenType: 'Bearer'
      }
    });
  });

  it('keeps what InitiateAuth did return', () => {
    const result = {
      AccessToken: unsignedJwt({ iat: 1000, exp: 4600 }),
      IdToken: 'id',
      RefreshToken: 'rotated',
      ExpiresIn: 300,
      TokenType: 'Bearer'
    };
    expect(
      toGetTokensResponse({ AuthenticationResult: result }, 'sent')
    ).toEqual({ AuthenticationResult: result });
  });

  it('counts ExpiresIn from now when the token has no iat, and leaves it out without exp', () => {
    const withoutIat = unsignedJwt({ exp: 2000 });
    expect(
      toGetTokensResponse(
        { AuthenticationResult: { AccessToken: withoutIat } },
        'r',
        1400
      ).AuthenticationResult.ExpiresIn
    ).toBe(600);
    const opaque = toGetTokensResponse(
      { AuthenticationResult: { AccessToken: 'opaque' } },
      'r'
    ).AuthenticationResult;
    expect(opaque.ExpiresIn).toBeUndefined();
    expect(opaque.TokenType).toBe('Bearer');
  });

  it('refuses an answer without an access token', () => {
    expect(() => toGetTokensResponse({}, 'r')).toThrow(/access token/);
  });

  it.each([
    ['not JSON', '{', 'SerializationException'],
    ['not an object', '["x"]', 'SerializationException'],
    ['no client', '{"RefreshToken":"r"}', 'InvalidParameterException'],
    ['no token', '{"ClientId":"c"}', 'InvalidParameterException'],
    [
      'a numeric token',
      '{"ClientId":"c","RefreshToken":1}',
      'InvalidParameterException'
    ]
  ])('refuses a request that is %s', (_case, body, type) => {
    let thrown: unknown;
    try {
      parseGetTokensRequest(body);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BridgeRequestError);
    expect((thrown as BridgeRequestError).type).toBe(type);
  });
});

describe('cognito-local behind the bridge', () => {
  const startedIn = process.cwd();
  let dir: string;
  let cognito: RunningCognito;
  let client: CognitoIdentityProviderClient;
  let state: LocalState;
  let userPoolId: string;
  let clientId: string;
  let signIn: AuthenticationResultType;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cognito-bridge-'));
    cognito = await startCognito({
      directory: dir,
      port: 0,
      logger: cognitoLocalLogger('silent')
    });
    const users: LocalState['users'] = {};
    for (const role of BUILT_IN_ROLES) {
      users[role] = {
        username: SEEDED_USERNAMES[role],
        password: `Pw-${role}-Aa1!x`,
        accessKeyId: 'unused',
        secretAccessKey: 'unused'
      };
    }
    // The stack's own provisioning: pool, app client, groups, users.
    state = await provisionCognito(Number(new URL(cognito.url).port), {
      users,
      jupyterlabToken: 'unused'
    });
    userPoolId = state.cognito!.userPoolId;
    clientId = state.cognito!.clientId;
    client = cognitoClient(Number(new URL(cognito.url).port));
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
    await cognito?.close();
    process.chdir(startedIn);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const issuer = () => `${cognito.url}/${userPoolId}`;

  /** A raw Cognito call through the bridge (or, with `base`, elsewhere). */
  const call = (
    target: string,
    body: unknown,
    headers: Record<string, string> = {},
    base = cognito.url
  ) =>
    fetch(`${base}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `AWSCognitoIdentityProviderService.${target}`,
        ...headers
      },
      body: typeof body === 'string' ? body : JSON.stringify(body)
    });

  it('creates the app client with Cognito’s default token lifetimes', async () => {
    const described = await client.send(
      new DescribeUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientId: clientId
      })
    );
    expect(described.UserPoolClient).toMatchObject({
      AccessTokenValidity: 60,
      IdTokenValidity: 60,
      RefreshTokenValidity: 30,
      TokenValidityUnits: {
        AccessToken: 'minutes',
        IdToken: 'minutes',
        RefreshToken: 'days'
      }
    });
    const access = decodeJwt(signIn.AccessToken!);
    const refresh = decodeJwt(signIn.RefreshToken!);
    expect(access.exp! - access.iat!).toBe(3600);
    expect(refresh.exp! - refresh.iat!).toBe(30 * 24 * 3600);
  });

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
    expect(result.ExpiresIn).toBe(3600);
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
    expect(access.exp! - access.iat!).toBe(3600);
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
      call('DescribeUserPool', { UserPoolId: userPoolId }, {}, base)
    );
    expect(pool.status).toBe(200);
    // An error of another target, and a target cognito-local lacks.
    expect(
      (
        await same(base =>
          call('DescribeUserPool', { UserPoolId: 'x' }, {}, base)
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
            base
          )
        )
      ).status
    ).toBe(500);
    const jwks = await same(base =>
      fetch(`${base}/${userPoolId}/.well-known/jwks.json`)
    );
    expect(jwks.status).toBe(200);
    expect((await same(base => fetch(`${base}/health`))).status).toBe(200);
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
        'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth'
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
      AuthenticationResult: { TokenType: 'Bearer', ExpiresIn: 3600 }
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

  it('only translates POSTs of that target', async () => {
    const get = await fetch(`${cognito.url}/`, {
      headers: { 'x-amz-target': GET_TOKENS_TARGET }
    });
    // cognito-local has no GET /: its own 404, not a translation.
    expect(get.status).toBe(404);
  });
});

describe('the cognito process (cognito/main.ts)', () => {
  let dir: string;
  let child: ChildProcess | undefined;

  afterEach(() => {
    if (child?.exitCode === null) {
      child.kill('SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves on its port and stops on SIGTERM', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cognito-main-'));
    const proc = spawn(
      process.execPath,
      [PATHS.tsxCli, PATHS.cognitoMain, '--port', '0', '--dir', dir],
      { env: { ...process.env, DEBUG: '' }, stdio: ['ignore', 'pipe', 'pipe'] }
    );
    child = proc;
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      proc.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const found = /reached through (http:\/\/127\.0\.0\.1:\d+)/.exec(
          output
        );
        if (found) {
          resolve(found[1]);
        }
      });
      proc.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      proc.once('exit', code => reject(new Error(`exited ${code}: ${output}`)));
    });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const config = JSON.parse(
      fs.readFileSync(path.join(dir, '.cognito', 'config.json'), 'utf8')
    ) as { TokenConfig: { IssuerDomain: string } };
    expect(config.TokenConfig.IssuerDomain).toBe(url);

    const exited = new Promise<number | null>(resolve =>
      proc.once('exit', code => resolve(code))
    );
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });
});
