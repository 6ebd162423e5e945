/**
 * Where MLflow runs: private subnets of a new VPC (with flow logs), or of
 * an existing VPC named in the configuration, without a look-up. Studio
 * apps and training jobs get subnets (in a new VPC) and a security group
 * of their own, which none of MLflow's security groups admits.
 */
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { RemovalPolicy } from 'aws-cdk-lib';
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

export class MlflowNetwork extends Construct {
  readonly vpc: ec2.IVpc;
  /** Where MLflow's tasks and the database go. */
  readonly privateSubnets: ec2.SubnetSelection;
  /** Where Studio apps and training jobs go: never MLflow's (unless configured so). */
  readonly workloadSubnetIds: string[];
  /** The security group of Studio apps and training jobs. */
  readonly workloadSecurityGroup: ec2.SecurityGroup;

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
      // S3 traffic (artifacts) stays off the NAT gateway, from every subnet.
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } }
    });
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
