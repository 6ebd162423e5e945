/**
 * CDK feature flags the app relies on, given to every `App` (the CLI's and
 * the tests'), so that what is tested is what is deployed.
 */
export const FEATURE_FLAGS: Readonly<Record<string, boolean>> = Object.freeze({
  // S3 server access logs are allowed by a bucket policy, not the legacy
  // LogDeliveryWrite ACL (which needs ACLs on the log bucket).
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true
});
