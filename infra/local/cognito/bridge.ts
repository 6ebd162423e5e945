import replyFrom, { type FastifyReplyFromHooks } from '@fastify/reply-from';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RawServerBase,
  type RouteGenericInterface
} from 'fastify';

import type { Readable } from 'node:stream';

import { LOCAL_REGION } from '../config';
import {
  MISSING_AUTHENTICATION_TOKEN,
  SIGV4_ERROR_TYPES,
  verifySigV4
} from '../gateway/sigv4';
import { endToEndHeaders } from '../hop-by-hop';
import type { AccessKey } from '../stack';
import {
  type ManagedLoginOptions,
  registerManagedLogin
} from './managed-login';

/**
 * cognito-local answers every Cognito target but one that aws-amplify 6 uses:
 * it refreshes tokens with GetTokensFromRefreshToken. This module is a small
 * HTTP front before cognito-local that answers that target by calling
 * cognito-local's own InitiateAuth (REFRESH_TOKEN_AUTH) and proxies everything
 * else, as the local gateway proxies MLflow.
 *
 * cognito-local takes any credentials, or none, for every target, the
 * administrator's too (AdminAddUserToGroup, CreateGroup, ...), and answers
 * any origin's browser. So the bridge passes on only what a signed-out user
 * may call (signing in, their own tokens and MFA), and every other target
 * only when it is signed with the local operator's key, as Cognito wants
 * an administrator's call signed by an IAM identity.
 */

const SERVICE = 'AWSCognitoIdentityProviderService';
/** The SigV4 signing name of Cognito user pools. */
export const SIGNING_SERVICE = 'cognito-idp';

/**
 * The targets a client without AWS credentials calls: Amplify's sign-in,
 * refresh and sign-out, the user's own MFA set-up (infra/verify, the SDK
 * users of tests/), each decided by cognito-local on the user's password,
 * session or token.
 */
export const PUBLIC_TARGETS: ReadonlySet<string> = new Set([
  'InitiateAuth',
  'RespondToAuthChallenge',
  'GetTokensFromRefreshToken',
  'GetUser',
  'GlobalSignOut',
  'RevokeToken',
  'ChangePassword',
  'AssociateSoftwareToken',
  'VerifySoftwareToken',
  'SetUserMFAPreference'
]);

/**
 * The operation a Cognito request names, read as cognito-local reads it:
 * what follows the first `.` of `X-Amz-Target`, up to the next one.
 */
export function targetOperation(
  header: string | string[] | undefined
): string | undefined {
  if (typeof header !== 'string') {
    return undefined;
  }
  return header.split('.')[1];
}
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

/**
 * A JSON answer with Cognito's content type as it is, without the charset
 * Fastify would add to a string.
 */
function amzJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** An error as Cognito words it: its SDKs read the `__type`. */
function sendError<
  Reply extends FastifyReply<RouteGenericInterface, RawServerBase>
>(reply: Reply, status: number, type: string, message: string): Reply {
  void reply
    .code(status)
    .type(AMZ_JSON)
    .send(amzJson({ __type: type, message }));
  return reply;
}

/**
 * Answers a request the bridge cannot read (a body too large, malformed) in
 * Cognito's format; anything else is not the client's fault and is thrown.
 */
function answerRequestError(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply
): FastifyReply {
  if (!(error instanceof BridgeRequestError)) {
    throw error;
  }
  if (!request.raw.complete) {
    // The rest of an oversized body is not read: this connection ends.
    void reply.header('connection', 'close');
  }
  return sendError(reply, 400, error.type, error.message);
}

function readBody(body: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        body.off('data', onData);
        body.pause();
        reject(
          new BridgeRequestError(
            'InvalidParameterException',
            'The request body is too large.'
          )
        );
        return;
      }
      chunks.push(chunk);
    };
    body.on('data', onData);
    body.on('end', () => resolve(Buffer.concat(chunks)));
    body.on('error', reject);
  });
}

/** The headers of cognito-local's answer that a browser needs (CORS). */
function corsHeaders(headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (name.startsWith('access-control-') || name === 'vary') {
      kept[name] = value;
    }
  });
  return kept;
}

/** Answers GetTokensFromRefreshToken with cognito-local's InitiateAuth. */
async function getTokensFromRefreshToken(
  upstream: string,
  upstreamHeaders: Readonly<Record<string, string>>,
  request: FastifyRequest,
  reply: FastifyReply
): Promise<FastifyReply> {
  let parsed: GetTokensFromRefreshTokenRequest;
  try {
    parsed = parseGetTokensRequest(
      (await readBody(request.raw)).toString('utf8')
    );
  } catch (error) {
    return answerRequestError(error, request, reply);
  }
  const headers: Record<string, string> = {
    ...upstreamHeaders,
    'content-type': AMZ_JSON,
    'x-amz-target': INITIATE_AUTH_TARGET
  };
  // cognito-local's CORS answer depends on the caller's origin.
  if (typeof request.headers.origin === 'string') {
    headers.origin = request.headers.origin;
  }
  const answer = await fetch(upstream, {
    method: 'POST',
    headers,
    body: JSON.stringify(toInitiateAuthRequest(parsed))
  });
  const bytes = Buffer.from(await answer.arrayBuffer());
  void reply.code(answer.status).headers(corsHeaders(answer.headers));
  if (!answer.ok) {
    // cognito-local's errors (NotAuthorizedException, ...) are Cognito's.
    return reply
      .type(answer.headers.get('content-type') ?? AMZ_JSON)
      .send(bytes);
  }
  const response = toGetTokensResponse(
    JSON.parse(bytes.toString('utf8')) as InitiateAuthResponse,
    parsed.RefreshToken
  );
  return reply.type(AMZ_JSON).send(amzJson(response));
}

/** The bridge's own failures, in Cognito's format too. */
function refuse(
  error: unknown,
  _request: FastifyRequest,
  reply: FastifyReply
): FastifyReply {
  const { statusCode } = error as { statusCode?: unknown };
  const status =
    typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500
      ? statusCode
      : 500;
  return sendError(
    reply,
    status,
    status < 500 ? 'InvalidParameterException' : 'InternalErrorException',
    error instanceof Error ? error.message : String(error)
  );
}

/** How every request but GetTokensFromRefreshToken reaches cognito-local. */
function proxyTo(
  upstream: string,
  upstreamHeaders: Readonly<Record<string, string>> = {}
): FastifyReplyFromHooks {
  return {
    getUpstream: () => upstream,
    rewriteRequestHeaders: (_request, headers) => {
      const forwarded = endToEndHeaders(headers);
      // Node has already answered `Expect: 100-continue` to the caller; the
      // upstream client (undici) refuses to send it again.
      delete forwarded['expect'];
      return { ...forwarded, ...upstreamHeaders };
    },
    rewriteHeaders: headers => endToEndHeaders(headers),
    // Each request reaches cognito-local once, as the caller sent it.
    retryDelay: () => null,
    onError: (reply, { error }) => {
      void sendError(
        reply,
        502,
        'InternalErrorException',
        `cognito-local did not answer: ${error.message}`
      );
    }
  };
}

export interface BridgeOptions {
  /** The key an administrator's call must be signed with. */
  readonly operator: AccessKey;
  /** The clock signatures are checked against (default: the system clock). */
  readonly now?: () => Date;
  /** Headers every request to cognito-local carries (the bridge's pass, see provider.ts). */
  readonly upstreamHeaders?: Readonly<Record<string, string>>;
  /** The managed login stand-in (`/oauth2/*`, `/logout`), for SSO. */
  readonly managedLogin?: ManagedLoginOptions;
}

/**
 * Whether an administrator's call is signed with the operator's key; when
 * not, Cognito's answer to it (400, `__type` naming why).
 */
async function operatorRefusal(
  request: FastifyRequest,
  body: Buffer,
  options: BridgeOptions
): Promise<{ type: string; message: string } | undefined> {
  const verified = await verifySigV4(
    {
      method: request.method,
      url: request.url,
      headers: request.headers,
      rawHeaders: request.raw.rawHeaders,
      body
    },
    {
      region: LOCAL_REGION,
      service: SIGNING_SERVICE,
      lookup: accessKeyId =>
        accessKeyId === options.operator.accessKeyId
          ? options.operator
          : undefined,
      now: options.now
    }
  );
  if (verified.ok) {
    return undefined;
  }
  return {
    type: SIGV4_ERROR_TYPES[verified.reason],
    message:
      verified.reason === 'missing'
        ? MISSING_AUTHENTICATION_TOKEN
        : verified.message
  };
}

/**
 * The bridge: GetTokensFromRefreshToken is translated, the other public
 * targets and every request without a target (keys, preflights, /health)
 * are proxied to cognito-local at `upstream()`, bodies streamed and
 * hop-by-hop headers dropped both ways; any other target is proxied only
 * when signed with the operator's key. While `upstream()` is undefined
 * (cognito-local is starting) it answers 503.
 */
export function createBridge(
  upstream: () => string | undefined,
  options: BridgeOptions
): FastifyInstance {
  const app = Fastify({
    logger: false,
    // Stopping ends every connection, as stopping cognito-local does.
    forceCloseConnections: true,
    // URLs Fastify cannot route (bad percent-encoding, ...).
    frameworkErrors: refuse
  });

  // Bodies stay streams: proxied as they arrive, read only when translated.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) =>
    done(null, payload)
  );

  // No base: each request names cognito-local's address, known once it runs.
  app.register(replyFrom, { destroyAgent: true });

  app.setErrorHandler(refuse);

  if (options.managedLogin !== undefined) {
    registerManagedLogin(app, options.managedLogin);
  }

  app.all('/*', async (request, reply) => {
    const base = upstream();
    if (base === undefined) {
      return sendError(
        reply,
        503,
        'InternalErrorException',
        'cognito-local is starting.'
      );
    }
    const target = request.headers['x-amz-target'];
    if (request.method === 'POST' && target === GET_TOKENS_TARGET) {
      return getTokensFromRefreshToken(
        base,
        options.upstreamHeaders ?? {},
        request,
        reply
      );
    }
    const operation = targetOperation(target);
    if (
      target === undefined ||
      (operation !== undefined && PUBLIC_TARGETS.has(operation))
    ) {
      return reply.from(request.url, proxyTo(base, options.upstreamHeaders));
    }
    // The signature covers the body: read it whole, then pass on those bytes.
    let body: Buffer;
    try {
      body = await readBody(request.raw);
    } catch (error) {
      return answerRequestError(error, request, reply);
    }
    const refused = await operatorRefusal(request, body, options);
    if (refused !== undefined) {
      return sendError(reply, 400, refused.type, refused.message);
    }
    return reply.from(request.url, {
      ...proxyTo(base, options.upstreamHeaders),
      body,
      contentType: request.headers['content-type'] ?? AMZ_JSON
    });
  });

  return app;
}
