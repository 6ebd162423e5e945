/**
 * Access from other accounts: for each configured MLflow role, an IAM role
 * in this account that the named principals of the listed accounts may
 * assume, with a source identity set. It carries the same generated
 * policies as that role's execution role, so a training job elsewhere
 * reaches MLflow with exactly that role's rights.
 */
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

import type { RoleTable } from '../src/permissions/roles';
import type { CrossAccountAccess } from './config';
import {
  MlflowAccessPolicies,
  checkManagedPolicyQuota
} from './mlflow-access-policies';
import type { PrincipalIdentity } from './mlflow-identities';
import { logicalName } from './studio';

export interface MlflowCrossAccountAccessProps {
  /** The compiled roles: an assumed role is allowed exactly its role's operations. */
  readonly roles: RoleTable;
  /** The gateway's REST API, which the assumed roles call. */
  readonly api: apigw.IRestApi;
  /**
   * The MLflow roles other accounts may assume, and which accounts.
   *
   * @default - none
   */
  readonly access?: readonly CrossAccountAccess[];
}

export class MlflowCrossAccountAccess extends Construct {
  /** The role to assume for each MLflow role, by role name. */
  readonly roles: ReadonlyMap<string, iam.Role>;
  /** Who MLflow says each role's sessions are. */
  readonly identities: readonly PrincipalIdentity[];

  constructor(
    scope: Construct,
    id: string,
    props: MlflowCrossAccountAccessProps
  ) {
    super(scope, id);
    const { api } = props;
    const roles = new Map<string, iam.Role>();
    const identities: PrincipalIdentity[] = [];
    for (const access of props.access ?? []) {
      const id = `${logicalName(access.role)}Access`;
      const principals = trustedPrincipals(access);
      const role = new iam.Role(this, id, {
        // Only with a source identity: CloudTrail then names the person or
        // job behind every session, also through role chaining.
        assumedBy: new iam.PrincipalWithConditions(
          new iam.CompositePrincipal(
            ...access.accounts.map(account => new iam.AccountPrincipal(account))
          ),
          { ...principals, Null: { 'sts:SourceIdentity': 'false' } }
        ),
        description: `Reaches MLflow with the permissions of the "${access.role}" role, from ${access.accounts.join(', ')}`
      });
      role.assumeRolePolicy?.addStatements(
        new iam.PolicyStatement({
          actions: ['sts:SetSourceIdentity'],
          principals: access.accounts.map(
            account => new iam.AccountPrincipal(account)
          ),
          conditions: principals
        })
      );
      new MlflowAccessPolicies(this, `${id}Mlflow`, {
        role,
        roleName: access.role,
        operations: props.roles.get(access.role) ?? new Set(),
        api
      });
      checkManagedPolicyQuota(
        role,
        `The cross-account role of "${access.role}"`
      );
      roles.set(access.role, role);
      // The session's source identity names the person or job, but API
      // Gateway does not pass it on: MLflow names the role.
      identities.push({
        role,
        user: `${access.role} (cross-account role for ${access.accounts.join(', ')})`,
        roles: [access.role]
      });
    }
    this.roles = roles;
    this.identities = identities;
  }
}

/** The conditions naming who of the trusted accounts may assume the role. */
function trustedPrincipals(
  access: CrossAccountAccess
): Record<string, Record<string, string | string[]>> {
  const conditions: Record<string, Record<string, string | string[]>> = {};
  if (access.principalArns !== undefined && access.principalArns.length > 0) {
    conditions.ArnLike = { 'aws:PrincipalArn': [...access.principalArns] };
  }
  if (access.principalOrgId !== undefined) {
    conditions.StringEquals = { 'aws:PrincipalOrgID': access.principalOrgId };
  }
  return conditions;
}
