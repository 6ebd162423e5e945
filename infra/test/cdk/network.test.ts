import { Template } from 'aws-cdk-lib/assertions';

import { MLFLOW_PORT } from '../../cdk/mlflow-service';
import { buildStack, templateOf } from '../support/cdk';
import { deployed } from '../support/intrinsics';

const EXISTING_VPC = {
  vpcId: 'vpc-0abc',
  cidrBlock: '10.1.0.0/16',
  privateSubnetIds: ['subnet-0a', 'subnet-0b'],
  availabilityZones: ['us-east-1a', 'us-east-1b']
};
const STUDIO_SUBNETS = ['subnet-0c', 'subnet-0d'];

interface Rule {
  CidrIp?: unknown;
  CidrIpv6?: unknown;
  SourceSecurityGroupId?: unknown;
  DestinationSecurityGroupId?: unknown;
  FromPort?: number;
  ToPort?: number;
}

/** The logical id a `Fn::GetAtt: [id, GroupId]` names. */
function groupId(reference: unknown): string {
  const getAtt = (reference as { 'Fn::GetAtt'?: [string, string] })[
    'Fn::GetAtt'
  ];
  if (getAtt === undefined || getAtt[1] !== 'GroupId') {
    throw new Error(`not a security group: ${JSON.stringify(reference)}`);
  }
  return getAtt[0];
}

/** A security group's rules of one direction, inline and separate. */
function rulesOf(
  template: Template,
  group: string,
  direction: 'Ingress' | 'Egress'
): Rule[] {
  const inline =
    template.findResources('AWS::EC2::SecurityGroup')[group]?.Properties[
      `SecurityGroup${direction}`
    ] ?? [];
  const separate = Object.values(
    template.findResources(`AWS::EC2::SecurityGroup${direction}`)
  )
    .map(rule => rule.Properties)
    .filter(rule => groupId(rule.GroupId) === group);
  return [...inline, ...separate];
}

/** The security groups and subnets of the load balancer, task, database and Studio. */
function networkOf(template: Template) {
  const [loadBalancer] = Object.values(
    template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer')
  ).map(r => r.Properties);
  const [service] = Object.values(
    template.findResources('AWS::ECS::Service')
  ).map(r => r.Properties.NetworkConfiguration.AwsvpcConfiguration);
  const [database] = Object.values(
    template.findResources('AWS::RDS::DBCluster')
  ).map(r => r.Properties);
  const [domain] = Object.values(
    template.findResources('AWS::SageMaker::Domain')
  ).map(r => r.Properties);
  return {
    loadBalancer,
    loadBalancerGroups: (loadBalancer.SecurityGroups ?? []).map(groupId),
    taskGroups: service.SecurityGroups.map(groupId),
    databaseGroups: database.VpcSecurityGroupIds.map(groupId),
    mlflowSubnets: [...service.Subnets, ...loadBalancer.Subnets],
    domain
  };
}

describe.each([
  ['a new VPC', {}],
  [
    'an existing VPC with subnets for Studio',
    { vpc: { ...EXISTING_VPC, studioSubnetIds: STUDIO_SUBNETS } }
  ],
  ['an existing VPC without', { vpc: EXISTING_VPC }]
])('the network with %s: only the gateway reaches MLflow', (_, json) => {
  const template = templateOf(json);
  const network = networkOf(template);

  it('gives the load balancer a security group that admits nothing, while the VPC link’s PrivateLink traffic passes', () => {
    expect(network.loadBalancerGroups).toHaveLength(1);
    expect(
      network.loadBalancer.EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic
    ).toBe('off');
    expect(rulesOf(template, network.loadBalancerGroups[0], 'Ingress')).toEqual(
      []
    );
  });

  it('lets only the load balancer reach MLflow’s task, on MLflow’s port', () => {
    expect(network.taskGroups).toHaveLength(1);
    const ingress = rulesOf(template, network.taskGroups[0], 'Ingress');
    expect(ingress).toHaveLength(1);
    expect(ingress[0]).not.toHaveProperty('CidrIp');
    expect(ingress[0]).not.toHaveProperty('CidrIpv6');
    expect(groupId(ingress[0].SourceSecurityGroupId)).toBe(
      network.loadBalancerGroups[0]
    );
    expect([ingress[0].FromPort, ingress[0].ToPort]).toEqual([
      MLFLOW_PORT,
      MLFLOW_PORT
    ]);
  });

  it('lets only MLflow’s task reach the database', () => {
    const ingress = network.databaseGroups.flatMap((group: string) =>
      rulesOf(template, group, 'Ingress')
    );
    expect(ingress.length).toBeGreaterThan(0);
    for (const rule of ingress) {
      expect(rule).not.toHaveProperty('CidrIp');
      expect(groupId(rule.SourceSecurityGroupId)).toBe(network.taskGroups[0]);
    }
  });

  it('runs Studio apps in a security group of their own, which no MLflow group admits', () => {
    const studioGroups = network.domain
      ? network.domain.DefaultUserSettings.SecurityGroups.map(groupId)
      : [];
    const [workloadGroup] = Object.values(
      template.findOutputs('WorkloadSecurityGroupId')
    ).map(output => groupId(output.Value));
    expect(studioGroups).toEqual([workloadGroup]);
    const mlflowGroups = [
      ...network.loadBalancerGroups,
      ...network.taskGroups,
      ...network.databaseGroups
    ];
    expect(mlflowGroups).not.toContain(workloadGroup);
    const admitted = mlflowGroups.flatMap((group: string) =>
      rulesOf(template, group, 'Ingress')
    );
    for (const rule of admitted) {
      expect(groupId(rule.SourceSecurityGroupId)).not.toBe(workloadGroup);
    }
  });
});

describe('the subnets of Studio apps and training jobs', () => {
  /** The subnets the domain and the output name, and MLflow's. */
  function subnetsOf(json: Record<string, unknown>) {
    const template = templateOf(json);
    const network = networkOf(template);
    const [output] = Object.values(
      template.findOutputs('WorkloadSubnetIds')
    ).map(o => o.Value);
    return { template, network, output };
  }

  it('are subnets of their own in a new VPC, with the S3 endpoint, exported for training jobs', () => {
    const { template, network, output } = subnetsOf({});
    const studio = network.domain.SubnetIds;
    expect(studio).toHaveLength(2);
    for (const subnet of studio) {
      expect(network.mlflowSubnets).not.toContainEqual(subnet);
    }
    expect(output).toEqual({ 'Fn::Join': [',', studio] });
    // The S3 gateway endpoint routes from the Studio subnets' tables too.
    const [endpoint] = Object.values(
      template.findResources('AWS::EC2::VPCEndpoint')
    ).map(r => r.Properties);
    const tables = JSON.stringify(endpoint.RouteTableIds);
    for (const subnet of studio) {
      const name = (subnet as { Ref: string }).Ref.replace(
        /Subnet[0-9A-F]+$/,
        ''
      );
      expect(tables).toContain(name);
    }
  });

  it('are the configured ones in an existing VPC', () => {
    const { network, output } = subnetsOf({
      vpc: { ...EXISTING_VPC, studioSubnetIds: STUDIO_SUBNETS }
    });
    expect(network.domain.SubnetIds).toEqual(STUDIO_SUBNETS);
    expect(output).toBe(STUDIO_SUBNETS.join(','));
  });

  it('default to MLflow’s subnets in an existing VPC that names none (the security groups keep them apart)', () => {
    const { network, output } = subnetsOf({ vpc: EXISTING_VPC });
    expect(network.domain.SubnetIds).toEqual(EXISTING_VPC.privateSubnetIds);
    expect(output).toBe(EXISTING_VPC.privateSubnetIds.join(','));
  });
});

describe('the S3 gateway endpoint of a new VPC', () => {
  interface Statement {
    Effect: string;
    Principal: unknown;
    Action: string | string[];
    Resource: unknown;
  }

  /** The endpoint policy's statements, with ARNs as deployed. */
  function endpointPolicy(json: Record<string, unknown> = {}) {
    const template = templateOf(json);
    const [endpoint] = Object.values(
      template.findResources('AWS::EC2::VPCEndpoint', {
        Properties: { VpcEndpointType: 'Gateway' }
      })
    ).map(r => r.Properties);
    const statements = (endpoint.PolicyDocument?.Statement ??
      []) as Statement[];
    return statements.map(statement => ({
      ...statement,
      Action: [statement.Action].flat(),
      Resource: [statement.Resource]
        .flat()
        .map(arn => String(deployed(template, arn)))
        .sort()
    }));
  }

  /** What the policy allows on a resource: the actions of the statements naming it. */
  function allowedOn(
    statements: ReturnType<typeof endpointPolicy>,
    resource: string
  ): string[] {
    return statements
      .filter(s => s.Effect === 'Allow' && s.Resource.includes(resource))
      .flatMap(s => s.Action);
  }

  it('lets the VPC reach only the buckets the deployment uses, and ECR’s image layers', () => {
    const statements = endpointPolicy();
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      expect(statement.Principal).toEqual({ AWS: '*' });
      for (const resource of statement.Resource) {
        // Named buckets only: no bucket pattern, no `*`.
        expect(resource).toMatch(
          /^(arn:aws:s3:::[a-z0-9][a-z0-9.-]+[a-z0-9]|DataArtifacts\w+\.Arn)(\/.+)?$/
        );
      }
    }
    const resources = statements.flatMap(s => s.Resource);
    const buckets = new Set(resources.map(arn => arn.split('/')[0]));
    const artifacts = [...buckets].find(arn => arn.startsWith('DataArtifacts'));
    expect(artifacts).toBeDefined();
    expect([...buckets].sort()).toEqual(
      [
        artifacts,
        // The wheel Studio installs, in the CDK assets bucket.
        'arn:aws:s3:::cdk-hnb659fds-assets-123456789012-us-east-1',
        // ECR keeps image layers in S3 (MLflow's task pulls its image).
        'arn:aws:s3:::prod-us-east-1-starport-layer-bucket',
        // The SageMaker SDK's default bucket (training jobs' data).
        'arn:aws:s3:::sagemaker-us-east-1-123456789012'
      ].sort()
    );
    // MLflow reads and writes artifacts through it; the rest is read-only.
    expect(allowedOn(statements, `${artifacts}/*`)).toContain('s3:*');
    expect(
      allowedOn(
        statements,
        'arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*'
      )
    ).toEqual(['s3:GetObject']);
    const wheel = resources.find(arn => arn.startsWith('arn:aws:s3:::cdk-'));
    // One object, by its content hash (a .whl when the wheel is bundled).
    expect(wheel).toMatch(/\/[0-9a-f]{64}\.\w+$/);
    expect(allowedOn(statements, wheel as string)).toEqual(['s3:GetObject']);
  });

  it('lets the VPC reach the buckets the configuration adds (training jobs’ data)', () => {
    const statements = endpointPolicy({
      studio: { s3Buckets: ['team-datasets'] }
    });
    expect(allowedOn(statements, 'arn:aws:s3:::team-datasets')).toContain(
      's3:*'
    );
    expect(allowedOn(statements, 'arn:aws:s3:::team-datasets/*')).toContain(
      's3:*'
    );
  });

  it('is none in an existing VPC, whose endpoints are the operator’s', () => {
    const template = templateOf({ vpc: EXISTING_VPC });
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
  });

  it('passes the AWS Solutions checks', () => {
    expect(() =>
      buildStack({ studio: { s3Buckets: ['team-datasets'] } }).app.synth()
    ).not.toThrow();
  });
});
