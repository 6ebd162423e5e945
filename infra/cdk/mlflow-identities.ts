/**
 * Who each IAM principal of the deployment is, for the MLflow server app
 * (`STUDIO_MLFLOW_IDENTITIES`): API Gateway tells MLflow only the signer's
 * ARN, and MLflow looks up the user and roles of its role here.
 */
import { Aws } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';

/** An IAM role of the deployment and who MLflow says its sessions are. */
export interface PrincipalIdentity {
  readonly role: iam.IRole;
  /** The user MLflow records as the author and in the audit. */
  readonly user: string;
  /** The MLflow roles the sessions have. */
  readonly roles: readonly string[];
}

/**
 * The key MLflow looks a role's sessions up by: their
 * `$context.identity.userArn` without the session name (an assumed role's
 * ARN has no path).
 */
export function assumedRoleKey(role: iam.IRole): string {
  return `arn:${Aws.PARTITION}:sts::${Aws.ACCOUNT_ID}:assumed-role/${role.roleName}`;
}

/** The table, by principal key; serialize it with `Stack.toJsonString` (its keys hold tokens). */
export function identityTable(
  identities: readonly PrincipalIdentity[]
): Record<string, { user: string; roles: string[] }> {
  return Object.fromEntries(
    identities.map(identity => [
      assumedRoleKey(identity.role),
      { user: identity.user, roles: [...identity.roles] }
    ])
  );
}
