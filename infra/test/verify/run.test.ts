import { AUTH_COOKIE } from '../../src/contract';
import type { Check, Plan } from '../../verify/checks';
import type { HttpAnswer, HttpRequest } from '../../verify/http';
import { requestOf, runChecks, spoiledToken } from '../../verify/run';
import { exitCode } from '../../verify/verdict';

const base = new URL('https://abc.execute-api.eu-west-1.amazonaws.com/prod/');
const part = (value: object) =>
  Buffer.from(JSON.stringify(value)).toString('base64url');
const TOKEN = `${part({ alg: 'RS256', kid: 'k1' })}.${part({
  sub: 'u',
  exp: 4_000_000_000
})}.${Buffer.from('signature-bytes').toString('base64url')}`;

const session = {
  base,
  region: 'eu-west-1',
  iam: new Map([
    ['readers', { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secretA' }]
  ]),
  tokens: new Map<string, string | Error>([
    ['readers', TOKEN],
    ['admins', new Error('NotAuthorizedException')]
  ])
};

const refusedWrite: Check = {
  role: 'readers',
  via: 'iam',
  name: 'tracking: experiments.delete',
  expected: 'refuse',
  probe: {
    method: 'POST',
    path: '/api/2.0/mlflow/experiments/delete',
    credentials: 'iam',
    headers: { 'content-type': 'application/json' },
    body: '{}'
  }
};

describe('runChecks', () => {
  it('calls a 200 on an expected refusal a false allow, and the run exits 1', async () => {
    const sent: HttpRequest[] = [];
    const sender = async (
      _: URL,
      request: HttpRequest
    ): Promise<HttpAnswer> => {
      sent.push(request);
      return { status: 200, headers: {}, body: '{}' };
    };
    const plan: Plan = { checks: [refusedWrite], notChecked: [] };
    const rows = await runChecks(plan, session, sender);
    expect(rows).toEqual([
      expect.objectContaining({
        role: 'readers',
        check: 'tracking: experiments.delete',
        got: '200',
        verdict: 'FALSE ALLOW'
      })
    ]);
    expect(exitCode(rows)).toBe(1);
    expect(sent[0].headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request/
    );
  });

  it('fails a check whose role could not sign in, sending nothing', async () => {
    const sender = jest.fn();
    const rows = await runChecks(
      {
        checks: [
          {
            ...refusedWrite,
            role: 'admins',
            via: 'token',
            probe: {
              method: 'GET',
              path: '/ajax-api/2.0/x',
              credentials: 'token'
            }
          }
        ],
        notChecked: []
      },
      session,
      sender
    );
    expect(sender).not.toHaveBeenCalled();
    expect(rows[0].verdict).toBe('fail');
    expect(rows[0].got).toContain('NotAuthorizedException');
  });
});

describe('spoiled credentials', () => {
  it('flips one byte of the signature only', () => {
    const spoiled = spoiledToken(TOKEN, 'flipped-signature', new Date());
    const [h, p, s] = spoiled.split('.');
    const [h0, p0, s0] = TOKEN.split('.');
    expect([h, p]).toEqual([h0, p0]);
    const diff = Buffer.from(s, 'base64url').map(
      (byte, i) => byte ^ Buffer.from(s0, 'base64url')[i]
    );
    expect([...diff].filter(b => b !== 0)).toEqual([1]);
  });

  it('makes an expired token of the same header and signature', () => {
    const now = new Date('2026-12-01T12:00:00Z');
    const [h, p, s] = spoiledToken(TOKEN, 'expired-token', now).split('.');
    expect([h, s]).toEqual([TOKEN.split('.')[0], TOKEN.split('.')[2]]);
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    expect(claims.exp * 1000).toBeLessThan(now.getTime());
    expect(claims.sub).toBe('u');
  });

  it('signs, then sends another body', async () => {
    const probe = {
      method: 'POST',
      path: '/api/2.0/mlflow/experiments/search',
      credentials: 'iam' as const,
      headers: { 'content-type': 'application/json' },
      body: '{"max_results":1}'
    };
    const honest = (await requestOf(
      refusedWrite,
      probe,
      session
    )) as HttpRequest;
    const tampered = (await requestOf(
      refusedWrite,
      { ...probe, spoil: 'body-after-signing' },
      session
    )) as HttpRequest;
    expect(tampered.body).toBe('{"max_results":2}');
    expect(honest.body).toBe(probe.body);
    const wrong = (await requestOf(
      refusedWrite,
      { ...probe, spoil: 'wrong-secret' },
      session
    )) as HttpRequest;
    expect(wrong.headers.authorization).not.toBe(honest.headers.authorization);
  });

  it('puts the token in the MLflow UI’s cookie too where the route reads it from there', async () => {
    const download = (await requestOf(
      { ...refusedWrite, via: 'token' },
      { method: 'GET', path: '/get-artifact', credentials: 'token' },
      session
    )) as HttpRequest;
    expect(download.headers.cookie).toBe(
      `${AUTH_COOKIE}=${encodeURIComponent(`Bearer ${TOKEN}`)}`
    );
    expect(download.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });
});
