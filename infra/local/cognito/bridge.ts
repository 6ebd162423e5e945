import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import * as path from 'node:path';

import { writeCognitoConfig } from './pool';
import { urlOf } from '../config';

/**
 * cognito-local answers every Cognito target but one that aws-amplify 6 uses:
 * it refreshes tokens with GetTokensFromRefreshToken. This module puts a small
 * HTTP front before cognito-local that answers that target by calling
 * cognito-local's own InitiateAuth (REFRESH_TOKEN_AUTH) and passes everything
 * else through untouched.
 */

const SERVICE = 'AWSCognitoIdentityProviderService';
export const GET_TOKENS_TARGET = `${SERVICE}.GetTokensFromRefreshToken`;
export const INITIATE_AUTH_TARGET = `${SERVICE}.InitiateAuth`;
const AMZ_JSON = 'application/x-amz-json-1.1';

/** Cognito's request bodies are small; this bounds what the bridge buffers. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface GetTokensFromRefreshTokenRequest {
  ClientId: string;
  RefreshToken: string;
  ClientSecret?: string;
  DeviceKey?: string;
  ClientMetadata?: Record<string, string>;
}

export interface InitiateAuthRequest {
  AuthFlow: 'REFRESH_TOKEN_AUTH';
  ClientId: string;
  AuthParameters: Record<string, string>;
  ClientMetadata?: Record<string, string>;
}

export interface AuthenticationResult {
  AccessToken?: string;
  IdToken?: string;
  RefreshToken?: string;
  ExpiresIn?: number;
  TokenType?: string;
  NewDeviceMetadata?: unknown;
}

export interface InitiateAuthResponse {
  AuthenticationResult?: AuthenticationResult;
}

export interface GetTokensFromRefreshTokenResponse {
  AuthenticationResult: AuthenticationResult & {
    AccessToken: string;
    RefreshToken: string;
    TokenType: string;
  };
}

/** A request the bridge refuses itself, answered as Cognito would. */
export class BridgeRequestError extends Error {
  constructor(
    readonly type: string,
    message: string
  ) {
    super(message);
  }
}

/** Reads a GetTokensFromRefreshToken body, checking the fields we rely on. */
export function parseGetTokensRequest(
  body: string
): GetTokensFromRefreshTokenRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new BridgeRequestError(
      'SerializationException',
      'The request body is not JSON.'
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BridgeRequestError(
      'SerializationException',
      'The request body is not a JSON object.'
    );
  }
  const request = parsed as Record<string, unknown>;
  for (const field of ['ClientId', 'RefreshToken']) {
    if (typeof request[field] !== 'string' || request[field] === '') {
      throw new BridgeRequestError(
        'InvalidParameterException',
        `${field} is required.`
      );
    }
  }
  return request as unknown as GetTokensFromRefreshTokenRequest;
}

/**
 * The InitiateAuth request that does what a GetTokensFromRefreshToken request
 * asks. ClientSecret has no place there (InitiateAuth wants a SECRET_HASH,
 * which needs the user name) and cognito-local checks neither, so it is
 * dropped.
 */
export function toInitiateAuthRequest(
  request: GetTokensFromRefreshTokenRequest
): InitiateAuthRequest {
  const authParameters: Record<string, string> = {
    REFRESH_TOKEN: request.RefreshToken
  };
  if (request.DeviceKey !== undefined) {
    authParameters.DEVICE_KEY = request.DeviceKey;
  }
  return {
    AuthFlow: 'REFRESH_TOKEN_AUTH',
    ClientId: request.ClientId,
    AuthParameters: authParameters,
    ...(request.ClientMetadata !== undefined && {
      ClientMetadata: request.ClientMetadata
    })
  };
}

/** The payload of a JWT, or undefined when it is not one. */
function jwtClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) {
    return undefined;
  }
  try {
    const claims: unknown = JSON.parse(
      Buffer.from(payload, 'base64url').toString('utf8')
    );
    return typeof claims === 'object' && claims !== null
      ? (claims as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Seconds the access token is valid for, from its own claims. */
function expiresIn(
  accessToken: string,
  nowSeconds: number
): number | undefined {
  const claims = jwtClaims(accessToken);
  if (typeof claims?.exp !== 'number') {
    return undefined;
  }
  const issuedAt = typeof claims.iat === 'number' ? claims.iat : nowSeconds;
  return Math.max(0, claims.exp - issuedAt);
}

/**
 * The GetTokensFromRefreshToken response for cognito-local's InitiateAuth
 * response. Cognito returns a new refresh token only when rotation is on;
 * otherwise the caller keeps the one it sent, and Amplify expects to find it
 * in the result. cognito-local leaves ExpiresIn and TokenType out, which
 * Amplify needs to schedule the next refresh.
 */
export function toGetTokensResponse(
  response: InitiateAuthResponse,
  sentRefreshToken: string,
  nowSeconds: number = Math.floor(Date.now() / 1000)
): GetTokensFromRefreshTokenResponse {
  const result = response.AuthenticationResult;
  if (!result?.AccessToken) {
    throw new Error('InitiateAuth answered without an access token.');
  }
  const lifetime =
    result.ExpiresIn ?? expiresIn(result.AccessToken, nowSeconds);
  return {
    AuthenticationResult: {
      AccessToken: result.AccessToken,
      ...(result.IdToken !== undefined && { IdToken: result.IdToken }),
      RefreshToken: result.RefreshToken ?? sentRefreshToken,
      ...(lifetime !== undefined && { ExpiresIn: lifetime }),
      TokenType: result.TokenType ?? 'Bearer',
      ...(result.NewDeviceMetadata !== undefined && {
        NewDeviceMetadata: result.NewDeviceMetadata
      })
    }
  };
}

/** Headers that describe one connection, not the message being passed on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection']);

/** rawHeaders (name, value, name, value, ...) without the hop-by-hop ones. */
function passedHeaders(raw: string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (!HOP_BY_HOP.has(raw[i].toLowerCase())) {
      kept.push(raw[i], raw[i + 1]);
    }
  }
  return kept;
}

function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {}
): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    ...headers,
    'content-type': AMZ_JSON,
    'content-length': bytes.length
  });
  res.end(bytes);
}

/** Sends the request on to cognito-local as it came, and its answer back. */
function forward(
  upstream: URL,
  req: http.IncomingMessage,
  res: http.ServerResponse
): void {
  const outgoing = http.request(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: passedHeaders(req.rawHeaders)
    },
    incoming => {
      res.writeHead(
        incoming.statusCode ?? 502,
        incoming.statusMessage,
        passedHeaders(incoming.rawHeaders)
      );
      incoming.pipe(res);
    }
  );
  outgoing.on('error', error => {
    if (res.headersSent) {
      res.destroy(error);
    } else {
      sendJson(res, 502, {
        __type: 'InternalErrorException',
        message: `cognito-local did not answer: ${error.message}`
      });
    }
  });
  // A caller that goes away takes its upstream request with it.
  res.on('close', () => {
    if (!res.writableFinished) {
      outgoing.destroy();
    }
  });
  req.pipe(outgoing);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(
          new BridgeRequestError(
            'InvalidParameterException',
            'The request body is too large.'
          )
        );
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The headers of cognito-local's answer that a browser needs (CORS). */
function corsHeaders(headers: Headers): http.OutgoingHttpHeaders {
  const kept: http.OutgoingHttpHeaders = {};
  headers.forEach((value, name) => {
    if (name.startsWith('access-control-') || name === 'vary') {
      kept[name] = value;
    }
  });
  return kept;
}

/** Answers GetTokensFromRefreshToken with cognito-local's InitiateAuth. */
async function getTokensFromRefreshToken(
  upstream: URL,
  req: http.IncomingMessage,
  res: http.ServerResponse
): Promise<void> {
  let request: GetTokensFromRefreshTokenRequest;
  try {
    request = parseGetTokensRequest(await readBody(req));
  } catch (error) {
    if (error instanceof BridgeRequestError) {
      sendJson(res, 400, { __type: error.type, message: error.message });
      return;
    }
    throw error;
  }
  const headers: Record<string, string> = {
    'content-type': AMZ_JSON,
    'x-amz-target': INITIATE_AUTH_TARGET
  };
  // cognito-local's CORS answer depends on the caller's origin.
  if (typeof req.headers.origin === 'string') {
    headers.origin = req.headers.origin;
  }
  const answer = await fetch(upstream, {
    method: 'POST',
    headers,
    body: JSON.stringify(toInitiateAuthRequest(request))
  });
  const bytes = Buffer.from(await answer.arrayBuffer());
  const cors = corsHeaders(answer.headers);
  if (!answer.ok) {
    // cognito-local's errors (NotAuthorizedException, ...) are Cognito's.
    res.writeHead(answer.status, {
      ...cors,
      'content-type': answer.headers.get('content-type') ?? AMZ_JSON,
      'content-length': bytes.length
    });
    res.end(bytes);
    return;
  }
  sendJson(
    res,
    answer.status,
    toGetTokensResponse(
      JSON.parse(bytes.toString('utf8')) as InitiateAuthResponse,
      request.RefreshToken
    ),
    cors
  );
}

/**
 * The front's request handler: GetTokensFromRefreshToken is translated, every
 * other request (other targets, keys, preflights, /health) goes to
 * cognito-local at `upstream` unchanged.
 */
export function createBridgeHandler(upstream: string): http.RequestListener {
  const target = new URL(upstream);
  return (req, res) => {
    if (
      req.method === 'POST' &&
      req.headers['x-amz-target'] === GET_TOKENS_TARGET
    ) {
      getTokensFromRefreshToken(target, req, res).catch((error: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        sendJson(res, 500, {
          __type: 'InternalErrorException',
          message: error instanceof Error ? error.message : String(error)
        });
      });
      return;
    }
    forward(target, req, res);
  };
}

type CognitoLocalServer = typeof import('cognito-local/lib/server');
/** The logger cognito-local is built against (pino, its own copy). */
export type CognitoLocalLogger = Parameters<
  CognitoLocalServer['createDefaultServer']
>[0];

/**
 * cognito-local's own requires, so the logger comes from the pino it was
 * built with rather than one infra would have to pin alongside it.
 */
const cognitoLocalRequire = createRequire(
  require.resolve('cognito-local/package.json')
);

export function cognitoLocalLogger(level: string): CognitoLocalLogger {
  const pino = cognitoLocalRequire('pino') as (options: {
    level: string;
  }) => CognitoLocalLogger;
  return pino({ level });
}

export interface RunningCognito {
  /** The public address: the bridge, and the issuer's domain. */
  url: string;
  /** cognito-local itself, on an ephemeral port. */
  internalUrl: string;
  close(): Promise<void>;
}

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: http.Server): Promise<void> {
  return new Promise(resolve => {
    server.close(() => resolve());
    // Idle keep-alive connections would otherwise hold close() open.
    server.closeAllConnections();
  });
}

/**
 * Starts cognito-local in this process on an ephemeral port of 127.0.0.1,
 * with its data in `directory`, and the bridge in front of it on `port` (0:
 * any free port). Tokens name the bridge's address as their issuer, since
 * that is where callers find the keys.
 *
 * cognito-local reads `.cognito/` relative to the working directory, on
 * every call and not only at start, so this changes the process's working
 * directory to `directory` for as long as it runs.
 */
export async function startCognito(options: {
  directory: string;
  port: number;
  logger: CognitoLocalLogger;
}): Promise<RunningCognito> {
  // cognito-local loads the AWS SDK v2 (for Lambda triggers), which warns at
  // load time about its end of support; nothing here uses it.
  process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= '1';
  // The front listens first: its port is the issuer cognito-local must be
  // configured with. Until cognito-local is up, it answers 503.
  let handle: http.RequestListener = (_req, res) => {
    sendJson(res, 503, {
      __type: 'InternalErrorException',
      message: 'cognito-local is starting.'
    });
  };
  const front = http.createServer((req, res) => handle(req, res));
  const publicPort = await listen(front, options.port);
  const url = urlOf(publicPort);
  let internal: http.Server;
  try {
    const directory = path.resolve(options.directory);
    writeCognitoConfig(directory, url);
    process.chdir(directory);
    const { createDefaultServer } = cognitoLocalRequire(
      './lib/server'
    ) as CognitoLocalServer;
    const server = await createDefaultServer(options.logger);
    internal = (await server.start()) as http.Server;
  } catch (error) {
    await close(front);
    throw error;
  }
  const internalUrl = urlOf((internal.address() as AddressInfo).port);
  handle = createBridgeHandler(internalUrl);
  return {
    url,
    internalUrl,
    close: async () => {
      await close(front);
      await close(internal);
    }
  };
}
