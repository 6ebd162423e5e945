/**
 * Asked for a token while nobody is signed in (`IMlflowAuth.accessToken`).
 * Views tell it apart with `instanceof` and show the sign-in.
 */
export class NotSignedInError extends Error {
  constructor() {
    super('Sign in to MLflow first.');
    this.name = 'NotSignedInError';
  }
}
