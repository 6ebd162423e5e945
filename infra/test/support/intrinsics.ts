/**
 * CloudFormation values with their references filled in, the way a
 * deployment would resolve them: `Ref`s from a table (pseudo parameters
 * included), `Fn::Join`, `Fn::Sub`, `Fn::Base64`, and `Fn::GetAtt` as
 * `<logical id>.<attribute>`.
 */
import type { Template } from 'aws-cdk-lib/assertions';

export const DEPLOYED_REFS: Record<string, string> = {
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com'
};

export function resolveIntrinsics(
  value: unknown,
  refs: Record<string, string>
): unknown {
  if (Array.isArray(value)) {
    return value.map(item => resolveIntrinsics(item, refs));
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (keys.length === 1 && keys[0] === 'Ref') {
    const name = String(object.Ref);
    const resolved = refs[name];
    if (resolved === undefined) {
      throw new Error(`No value for Ref ${name}`);
    }
    return resolved;
  }
  if (keys.length === 1 && keys[0] === 'Fn::Join') {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts
      .map(part => String(resolveIntrinsics(part, refs)))
      .join(separator);
  }
  if (keys.length === 1 && keys[0] === 'Fn::Sub') {
    return String(object['Fn::Sub']).replace(/\$\{([^}]+)\}/g, (_, name) =>
      String(resolveIntrinsics({ Ref: name }, refs))
    );
  }
  if (keys.length === 1 && keys[0] === 'Fn::Base64') {
    return Buffer.from(
      String(resolveIntrinsics(object['Fn::Base64'], refs))
    ).toString('base64');
  }
  if (keys.length === 1 && keys[0] === 'Fn::GetAtt') {
    const [id, attribute] = object['Fn::GetAtt'] as [string, string];
    return `${id}.${attribute}`;
  }
  return Object.fromEntries(
    keys.map(key => [key, resolveIntrinsics(object[key], refs)])
  );
}

/** The ids a deployment gives the resources tests read ids of. */
export const DEPLOYED_IDS = {
  restApi: 'a1b2c3d4e5',
  userPool: 'us-east-1_AbCdEfGhI',
  userPoolClient: '1example23456789abcdefghij'
} as const;

type TemplateResource = {
  Type: string;
  Properties?: Record<string, unknown>;
};

/**
 * What each `Ref` of a template gives once deployed: the pseudo parameters,
 * the ids above for the API and the user pool, a stage's name, and the
 * logical id for any other resource.
 */
export function deploymentRefs(template: Template): Record<string, string> {
  const resources = template.toJSON().Resources as Record<
    string,
    TemplateResource
  >;
  const refOf = (id: string, resource: TemplateResource): string => {
    switch (resource.Type) {
      case 'AWS::ApiGateway::RestApi':
        return DEPLOYED_IDS.restApi;
      case 'AWS::Cognito::UserPool':
        return DEPLOYED_IDS.userPool;
      case 'AWS::Cognito::UserPoolClient':
        return DEPLOYED_IDS.userPoolClient;
      case 'AWS::ApiGateway::Stage':
        return String(resource.Properties?.StageName);
      default:
        return id;
    }
  };
  return {
    ...DEPLOYED_REFS,
    ...Object.fromEntries(
      Object.entries(resources).map(([id, resource]) => [
        id,
        refOf(id, resource)
      ])
    )
  };
}

/** A template's value as a deployment would resolve it. */
export function deployed(template: Template, value: unknown): unknown {
  return resolveIntrinsics(value, deploymentRefs(template));
}
