/**
 * Reading a synthesized stack's IAM roles and policies as deployed: the
 * MLflow policies of a role, a role by its description, and whether IAM
 * would let a holder of policies call an API Gateway method.
 */
import type { Template } from 'aws-cdk-lib/assertions';

import { evaluatePolicy } from '../../src/apigateway/policy-evaluation';
import type { PolicyDocument } from '../../src/apigateway/policy-evaluation';
import { STAGE } from '../../cdk/gateway';
import { DEPLOYED_IDS, deployed } from './intrinsics';

/** The deployed API's method ARNs start with this. */
export const ARN_PREFIX = `arn:aws:execute-api:us-east-1:123456789012:${DEPLOYED_IDS.restApi}/${STAGE}/`;

type Resource = { Properties: Record<string, any> };

/** The MLflow managed policies attached to a role, as deployed. */
export function policiesOf(
  template: Template,
  roleId: string
): PolicyDocument[] {
  return Object.values(
    template.findResources('AWS::IAM::ManagedPolicy') as Record<
      string,
      Resource
    >
  )
    .filter(
      policy =>
        (policy.Properties.Roles as { Ref: string }[]).some(
          ref => ref.Ref === roleId
        ) &&
        String(policy.Properties.Description).startsWith('MLflow operations')
    )
    .map(
      policy =>
        deployed(template, policy.Properties.PolicyDocument) as PolicyDocument
    );
}

/** The logical id of the one role with this description. */
export function roleIdOf(template: Template, description: string): string {
  const roles = template.findResources('AWS::IAM::Role', {
    Properties: { Description: description }
  });
  expect(Object.keys(roles)).toHaveLength(1);
  return Object.keys(roles)[0];
}

/** Whether IAM lets a holder of these policies call the request (an explicit deny wins). */
export function allows(policies: PolicyDocument[], arn: string): boolean {
  const statements = policies.flatMap(policy => policy.Statement);
  return (
    evaluatePolicy({ Version: '2012-10-17', Statement: statements }, arn) ===
    'allow'
  );
}
