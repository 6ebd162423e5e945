import type { FastifyInstance } from 'fastify';

import * as http from 'node:http';

import {
  BridgeRequestError,
  GET_TOKENS_TARGET,
  INITIATE_AUTH_TARGET,
  PUBLIC_TARGETS,
  SIGNING_SERVICE,
  createBridge,
  parseGetTokensRequest,
  targetOperation,
  toGetTokensResponse,
  toInitiateAuthRequest
} from '../../../local/cognito/bridge';
import { LOCAL_REGION } from '../../../local/config';
import { TEST_OPERATOR } from '../../support/cognito';
import { type AccessKey, signedRequest } from '../../support/signer';
import { RecordingUpstream, recordingUpstream } from '../../support/upstream';

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

/**
 * cognito-local's stand-in: it answers, in two chunks, with hop-by-hop
 * headers of its own.
 */
const answerWithHopByHopHeaders = (res: http.ServerResponse): void => {
  res.writeHead(200, {
    'content-type': 'application/x-amz-json-1.1',
    connection: 'keep-alive, x-upstream-hop',
    'x-upstream-hop': 'for the bridge only',
    'keep-alive': 'timeout=99, max=7',
    'proxy-connection': 'keep-alive',
    trailer: 'x-checksum',
    upgrade: 'h2c',
    'x-end-to-end': 'upstream'
  });
  res.write('{"answered":');
  res.end('true}');
};

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A request sent with node:http, which (unlike fetch) sends whatever headers
 * it is given, and `path` as it is; the body goes out in the given chunks.
 */
function send(
  url: string,
  headers: http.OutgoingHttpHeaders,
  chunks: string[],
  path?: string
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers, agent: false, ...(path && { path }) },
      res => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body })
        );
      }
    );
    req.on('error', reject);
    for (const chunk of chunks) {
      req.write(chunk);
    }
    req.end();
  });
}

/** Which of `names` are among `headers`. */
function present(headers: http.IncomingHttpHeaders, names: string[]): string[] {
  return names.filter(name => headers[name] !== undefined);
}

describe('the bridge as a proxy', () => {
  let upstream: RecordingUpstream;
  let bridge: FastifyInstance;
  let base: string;
  /** Where the bridge finds cognito-local; undefined while it starts. */
  let upstreamUrl: string | undefined;

  beforeEach(async () => {
    upstream = await recordingUpstream(answerWithHopByHopHeaders);
    upstreamUrl = upstream.url;
    bridge = createBridge(() => upstreamUrl, { operator: TEST_OPERATOR });
    base = await bridge.listen({ host: '127.0.0.1', port: 0 });
  });

  afterEach(async () => {
    await bridge.close();
    await upstream.close();
  });

  it('keeps hop-by-hop headers to their hop, both ways, and passes the rest', async () => {
    const answer = await send(
      `${base}/?a=1`,
      {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': INITIATE_AUTH_TARGET,
        connection: 'keep-alive, x-client-hop',
        'x-client-hop': 'for the bridge only',
        'keep-alive': 'timeout=5',
        'proxy-connection': 'keep-alive',
        te: 'trailers',
        trailer: 'x-checksum',
        upgrade: 'h2c',
        'x-end-to-end': 'client'
      },
      // No length given: sent chunked, and framed anew for cognito-local.
      ['{"AuthFlow":', '"USER_PASSWORD_AUTH"}']
    );

    expect(answer.status).toBe(200);
    const [request] = upstream.seen;
    expect(request).toMatchObject({ method: 'POST', url: '/?a=1' });
    expect(request.body.toString()).toBe('{"AuthFlow":"USER_PASSWORD_AUTH"}');
    expect(request.headers).toMatchObject({
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': INITIATE_AUTH_TARGET,
      'x-end-to-end': 'client'
    });
    expect(
      present(request.headers, [
        'x-client-hop',
        'keep-alive',
        'proxy-connection',
        'te',
        'trailer',
        'upgrade'
      ])
    ).toEqual([]);
    expect(request.headers.connection ?? '').not.toMatch(/x-client-hop/);

    expect(answer.body).toBe('{"answered":true}');
    expect(answer.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(answer.headers['x-end-to-end']).toBe('upstream');
    expect(
      present(answer.headers, [
        'x-upstream-hop',
        'proxy-connection',
        'trailer',
        'upgrade'
      ])
    ).toEqual([]);
    // The bridge's own connection headers, not cognito-local's.
    expect(answer.headers.connection ?? '').not.toMatch(/x-upstream-hop/);
    expect(answer.headers['keep-alive'] ?? '').not.toMatch(/max=7/);
  });

  it('answers a caller’s Expect: 100-continue itself', async () => {
    const answer = await send(
      `${base}/`,
      {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': INITIATE_AUTH_TARGET,
        expect: '100-continue',
        'content-length': 2
      },
      ['{}']
    );
    expect(answer.status).toBe(200);
    expect(upstream.seen[0].body.toString()).toBe('{}');
    expect(upstream.seen[0].headers.expect).toBeUndefined();
  });

  it('says in Cognito’s format that cognito-local is starting, or not answering', async () => {
    const call = () =>
      fetch(`${base}/`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': INITIATE_AUTH_TARGET
        },
        body: '{}'
      });
    upstreamUrl = undefined;
    const starting = await call();
    expect(starting.status).toBe(503);
    expect(starting.headers.get('content-type')).toBe(
      'application/x-amz-json-1.1'
    );
    expect(await starting.json()).toEqual({
      __type: 'InternalErrorException',
      message: 'cognito-local is starting.'
    });

    upstreamUrl = upstream.url;
    await upstream.close();
    const gone = await call();
    expect(gone.status).toBe(502);
    expect(gone.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(await gone.json()).toMatchObject({
      __type: 'InternalErrorException',
      message: expect.stringMatching(/^cognito-local did not answer/)
    });
    expect(upstream.seen).toEqual([]);
  });

  it('refuses in Cognito’s format what it cannot pass on', async () => {
    const headers = { 'x-amz-target': INITIATE_AUTH_TARGET };
    for (const path of ['/%zz', '/keys/../..']) {
      const answer = await send(base, headers, [], path);
      expect([path, answer.status]).toEqual([path, 400]);
      expect(answer.headers['content-type']).toBe('application/x-amz-json-1.1');
      expect(JSON.parse(answer.body)).toMatchObject({
        __type: 'InvalidParameterException'
      });
    }
    expect(upstream.seen).toEqual([]);
  });

  it('answers a GetTokensFromRefreshToken body over 1 MiB with a refusal', async () => {
    const answer = await send(
      `${base}/`,
      {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': GET_TOKENS_TARGET
      },
      ['{"ClientId":"', 'x'.repeat(2 * 1024 * 1024), '"}']
    );
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({
      __type: 'InvalidParameterException',
      message: 'The request body is too large.'
    });
    expect(upstream.seen).toEqual([]);
  });
});

describe('the admin API behind the bridge', () => {
  let upstream: RecordingUpstream;
  let bridge: FastifyInstance;
  let base: string;

  beforeEach(async () => {
    upstream = await recordingUpstream(res => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end('{}');
    });
    bridge = createBridge(() => upstream.url, { operator: TEST_OPERATOR });
    base = await bridge.listen({ host: '127.0.0.1', port: 0 });
  });

  afterEach(async () => {
    await bridge.close();
    await upstream.close();
  });

  const ADD_TO_ADMINS = JSON.stringify({
    UserPoolId: 'local_pool',
    Username: 'mallory',
    GroupName: 'admins'
  });

  /** A Cognito call's headers, unsigned. */
  const headersOf = (target: string) => ({
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': `AWSCognitoIdentityProviderService.${target}`
  });

  /** The call as the AWS SDK sends it signed with `key` (for `service`). */
  const signed = async (
    target: string,
    body: string,
    key: AccessKey,
    service = SIGNING_SERVICE
  ) => {
    const request = await signedRequest(
      { method: 'POST', path: '/', headers: headersOf(target), body },
      key,
      {
        region: LOCAL_REGION,
        host: new URL(base).host,
        date: new Date(),
        service
      }
    );
    return request.headers as http.OutgoingHttpHeaders;
  };

  const answerOf = (answer: Answer) => ({
    status: answer.status,
    type: answer.headers['content-type'],
    __type: (JSON.parse(answer.body) as { __type?: string }).__type
  });

  const refusal = (type: string) => ({
    status: 400,
    type: 'application/x-amz-json-1.1',
    __type: type
  });

  it('refuses an unsigned administrator’s call, as Cognito does, and cognito-local never sees it', async () => {
    for (const target of [
      'AdminAddUserToGroup',
      'AdminCreateUser',
      'CreateGroup',
      'UpdateUserPoolClient',
      'ListUsers',
      'SignUp',
      'SomethingNew'
    ]) {
      const answer = await send(base, headersOf(target), [ADD_TO_ADMINS]);
      expect([target, answerOf(answer)]).toEqual([
        target,
        refusal('MissingAuthenticationTokenException')
      ]);
      expect(JSON.parse(answer.body).message).toBe(
        'Missing Authentication Token'
      );
    }
    expect(upstream.seen).toEqual([]);
  });

  it('refuses a call signed with another key, or for another service, or whose body was changed', async () => {
    const stranger = {
      accessKeyId: 'AKIASTRANGER00000001',
      secretAccessKey: 'not the operator'
    };
    const wrongSecret = { ...TEST_OPERATOR, secretAccessKey: 'guessed' };
    const cases: [string, http.OutgoingHttpHeaders, string, string][] = [
      [
        'another key',
        await signed('AdminAddUserToGroup', ADD_TO_ADMINS, stranger),
        ADD_TO_ADMINS,
        'UnrecognizedClientException'
      ],
      [
        'a guessed secret',
        await signed('AdminAddUserToGroup', ADD_TO_ADMINS, wrongSecret),
        ADD_TO_ADMINS,
        'InvalidSignatureException'
      ],
      [
        'another service',
        await signed(
          'AdminAddUserToGroup',
          ADD_TO_ADMINS,
          TEST_OPERATOR,
          'execute-api'
        ),
        ADD_TO_ADMINS,
        'InvalidSignatureException'
      ],
      [
        'a changed body',
        await signed(
          'AdminAddUserToGroup',
          ADD_TO_ADMINS.replace('admins', 'readers'),
          TEST_OPERATOR
        ),
        ADD_TO_ADMINS,
        'InvalidSignatureException'
      ],
      [
        'a changed target',
        {
          ...(await signed('ListGroups', ADD_TO_ADMINS, TEST_OPERATOR)),
          'x-amz-target':
            'AWSCognitoIdentityProviderService.AdminAddUserToGroup'
        },
        ADD_TO_ADMINS,
        'InvalidSignatureException'
      ]
    ];
    for (const [what, headers, body, type] of cases) {
      expect([what, answerOf(await send(base, headers, [body]))]).toEqual([
        what,
        refusal(type)
      ]);
    }
    expect(upstream.seen).toEqual([]);
  });

  it('passes on the operator’s signed call byte for byte', async () => {
    const headers = await signed(
      'AdminAddUserToGroup',
      ADD_TO_ADMINS,
      TEST_OPERATOR
    );
    const answer = await send(base, headers, [
      ADD_TO_ADMINS.slice(0, 9),
      ADD_TO_ADMINS.slice(9)
    ]);
    expect(answer.status).toBe(200);
    expect(upstream.seen).toHaveLength(1);
    expect(upstream.seen[0].body.toString()).toBe(ADD_TO_ADMINS);
    expect(upstream.seen[0].headers['x-amz-target']).toBe(
      'AWSCognitoIdentityProviderService.AdminAddUserToGroup'
    );
  });

  it('passes what a signed-out user calls, unsigned, and requests without a target', async () => {
    for (const target of PUBLIC_TARGETS) {
      if (target === 'GetTokensFromRefreshToken') {
        continue; // translated, see above
      }
      const answer = await send(base, headersOf(target), ['{}']);
      expect([target, answer.status]).toEqual([target, 200]);
    }
    for (const path of ['/health', '/local_pool/.well-known/jwks.json']) {
      expect((await fetch(`${base}${path}`)).status).toBe(200);
    }
    expect(upstream.seen.map(seen => seen.headers['x-amz-target'])).toEqual([
      ...[...PUBLIC_TARGETS]
        .filter(target => target !== 'GetTokensFromRefreshToken')
        .map(target => `AWSCognitoIdentityProviderService.${target}`),
      undefined,
      undefined
    ]);
  });

  it('reads the operation of a target as cognito-local does, so a disguised one is not public', async () => {
    expect(
      targetOperation('AWSCognitoIdentityProviderService.InitiateAuth')
    ).toBe('InitiateAuth');
    expect(targetOperation('Other.AdminCreateUser')).toBe('AdminCreateUser');
    expect(
      targetOperation(
        'AWSCognitoIdentityProviderService.AdminCreateUser.InitiateAuth'
      )
    ).toBe('AdminCreateUser');
    expect(targetOperation('InitiateAuth')).toBeUndefined();
    for (const target of [
      'Other.AdminCreateUser',
      'AWSCognitoIdentityProviderService.AdminCreateUser.InitiateAuth',
      'InitiateAuth'
    ]) {
      const answer = await send(
        base,
        {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': target
        },
        ['{}']
      );
      expect([target, answer.status]).toEqual([target, 400]);
    }
    expect(upstream.seen).toEqual([]);
  });
});
