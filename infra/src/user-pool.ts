/**
 * The user pool's rules, the same for Amazon Cognito (the CDK app) and the
 * local identity provider (`npm run local`), so that what is developed
 * against locally is what users get.
 */

/** Passwords: at least 12 characters, of every class. */
export const PASSWORD_POLICY = Object.freeze({
  minimumLength: 12,
  requireLowercase: true,
  requireUppercase: true,
  requireNumbers: true,
  requireSymbols: true
});

/**
 * The browser app client's token lifetimes. Access tokens are verified
 * offline, so a revoked session keeps working until its access token
 * expires (plus the authorizer's cache): a short lifetime is the bound.
 * The extension refreshes the access token before it expires.
 */
export const TOKEN_VALIDITY = Object.freeze({
  /** The default of the deployment's `cognito.accessTokenMinutes`; ID tokens last as long. */
  accessMinutes: 15,
  /** What Amazon Cognito accepts for `cognito.accessTokenMinutes` (at most an hour here). */
  accessMinutesRange: Object.freeze({ min: 5, max: 60 }),
  refreshDays: 30,
  /**
   * Refresh tokens rotate: each refresh returns a new one, and the old one
   * stays valid this long (for a retry or a second tab).
   */
  refreshRotationGraceSeconds: 10
});
