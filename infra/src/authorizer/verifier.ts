import { JwtVerifier } from 'aws-jwt-verify';
import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';

import { tokenUser } from '../contract';
import { JwksFetcher } from './fetcher';

export interface TokenVerifierConfig {
  /** The user pool's issuer, e.g. https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC. */
  issuer: string;
  /** Defaults to `${issuer}/.well-known/jwks.json`, where Cognito publishes its keys. */
  jwksUri?: string;
  /** The app clients whose tokens are accepted. */
  clientIds: string[];
  /** Which Cognito token the browser sends. */
  tokenUse: 'id' | 'access';
}

/** Who a verified token says the caller is. */
export interface VerifiedUser {
  username: string;
  groups: string[];
}

/**
 * Makes a verifier for Cognito tokens: signature (RS256 with the pool's keys,
 * cached, fetched again when a token names an unknown key), issuer, client,
 * token use, expiry and not-before. It rejects with an error for any token
 * that fails a check; callers must not reveal which.
 */
export function createTokenVerifier(
  config: TokenVerifierConfig
): (token: string) => Promise<VerifiedUser> {
  if (config.clientIds.length === 0) {
    throw new Error('At least one app client id is required.');
  }
  const verifier = JwtVerifier.create(
    {
      issuer: config.issuer,
      jwksUri: config.jwksUri ?? `${config.issuer}/.well-known/jwks.json`,
      // Cognito access tokens carry client_id instead of aud; checked below.
      audience: null,
      customJwtCheck: ({ payload }) =>
        validateCognitoJwtFields(payload, {
          tokenUse: config.tokenUse,
          clientId: config.clientIds
        })
    },
    { jwksCache: new SimpleJwksCache({ fetcher: new JwksFetcher() }) }
  );
  return async token => {
    const user = tokenUser(await verifier.verify(token));
    if (user === undefined) {
      throw new Error('The token names no user.');
    }
    return user;
  };
}
