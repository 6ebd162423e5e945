/**
 * Where MLflow runs: private subnets of a new VPC (with flow logs), or of
 * an existing VPC named in the configuration, without a look-up.
 */
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';

import type { ExistingVpc } from './config';

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
      return;
    }
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      // One NAT gateway: MLflow's tasks reach ECR and S3's endpoint; a
      // second one buys availability for the image pulls only.
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        {
          name: 'private',
          subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS,
          cidrMask: 22
        }
      ],
      // S3 traffic (artifacts) stays off the NAT gateway.
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
    this.privateSubnets = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
  }
}
