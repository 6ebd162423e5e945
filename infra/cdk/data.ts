/**
 * What MLflow keeps: runs, models and their metadata in Aurora PostgreSQL
 * Serverless v2 (the backend store), artifacts in S3. Neither is public,
 * both are encrypted, and both outlive the stack.
 */
import {
  Aws,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  Validations
} from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface MlflowDataProps {
  /** The VPC the database runs in. */
  readonly vpc: ec2.IVpc;
  /** The database's subnets. */
  readonly subnets: ec2.SubnetSelection;
  /** The database's least Aurora Serverless v2 capacity, in ACUs (0 lets it pause). */
  readonly minCapacity: number;
  /** The database's most Aurora Serverless v2 capacity, in ACUs. */
  readonly maxCapacity: number;
  /** How long the database's log and the artifact bucket's access logs are kept. */
  readonly logRetention: logs.RetentionDays;
}

/** The database MLflow's tables live in, and its user. */
export const DATABASE_NAME = 'mlflow';
export const DATABASE_USER = 'mlflow';

export class MlflowData extends Construct {
  readonly artifacts: s3.Bucket;
  readonly accessLogs: s3.Bucket;
  readonly database: rds.DatabaseCluster;

  constructor(scope: Construct, id: string, props: MlflowDataProps) {
    super(scope, id);
    const { vpc, subnets, logRetention } = props;

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // No ACLs: S3's log delivery is allowed by the bucket policy.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(logRetention) }],
      removalPolicy: RemovalPolicy.RETAIN
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket receives the artifact bucket’s access logs; logging its own access would log forever.'
    });

    this.artifacts = new s3.Bucket(this, 'Artifacts', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'artifacts/',
      lifecycleRules: [
        {
          noncurrentVersionExpiration: Duration.days(90),
          abortIncompleteMultipartUploadAfter: Duration.days(7)
        }
      ],
      removalPolicy: RemovalPolicy.RETAIN
    });

    // The cluster's PostgreSQL log, with our retention: the group exists
    // before RDS would create it (without one) on the first export. Both
    // names end in the stack's own id, new for each stack: after a failed
    // first deploy, the retained log group (and a cluster that deletion
    // protection kept) do not block the next attempt.
    const stackIdSuffix = Fn.select(
      0,
      Fn.split('-', Fn.select(2, Fn.split('/', Aws.STACK_ID)))
    );
    const clusterIdentifier = Fn.join('-', [
      `${Stack.of(this).stackName}-mlflow`.toLowerCase(),
      stackIdSuffix
    ]);
    const postgresLog = new logs.LogGroup(this, 'DatabaseLog', {
      logGroupName: `/aws/rds/cluster/${clusterIdentifier}/postgresql`,
      retention: logRetention,
      removalPolicy: RemovalPolicy.RETAIN
    });
    this.database = new rds.DatabaseCluster(this, 'Database', {
      clusterIdentifier,
      engine: rds.DatabaseClusterEngine.auroraPostgres({
        version: rds.AuroraPostgresEngineVersion.VER_17_9
      }),
      writer: rds.ClusterInstance.serverlessV2('Writer'),
      serverlessV2MinCapacity: props.minCapacity,
      serverlessV2MaxCapacity: props.maxCapacity,
      defaultDatabaseName: DATABASE_NAME,
      // Connections without TLS are refused (MLflow verifies the server's
      // certificate too). A parameter group of its own: an in-place update.
      parameters: { 'rds.force_ssl': '1' },
      // The password is generated into Secrets Manager, never written here.
      credentials: rds.Credentials.fromGeneratedSecret(DATABASE_USER),
      vpc,
      vpcSubnets: subnets,
      storageEncrypted: true,
      iamAuthentication: true,
      deletionProtection: true,
      backup: { retention: Duration.days(7) },
      cloudwatchLogsExports: ['postgresql'],
      removalPolicy: RemovalPolicy.SNAPSHOT
    });
    this.database.node.addDependency(postgresLog);
    Validations.of(this.database).acknowledge({
      id: 'AwsSolutions-RDS11',
      reason:
        'Only MLflow’s security group may reach the database; a non-default port would add obscurity, not access control.'
    });
    Validations.of(this.database).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'MLflow reads the database password when a task starts; rotate it together with a redeployment of the service (docs/operations.md), not on a schedule that would break running tasks.'
    });
  }
}
