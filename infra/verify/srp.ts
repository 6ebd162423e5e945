/**
 * The client's side of Amazon Cognito's `USER_SRP_AUTH` (SRP-6a over the
 * 3072-bit group of RFC 5054, SHA-256, with Cognito's key derivation and
 * claim signature), so the verification signs in to a user pool whose app
 * client allows SRP only.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';

/** RFC 5054's (and RFC 3526's) 3072-bit prime; the generator is 2. */
export const N = BigInt(
  '0x' +
    'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74' +
    '020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437' +
    '4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
    'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05' +
    '98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB' +
    '9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
    'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718' +
    '3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33' +
    'A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7' +
    'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864' +
    'D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2' +
    '08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF'
);
export const G = 2n;
const DERIVED_KEY_INFO = 'Caldera Derived Key';

export function modPow(
  base: bigint,
  exponent: bigint,
  modulus: bigint
): bigint {
  let result = 1n;
  let b = ((base % modulus) + modulus) % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) {
      result = (result * b) % modulus;
    }
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

/**
 * A positive number's hex as Cognito hashes it: an even number of digits,
 * with a `00` in front when the first bit is set (so it reads as positive).
 */
export function paddedHex(value: bigint): string {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) {
    hex = `0${hex}`;
  } else if ('89abcdef'.includes(hex[0])) {
    hex = `00${hex}`;
  }
  return hex;
}

function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** SHA-256 of the bytes a hex string spells, as a number. */
export function hashOfHex(hex: string): bigint {
  return BigInt(`0x${sha256Hex(Buffer.from(hex, 'hex'))}`);
}

/** SRP-6a's multiplier `k = H(N | g)`. */
export const K = hashOfHex(paddedHex(N) + paddedHex(G));

/** `x = H(salt | H(poolName | userId | ":" | password))`. */
export function passwordExponent(
  challenge: Pick<
    PasswordVerifierChallenge,
    'poolName' | 'userIdForSrp' | 'salt'
  >,
  password: string
): bigint {
  const identity = sha256Hex(
    `${challenge.poolName}${challenge.userIdForSrp}:${password}`
  );
  return hashOfHex(paddedHex(BigInt(`0x${challenge.salt}`)) + identity);
}

/** `u = H(A | B)`. */
export function scramblingParameter(A: bigint, B: bigint): bigint {
  return hashOfHex(paddedHex(A) + paddedHex(B));
}

/** Cognito's key from the shared secret: HKDF-SHA256 (salt u), its first 16 bytes. */
export function derivedKey(u: bigint, S: bigint): Buffer {
  const prk = createHmac('sha256', Buffer.from(paddedHex(u), 'hex'))
    .update(Buffer.from(paddedHex(S), 'hex'))
    .digest();
  return createHmac('sha256', prk)
    .update(Buffer.concat([Buffer.from(DERIVED_KEY_INFO), Buffer.from([1])]))
    .digest()
    .subarray(0, 16);
}

/** The secret `a` and public `A` of one sign-in. */
export interface SrpSession {
  readonly a: bigint;
  /** `SRP_A`, as InitiateAuth takes it. */
  readonly srpA: string;
}

export function startSrp(
  random: () => Buffer = () => randomBytes(128)
): SrpSession {
  for (;;) {
    const a = BigInt(`0x${random().toString('hex')}`) % N;
    const A = modPow(G, a, N);
    if (A !== 0n && a !== 0n) {
      return { a, srpA: A.toString(16) };
    }
  }
}

/** `Tue Dec 1 08:05:09 UTC 2026`: Cognito's timestamp (day not padded). */
export function cognitoTimestamp(date: Date): string {
  const day = date.toLocaleString('en-US', {
    weekday: 'short',
    timeZone: 'UTC'
  });
  const month = date.toLocaleString('en-US', {
    month: 'short',
    timeZone: 'UTC'
  });
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${day} ${month} ${date.getUTCDate()} ${time} UTC ${date.getUTCFullYear()}`;
}

export interface PasswordVerifierChallenge {
  /** The pool id's part after the region, e.g. `AbCdEf123` of `eu-west-1_AbCdEf123`. */
  readonly poolName: string;
  readonly userIdForSrp: string;
  readonly salt: string;
  readonly srpB: string;
  readonly secretBlock: string;
}

/** The 16-byte key both sides derive from the shared secret. */
export function passwordAuthenticationKey(
  session: SrpSession,
  challenge: PasswordVerifierChallenge,
  password: string
): Buffer {
  const A = BigInt(`0x${session.srpA}`);
  const B = BigInt(`0x${challenge.srpB}`);
  if (B % N === 0n) {
    throw new Error('The identity provider sent an invalid SRP_B.');
  }
  const u = scramblingParameter(A, B);
  if (u === 0n) {
    throw new Error('The identity provider sent an invalid SRP_B.');
  }
  const x = passwordExponent(challenge, password);
  const base = (((B - K * modPow(G, x, N)) % N) + N) % N;
  return derivedKey(u, modPow(base, session.a + u * x, N));
}

/** The `PASSWORD_VERIFIER` challenge's answer. */
export function passwordVerifierResponses(
  session: SrpSession,
  challenge: PasswordVerifierChallenge,
  password: string,
  now: Date
): Record<string, string> {
  const key = passwordAuthenticationKey(session, challenge, password);
  const timestamp = cognitoTimestamp(now);
  const signature = createHmac('sha256', key)
    .update(
      Buffer.concat([
        Buffer.from(challenge.poolName),
        Buffer.from(challenge.userIdForSrp),
        Buffer.from(challenge.secretBlock, 'base64'),
        Buffer.from(timestamp)
      ])
    )
    .digest('base64');
  return {
    USERNAME: challenge.userIdForSrp,
    PASSWORD_CLAIM_SECRET_BLOCK: challenge.secretBlock,
    PASSWORD_CLAIM_SIGNATURE: signature,
    TIMESTAMP: timestamp
  };
}
