import fc from 'fast-check';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest, QueryParameterBag } from '@smithy/types';

import {
  INVALID_SECURITY_TOKEN,
  MISSING_AUTHENTICATION_TOKEN,
  SIGNATURE_DOES_NOT_MATCH,
  SigV4Credentials,
  SigV4FailureReason,
  SigV4Options,
  SigV4Request,
  SigV4Result,
  verifySigV4
} from '../../../local/gateway/sigv4';

// The same module object sigv4.ts calls into, so a spy on it is seen there.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const nodeCrypto: typeof import('node:crypto') = require('node:crypto');

const REGION = 'eu-west-1';
const HOST = '127.0.0.1:8787';
const NOW = new Date('2024-05-06T07:08:09Z');
const MINUTE = 60 * 1000;

const KEY = 'AKIDLOCALTEST0001';
const SECRET = 'local/Secret+Key/0001';
const TEMP_KEY = 'ASIALOCALTEST0001';
const TEMP_SECRET = 'temporary-secret';
const TEMP_TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLE//token+==';

const CREDENTIALS: Record<string, SigV4Credentials> = {
  [KEY]: { secretAccessKey: SECRET },
  [TEMP_KEY]: { secretAccessKey: TEMP_SECRET, sessionToken: TEMP_TOKEN }
};

function options(overrides: Partial<SigV4Options> = {}): SigV4Options {
  return {
    region: REGION,
    lookup: id =>
      Object.prototype.hasOwnProperty.call(CREDENTIALS, id)
        ? CREDENTIALS[id]
        : undefined,
    now: () => NOW,
    ...overrides
  };
}

/** RFC 3986 percent-encoding: what the AWS SDKs put on the wire. */
function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`
  );
}

/** HTML form encoding (`URLSearchParams`, Python's `quote_plus`): space is `+`. */
function formEncode(text: string): string {
  return new URLSearchParams({ x: text }).toString().slice(2);
}

function wireQuery(
  query: QueryParameterBag,
  encode: (text: string) => string = rfc3986
): string {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    for (const one of Array.isArray(value) ? value : [value ?? '']) {
      pairs.push(`${encode(key)}=${encode(one)}`);
    }
  }
  return pairs.join('&');
}

interface ClientRequest {
  method?: string;
  /** As an AWS SDK holds it: already percent-encoded. */
  path?: string;
  query?: QueryParameterBag;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

interface SignAs {
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  region?: string;
  service?: string;
  date?: Date;
  /** false: like most non-S3 clients, send no x-amz-content-sha256. */
  applyChecksum?: boolean;
  unsignableHeaders?: Set<string>;
}

function smithyRequest(request: ClientRequest): HttpRequest {
  return {
    method: request.method ?? 'GET',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 8787,
    path: request.path ?? '/api/2.0/mlflow/experiments/search',
    query: request.query ?? {},
    headers: { host: HOST, ...request.headers },
    body: Buffer.from(request.body ?? '')
  };
}

function lowerCaseHeaders(
  headers: Record<string, string>
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])
  );
}

/** Signs like a client using the AWS SDK for JavaScript, then "sends" it. */
async function signed(
  request: ClientRequest = {},
  as: SignAs = {}
): Promise<SigV4Request> {
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: as.accessKeyId ?? KEY,
      secretAccessKey: as.secretAccessKey ?? SECRET,
      sessionToken: as.sessionToken
    },
    region: as.region ?? REGION,
    service: as.service ?? 'execute-api',
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: as.applyChecksum
  });
  const unsigned = smithyRequest(request);
  const out = await signer.sign(unsigned, {
    signingDate: as.date ?? NOW,
    unsignableHeaders: as.unsignableHeaders
  });
  const query = wireQuery(unsigned.query ?? {});
  return {
    method: unsigned.method,
    url: query ? `${unsigned.path}?${query}` : unsigned.path,
    headers: lowerCaseHeaders(out.headers),
    body: unsigned.body as Buffer
  };
}

function authorizationOf(request: SigV4Request): string {
  return request.headers['authorization'] as string;
}

function withHeaders(
  request: SigV4Request,
  headers: Record<string, string | string[] | undefined>
): SigV4Request {
  return { ...request, headers: { ...request.headers, ...headers } };
}

async function expectFailure(
  result: Promise<SigV4Result>,
  reason: SigV4FailureReason,
  message?: string | RegExp
): Promise<void> {
  const outcome = await result;
  expect(outcome.ok).toBe(false);
  if (!outcome.ok) {
    expect(outcome.reason).toBe(reason);
    if (message !== undefined) {
      expect(outcome.message).toMatch(message);
    }
  }
}

async function expectSuccess(
  result: Promise<SigV4Result>,
  accessKeyId = KEY
): Promise<void> {
  expect(await result).toEqual({
    ok: true,
    accessKeyId,
    credentials: CREDENTIALS[accessKeyId] ?? expect.anything()
  });
}

const SEARCH_QUERY: QueryParameterBag = {
  filter: 'tags."team name" = \'a&b=c\' AND params.x != "+1 ; 100%"',
  order_by: ['start_time DESC', 'metrics.rmse ASC'],
  'view type': 'ACTIVE_ONLY',
  empty: '',
  'caf\u00e9': '\u2713 \u{1F600}'
};

describe('verifySigV4: requests signed by @smithy/signature-v4 (the AWS SDK for JavaScript)', () => {
  it('accepts a GET whose query has spaces, quotes, = and & in values, repeated keys and UTF-8', async () => {
    const request = await signed({ query: SEARCH_QUERY });
    expect(request.url).toContain('%22team%20name%22');
    await expectSuccess(verifySigV4(request, options()));
  });

  it('reads + in the query as a space, so spaces sent form-encoded verify', async () => {
    const request = await signed({ query: SEARCH_QUERY });
    const formEncoded = {
      ...request,
      url: `${request.url.split('?')[0]}?${wireQuery(SEARCH_QUERY, formEncode)}`
    };
    expect(formEncoded.url).toContain('%22team+name%22');
    expect(formEncoded.url).toContain('%2B1');
    await expectSuccess(verifySigV4(formEncoded, options()));
  });

  it('reads %2B as a literal plus: a client that signed "a+b" but sent a+b (a space) fails', async () => {
    const request = await signed({ query: { q: 'a+b' } });
    expect(request.url).toMatch(/\?q=a%2Bb$/);
    await expectSuccess(verifySigV4(request, options()));
    await expectFailure(
      verifySigV4(
        { ...request, url: request.url.replace('%2B', '+') },
        options()
      ),
      'signature',
      SIGNATURE_DOES_NOT_MATCH
    );
  });

  it('ignores the order of parameters on the wire, as the canonical query is sorted', async () => {
    const request = await signed({ query: { b: '2', a: ['y', 'x'] } });
    expect(request.url).toMatch(/\?b=2&a=y&a=x$/);
    await expectSuccess(
      verifySigV4(
        { ...request, url: request.url.replace(/\?.*/, '?a=x&b=2&a=y') },
        options()
      )
    );
  });

  it('accepts a POST with a JSON body', async () => {
    const request = await signed({
      method: 'POST',
      path: '/api/2.0/mlflow/runs/create',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ experiment_id: '1', run_name: 'caf\u00e9 \u2713' })
    });
    expect(authorizationOf(request)).toContain('content-type;host;');
    await expectSuccess(verifySigV4(request, options()));
  });

  it('accepts a multipart body with binary bytes', async () => {
    const boundary = '----sigv4-test-boundary';
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="model.bin"\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n'
      ),
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      Buffer.from(`\r\n--${boundary}--\r\n`)
    ]);
    const request = await signed({
      method: 'POST',
      path: '/ajax-api/2.0/mlflow/upload-artifact',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body
    });
    await expectSuccess(verifySigV4(request, options()));
    const flipped = Buffer.from(body);
    flipped[body.length - 20] ^= 1;
    await expectFailure(
      verifySigV4({ ...request, body: flipped }, options()),
      'payload'
    );
  });

  it('accepts a percent-encoded path, which smithy encodes a second time', async () => {
    const request = await signed({
      path: '/ajax-api/2.0/mlflow-artifacts/artifacts/1/a%20b%3Ac.txt'
    });
    await expectSuccess(verifySigV4(request, options()));
  });

  it('accepts the body-only signature of a client that sends no x-amz-content-sha256', async () => {
    const request = await signed(
      { method: 'PUT', body: 'data' },
      { applyChecksum: false }
    );
    expect(request.headers['x-amz-content-sha256']).toBeUndefined();
    await expectSuccess(verifySigV4(request, options()));
  });

  it('tolerates spaces and tabs after the commas of the Authorization header', async () => {
    const request = await signed();
    const [scheme, ...params] = authorizationOf(request).split(/,? +/);
    for (const variant of [
      `${scheme} ${params.join(',')}`,
      `${scheme}  ${params.join(' ,  ')}`,
      `${scheme}\t${params.join(',\t')}`
    ]) {
      await expectSuccess(
        verifySigV4(withHeaders(request, { authorization: variant }), options())
      );
    }
  });
  it('handles query keys and headers named like Object.prototype members', async () => {
    const request = await signed({
      query: JSON.parse(
        '{"__proto__": "1", "constructor": "2", "toString": ["a", "b"]}'
      ),
      headers: JSON.parse('{"__proto__": "x", "constructor": "y"}')
    });
    expect(authorizationOf(request)).toContain('SignedHeaders=__proto__;');
    await expectSuccess(
      verifySigV4(
        { ...request, headers: JSON.parse(JSON.stringify(request.headers)) },
        options()
      )
    );
    await expectFailure(
      verifySigV4(
        { ...request, url: request.url.replace('toString=b', 'toString=c') },
        options()
      ),
      'signature'
    );
  });
});

describe('verifySigV4: signatures made by other signers', () => {
  // The published AWS Signature Version 4 test suite: service "service",
  // region us-east-1, 2015-08-30T12:36:00Z, key AKIDEXAMPLE.
  const SUITE_KEY = 'AKIDEXAMPLE';
  const SUITE_SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
  const SUITE_TOKEN =
    'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==';
  const suiteOptions = (
    secretAccessKey = SUITE_SECRET,
    sessionToken?: string
  ): SigV4Options => ({
    region: 'us-east-1',
    service: 'service',
    lookup: id =>
      id === SUITE_KEY ? { secretAccessKey, sessionToken } : undefined,
    now: () => new Date('2015-08-30T12:36:00Z')
  });

  interface SuiteCase {
    name: string;
    method?: string;
    url: string;
    headers?: Record<string, string>;
    rawHeaders?: string[];
    body?: string;
    signedHeaders?: string;
    signature: string;
    token?: string;
  }
  const cases: SuiteCase[] = [
    {
      name: 'get-vanilla',
      url: '/',
      signature:
        '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'
    },
    {
      name: 'get-vanilla-query-order-key-case',
      url: '/?Param2=value2&Param1=value1',
      signature:
        'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500'
    },
    {
      name: 'get-vanilla-query-order-value',
      url: '/?Param1=value2&Param1=value1',
      signature:
        '5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694'
    },
    {
      name: 'get-vanilla-query-unreserved',
      url:
        '/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=' +
        '-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
      signature:
        '9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197'
    },
    {
      name: 'get-vanilla-utf8-query',
      url: '/?%E1%88%B4=bar',
      signature:
        '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04'
    },
    {
      name: 'get-header-value-trim',
      url: '/',
      headers: { 'my-header1': ' value1', 'my-header2': ' "a   b   c"' },
      signedHeaders: 'host;my-header1;my-header2;x-amz-date',
      signature:
        'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736'
    },
    {
      name: 'get-header-key-duplicate (rawHeaders)',
      url: '/',
      headers: { 'my-header1': 'value2, value2, value1' },
      rawHeaders: [
        'Host',
        'example.amazonaws.com',
        'My-Header1',
        'value2',
        'My-Header1',
        'value2',
        'My-Header1',
        'value1',
        'X-Amz-Date',
        '20150830T123600Z'
      ],
      signedHeaders: 'host;my-header1;x-amz-date',
      signature:
        'c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea'
    },
    {
      name: 'get-header-key-duplicate (a list value)',
      url: '/',
      signedHeaders: 'host;my-header1;x-amz-date',
      signature:
        'c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea'
    },
    {
      name: 'post-x-www-form-urlencoded',
      method: 'POST',
      url: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Param1=value1',
      signedHeaders: 'content-type;host;x-amz-date',
      signature:
        'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a'
    },
    {
      name: 'post-sts-header-before',
      method: 'POST',
      url: '/',
      headers: { 'x-amz-security-token': SUITE_TOKEN },
      signedHeaders: 'host;x-amz-date;x-amz-security-token',
      token: SUITE_TOKEN,
      signature:
        '85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead'
    }
  ];

  function suiteRequest(c: SuiteCase): SigV4Request {
    const headers: SigV4Request['headers'] = {
      host: 'example.amazonaws.com',
      'x-amz-date': '20150830T123600Z',
      authorization:
        `AWS4-HMAC-SHA256 Credential=${SUITE_KEY}/20150830/us-east-1/service/aws4_request, ` +
        `SignedHeaders=${c.signedHeaders ?? 'host;x-amz-date'}, Signature=${c.signature}`,
      ...c.headers
    };
    if (c.name.endsWith('(a list value)')) {
      headers['my-header1'] = ['value2', 'value2', 'value1'];
    }
    return {
      method: c.method ?? 'GET',
      url: c.url,
      headers,
      rawHeaders: c.rawHeaders,
      body: Buffer.from(c.body ?? '')
    };
  }

  it.each(cases)('verifies the AWS test-suite vector $name', async c => {
    const result = await verifySigV4(
      suiteRequest(c),
      suiteOptions(SUITE_SECRET, c.token)
    );
    expect(result).toMatchObject({ ok: true, accessKeyId: SUITE_KEY });
  });

  it.each(cases)('refuses the vector $name under another secret', async c => {
    await expectFailure(
      verifySigV4(suiteRequest(c), suiteOptions(SECRET, c.token)),
      'signature'
    );
  });

  it("joins repeated headers with ',' (not Node's ', ')", async () => {
    const duplicate = cases.find(c => c.rawHeaders)!;
    const { rawHeaders, ...withoutRaw } = suiteRequest(duplicate);
    expect(rawHeaders).toBeDefined();
    await expectFailure(verifySigV4(withoutRaw, suiteOptions()), 'signature');
  });

  // Produced with botocore 1.44.8 (SigV4Auth, service execute-api, region
  // eu-west-1) for the key above at 2024-05-06T07:08:09Z: `params` are sent
  // form-encoded (space as +) and signed with %20; the path is signed double
  // encoded.
  const BOTOCORE_DATE = '20240506T070809Z';
  const botocoreOptions = (sessionToken?: string): SigV4Options => ({
    region: REGION,
    lookup: id =>
      id === SUITE_KEY
        ? { secretAccessKey: SUITE_SECRET, sessionToken }
        : undefined,
    now: () => NOW
  });
  const botocoreAuth = (signedHeaders: string, signature: string): string =>
    `AWS4-HMAC-SHA256 Credential=${SUITE_KEY}/20240506/eu-west-1/execute-api/aws4_request, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  const botocoreToken = 'FQoGZXIvYXdzEXAMPLETOKEN//+==';
  const botocoreCases: Array<{
    name: string;
    request: SigV4Request;
    token?: string;
  }> = [
    {
      name: 'GET with params (spaces as +, quotes, = and & in a value)',
      request: {
        method: 'GET',
        url: '/api/2.0/mlflow/runs/search?filter=tags.%22a+b%22+%3D+%27x%26y%3Dz%27+%2B1&max_results=10',
        headers: {
          host: HOST,
          'x-amz-date': BOTOCORE_DATE,
          authorization: botocoreAuth(
            'host;x-amz-date',
            'a655230547e143c5bf32359255f8a5cb086110d45a4523d8896d14522fa40fe8'
          )
        },
        body: Buffer.alloc(0)
      }
    },
    {
      name: 'GET with a repeated key and %20 in the URL',
      request: {
        method: 'GET',
        url: '/api/2.0/mlflow/metrics/get-history?run_id=r1&metric_key=a%20b&k=2&k=1',
        headers: {
          host: HOST,
          'x-amz-date': BOTOCORE_DATE,
          authorization: botocoreAuth(
            'host;x-amz-date',
            'b24100370d50c8e3df77bf06d31fa0a0dba1ca3ac88ada2bbc7ed27541c74911'
          )
        },
        body: Buffer.alloc(0)
      }
    },
    {
      name: 'POST JSON with a session token',
      token: botocoreToken,
      request: {
        method: 'POST',
        url: '/api/2.0/mlflow/runs/create',
        headers: {
          host: HOST,
          'content-type': 'application/json',
          'content-length': '43',
          'x-amz-date': BOTOCORE_DATE,
          'x-amz-security-token': botocoreToken,
          authorization: botocoreAuth(
            'content-type;host;x-amz-date;x-amz-security-token',
            'ed3cc0f400d313fe136caa366c8ebd70b3e57a5be3a4c7410a477887b18b8678'
          )
        },
        body: Buffer.from('{"experiment_id": "1", "run_name": "caf\u00e9"}')
      }
    },
    {
      name: 'GET of an encoded artifact path',
      request: {
        method: 'GET',
        url: '/ajax-api/2.0/mlflow-artifacts/artifacts/1/a%20b%3Ac.txt?path=x%2Fy',
        headers: {
          host: HOST,
          'x-amz-date': BOTOCORE_DATE,
          authorization: botocoreAuth(
            'host;x-amz-date',
            'd95303665bf4f1120160f61c92d72bccab2c0ebb87d97db0a6f57bee5ca176ca'
          )
        },
        body: Buffer.alloc(0)
      }
    }
  ];

  it.each(botocoreCases)(
    'verifies botocore: $name',
    async ({ request, token }) => {
      const result = await verifySigV4(request, botocoreOptions(token));
      expect(result).toMatchObject({ ok: true, accessKeyId: SUITE_KEY });
    }
  );

  it('refuses the botocore path signature when the path is sent encoded differently', async () => {
    const { request } = botocoreCases[3];
    await expectFailure(
      verifySigV4(
        { ...request, url: request.url.replace('%3A', ':') },
        botocoreOptions()
      ),
      'signature'
    );
  });
});

describe('verifySigV4: refusals', () => {
  it('without an Authorization header: Missing Authentication Token', async () => {
    const request = await signed();
    for (const authorization of [undefined, '']) {
      await expectFailure(
        verifySigV4(withHeaders(request, { authorization }), options()),
        'missing',
        new RegExp(`^${MISSING_AUTHENTICATION_TOKEN}$`)
      );
    }
  });

  it('says Missing Authentication Token before judging the query', async () => {
    await expectFailure(
      verifySigV4(
        {
          method: 'GET',
          url: '/api/2.0/mlflow/runs/search?a=%zz',
          headers: { host: HOST },
          body: Buffer.alloc(0)
        },
        options()
      ),
      'missing'
    );
  });

  it('refuses query-string (presigned URL) authentication', async () => {
    const signer = new SignatureV4({
      credentials: { accessKeyId: KEY, secretAccessKey: SECRET },
      region: REGION,
      service: 'execute-api',
      sha256: Hash.bind(null, 'sha256')
    });
    const presigned = await signer.presign(smithyRequest({}), {
      signingDate: NOW,
      expiresIn: 300
    });
    const url = `${presigned.path}?${wireQuery(presigned.query ?? {})}`;
    expect(url).toContain('X-Amz-Algorithm=AWS4-HMAC-SHA256');
    await expectFailure(
      verifySigV4(
        {
          method: 'GET',
          url,
          headers: lowerCaseHeaders(presigned.headers),
          body: Buffer.alloc(0)
        },
        options()
      ),
      'unsupported',
      /presigned/
    );
  });

  it('refuses an X-Amz-Signature query parameter next to the header (smithy would skip it)', async () => {
    const request = await signed({ query: { a: '1' } });
    await expectFailure(
      verifySigV4(
        { ...request, url: `${request.url}&X-Amz-Signature=${'0'.repeat(64)}` },
        options()
      ),
      'unsupported'
    );
  });

  it('refuses malformed Authorization headers with a reason', async () => {
    const request = await signed();
    const good = authorizationOf(request);
    const signature = good.slice(-64);
    const credential = `${KEY}/20240506/${REGION}/execute-api/aws4_request`;
    const headers = 'host;x-amz-content-sha256;x-amz-date';
    const malformed: Array<[string, RegExp]> = [
      ['Bearer eyJhbGciOiJIUzI1NiJ9.e30.x', /AWS Signature Version 4/],
      ['AWS4-HMAC-SHA256', /requires 'Credential'/],
      [
        good.replace('AWS4-HMAC-SHA256', 'AWS4-ECDSA-P256-SHA256'),
        /AWS4-HMAC-SHA256/
      ],
      [
        good.replace('AWS4-HMAC-SHA256', 'aws4-hmac-sha256'),
        /AWS4-HMAC-SHA256/
      ],
      [
        `AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=${headers}`,
        /requires 'Signature'/
      ],
      [
        `AWS4-HMAC-SHA256 Credential=${credential}, Signature=${signature}`,
        /requires 'SignedHeaders'/
      ],
      [
        `AWS4-HMAC-SHA256 Credential=${credential}, Credential=${credential}, SignedHeaders=${headers}, Signature=${signature}`,
        /more than once/
      ],
      [`${good}, Extra=1`, /Invalid key=value/],
      [`${good},`, /Invalid key=value/],
      [good.replace('Credential=', 'Credential = '), /Invalid key=value/],
      [good.replace('Credential=', 'credential='), /Invalid key=value/],
      [good.replace(`${KEY}/`, ''), /Credential must have the form/],
      [
        good.replace('/20240506/', '/2024-05-06/'),
        /Credential must have the form/
      ],
      [good.replace(`${KEY}/`, `${KEY}//`), /Credential must have the form/],
      [
        good.replace(headers, 'Host;X-Amz-Content-Sha256;X-Amz-Date'),
        /lower-case/
      ],
      [good.replace(headers, 'x-amz-date;host;x-amz-content-sha256'), /sorted/],
      [
        good.replace(headers, 'host;host;x-amz-content-sha256;x-amz-date'),
        /sorted/
      ],
      [good.replace(headers, 'host;;x-amz-date'), /lower-case/],
      [good.replace(signature, signature.toUpperCase()), /hexadecimal/],
      [good.replace(signature, signature.slice(1)), /hexadecimal/],
      [good.replace(signature, `${signature}00`), /hexadecimal/]
    ];
    for (const [authorization, message] of malformed) {
      await expectFailure(
        verifySigV4(withHeaders(request, { authorization }), options()),
        'malformed',
        message
      );
    }
  });

  it('refuses more than one Authorization header', async () => {
    const request = await signed();
    const good = authorizationOf(request);
    await expectFailure(
      verifySigV4(
        withHeaders(request, { authorization: [good, good] }),
        options()
      ),
      'malformed'
    );
  });

  it('refuses an unknown access key', async () => {
    const request = await signed({}, { accessKeyId: 'AKIDUNKNOWN000000' });
    await expectFailure(
      verifySigV4(request, options()),
      'invalid-token',
      INVALID_SECURITY_TOKEN
    );
  });

  it('refuses a signature made with another secret', async () => {
    const request = await signed({}, { secretAccessKey: `${SECRET}x` });
    await expectFailure(
      verifySigV4(request, options()),
      'signature',
      SIGNATURE_DOES_NOT_MATCH
    );
  });

  it('refuses a credential scoped to another region', async () => {
    const request = await signed({}, { region: 'us-east-1' });
    await expectFailure(
      verifySigV4(request, options()),
      'scope',
      "Credential should be scoped to a valid region, not 'us-east-1'."
    );
  });

  it('refuses a credential scoped to another service', async () => {
    const request = await signed({}, { service: 'lambda' });
    await expectFailure(
      verifySigV4(request, options()),
      'scope',
      "Credential should be scoped to correct service: 'execute-api'."
    );
  });

  it('refuses another terminator than aws4_request', async () => {
    const request = await signed();
    const authorization = authorizationOf(request).replace(
      '/aws4_request',
      '/aws5_request'
    );
    await expectFailure(
      verifySigV4(withHeaders(request, { authorization }), options()),
      'scope',
      /valid terminator: 'aws4_request', not 'aws5_request'/
    );
  });

  it('refuses a scope date that is not the day of X-Amz-Date', async () => {
    const request = await signed();
    const authorization = authorizationOf(request).replace(
      '/20240506/',
      '/20240505/'
    );
    await expectFailure(
      verifySigV4(withHeaders(request, { authorization }), options()),
      'scope',
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20240505' != '20240506', from '20240506T070809Z'."
    );
  });

  it('requires an X-Amz-Date header in the exact form YYYYMMDDTHHMMSSZ', async () => {
    const request = await signed();
    await expectFailure(
      verifySigV4(withHeaders(request, { 'x-amz-date': undefined }), options()),
      'malformed',
      /X-Amz-Date/
    );
    for (const value of [
      '2024-05-06T07:08:09Z',
      '20240506T070809',
      '20240506t070809z',
      '20240506T070809.000Z',
      ' 20240506T070809Z',
      '20241306T070809Z',
      '20240230T070809Z',
      '20240506T240809Z',
      '20240506T076009Z',
      '20240506T070860Z',
      '２0240506T070809Z'
    ]) {
      await expectFailure(
        verifySigV4(withHeaders(request, { 'x-amz-date': value }), options()),
        'malformed',
        /X-Amz-Date must have the form/
      );
    }
  });

  it('refuses a signature made 6 minutes ago', async () => {
    const request = await signed(
      {},
      { date: new Date(NOW.getTime() - 6 * MINUTE) }
    );
    await expectFailure(
      verifySigV4(request, options()),
      'skew',
      'Signature expired: 20240506T070209Z is now earlier than 20240506T070309Z (20240506T070809Z - 5 min.)'
    );
  });

  it('refuses a signature made 6 minutes in the future', async () => {
    const request = await signed(
      {},
      { date: new Date(NOW.getTime() + 6 * MINUTE) }
    );
    await expectFailure(
      verifySigV4(request, options()),
      'skew',
      'Signature not yet current: 20240506T071409Z is still later than 20240506T071309Z (20240506T070809Z + 5 min.)'
    );
  });

  it('accepts a clock skew of up to 5 minutes either way', async () => {
    for (const offset of [-5 * MINUTE, -4 * MINUTE, 4 * MINUTE, 5 * MINUTE]) {
      const request = await signed(
        {},
        { date: new Date(NOW.getTime() + offset) }
      );
      await expectSuccess(verifySigV4(request, options()));
    }
    const request = await signed(
      {},
      { date: new Date(NOW.getTime() - 5 * MINUTE - 1000) }
    );
    await expectFailure(verifySigV4(request, options()), 'skew');
  });

  it('uses the system clock by default', async () => {
    const request = await signed({}, { date: new Date() });
    await expectSuccess(verifySigV4(request, options({ now: undefined })));
  });

  it('refuses a request whose body changed after signing', async () => {
    const request = await signed(
      {
        method: 'POST',
        body: '{"a":1}',
        headers: { 'content-type': 'application/json' }
      },
      { applyChecksum: false }
    );
    await expectSuccess(verifySigV4(request, options()));
    await expectFailure(
      verifySigV4({ ...request, body: Buffer.from('{"a":2}') }, options()),
      'signature'
    );
  });

  it('refuses a request whose path changed after signing', async () => {
    const request = await signed({ path: '/api/2.0/mlflow/runs/get' });
    for (const url of [
      '/api/2.0/mlflow/runs/delete',
      '/api/2.0/mlflow/runs/get/',
      '/api/2.0/mlflow/runs/%67et',
      '/API/2.0/mlflow/runs/get'
    ]) {
      await expectFailure(
        verifySigV4({ ...request, url }, options()),
        'signature'
      );
    }
  });

  it('refuses a request whose query changed after signing', async () => {
    const request = await signed({ query: { run_id: 'r1', n: ['1', '2'] } });
    await expectSuccess(verifySigV4(request, options()));
    for (const url of [
      request.url.replace('run_id=r1', 'run_id=r2'),
      request.url.replace('&n=2', ''),
      `${request.url}&extra=1`,
      `${request.url}&n=2`,
      request.url.split('?')[0]
    ]) {
      await expectFailure(
        verifySigV4({ ...request, url }, options()),
        'signature'
      );
    }
  });

  it('refuses a request whose method changed after signing', async () => {
    const request = await signed({ method: 'DELETE' });
    await expectFailure(
      verifySigV4({ ...request, method: 'GET' }, options()),
      'signature'
    );
  });

  it('refuses a request whose signed headers changed after signing', async () => {
    const request = await signed({
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-custom': 'one' },
      body: '{}'
    });
    await expectSuccess(verifySigV4(request, options()));
    for (const change of [
      { 'content-type': 'text/plain' },
      { 'x-custom': 'two' },
      { host: 'evil.example:8787' },
      { 'x-amz-date': '20240506T070810Z' }
    ]) {
      await expectFailure(
        verifySigV4(withHeaders(request, change), options()),
        'signature'
      );
    }
  });

  it('canonicalises header whitespace, so re-spaced values still verify', async () => {
    const request = await signed({ headers: { 'x-custom': 'a b c' } });
    await expectSuccess(
      verifySigV4(
        withHeaders(request, { 'x-custom': '  a   b\tc ' }),
        options()
      )
    );
  });

  it('accepts a request whose unsigned headers changed after signing', async () => {
    const request = await signed({ headers: { 'user-agent': 'client/1.0' } });
    expect(authorizationOf(request)).not.toContain('user-agent');
    await expectSuccess(
      verifySigV4(
        withHeaders(request, {
          'user-agent': 'client/2.0',
          'x-forwarded-for': '10.0.0.1',
          accept: 'application/json'
        }),
        options()
      )
    );
  });

  it('accepts a header smithy never signs when the client did sign it', async () => {
    const request = await signed({ headers: { 'user-agent': 'client/1.0' } });
    const authorization = authorizationOf(request);
    // Re-sign by hand-listing user-agent: smithy's verifier must include it.
    const signer = new SignatureV4({
      credentials: { accessKeyId: KEY, secretAccessKey: SECRET },
      region: REGION,
      service: 'execute-api',
      sha256: Hash.bind(null, 'sha256')
    });
    const out = await signer.sign(
      smithyRequest({ headers: { 'user-agent': 'client/1.0' } }),
      { signingDate: NOW, signableHeaders: new Set(['user-agent']) }
    );
    const withAgent = lowerCaseHeaders(out.headers)['authorization'];
    expect(withAgent).toContain(';user-agent;');
    expect(withAgent).not.toBe(authorization);
    const signedAgent = withHeaders(request, { authorization: withAgent });
    await expectSuccess(verifySigV4(signedAgent, options()));
    await expectFailure(
      verifySigV4(
        withHeaders(signedAgent, { 'user-agent': 'client/2.0' }),
        options()
      ),
      'signature'
    );
  });

  it('requires host to be signed', async () => {
    const request = await signed({}, { unsignableHeaders: new Set(['host']) });
    expect(authorizationOf(request)).not.toMatch(/[=;]host;/);
    await expectFailure(
      verifySigV4(request, options()),
      'signed-headers',
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
    );
  });

  it('requires x-amz-date to be signed', async () => {
    const request = await signed();
    const authorization = authorizationOf(request).replace(';x-amz-date', '');
    await expectFailure(
      verifySigV4(withHeaders(request, { authorization }), options()),
      'signed-headers',
      /'X-Amz-Date' must be a 'SignedHeader'/
    );
  });

  it('refuses a signed header that is not in the request', async () => {
    const request = await signed({ headers: { 'x-custom': 'one' } });
    await expectFailure(
      verifySigV4(withHeaders(request, { 'x-custom': undefined }), options()),
      'signed-headers',
      "The signed header 'x-custom' is not in the request."
    );
  });

  it('refuses an x-amz-content-sha256 that does not match the body', async () => {
    const request = await signed({ method: 'POST', body: 'one' });
    await expectFailure(
      verifySigV4({ ...request, body: Buffer.from('two') }, options()),
      'payload',
      "The provided 'x-amz-content-sha256' header does not match what was computed."
    );
    const wrong = await signed({
      method: 'POST',
      body: 'one',
      headers: { 'x-amz-content-sha256': 'ab'.repeat(32) }
    });
    await expectFailure(verifySigV4(wrong, options()), 'payload');
  });

  it('refuses UNSIGNED-PAYLOAD', async () => {
    const request = await signed({
      method: 'POST',
      body: 'one',
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }
    });
    expect(authorizationOf(request)).toContain('x-amz-content-sha256');
    await expectFailure(
      verifySigV4(request, options()),
      'payload',
      /UNSIGNED-PAYLOAD is not accepted/
    );
  });

  it('refuses a wrong x-amz-content-sha256 even when it is not signed', async () => {
    const request = await signed(
      { method: 'POST', body: 'one' },
      { applyChecksum: false }
    );
    await expectFailure(
      verifySigV4(
        withHeaders(request, { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }),
        options()
      ),
      'payload'
    );
  });

  it('refuses a query with an invalid percent-encoding', async () => {
    const request = await signed();
    for (const query of ['a=%zz', 'a=%', 'a=%FF', '%E1%88=b']) {
      await expectFailure(
        verifySigV4({ ...request, url: `${request.url}?${query}` }, options()),
        'malformed',
        /percent-encoding/
      );
    }
  });

  it('refuses a request target that is not a path', async () => {
    const request = await signed();
    await expectFailure(
      verifySigV4(
        { ...request, url: `http://${HOST}${request.url}` },
        options()
      ),
      'malformed'
    );
  });

  it('compares signatures with crypto.timingSafeEqual', async () => {
    const request = await signed();
    const spy = jest.spyOn(nodeCrypto, 'timingSafeEqual');
    try {
      await expectSuccess(verifySigV4(request, options()));
      const signature = Buffer.from(authorizationOf(request).slice(-64));
      expect(
        spy.mock.calls.some(([a, b]) =>
          [a, b].some(side => Buffer.from(side as Uint8Array).equals(signature))
        )
      ).toBe(true);
      spy.mockReturnValue(false);
      await expectFailure(verifySigV4(request, options()), 'signature');
    } finally {
      spy.mockRestore();
    }
  });
});

describe('verifySigV4: session tokens', () => {
  it('accepts temporary credentials with their signed token', async () => {
    const request = await signed(
      {},
      {
        accessKeyId: TEMP_KEY,
        secretAccessKey: TEMP_SECRET,
        sessionToken: TEMP_TOKEN
      }
    );
    expect(authorizationOf(request)).toContain('x-amz-security-token');
    await expectSuccess(verifySigV4(request, options()), TEMP_KEY);
  });

  it('refuses a token that is not signed', async () => {
    const request = await signed(
      {},
      {
        accessKeyId: TEMP_KEY,
        secretAccessKey: TEMP_SECRET,
        sessionToken: TEMP_TOKEN,
        unsignableHeaders: new Set(['x-amz-security-token'])
      }
    );
    expect(request.headers['x-amz-security-token']).toBe(TEMP_TOKEN);
    await expectFailure(
      verifySigV4(request, options()),
      'signed-headers',
      /'X-Amz-Security-Token' must be a 'SignedHeader'/
    );
  });

  it('refuses another token than the one of the key', async () => {
    const request = await signed(
      {},
      {
        accessKeyId: TEMP_KEY,
        secretAccessKey: TEMP_SECRET,
        sessionToken: `${TEMP_TOKEN}x`
      }
    );
    await expectFailure(
      verifySigV4(request, options()),
      'invalid-token',
      INVALID_SECURITY_TOKEN
    );
  });

  it('refuses temporary credentials without their token', async () => {
    const request = await signed(
      {},
      { accessKeyId: TEMP_KEY, secretAccessKey: TEMP_SECRET }
    );
    await expectFailure(
      verifySigV4(request, options()),
      'invalid-token',
      INVALID_SECURITY_TOKEN
    );
  });

  it('refuses a token sent with a long-term key', async () => {
    const request = await signed({}, { sessionToken: TEMP_TOKEN });
    await expectFailure(
      verifySigV4(request, options()),
      'invalid-token',
      INVALID_SECURITY_TOKEN
    );
  });
});

describe('verifySigV4: garbage never throws', () => {
  const anyString = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.string({ unit: 'grapheme-ascii', maxLength: 300 })
  );

  it('answers any Authorization string with a refusal', async () => {
    const request = await signed();
    await fc.assert(
      fc.asyncProperty(anyString, async authorization => {
        const result = await verifySigV4(
          withHeaders(request, { authorization }),
          options()
        );
        expect(result.ok).toBe(false);
      }),
      { numRuns: 300 }
    );
  });

  it('survives random edits of a valid Authorization header', async () => {
    const request = await signed();
    const good = authorizationOf(request);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: good.length }),
        fc.nat({ max: 8 }),
        anyString,
        async (at, cut, insert) => {
          const authorization =
            good.slice(0, at) + insert + good.slice(at + cut);
          const result = await verifySigV4(
            withHeaders(request, { authorization }),
            options()
          );
          expect(typeof result.ok).toBe('boolean');
        }
      ),
      { numRuns: 300 }
    );
  });

  it('survives any url, X-Amz-Date and signed header value', async () => {
    const request = await signed({ headers: { 'x-custom': 'v' } });
    await fc.assert(
      fc.asyncProperty(
        anyString,
        anyString,
        anyString,
        async (url, date, custom) => {
          for (const variant of [
            { ...request, url },
            { ...request, url: `/${url}` },
            { ...request, url: `${request.url}?${url}` },
            withHeaders(request, { 'x-amz-date': date }),
            withHeaders(request, { 'x-custom': custom })
          ]) {
            const result = await verifySigV4(variant, options());
            expect(typeof result.ok).toBe('boolean');
          }
        }
      ),
      { numRuns: 200 }
    );
  });

  it('refuses a path no client could have signed (a lone surrogate)', async () => {
    const request = await signed();
    await expectFailure(
      verifySigV4({ ...request, url: '/api/\uD800' }, options()),
      'malformed'
    );
  });
});
