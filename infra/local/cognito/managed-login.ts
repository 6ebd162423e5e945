/**
 * What stands in locally for Cognito's managed login and its `/oauth2/*`
 * endpoints (cognito-local has neither, nor federation), on the bridge's
 * port: the authorization code flow of the browser client, federated to
 * the organisation's identity provider (`../idp/`), ending in tokens the
 * local user pool itself issues, so the gateway's unchanged authorizer
 * verifies them as any other (same issuer, same client, same claims).
 *
 * - `GET /oauth2/authorize`: the client and redirect URI must be the pool's
 *   (a wrong one gets a page, never a redirect); on to the IdP with a state
 *   and nonce of ours.
 * - `GET /oauth2/idpresponse`: the IdP's answer. Its code is redeemed with the
 *   pool's client secret, its ID token verified (issuer, audience, nonce,
 *   signature); the user `<provider>_<sub>` is made in the pool if new, and
 *   its groups set to what the provider's groups map to (`SSO_GROUPS`, the
 *   deployment's trigger's table; locally the mapping replaces the user's
 *   groups rather than adding to them). The pool signs the user in and the
 *   tokens wait behind a one-time code for the client.
 * - `POST /oauth2/token`: that code, once, for the client and redirect URI
 *   it was issued to, with the PKCE verifier when a challenge was sent (S256
 *   only); or a refresh token.
 * - `GET /logout`: ends the sign-in at the IdP too (as Cognito does for a
 *   SAML provider with single logout), then back to an allowed sign-out URI.
 *   The IdP returns to `GET /oauth2/idp-signed-out`.
 *
 * The token endpoint answers the callback page's `fetch` (on the gateway's
 * origin, a callback URL's) with CORS, as Cognito's does.
 */
import {
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual
} from 'node:crypto';
import * as fs from 'node:fs';

import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminSetUserPasswordCommand,
  type CognitoIdentityProviderClient,
  InitiateAuthCommand
} from '@aws-sdk/client-cognito-identity-provider';
import { JwtRsaVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { JwksFetcher } from '../../src/authorizer/fetcher';
import { type GroupMapping, mappedGroups } from '../../src/federation/groups';
import { FormTooLargeError, readForm } from '../form';

/** Where the IdP returns a sign-in to the pool, as to Cognito's. */
export const IDP_RESPONSE_PATH = '/oauth2/idpresponse';

/** The pool's address for the IdP's answers: the redirect URI the IdP knows the pool's client by. */
export function idpResponseUrl(poolUrl: string): string {
  return `${poolUrl}${IDP_RESPONSE_PATH}`;
}

/** Where the IdP returns a sign-out to the pool: its post-logout redirect URI. */
export function idpSignedOutUrl(poolUrl: string): string {
  return `${poolUrl}/oauth2/idp-signed-out`;
}

/** What the stand-in needs, written by `up` once the pool exists (read at each sign-in). */
export interface ManagedLoginConfig {
  userPoolId: string;
  /** The browser client: the only one the stand-in serves. */
  clientId: string;
  callbackUrls: string[];
  signOutUrls: string[];
  /** The pool's own URL: the IdP returns to `<poolUrl>/oauth2/idpresponse`. */
  poolUrl: string;
  idp: {
    provider: string;
    issuer: string;
    clientId: string;
    clientSecret: string;
  };
  groups: GroupMapping;
}

/** How long a sign-in may take at the IdP, and a code may wait for the client. */
const PENDING_MS = 10 * 60 * 1000;
const CODE_MS = 5 * 60 * 1000;
const PKCE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

interface PendingSignIn {
  redirectUri: string;
  state?: string;
  codeChallenge?: string;
  nonce: string;
  expires: number;
}

interface PendingSignOut {
  logoutUri: string;
  expires: number;
}

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  codeChallenge?: string;
  tokens: {
    id_token: string;
    access_token: string;
    refresh_token: string;
    expires_in: number;
  };
  expires: number;
}

function token(): string {
  return randomBytes(32).toString('base64url');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The S256 challenge of a PKCE verifier. */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** A page saying what went wrong, as the managed login does for a request it cannot redirect. */
function errorPage(
  reply: FastifyReply,
  status: number,
  message: string
): FastifyReply {
  return reply
    .code(status)
    .header('Content-Type', 'text/html; charset=utf-8')
    .header('Cache-Control', 'no-store')
    .header('Content-Security-Policy', "default-src 'none'")
    .send(
      `<!doctype html><title>Sign-in error</title><h1>Sign-in error</h1><p>${message.replace(/[<>&"]/g, '')}</p>`
    );
}

function tokenError(
  reply: FastifyReply,
  status: number,
  error: string
): FastifyReply {
  return reply.code(status).header('Cache-Control', 'no-store').send({ error });
}

function single(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export interface ManagedLoginOptions {
  /** The stand-in's configuration file; undefined until `up` writes it. */
  readonly configFile: string;
  /** The pool's admin API (signed with the operator's key). */
  readonly admin: () => CognitoIdentityProviderClient;
  /** The pool's user API. */
  readonly user: () => CognitoIdentityProviderClient;
}

export function registerManagedLogin(
  app: FastifyInstance,
  options: ManagedLoginOptions
): void {
  const pending = new Map<string, PendingSignIn>();
  const signOuts = new Map<string, PendingSignOut>();
  const codes = new Map<string, IssuedCode>();
  const verifiers = new Map<string, ReturnType<typeof JwtRsaVerifier.create>>();
  const sweep = () => {
    const now = Date.now();
    for (const map of [pending, signOuts, codes] as Map<
      string,
      { expires: number }
    >[]) {
      for (const [key, value] of map) {
        if (value.expires < now) {
          map.delete(key);
        }
      }
    }
  };

  const config = (): ManagedLoginConfig | undefined => {
    try {
      return JSON.parse(
        fs.readFileSync(options.configFile, 'utf8')
      ) as ManagedLoginConfig;
    } catch {
      return undefined;
    }
  };

  /** A federated user's pool password: derived, never shown; nobody signs in with it but us. */
  const passwordOf = (settings: ManagedLoginConfig, username: string) =>
    `Fed-${createHmac('sha256', settings.idp.clientSecret).update(username).digest('base64url').slice(0, 24)}-Aa1!`;

  app.get('/oauth2/authorize', async (request, reply) => {
    const settings = config();
    if (settings === undefined) {
      return errorPage(reply, 503, 'The local user pool is starting.');
    }
    const query = request.query as Record<string, unknown>;
    const redirectUri = single(query.redirect_uri);
    if (single(query.client_id) !== settings.clientId) {
      return errorPage(reply, 400, 'Unknown client.');
    }
    if (
      redirectUri === undefined ||
      !settings.callbackUrls.includes(redirectUri)
    ) {
      return errorPage(
        reply,
        400,
        'redirect_mismatch: the redirect URI is not one of the client’s callback URLs.'
      );
    }
    const state = single(query.state);
    const back = (error: string) => {
      const url = new URL(redirectUri);
      url.searchParams.set('error', error);
      if (state !== undefined) {
        url.searchParams.set('state', state);
      }
      return reply.redirect(url.toString(), 302);
    };
    if (single(query.response_type) !== 'code') {
      return back('unsupported_response_type');
    }
    const provider = single(query.identity_provider);
    if (provider !== undefined && provider !== settings.idp.provider) {
      return back('invalid_request');
    }
    const codeChallenge = single(query.code_challenge);
    const method = single(query.code_challenge_method);
    if (codeChallenge !== undefined && method !== 'S256') {
      return back('invalid_request');
    }
    sweep();
    const id = token();
    const nonce = token();
    pending.set(id, {
      redirectUri,
      state,
      codeChallenge,
      nonce,
      expires: Date.now() + PENDING_MS
    });
    const idp = new URL(`${settings.idp.issuer}/auth`);
    idp.searchParams.set('client_id', settings.idp.clientId);
    idp.searchParams.set('redirect_uri', idpResponseUrl(settings.poolUrl));
    idp.searchParams.set('response_type', 'code');
    idp.searchParams.set('scope', 'openid email profile groups');
    idp.searchParams.set('state', id);
    idp.searchParams.set('nonce', nonce);
    return reply.redirect(idp.toString(), 302);
  });

  app.get(IDP_RESPONSE_PATH, async (request, reply) => {
    const settings = config();
    const query = request.query as Record<string, unknown>;
    const id = single(query.state) ?? '';
    const signIn = pending.get(id);
    // Once: a state is spent whatever comes of it.
    pending.delete(id);
    if (
      settings === undefined ||
      signIn === undefined ||
      signIn.expires < Date.now()
    ) {
      return errorPage(
        reply,
        400,
        'invalid_state: this sign-in is not known or has expired. Start again.'
      );
    }
    const code = single(query.code);
    if (code === undefined) {
      return errorPage(
        reply,
        400,
        `The identity provider refused the sign-in (${single(query.error) ?? 'no code'}).`
      );
    }
    let claims: Record<string, unknown>;
    try {
      claims = await redeemAtIdp(settings, code, signIn.nonce, verifiers);
    } catch (error) {
      request.log.warn(error);
      return errorPage(
        reply,
        400,
        'The identity provider’s answer could not be verified.'
      );
    }
    const username = `${settings.idp.provider}_${String(claims.sub)}`;
    const idpGroups = Array.isArray(claims.groups)
      ? claims.groups.filter((g): g is string => typeof g === 'string')
      : [];
    const password = passwordOf(settings, username);
    await ensureFederatedUser(
      options.admin(),
      settings,
      username,
      password,
      typeof claims.email === 'string' ? claims.email : undefined
    );
    await syncGroups(
      options.admin(),
      settings.userPoolId,
      username,
      mappedGroups(settings.groups, settings.idp.provider, idpGroups)
    );
    const signedIn = await options.user().send(
      new InitiateAuthCommand({
        ClientId: settings.clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: username, PASSWORD: password }
      })
    );
    const result = signedIn.AuthenticationResult;
    if (!result?.AccessToken || !result.IdToken || !result.RefreshToken) {
      return errorPage(reply, 502, 'The user pool did not sign the user in.');
    }
    sweep();
    const issued = token();
    codes.set(issued, {
      clientId: settings.clientId,
      redirectUri: signIn.redirectUri,
      codeChallenge: signIn.codeChallenge,
      tokens: {
        id_token: result.IdToken,
        access_token: result.AccessToken,
        refresh_token: result.RefreshToken,
        expires_in: result.ExpiresIn ?? 3600
      },
      expires: Date.now() + CODE_MS
    });
    const back = new URL(signIn.redirectUri);
    back.searchParams.set('code', issued);
    if (signIn.state !== undefined) {
      back.searchParams.set('state', signIn.state);
    }
    return reply.redirect(back.toString(), 302);
  });

  app.post('/oauth2/token', async (request: FastifyRequest, reply) => {
    const settings = config();
    const origin = request.headers.origin;
    if (
      settings !== undefined &&
      origin !== undefined &&
      settings.callbackUrls.some(url => new URL(url).origin === origin)
    ) {
      void reply.header('Access-Control-Allow-Origin', origin);
    }
    void reply.header('Vary', 'Origin');
    let form: URLSearchParams;
    try {
      form = await readForm(request.raw);
    } catch (error) {
      if (error instanceof FormTooLargeError) {
        return tokenError(reply, 400, 'invalid_request');
      }
      throw error;
    }
    if (settings === undefined || form.get('client_id') !== settings.clientId) {
      return tokenError(reply, 400, 'invalid_client');
    }
    const grantType = form.get('grant_type');
    if (grantType === 'refresh_token') {
      try {
        const refreshed = await options.user().send(
          new InitiateAuthCommand({
            ClientId: settings.clientId,
            AuthFlow: 'REFRESH_TOKEN_AUTH',
            AuthParameters: { REFRESH_TOKEN: form.get('refresh_token') ?? '' }
          })
        );
        const result = refreshed.AuthenticationResult!;
        return reply.header('Cache-Control', 'no-store').send({
          id_token: result.IdToken,
          access_token: result.AccessToken,
          expires_in: result.ExpiresIn,
          token_type: 'Bearer'
        });
      } catch {
        return tokenError(reply, 400, 'invalid_grant');
      }
    }
    if (grantType !== 'authorization_code') {
      return tokenError(reply, 400, 'unsupported_grant_type');
    }
    const code = form.get('code') ?? '';
    const issued = codes.get(code);
    // Once: a code is spent at its first use, right or wrong.
    codes.delete(code);
    if (
      issued === undefined ||
      issued.expires < Date.now() ||
      issued.clientId !== form.get('client_id') ||
      issued.redirectUri !== form.get('redirect_uri')
    ) {
      return tokenError(reply, 400, 'invalid_grant');
    }
    if (issued.codeChallenge !== undefined) {
      const verifier = form.get('code_verifier') ?? '';
      if (
        !PKCE_VERIFIER.test(verifier) ||
        !same(pkceChallenge(verifier), issued.codeChallenge)
      ) {
        return tokenError(reply, 400, 'invalid_grant');
      }
    }
    return reply
      .header('Cache-Control', 'no-store')
      .send({ ...issued.tokens, token_type: 'Bearer' });
  });

  app.get('/logout', async (request, reply) => {
    const settings = config();
    const query = request.query as Record<string, unknown>;
    const logoutUri = single(query.logout_uri);
    if (
      settings === undefined ||
      single(query.client_id) !== settings.clientId ||
      logoutUri === undefined ||
      !settings.signOutUrls.includes(logoutUri)
    ) {
      return errorPage(
        reply,
        400,
        'The sign-out URI is not one of the client’s.'
      );
    }
    sweep();
    const id = token();
    signOuts.set(id, { logoutUri, expires: Date.now() + PENDING_MS });
    const idp = new URL(`${settings.idp.issuer}/session/end`);
    idp.searchParams.set('client_id', settings.idp.clientId);
    idp.searchParams.set(
      'post_logout_redirect_uri',
      idpSignedOutUrl(settings.poolUrl)
    );
    idp.searchParams.set('state', id);
    return reply.redirect(idp.toString(), 302);
  });

  app.get('/oauth2/idp-signed-out', async (request, reply) => {
    const id = single((request.query as Record<string, unknown>).state) ?? '';
    const signOut = signOuts.get(id);
    signOuts.delete(id);
    if (signOut === undefined || signOut.expires < Date.now()) {
      return errorPage(
        reply,
        400,
        'This sign-out is not known or has expired. You are signed out of MLflow; close this window.'
      );
    }
    return reply.redirect(signOut.logoutUri, 302);
  });
}

/** The IdP's code for its verified ID token's claims. */
async function redeemAtIdp(
  settings: ManagedLoginConfig,
  code: string,
  nonce: string,
  verifiers: Map<string, ReturnType<typeof JwtRsaVerifier.create>>
): Promise<Record<string, unknown>> {
  const answer = await fetch(`${settings.idp.issuer}/token`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: `Basic ${Buffer.from(`${encodeURIComponent(settings.idp.clientId)}:${encodeURIComponent(settings.idp.clientSecret)}`).toString('base64')}`
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: idpResponseUrl(settings.poolUrl)
    })
  });
  if (!answer.ok) {
    throw new Error(`the IdP's token endpoint answered ${answer.status}`);
  }
  const { id_token: idToken } = (await answer.json()) as { id_token?: string };
  let verifier = verifiers.get(settings.idp.issuer);
  if (verifier === undefined) {
    verifier = JwtRsaVerifier.create(
      {
        issuer: settings.idp.issuer,
        audience: settings.idp.clientId,
        jwksUri: `${settings.idp.issuer}/jwks`
      },
      // The authorizer's fetcher: plain HTTP from the loopback address only.
      { jwksCache: new SimpleJwksCache({ fetcher: new JwksFetcher() }) }
    );
    verifiers.set(settings.idp.issuer, verifier);
  }
  const claims = (await verifier.verify(idToken ?? '')) as Record<
    string,
    unknown
  >;
  if (claims.nonce !== nonce || typeof claims.sub !== 'string') {
    throw new Error('the ID token is not this sign-in’s');
  }
  return claims;
}

async function ensureFederatedUser(
  admin: CognitoIdentityProviderClient,
  settings: ManagedLoginConfig,
  username: string,
  password: string,
  email: string | undefined
): Promise<void> {
  try {
    await admin.send(
      new AdminCreateUserCommand({
        UserPoolId: settings.userPoolId,
        Username: username,
        MessageAction: 'SUPPRESS',
        UserAttributes: email
          ? [
              { Name: 'email', Value: email },
              { Name: 'email_verified', Value: 'true' }
            ]
          : []
      })
    );
  } catch (error) {
    if ((error as { name?: string }).name !== 'UsernameExistsException') {
      throw error;
    }
  }
  await admin.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: settings.userPoolId,
      Username: username,
      Password: password,
      Permanent: true
    })
  );
}

/** The user's groups made exactly the mapped ones. */
async function syncGroups(
  admin: CognitoIdentityProviderClient,
  userPoolId: string,
  username: string,
  wanted: readonly string[]
): Promise<void> {
  const listed = await admin.send(
    new AdminListGroupsForUserCommand({
      UserPoolId: userPoolId,
      Username: username
    })
  );
  const held = new Set(
    (listed.Groups ?? []).map(group => group.GroupName ?? '')
  );
  for (const group of wanted) {
    if (!held.has(group)) {
      await admin.send(
        new AdminAddUserToGroupCommand({
          UserPoolId: userPoolId,
          Username: username,
          GroupName: group
        })
      );
    }
  }
  for (const group of held) {
    if (!wanted.includes(group)) {
      await admin.send(
        new AdminRemoveUserFromGroupCommand({
          UserPoolId: userPoolId,
          Username: username,
          GroupName: group
        })
      );
    }
  }
}
