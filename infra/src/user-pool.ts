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
 * The browser app client's token lifetimes (Cognito's defaults, stated):
 * the extension refreshes the access token before it expires.
 */
export const TOKEN_VALIDITY = Object.freeze({
  accessMinutes: 60,
  idMinutes: 60,
  refreshDays: 30
});
