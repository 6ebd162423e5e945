import { randomBytes } from 'node:crypto';

import {
  G,
  K,
  N,
  cognitoTimestamp,
  derivedKey,
  modPow,
  paddedHex,
  passwordAuthenticationKey,
  passwordExponent,
  scramblingParameter,
  startSrp
} from '../../verify/srp';
import { totpCode } from '../../verify/sign-in';

describe('SRP', () => {
  it('pads hex as Cognito hashes it: even length, 00 before a high first bit', () => {
    expect(paddedHex(0xfn)).toBe('0f');
    expect(paddedHex(0x7fn)).toBe('7f');
    expect(paddedHex(0x80n)).toBe('0080');
    expect(paddedHex(0xabcn)).toBe('0abc');
  });

  it('derives the key a user pool derives from the stored verifier', () => {
    const challenge = {
      poolName: 'AbCdEf123',
      userIdForSrp: 'c0ffee-user',
      salt: randomBytes(16).toString('hex'),
      secretBlock: randomBytes(32).toString('base64')
    };
    const password = 'Correct-horse-1!';
    const client = startSrp();
    // The user pool's side (SRP-6a): v = g^x, B = kv + g^b, S = (A v^u)^b.
    const v = modPow(G, passwordExponent(challenge, password), N);
    const b = BigInt(`0x${randomBytes(32).toString('hex')}`);
    const B = (K * v + modPow(G, b, N)) % N;
    const A = BigInt(`0x${client.srpA}`);
    const u = scramblingParameter(A, B);
    const serverKey = derivedKey(u, modPow(A * modPow(v, u, N), b, N));

    const srpB = B.toString(16);
    expect(
      passwordAuthenticationKey(client, { ...challenge, srpB }, password)
    ).toEqual(serverKey);
    expect(
      passwordAuthenticationKey(client, { ...challenge, srpB }, 'wrong')
    ).not.toEqual(serverKey);
  });

  it('writes the timestamp as Cognito checks it (day of month not padded)', () => {
    expect(cognitoTimestamp(new Date('2026-12-01T08:05:09Z'))).toBe(
      'Tue Dec 1 08:05:09 UTC 2026'
    );
    expect(cognitoTimestamp(new Date('2027-03-14T23:59:00Z'))).toBe(
      'Sun Mar 14 23:59:00 UTC 2027'
    );
  });
});

describe('totpCode', () => {
  // RFC 6238's SHA-1 test secret, "12345678901234567890", in base32.
  const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

  it.each([
    [59, '287082'],
    [1111111109, '081804'],
    [2000000000, '279037']
  ])('gives RFC 6238’s code at %i s', (seconds, code) => {
    expect(totpCode(secret, new Date(seconds * 1000))).toBe(code);
  });
});
