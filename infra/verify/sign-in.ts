/**
 * Signs a role's test user in to the user pool the gateway names in its
 * public `/auth/config.json`, the way the extension does: SRP for Amazon
 * Cognito, the password itself for the local identity provider. Answers
 * a TOTP challenge when the user has an authenticator secret.
 */
import {
  AssociateSoftwareTokenCommand,
  type AuthenticationResultType,
  type ChallengeNameType,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  VerifySoftwareTokenCommand
} from '@aws-sdk/client-cognito-identity-provider';
import { createHmac } from 'node:crypto';

import type { PagesConfig } from '../src/contract';
import { passwordVerifierResponses, startSrp } from './srp';
import type { UserSignIn } from './target';

/** RFC 4648 base32, as authenticator apps write TOTP secrets. */
function base32Bytes(secret: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of secret.replace(/=+$/, '').toUpperCase()) {
    const value = alphabet.indexOf(char);
    if (value < 0) {
      throw new Error('A TOTP secret is base32.');
    }
    bits += value.toString(2).padStart(5, '0');
  }
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) {
    bytes.push(parseInt(bits.slice(i, i + 8), 2));
  }
  return Buffer.from(bytes);
}

/** The six-digit TOTP code (RFC 6238: SHA-1, 30-second steps) at `now`. */
export function totpCode(secret: string, now: Date): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(now.getTime() / 30_000)));
  const mac = createHmac('sha1', base32Bytes(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, '0');
}

/** What InitiateAuth and RespondToAuthChallenge answer alike. */
interface AuthStep {
  readonly AuthenticationResult?: AuthenticationResultType;
  readonly ChallengeName?: ChallengeNameType | string;
  readonly ChallengeParameters?: Record<string, string>;
  readonly Session?: string;
}

/**
 * Signs in and returns the access token, the one the gateway takes. With
 * `enrolMfa`, a user the pool asks to set up MFA gets an authenticator
 * (TOTP) whose secret is handed to `enrolMfa` to keep.
 */
export async function accessToken(
  cognito: PagesConfig['cognito'],
  user: UserSignIn,
  enrolMfa?: (totpSecret: string) => void
): Promise<string> {
  const client = new CognitoIdentityProviderClient({
    region: cognito.region,
    ...(cognito.endpoint === '' ? {} : { endpoint: cognito.endpoint })
  });
  try {
    let answer: AuthStep;
    if (cognito.authFlow === 'USER_SRP_AUTH') {
      const session = startSrp();
      const started = await client.send(
        new InitiateAuthCommand({
          ClientId: cognito.userPoolClientId,
          AuthFlow: 'USER_SRP_AUTH',
          AuthParameters: { USERNAME: user.username, SRP_A: session.srpA }
        })
      );
      const parameters = started.ChallengeParameters ?? {};
      if (started.ChallengeName !== 'PASSWORD_VERIFIER') {
        throw new Error(
          `expected the PASSWORD_VERIFIER challenge, got ${started.ChallengeName}`
        );
      }
      answer = await client.send(
        new RespondToAuthChallengeCommand({
          ClientId: cognito.userPoolClientId,
          ChallengeName: 'PASSWORD_VERIFIER',
          ChallengeResponses: passwordVerifierResponses(
            session,
            {
              poolName: cognito.userPoolId.split('_')[1] ?? '',
              userIdForSrp: parameters.USER_ID_FOR_SRP ?? user.username,
              salt: parameters.SALT ?? '',
              srpB: parameters.SRP_B ?? '',
              secretBlock: parameters.SECRET_BLOCK ?? ''
            },
            user.password,
            new Date()
          )
        })
      );
    } else {
      answer = await client.send(
        new InitiateAuthCommand({
          ClientId: cognito.userPoolClientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: user.username, PASSWORD: user.password }
        })
      );
    }
    return (
      (await answerMfa(client, cognito, user, answer, enrolMfa)).AccessToken ??
      ''
    );
  } finally {
    client.destroy();
  }
}

async function answerMfa(
  client: CognitoIdentityProviderClient,
  cognito: PagesConfig['cognito'],
  user: UserSignIn,
  answer: AuthStep,
  enrolMfa?: (totpSecret: string) => void
): Promise<AuthenticationResultType> {
  if (answer.AuthenticationResult?.AccessToken !== undefined) {
    return answer.AuthenticationResult;
  }
  if (answer.ChallengeName === 'MFA_SETUP' && enrolMfa !== undefined) {
    const associated = await client.send(
      new AssociateSoftwareTokenCommand({ Session: answer.Session })
    );
    const secret = associated.SecretCode ?? '';
    const verified = await client.send(
      new VerifySoftwareTokenCommand({
        Session: associated.Session,
        UserCode: totpCode(secret, new Date()),
        FriendlyDeviceName: 'mlflow-verify'
      })
    );
    enrolMfa(secret);
    const done = await client.send(
      new RespondToAuthChallengeCommand({
        ClientId: cognito.userPoolClientId,
        ChallengeName: 'MFA_SETUP',
        Session: verified.Session,
        ChallengeResponses: { USERNAME: user.username }
      })
    );
    if (done.AuthenticationResult?.AccessToken !== undefined) {
      return done.AuthenticationResult;
    }
  }
  if (
    answer.ChallengeName === 'SOFTWARE_TOKEN_MFA' &&
    user.totpSecret !== undefined
  ) {
    const done = await client.send(
      new RespondToAuthChallengeCommand({
        ClientId: cognito.userPoolClientId,
        ChallengeName: 'SOFTWARE_TOKEN_MFA',
        Session: answer.Session,
        ChallengeResponses: {
          USERNAME:
            answer.ChallengeParameters?.USER_ID_FOR_SRP ?? user.username,
          SOFTWARE_TOKEN_MFA_CODE: totpCode(user.totpSecret, new Date())
        }
      })
    );
    if (done.AuthenticationResult?.AccessToken !== undefined) {
      return done.AuthenticationResult;
    }
  }
  throw new Error(
    `${user.username} must answer the ${answer.ChallengeName ?? 'unknown'} challenge first` +
      (answer.ChallengeName === 'SOFTWARE_TOKEN_MFA'
        ? ' (give the user’s "totpSecret")'
        : answer.ChallengeName === 'MFA_SETUP'
          ? ' (run verify once with --enrol-mfa)'
          : answer.ChallengeName === 'NEW_PASSWORD_REQUIRED'
            ? ' (set a permanent password: aws cognito-idp admin-set-user-password --permanent)'
            : '')
  );
}
