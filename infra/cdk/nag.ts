/**
 * cdk-nag names a finding on a policy resource by the resource's
 * CloudFormation value, references written `<Ref>` and `<Resource.Attribute>`.
 * This renders a resource ARN (tokens included) the same way, so each
 * acknowledgement names exactly the ARN it is about.
 */
import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

function render(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  const object = value as Record<string, unknown>;
  if ('Ref' in object) {
    return `<${String(object.Ref)}>`;
  }
  if ('Fn::GetAtt' in object) {
    return `<${(object['Fn::GetAtt'] as string[]).join('.')}>`;
  }
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map(render).join(separator);
  }
  throw new Error(`cdk-nag's name of ${JSON.stringify(value)} is unknown`);
}

/** The id of cdk-nag's wildcard finding (IAM5) for a policy resource ARN. */
export function wildcardFinding(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${render(Stack.of(scope).resolve(resource))}]`;
}
