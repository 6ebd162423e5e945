import { timingSafeEqual } from 'node:crypto';

import { Hash } from '@smithy/hash-node';
import {
  ALGORITHM_IDENTIFIER,
  SignatureV4,
  createScope,
  getCanonicalHeaders,
  getPayloadHash
} from '@smithy/signature-v4';
import type { HeaderBag, HttpRequest, QueryParameterBag } from '@smithy/types';

/**
 * Verification of AWS Signature Version 4 on incoming requests, the way
 * Amazon API Gateway checks methods whose authorization type is `AWS_IAM`
 * (signing service `execute-api`).
 *
 * Only the parsing of the incoming request lives here; the canonical request,
 * the signing key and the HMACs are computed by `@smithy/signature-v4`, the
 * signer of the AWS SDK for JavaScript, so a request signed by a correct
 * SigV4 client produces exactly the signature it sent.
 *
 * How the request is read:
 *
 * - Path: the raw path as received (still percent-encoded) is given to
 *   smithy, which removes `.`/`..` and empty segments and then encodes it
 *   once more. That is the double encoding AWS uses for every service except
 *   S3, and what botocore and the AWS SDKs sign for the encoded path they
 *   send.
 * - Query: parsed as `application/x-www-form-urlencoded`: `+` is a space and
 *   `%XX` sequences are UTF-8 bytes, so a literal plus must travel as `%2B`.
 *   API Gateway reads the query the same way (for a query sent as
 *   `id+eq+123`, its signature-mismatch answer gives the canonical query as
 *   `id%20eq%20123`), and botocore sends `params` with spaces as `+` while
 *   signing `%20`. Repeated keys become lists; a key without `=` has the
 *   empty value.
 * - Headers: only the ones listed in `SignedHeaders` are canonicalised, with
 *   their values as received (smithy trims them and collapses runs of
 *   spaces). A header sent several times is joined with `,` as AWS does; pass
 *   Node's `rawHeaders` for that, since Node's `headers` object already joins
 *   most repeated headers with `, ` and keeps only the first `Host`.
 * - Date: `X-Amz-Date` only, and it must be signed; a request dated by a
 *   `Date` header alone is refused.
 * - Payload: always hashed from the body bytes. An `x-amz-content-sha256`
 *   header, when present, must equal that hash (so `UNSIGNED-PAYLOAD` is
 *   refused).
 *
 * API Gateway answers every failure here with 403; `message` follows its
 * wording where it has one.
 */

/** The request as it reached the gateway. */
export interface SigV4Request {
  method: string;
  /** Raw path and query exactly as received, e.g. `/api/2.0/mlflow/runs/search?x=1`. */
  url: string;
  /** Node's `IncomingHttpHeaders`: lower-case names. */
  headers: Record<string, string | string[] | undefined>;
  /**
   * Node's `rawHeaders` (name, value, name, value, ...). Optional; when given,
   * the values of signed headers are taken from it so that repeated headers
   * are joined exactly as the client signed them.
   */
  rawHeaders?: readonly string[];
  body: Buffer;
}

export interface SigV4Credentials {
  secretAccessKey: string;
  /**
   * Set for temporary credentials: the request must then carry this
   * `X-Amz-Security-Token` (signed). When unset, a request carrying a token
   * is refused.
   */
  sessionToken?: string;
}

export interface SigV4Options<C extends SigV4Credentials = SigV4Credentials> {
  /** The gateway's region: the credential scope must name it. */
  region: string;
  /** The signing service; API Gateway's is `execute-api` (the default). */
  service?: string;
  /** The credentials of an access key id, or undefined when it is unknown. */
  lookup(accessKeyId: string): C | undefined;
  /** The clock to check `X-Amz-Date` against (default: the system clock). */
  now?: () => Date;
}

export type SigV4FailureReason =
  /** No `Authorization` header. */
  | 'missing'
  /** Query-string (presigned URL) authentication. */
  | 'unsupported'
  /** An unreadable `Authorization` header, `X-Amz-Date`, path or query. */
  | 'malformed'
  /** The credential scope names another date, region, service or terminator. */
  | 'scope'
  /** `X-Amz-Date` is more than 5 minutes away from the gateway's clock. */
  | 'skew'
  /** `SignedHeaders` leaves out a required header or names an absent one. */
  | 'signed-headers'
  /** Unknown access key, or a session token that does not belong to it. */
  | 'invalid-token'
  /** `x-amz-content-sha256` does not describe the body. */
  | 'payload'
  /** The signature does not match. */
  | 'signature';

export type SigV4Result<C extends SigV4Credentials = SigV4Credentials> =
  | { ok: true; accessKeyId: string; credentials: C }
  | { ok: false; reason: SigV4FailureReason; message: string };

/**
 * The error type AWS answers each way a signature fails with
 * (`x-amzn-ErrorType` at API Gateway, `__type` in a JSON protocol's body).
 */
export const SIGV4_ERROR_TYPES: Record<SigV4FailureReason, string> = {
  missing: 'MissingAuthenticationTokenException',
  unsupported: 'IncompleteSignatureException',
  malformed: 'IncompleteSignatureException',
  'signed-headers': 'IncompleteSignatureException',
  scope: 'InvalidSignatureException',
  skew: 'InvalidSignatureException',
  payload: 'InvalidSignatureException',
  signature: 'InvalidSignatureException',
  'invalid-token': 'UnrecognizedClientException'
};

export const DEFAULT_SIGNING_SERVICE = 'execute-api';

/** How far `X-Amz-Date` may be from the gateway's clock, either way. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

export const MISSING_AUTHENTICATION_TOKEN = 'Missing Authentication Token';
export const INVALID_SECURITY_TOKEN =
  'The security token included in the request is invalid.';
export const SIGNATURE_DOES_NOT_MATCH =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. ' +
  'Consult the service documentation for details.';

const AUTH_SCHEME = ALGORITHM_IDENTIFIER; // AWS4-HMAC-SHA256
const TERMINATOR = 'aws4_request';
const AMZ_DATE = 'x-amz-date';
const CONTENT_SHA256 = 'x-amz-content-sha256';
const SECURITY_TOKEN = 'x-amz-security-token';
/** Query parameters that belong to query-string authentication. */
const PRESIGN_PARAMS = new Set([
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-signature'
]);

const AMZ_DATE_FORMAT = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const SIGNATURE_HEX = /^[0-9a-f]{64}$/;
/** A parameter value: printable ASCII without separators or spaces. */
const PARAM_VALUE = /^[\x21-\x2b\x2d-\x7e]+$/;

type Failure = Extract<SigV4Result, { ok: false }>;

function fail(reason: SigV4FailureReason, message: string): Failure {
  return { ok: false, reason, message };
}

function hasOwn(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

/** A header's single value, or undefined when absent, repeated or not a string. */
function singleHeader(
  headers: SigV4Request['headers'],
  name: string
): string | undefined {
  const value = hasOwn(headers, name) ? headers[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}

interface ParsedAuthorization {
  accessKeyId: string;
  scopeDate: string;
  region: string;
  service: string;
  terminator: string;
  signedHeaders: string[];
  signature: string;
}

/**
 * Reads `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
 * Spaces and tabs around the commas are optional, as API Gateway allows.
 */
function parseAuthorization(header: string): ParsedAuthorization | Failure {
  const value = header.trim();
  const schemeEnd = value.search(/[ \t]/);
  const scheme = schemeEnd < 0 ? value : value.slice(0, schemeEnd);
  if (scheme !== AUTH_SCHEME) {
    return fail(
      'malformed',
      `The Authorization header must be an AWS Signature Version 4 header: '${AUTH_SCHEME} Credential=..., SignedHeaders=..., Signature=...'.`
    );
  }
  const params = new Map<string, string>();
  const rest = schemeEnd < 0 ? '' : value.slice(schemeEnd).trim();
  for (const part of rest === '' ? [] : rest.split(',')) {
    const pair = part.trim();
    const equals = pair.indexOf('=');
    const name = equals < 0 ? '' : pair.slice(0, equals);
    const paramValue = equals < 0 ? '' : pair.slice(equals + 1);
    if (
      !['Credential', 'SignedHeaders', 'Signature'].includes(name) ||
      !PARAM_VALUE.test(paramValue)
    ) {
      return fail(
        'malformed',
        'Invalid key=value pair in the Authorization header: expected Credential=..., SignedHeaders=..., Signature=....'
      );
    }
    if (params.has(name)) {
      return fail(
        'malformed',
        `The Authorization header gives '${name}' more than once.`
      );
    }
    params.set(name, paramValue);
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature']
    .filter(name => !params.has(name))
    .map(name => `Authorization header requires '${name}' parameter.`);
  if (missing.length > 0) {
    return fail('malformed', missing.join(' '));
  }

  const credential = params.get('Credential')!.split('/');
  if (
    credential.length !== 5 ||
    credential.some(part => part.length === 0) ||
    !/^\d{8}$/.test(credential[1])
  ) {
    return fail(
      'malformed',
      "Credential must have the form '<access key id>/<YYYYMMDD>/<region>/<service>/aws4_request'."
    );
  }

  const signedHeaders = params.get('SignedHeaders')!.split(';');
  if (!signedHeaders.every(name => HEADER_NAME.test(name))) {
    return fail(
      'malformed',
      "SignedHeaders must be lower-case header names separated by ';'."
    );
  }
  if (
    !signedHeaders.every((name, i) => i === 0 || signedHeaders[i - 1] < name)
  ) {
    return fail(
      'malformed',
      'SignedHeaders must be sorted and must not repeat a header.'
    );
  }

  const signature = params.get('Signature')!;
  if (!SIGNATURE_HEX.test(signature)) {
    return fail(
      'malformed',
      'Signature must be 64 lower-case hexadecimal digits.'
    );
  }

  const [accessKeyId, scopeDate, region, service, terminator] = credential;
  return {
    accessKeyId,
    scopeDate,
    region,
    service,
    terminator,
    signedHeaders,
    signature
  };
}

/** `YYYYMMDDTHHMMSSZ` as a date, or undefined unless it is a real instant. */
function parseAmzDate(value: string): Date | undefined {
  const match = AMZ_DATE_FORMAT.exec(value);
  if (!match) {
    return undefined;
  }
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return formatAmzDate(date) === value ? date : undefined;
}

/** A date as `YYYYMMDDTHHMMSSZ` (seconds truncated). */
function formatAmzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

function decodeComponent(component: string): string | undefined {
  try {
    return decodeURIComponent(component.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** The raw query as smithy's query object (see the module comment). */
function parseQuery(raw: string): QueryParameterBag | undefined {
  const query: Record<string, string | string[]> = Object.create(null);
  for (const pair of raw.split('&')) {
    if (pair === '') {
      continue;
    }
    const equals = pair.indexOf('=');
    const key = decodeComponent(equals < 0 ? pair : pair.slice(0, equals));
    const value = decodeComponent(equals < 0 ? '' : pair.slice(equals + 1));
    if (key === undefined || value === undefined) {
      return undefined;
    }
    const previous = query[key];
    query[key] =
      previous === undefined
        ? value
        : Array.isArray(previous)
          ? [...previous, value]
          : [previous, value];
  }
  return query;
}

/**
 * The value the client signed for a header: repeated headers are joined with
 * `,`, each value trimmed, as the SigV4 specification says.
 */
function signedValue(request: SigV4Request, name: string): string | undefined {
  if (request.rawHeaders) {
    const values: string[] = [];
    for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
      if (request.rawHeaders[i].toLowerCase() === name) {
        values.push(String(request.rawHeaders[i + 1]).trim());
      }
    }
    if (values.length > 0) {
      return values.join(',');
    }
  }
  const value = hasOwn(request.headers, name)
    ? request.headers[name]
    : undefined;
  if (typeof value === 'string') {
    return value;
  }
  if (Array.isArray(value) && value.every(v => typeof v === 'string')) {
    return value.map(v => v.trim()).join(',');
  }
  return undefined;
}

function equalSecrets(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Smithy's signer, used for its canonical request and signing steps. */
class Verifier extends SignatureV4 {
  async expectedSignature(
    request: HttpRequest,
    canonicalHeaders: HeaderBag,
    payloadHash: string,
    signingDate: Date,
    region: string,
    service: string
  ): Promise<string> {
    const { longDate, shortDate } = this.formatDate(signingDate);
    const canonicalRequest = this.createCanonicalRequest(
      request,
      canonicalHeaders,
      payloadHash
    );
    const stringToSign = await this.createStringToSign(
      longDate,
      createScope(shortDate, region, service),
      canonicalRequest,
      ALGORITHM_IDENTIFIER
    );
    return this.sign(stringToSign, {
      signingDate,
      signingRegion: region,
      signingService: service
    });
  }
}

const sha256 = Hash.bind(null, 'sha256');

/**
 * Checks the SigV4 `Authorization` header of a request. Never throws for
 * anything the client sent; every refusal says why.
 */
export async function verifySigV4<C extends SigV4Credentials>(
  request: SigV4Request,
  options: SigV4Options<C>
): Promise<SigV4Result<C>> {
  const service = options.service ?? DEFAULT_SIGNING_SERVICE;
  const queryStart = request.url.indexOf('?');
  const path = queryStart < 0 ? request.url : request.url.slice(0, queryStart);
  const query = parseQuery(
    queryStart < 0 ? '' : request.url.slice(queryStart + 1)
  );
  if (
    query !== undefined &&
    Object.keys(query).some(key => PRESIGN_PARAMS.has(key.toLowerCase()))
  ) {
    return fail(
      'unsupported',
      'Query-string (presigned URL) authentication is not supported: sign the request with an Authorization header.'
    );
  }

  const header = hasOwn(request.headers, 'authorization')
    ? request.headers['authorization']
    : undefined;
  if (header === undefined || header === '') {
    return fail('missing', MISSING_AUTHENTICATION_TOKEN);
  }
  if (typeof header !== 'string') {
    return fail(
      'malformed',
      'The request has more than one Authorization header.'
    );
  }
  if (!path.startsWith('/')) {
    return fail('malformed', 'The request target must be an absolute path.');
  }
  if (query === undefined) {
    return fail(
      'malformed',
      'The query string has an invalid percent-encoding.'
    );
  }
  const auth = parseAuthorization(header);
  if ('ok' in auth) {
    return auth;
  }

  const amzDate = singleHeader(request.headers, AMZ_DATE);
  if (amzDate === undefined) {
    return fail(
      'malformed',
      "Authorization header requires existence of an 'X-Amz-Date' header."
    );
  }
  const signingDate = parseAmzDate(amzDate);
  if (signingDate === undefined) {
    return fail(
      'malformed',
      `X-Amz-Date must have the form YYYYMMDD'T'HHMMSS'Z', not '${amzDate}'.`
    );
  }

  if (auth.scopeDate !== amzDate.slice(0, 8)) {
    return fail(
      'scope',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`
    );
  }
  if (auth.region !== options.region) {
    return fail(
      'scope',
      `Credential should be scoped to a valid region, not '${auth.region}'.`
    );
  }
  if (auth.service !== service) {
    return fail(
      'scope',
      `Credential should be scoped to correct service: '${service}'.`
    );
  }
  if (auth.terminator !== TERMINATOR) {
    return fail(
      'scope',
      `Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${auth.terminator}'.`
    );
  }

  const now = (options.now ?? (() => new Date()))();
  const earliest = new Date(now.getTime() - MAX_CLOCK_SKEW_MS);
  const latest = new Date(now.getTime() + MAX_CLOCK_SKEW_MS);
  if (signingDate < earliest) {
    return fail(
      'skew',
      `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(earliest)} (${formatAmzDate(now)} - 5 min.)`
    );
  }
  if (signingDate > latest) {
    return fail(
      'skew',
      `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(latest)} (${formatAmzDate(now)} + 5 min.)`
    );
  }

  const signed = new Set(auth.signedHeaders);
  if (!signed.has('host')) {
    return fail(
      'signed-headers',
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
    );
  }
  if (!signed.has(AMZ_DATE)) {
    return fail(
      'signed-headers',
      "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization."
    );
  }
  const sessionToken = hasOwn(request.headers, SECURITY_TOKEN)
    ? request.headers[SECURITY_TOKEN]
    : undefined;
  if (sessionToken !== undefined && !signed.has(SECURITY_TOKEN)) {
    return fail(
      'signed-headers',
      "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization."
    );
  }
  const headerBag: HeaderBag = Object.create(null);
  for (const name of auth.signedHeaders) {
    const value = signedValue(request, name);
    if (value === undefined) {
      return fail(
        'signed-headers',
        `The signed header '${name}' is not in the request.`
      );
    }
    headerBag[name] = value;
  }

  const credentials = options.lookup(auth.accessKeyId);
  if (credentials === undefined) {
    return fail('invalid-token', INVALID_SECURITY_TOKEN);
  }
  const expectedToken = credentials.sessionToken;
  if (
    expectedToken === undefined
      ? sessionToken !== undefined
      : typeof sessionToken !== 'string' ||
        !equalSecrets(sessionToken, expectedToken)
  ) {
    return fail('invalid-token', INVALID_SECURITY_TOKEN);
  }

  const smithyRequest: HttpRequest = {
    method: request.method,
    protocol: 'https:',
    hostname: headerBag['host'],
    path,
    query,
    headers: headerBag,
    body: request.body
  };
  const payloadHash = await getPayloadHash(
    { ...smithyRequest, headers: {} },
    sha256
  );
  if (hasOwn(request.headers, CONTENT_SHA256)) {
    const claimed = request.headers[CONTENT_SHA256];
    if (claimed !== payloadHash) {
      return fail(
        'payload',
        claimed === 'UNSIGNED-PAYLOAD'
          ? 'UNSIGNED-PAYLOAD is not accepted: the payload must be signed.'
          : "The provided 'x-amz-content-sha256' header does not match what was computed."
      );
    }
  }

  let expected: string;
  try {
    const verifier = new Verifier({
      credentials: {
        accessKeyId: auth.accessKeyId,
        secretAccessKey: credentials.secretAccessKey
      },
      region: auth.region,
      service,
      sha256,
      applyChecksum: false
    });
    expected = await verifier.expectedSignature(
      smithyRequest,
      getCanonicalHeaders(smithyRequest, undefined, signed),
      payloadHash,
      signingDate,
      auth.region,
      service
    );
  } catch {
    // Only text no client could have signed (e.g. a lone surrogate in the path).
    return fail('malformed', 'The request cannot be put in canonical form.');
  }
  if (!equalSecrets(expected, auth.signature)) {
    return fail('signature', SIGNATURE_DOES_NOT_MATCH);
  }
  return { ok: true, accessKeyId: auth.accessKeyId, credentials };
}
