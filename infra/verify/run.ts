/**
 * Sends a plan's checks, one after the other, with each role's
 * credentials, and judges every answer.
 */
import type { AwsCredentialIdentity } from '@smithy/types';

import { AUTH_COOKIE } from '../src/contract';
import { matchOperation } from '../src/permissions';
import { COOKIE_OPERATIONS } from '../src/permissions/policy';
import type { Check, Plan, Probe, RunState, Spoil } from './checks';
import { type HttpAnswer, type HttpRequest, send, signed } from './http';
import type { ResultRow } from './report';
import { describeAnswer, judge } from './verdict';

/** Each role's credentials, or why they could not be had. */
export interface Session {
  readonly base: URL;
  readonly region: string;
  readonly iam: ReadonlyMap<string, AwsCredentialIdentity | Error>;
  readonly tokens: ReadonlyMap<string, string | Error>;
}

export type Sender = (base: URL, request: HttpRequest) => Promise<HttpAnswer>;

/** Another secret key of the same shape (its last character changed). */
function wrongSecret(secret: string): string {
  const last = secret.slice(-1);
  return secret.slice(0, -1) + (last === 'A' ? 'B' : 'A');
}

function base64url(data: Buffer): string {
  return data.toString('base64url');
}

/** The token as a spoiled check sends it. */
export function spoiledToken(token: string, spoil: Spoil, now: Date): string {
  const [header, payload, signature] = token.split('.');
  switch (spoil) {
    case 'garbage-token':
      return 'not-a-token';
    case 'expired-token': {
      const claims = JSON.parse(
        Buffer.from(payload, 'base64url').toString('utf8')
      ) as Record<string, unknown>;
      const hourAgo = Math.floor(now.getTime() / 1000) - 3600;
      const expired = { ...claims, iat: hourAgo - 900, exp: hourAgo };
      return `${header}.${base64url(Buffer.from(JSON.stringify(expired)))}.${signature}`;
    }
    case 'flipped-signature': {
      const bytes = Buffer.from(signature, 'base64url');
      bytes[0] ^= 0x01;
      return `${header}.${payload}.${base64url(bytes)}`;
    }
    default:
      return token;
  }
}

/** The request a probe makes with the role's credentials, or why there is none. */
export async function requestOf(
  check: Check,
  probe: Probe,
  session: Session
): Promise<HttpRequest | string> {
  const request: HttpRequest = {
    method: probe.method,
    path: probe.path,
    headers: { ...probe.headers },
    ...(probe.body === undefined ? {} : { body: probe.body })
  };
  switch (probe.credentials) {
    case 'none':
      return request;
    case 'iam': {
      const credentials = session.iam.get(check.role);
      if (credentials === undefined || credentials instanceof Error) {
        return `no IAM credentials: ${credentials?.message ?? 'none given'}`;
      }
      const signing =
        probe.spoil === 'wrong-secret'
          ? {
              ...credentials,
              secretAccessKey: wrongSecret(credentials.secretAccessKey)
            }
          : credentials;
      const result = await signed(
        session.base,
        request,
        signing,
        session.region
      );
      return probe.spoil === 'body-after-signing'
        ? {
            ...result,
            body: (probe.body ?? '').replace(/\d/, d =>
              String((Number(d) + 1) % 10)
            )
          }
        : result;
    }
    case 'token': {
      const token = session.tokens.get(check.role);
      if (token === undefined || token instanceof Error) {
        return `no token: ${token?.message ?? 'no user given'}`;
      }
      const sent =
        probe.spoil === undefined
          ? token
          : spoiledToken(token, probe.spoil, new Date());
      const operation = matchOperation(probe.method, probe.path);
      // Downloads and GraphQL take the MLflow UI's cookie (their
      // authorizer's identity source); the header alone is refused there.
      const headers: Record<string, string> = {
        ...request.headers,
        authorization: `Bearer ${sent}`
      };
      if (operation !== undefined && COOKIE_OPERATIONS.has(operation.id)) {
        headers.cookie = `${AUTH_COOKIE}=${encodeURIComponent(`Bearer ${sent}`)}`;
      }
      return { ...request, headers };
    }
  }
}

export async function runChecks(
  plan: Plan,
  session: Session,
  sender: Sender = send,
  onResult: (row: ResultRow) => void = () => undefined
): Promise<ResultRow[]> {
  const state: RunState = { experiments: new Map() };
  const rows: ResultRow[] = [];
  const record = (row: ResultRow) => {
    rows.push(row);
    onResult(row);
  };
  for (const { role, via, reason } of plan.notChecked) {
    record({
      role,
      via,
      check: 'every check of this path',
      expected: '-',
      got: reason,
      verdict: 'not checked'
    });
  }
  for (const check of plan.checks) {
    const base = {
      role: check.role,
      via: check.via,
      check: check.name,
      expected: check.expected,
      ...(check.meaning === undefined ? {} : { meaning: check.meaning })
    };
    const probe =
      typeof check.probe === 'function' ? check.probe(state) : check.probe;
    const request =
      typeof probe === 'string'
        ? probe
        : await requestOf(check, probe, session);
    if (typeof request === 'string') {
      record({ ...base, got: `not sent: ${request}`, verdict: 'fail' });
      continue;
    }
    let answer: HttpAnswer;
    try {
      answer = await sender(session.base, request);
    } catch (error) {
      record({
        ...base,
        got: `no answer: ${(error as Error).message}`,
        verdict: 'fail'
      });
      continue;
    }
    check.remember?.(answer, state);
    const problems = check.inspect?.(answer) ?? [];
    record({
      ...base,
      got:
        check.expected === 'headers'
          ? [String(answer.status), ...problems].join(': ')
          : describeAnswer(answer),
      verdict: judge(check.expected, answer, problems)
    });
  }
  return rows;
}
