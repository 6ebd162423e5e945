/**
 * Where MLflow runs: private subnets of a new VPC (with flow logs), or of
 * an existing VPC named in the configuration, without a look-up. Studio
 * apps and training jobs get subnets (in a new VPC) and a security group
 * of their own, which none of MLflow's security groups admits.
 */
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';

import type { ExistingVpc } from './config';

/** A new VPC's subnet groups: MLflow (its tasks, load balancer, database), Studio apps and jobs. */
const MLFLOW_SUBNET_GROUP = 'private';
const STUDIO_SUBNET_GROUP = 'studio';

export interface MlflowNetworkProps {
  /**
   * An existing VPC, named with its private subnets (no look-up).
   *
   * @default - a new VPC in two zones, with flow logs
   */
  readonly vpc?: ExistingVpc;
  /** How long a new VPC's flow logs (rejected traffic) are kept. */
  readonly logRetention: logs.RetentionDays;
}

/** What the VPC may reach in S3 through its gateway endpoint. */
export interface S3EndpointAccess {
  /** Buckets (ARNs) whose bucket and objects it reaches; IAM decides the rest. */
  readonly buckets: readonly string[];
  /** Objects (ARNs) it may only read. */
  readonly readObjects: readonly string[];
}

export class MlflowNetwork extends Construct {
  readonly vpc: ec2.IVpc;
  /** Where MLflow's tasks and the database go. */
  readonly privateSubnets: ec2.SubnetSelection;
  /** Where Studio apps and training jobs go: never MLflow's (unless configured so). */
  readonly workloadSubnetIds: string[];
  /** The security group of Studio apps and training jobs. */
  readonly workloadSecurityGroup: ec2.SecurityGroup;
  /** A new VPC's S3 gateway endpoint; an existing VPC's endpoints are the operator's. */
  readonly s3Endpoint?: ec2.GatewayVpcEndpoint;

  constructor(scope: Construct, id: string, props: MlflowNetworkProps) {
    super(scope, id);
    const existing = props.vpc;
    if (existing) {
      this.vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
        vpcId: existing.vpcId,
        vpcCidrBlock: existing.cidrBlock,
        availabilityZones: [...existing.availabilityZones],
        privateSubnetIds: [...existing.privateSubnetIds]
      });
      this.privateSubnets = { subnets: this.vpc.privateSubnets };
      this.workloadSubnetIds = [
        ...(existing.studioSubnetIds ?? existing.privateSubnetIds)
      ];
      this.workloadSecurityGroup = this.newWorkloadSecurityGroup();
      return;
    }
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      // One NAT gateway: MLflow's tasks reach ECR, Studio apps the internet;
      // a second one buys availability for those only. 10.0.0.0/16 holds
      // two /24 public and four /22 private subnets.
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        {
          name: 'private',
          subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS,
          cidrMask: 22
        },
        {
          name: STUDIO_SUBNET_GROUP,
          subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS,
          cidrMask: 22
        }
      ],
      // S3 traffic (artifacts) stays off the NAT gateway, from every subnet;
      // limitS3Endpoint names the buckets it may reach.
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } }
    });
    this.s3Endpoint = vpc.node.findChild('S3') as ec2.GatewayVpcEndpoint;
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(
        new logs.LogGroup(this, 'FlowLogs', {
          retention: props.logRetention,
          removalPolicy: RemovalPolicy.DESTROY
        })
      ),
      trafficType: ec2.FlowLogTrafficType.REJECT
    });
    this.vpc = vpc;
    this.privateSubnets = { subnetGroupName: MLFLOW_SUBNET_GROUP };
    this.workloadSubnetIds = vpc.selectSubnets({
      subnetGroupName: STUDIO_SUBNET_GROUP
    }).subnetIds;
    this.workloadSecurityGroup = this.newWorkloadSecurityGroup();
  }

  /**
   * Lets the new VPC reach in S3 (all of its subnets' S3 traffic goes
   * through the endpoint) only the given buckets and objects, and the
   * layers of ECR images (Fargate pulls them from S3). No effect in an
   * existing VPC.
   */
  limitS3Endpoint(access: S3EndpointAccess): void {
    if (this.s3Endpoint === undefined) {
      return;
    }
    this.s3Endpoint.addToPolicy(
      new iam.PolicyStatement({
        sid: 'DeploymentBuckets',
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:*'],
        resources: access.buckets.flatMap(bucket => [bucket, `${bucket}/*`])
      })
    );
    this.s3Endpoint.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadOnly',
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject'],
        resources: [
          ...access.readObjects,
          `arn:${Aws.PARTITION}:s3:::prod-${Aws.REGION}-starport-layer-bucket/*`
        ]
      })
    );
  }

  private newWorkloadSecurityGroup(): ec2.SecurityGroup {
    // Open egress (packages, SageMaker, the gateway's public API); MLflow's
    // load balancer and task admit no traffic of this group.
    const group = new ec2.SecurityGroup(this, 'WorkloadSecurityGroup', {
      vpc: this.vpc,
      description: 'Studio apps and training jobs; no path to MLflow',
      allowAllOutbound: true
    });
    // Studio's apps talk to each other and to the home folders (NFS).
    group.addIngressRule(
      group,
      ec2.Port.tcp(2049),
      'Home folders (Amazon EFS)'
    );
    group.addIngressRule(
      group,
      ec2.Port.tcpRange(8192, 65535),
      'Between the domain’s apps'
    );
    return group;
  }
}
