/**
 * Access from other accounts: for each configured MLflow role, an IAM role
 * in this account that principals of the listed accounts may assume. It
 * carries the same generated policies as that role's execution role, so a
 * training job elsewhere reaches MLflow with exactly that role's rights.
 */
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

import { compileRoles } from '../src/permissions/roles';
import type { DeploymentConfig } from './config';
import { attachMlflowPolicies, logicalName } from './studio';

export interface CrossAccountAccessProps {
  readonly config: DeploymentConfig;
  readonly api: apigw.IRestApi;
}

export class MlflowCrossAccountAccess extends Construct {
  /** The role to assume for each MLflow role, by role name. */
  readonly roles: ReadonlyMap<string, iam.Role>;

  constructor(scope: Construct, id: string, props: CrossAccountAccessProps) {
    super(scope, id);
    const { config, api } = props;
    const table = compileRoles(config.permissions);
    const roles = new Map<string, iam.Role>();
    for (const access of config.crossAccount) {
      const id = `${logicalName(access.role)}Access`;
      const role = new iam.Role(this, id, {
        assumedBy: new iam.CompositePrincipal(
          ...access.accounts.map(account => new iam.AccountPrincipal(account))
        ),
        description: `Reaches MLflow with the permissions of the "${access.role}" role, from ${access.accounts.join(', ')}`
      });
      attachMlflowPolicies(
        this,
        `${id}Mlflow`,
        role,
        table.get(access.role) ?? new Set(),
        api,
        access.role
      );
      roles.set(access.role, role);
    }
    this.roles = roles;
  }
}
