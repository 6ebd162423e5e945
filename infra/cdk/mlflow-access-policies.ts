/**
 * What lets an IAM role call exactly one MLflow role's operations through
 * the gateway: the `execute-api:Invoke` managed policies generated from the
 * permission model, attached to the role.
 */
import { Aws, Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

import { ApiTarget, iamPolicyDocuments } from '../src/permissions/policy';
import { STAGE } from './gateway';
import { wildcardFinding } from './nag';

/** The deployed API as the generated policies name it. */
export function apiTarget(api: apigw.IRestApi): ApiTarget {
  return {
    partition: Aws.PARTITION,
    region: Aws.REGION,
    account: Aws.ACCOUNT_ID,
    apiId: api.restApiId,
    stage: STAGE
  };
}

/**
 * How long each part of the API's ARN can be once deployed, with room to
 * spare: partitions such as `aws-us-gov`, regions such as
 * `us-isof-south-1`, 12-digit accounts, 10-character API ids.
 */
const LONGEST_DEPLOYED = {
  partition: 16,
  region: 20,
  account: 12,
  apiId: 10,
  stage: 128
} as const satisfies Record<keyof ApiTarget, number>;

/**
 * The target to size policies by: each part not known before deployment
 * as long as it can be. A token's placeholder has a length of its own,
 * which changes from one synthesis to the next.
 */
export function sizingTarget(target: ApiTarget): ApiTarget {
  const longest = (part: keyof ApiTarget): string => {
    const value = target[part] ?? '';
    return Token.isUnresolved(value)
      ? 'x'.repeat(LONGEST_DEPLOYED[part])
      : value;
  };
  return {
    partition: longest('partition'),
    region: longest('region'),
    account: longest('account'),
    apiId: longest('apiId'),
    stage: longest('stage')
  };
}

export interface MlflowAccessPoliciesProps {
  /** The IAM role the policies are attached to. */
  readonly role: iam.IRole;
  /** The MLflow role whose operations these are, named in the policies' descriptions. */
  readonly roleName: string;
  /** Ids of the operations the role may call: its row of the compiled role table. */
  readonly operations: ReadonlySet<string>;
  /** The gateway's REST API, the only resource the policies allow. */
  readonly api: apigw.IRestApi;
}

export class MlflowAccessPolicies extends Construct {
  /** As many as IAM's size limit on a policy needs, in order. */
  readonly policies: readonly iam.ManagedPolicy[];

  constructor(scope: Construct, id: string, props: MlflowAccessPoliciesProps) {
    super(scope, id);
    const { role, roleName, operations, api } = props;
    const target = apiTarget(api);
    this.policies = iamPolicyDocuments(
      operations,
      target,
      sizingTarget(target)
    ).map((document, i) => {
      // The policies are `<id>1`, `<id>2`… beside this construct, where
      // deployed stacks have them: under new logical ids, an update would
      // attach the new ones before detaching the old, and could take a
      // role past IAM's quota of managed policies (10 by default).
      const policy = new iam.ManagedPolicy(scope, `${id}${i + 1}`, {
        description: `MLflow operations of the "${roleName}" role (${i + 1}), generated from the permission model`,
        document: iam.PolicyDocument.fromJson(document),
        roles: [role]
      });
      const wildcards = document.Statement.flatMap(statement =>
        [statement.Resource].flat()
      ).filter(resource => resource.includes('*'));
      Validations.of(policy).acknowledge(
        ...wildcards.map(resource => ({
          id: wildcardFinding(policy, resource),
          reason:
            'MLflow operations of this role, generated from the permission model: each * stands for a path parameter (an id, a name, an artifact path), with explicit denies where it would reach an operation the role lacks, or for a whole subtree of paths every operation of which (of that method) the role has.'
        }))
      );
      return policy;
    });
  }
}

/** IAM's default quota of managed policies attached to one role. */
export const MANAGED_POLICY_QUOTA = 10;

/**
 * Fails synthesis, naming the role, when more managed policies are attached
 * to it (its own ARNs and the stack's policies that name it) than IAM's
 * default quota: the deployment would fail half-way instead.
 */
export function checkManagedPolicyQuota(role: iam.Role, label: string): void {
  role.node.addValidation({
    validate: () => {
      const stack = Stack.of(role);
      const ref = JSON.stringify(stack.resolve(role.roleName));
      const own = [
        stack.resolve(
          (role.node.defaultChild as iam.CfnRole).managedPolicyArns
        ) ?? []
      ].flat().length;
      const attached = stack.node
        .findAll()
        .filter(
          (construct): construct is iam.CfnManagedPolicy =>
            construct instanceof iam.CfnManagedPolicy
        )
        .filter(policy =>
          [stack.resolve(policy.roles) ?? []]
            .flat()
            .some(roleRef => JSON.stringify(roleRef) === ref)
        ).length;
      const count = own + attached;
      return count > MANAGED_POLICY_QUOTA
        ? [
            `${label} would have ${count} managed policies, more than IAM's default quota of ${MANAGED_POLICY_QUOTA} per role: configure fewer (studio.managedPolicies) or merge them.`
          ]
        : [];
    }
  });
}
