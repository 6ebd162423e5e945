/**
 * The organisation's identity provider, locally: a real OpenID Connect
 * provider (panva's `oidc-provider`) standing in for IAM Identity Center,
 * Entra ID or Okta, with the users `sso` of the stack describes and their
 * IdP groups in a `groups` claim. Cognito federates to it as it would to
 * the organisation's (`docs/sso.md`).
 *
 * What is ours is only the sign-in page (the provider leaves its
 * interactions to the application): a username and password form, checked
 * against the configured users. Consent is implied: the one client is the
 * organisation's own Cognito.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import Provider, { type Configuration, type JWK } from 'oidc-provider';
import { z } from 'zod';

import { readForm } from '../form';

/** A person of the organisation, as the IdP knows them. */
export interface OrgUser {
  username: string;
  password: string;
  email: string;
  name: string;
  /** The IdP's groups (not Cognito's: the user pool maps them). */
  groups: string[];
}

export const orgIdpConfigSchema = z.strictObject({
  issuer: z.url(),
  clients: z
    .array(
      z.strictObject({
        client_id: z.string().min(1),
        client_secret: z.string().min(32),
        redirect_uris: z.array(z.url()).min(1),
        post_logout_redirect_uris: z.array(z.url()).default([])
      })
    )
    .min(1),
  users: z.array(
    z.strictObject({
      username: z.string().min(1),
      password: z.string().min(12),
      email: z.email(),
      name: z.string().min(1),
      groups: z.array(z.string().min(1))
    })
  ),
  /** The private signing key (RS256), kept across restarts so that issued tokens stay verifiable. */
  signingKey: z.record(z.string(), z.unknown()),
  cookieKeys: z.array(z.string().min(32)).min(1)
});

export type OrgIdpConfig = z.output<typeof orgIdpConfigSchema>;

/** The scopes and the claims each gives (`groups`: the IdP's groups, as Okta's claim). */
const CLAIMS: Configuration['claims'] = {
  openid: ['sub'],
  email: ['email', 'email_verified'],
  profile: ['name', 'preferred_username'],
  groups: ['groups']
};

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The user a username and password sign in, or undefined (the same time either way, near enough). */
export function checkPassword(
  users: readonly OrgUser[],
  username: string,
  password: string
): OrgUser | undefined {
  const user = users.find(u => u.username === username);
  const ok = sameSecret(password, user?.password ?? `\u0000${password}`);
  return ok ? user : undefined;
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    c =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[
        c
      ]!
  );
}

/** The sign-in page: no script, posted to itself. */
export function signInPage(uid: string, problem?: string): string {
  const error = problem
    ? `<p role="alert" class="problem">${escapeHtml(problem)}</p>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to your organisation</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px system-ui,sans-serif;max-width:22rem;margin:4rem auto;padding:0 1rem}
label{display:block;margin-top:1rem}input{width:100%;padding:.4rem;font:inherit}
button{margin-top:1.5rem;padding:.5rem 1rem;font:inherit}.problem{color:#b00020}</style></head>
<body><h1>Your organisation</h1><p>Sign in with your organisation account.</p>${error}
<form method="post" action="/interaction/${encodeURIComponent(uid)}/login">
<label>Username <input name="username" autocomplete="username" required autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form></body></html>`;
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  type = 'text/html; charset=utf-8'
): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Cache-Control': 'no-store',
    // No form-action: browsers hold a form's whole redirect chain to it,
    // and this one ends at the client's own client (the gateway's pages).
    'Content-Security-Policy':
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    'X-Frame-Options': 'DENY'
  });
  res.end(body);
}

/**
 * The provider's sign-out form, submitted at once with `logout=yes`; its
 * only script is this page's own (its hash in the CSP).
 */
async function confirmedSignOut(
  ctx: { body: unknown; type: string; set(name: string, value: string): void },
  form: string
): Promise<void> {
  const script = "document.getElementById('op.logoutForm').submit();";
  const hash = createHash('sha256').update(script).digest('base64');
  ctx.set(
    'Content-Security-Policy',
    `default-src 'none'; script-src 'sha256-${hash}'; frame-ancestors 'none'`
  );
  ctx.type = 'html';
  ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signing out</title></head>
<body><p>Signing out…</p>${form.replace('</form>', '<input type="hidden" name="logout" value="yes"></form>')}
<script>${script}</script></body></html>`;
}

export interface OrgIdentityProvider {
  provider: Provider;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

export function createOrgIdentityProvider(
  config: OrgIdpConfig
): OrgIdentityProvider {
  const users = config.users;
  const provider = new Provider(config.issuer, {
    clients: config.clients.map(client => ({
      ...client,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic'
    })),
    claims: CLAIMS,
    // The scopes' claims in the ID token too, as Okta's groups claim is.
    conformIdTokenClaims: false,
    scopes: ['openid', 'email', 'profile', 'groups'],
    // The authorization code flow only, as Cognito federates.
    responseTypes: ['code'],
    jwks: { keys: [config.signingKey as JWK] },
    cookies: { keys: config.cookieKeys },
    features: {
      devInteractions: { enabled: false },
      // The client's sign-out ends the session here without a question: the
      // user already chose to sign out, in the application.
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: confirmedSignOut
      }
    },
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`
    },
    findAccount: (_ctx, id) => {
      const user = users.find(u => u.username === id);
      if (user === undefined) {
        return undefined;
      }
      return {
        accountId: user.username,
        claims: () => ({
          sub: user.username,
          email: user.email,
          email_verified: true,
          name: user.name,
          preferred_username: user.username,
          groups: [...user.groups]
        })
      };
    }
  });
  const callback = provider.callback();

  async function interaction(
    req: IncomingMessage,
    res: ServerResponse,
    uid: string,
    login: boolean
  ): Promise<void> {
    // Throws (answered below) for an unknown or expired interaction.
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) {
      send(
        res,
        400,
        signInPage(uid, 'This sign-in is not yours. Start again.')
      );
      return;
    }
    if (!login) {
      send(res, 200, signInPage(uid));
      return;
    }
    const form = await readForm(req);
    const user = checkPassword(
      users,
      form.get('username') ?? '',
      form.get('password') ?? ''
    );
    if (user === undefined) {
      send(res, 401, signInPage(uid, 'Wrong username or password.'));
      return;
    }
    const clientId = String(details.params.client_id);
    const grant = new provider.Grant({ accountId: user.username, clientId });
    // Consent is implied: the grant is what the client asked for (the provider
    // drops scopes it does not offer).
    grant.addOIDCScope(String(details.params.scope ?? 'openid'));
    const grantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: user.username }, consent: { grantId } },
      { mergeWithLastSubmission: false }
    );
  }

  return {
    provider,
    handle(req, res) {
      const url = new URL(req.url ?? '/', config.issuer);
      const match = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(
        url.pathname
      );
      if (match === null) {
        callback(req, res);
        return;
      }
      const login = match[2] !== undefined;
      if (
        (login && req.method !== 'POST') ||
        (!login && req.method !== 'GET')
      ) {
        send(res, 405, 'Method not allowed', 'text/plain; charset=utf-8');
        return;
      }
      interaction(req, res, match[1], login).catch(() => {
        if (!res.headersSent) {
          send(
            res,
            400,
            '<!doctype html><title>Sign-in expired</title><p>This sign-in has expired or is not known. Go back to the application and start again.</p>'
          );
        }
      });
    }
  };
}
