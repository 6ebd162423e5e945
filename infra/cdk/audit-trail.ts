/**
 * MLflow's audit trail in AWS: the audit events of MLflow's server app (one
 * JSON line per state-changing request and per refusal) in a CloudWatch log
 * group of their own, kept for years, and optionally copied into an S3
 * bucket with Object Lock, where no one can change or delete them before
 * their retention ends.
 *
 * In the task, the app appends the events to a file on a task volume; a
 * second container of the same image (the audit follower) writes each new
 * line to its stdout, which the awslogs driver ships to the log group. What
 * a task keeps on its volume goes with the task: lines not yet shipped when
 * it stops (killed, out of memory, its host gone) are lost. See
 * docs/operations.md ("Audit trail in AWS").
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as destinations from 'aws-cdk-lib/aws-logs-destinations';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

import { wildcardFinding } from './nag';

/** The folder of the task volume MLflow and the follower share (the image creates it). */
export const AUDIT_DIR = '/var/log/studio-mlflow';

/** The audit file MLflow's app appends to (`STUDIO_MLFLOW_AUDIT_LOG`). */
export const AUDIT_FILE = `${AUDIT_DIR}/audit.jsonl`;

/** The setting that names the audit file, for MLflow's app and the follower. */
export const AUDIT_LOG_SETTING = 'STUDIO_MLFLOW_AUDIT_LOG';

/** Where the image keeps the follower (infra/mlflow-image/audit-follower.py). */
const FOLLOWER = '/usr/local/bin/audit-follower';

const VOLUME = 'audit';

/** The mapping CDK's Firehose delivery stream adds to its stack (its id, `/` made `--`). */
const FIREHOSE_CIDR_MAPPING = '@aws-cdk--aws-kinesisfirehose.CidrBlocks';

/** How the archive's objects are locked: S3 Object Lock's modes. */
export type ObjectLockMode = 'COMPLIANCE' | 'GOVERNANCE';

export interface MlflowAuditTrailProps {
  /**
   * How long the log group keeps the events.
   *
   * @default logs.RetentionDays.SEVEN_YEARS
   */
  readonly retention?: logs.RetentionDays;
  /**
   * An S3 bucket with Object Lock that receives every event too, each
   * object locked in this mode for this many days from its writing, then
   * deleted.
   *
   * @default - no bucket
   */
  readonly objectLock?: {
    readonly mode: ObjectLockMode;
    readonly days: number;
  };
  /** Where the archive bucket's access logs go; needed with `objectLock`. */
  readonly accessLogs?: s3.IBucket;
}

export class MlflowAuditTrail extends Construct {
  /** The audit events, one log event each. */
  readonly logGroup: logs.LogGroup;
  /** The locked copy of every event, when configured. */
  readonly archive?: s3.Bucket;

  constructor(scope: Construct, id: string, props: MlflowAuditTrailProps = {}) {
    super(scope, id);
    const retention = props.retention ?? logs.RetentionDays.SEVEN_YEARS;
    // Kept when the stack is deleted: an audit trail outlives what it audits.
    this.logGroup = new logs.LogGroup(this, 'Events', {
      retention,
      removalPolicy: RemovalPolicy.RETAIN
    });
    if (props.objectLock !== undefined) {
      if (props.accessLogs === undefined) {
        throw new Error(
          'The audit archive needs a bucket for its access logs (accessLogs).'
        );
      }
      this.archive = this.addArchive(
        props.objectLock.mode,
        props.objectLock.days,
        props.accessLogs,
        retention
      );
    }
  }

  /**
   * Has MLflow's container write the audit file on a task volume, and runs
   * the follower beside it, which ships each line to the log group. MLflow
   * depends on the follower: ECS starts it first and stops it last, after
   * MLflow has written its last events, which it ships before it exits.
   */
  attachTo(
    task: ecs.TaskDefinition,
    mlflow: ecs.ContainerDefinition,
    image: ecs.ContainerImage
  ): ecs.ContainerDefinition {
    task.addVolume({ name: VOLUME });
    mlflow.addMountPoints({
      sourceVolume: VOLUME,
      containerPath: AUDIT_DIR,
      readOnly: false
    });
    mlflow.addEnvironment(AUDIT_LOG_SETTING, AUDIT_FILE);
    const follower = task.addContainer('audit-follower', {
      image,
      entryPoint: ['python', FOLLOWER],
      environment: { [AUDIT_LOG_SETTING]: AUDIT_FILE },
      // Blocking: a slow CloudWatch Logs holds the follower back (the file
      // keeps the lines) rather than dropping them.
      logging: ecs.LogDrivers.awsLogs({
        logGroup: this.logGroup,
        streamPrefix: 'audit',
        mode: ecs.AwsLogDriverMode.BLOCKING
      }),
      readonlyRootFilesystem: true,
      essential: true,
      // Restarted in place, it goes on from where it had got to (its
      // position is kept on the volume); the task and its file stay.
      enableRestartPolicy: true,
      restartAttemptPeriod: Duration.seconds(60),
      // Fargate's longest: time to ship the rest when the task stops.
      stopTimeout: Duration.seconds(120)
    });
    follower.addMountPoints({
      sourceVolume: VOLUME,
      containerPath: AUDIT_DIR,
      readOnly: false
    });
    mlflow.addContainerDependencies({
      container: follower,
      condition: ecs.ContainerDependencyCondition.START
    });
    return follower;
  }

  private addArchive(
    mode: ObjectLockMode,
    days: number,
    accessLogs: s3.IBucket,
    retention: logs.RetentionDays
  ): s3.Bucket {
    const lock =
      mode === 'COMPLIANCE'
        ? s3.ObjectLockRetention.compliance(Duration.days(days))
        : s3.ObjectLockRetention.governance(Duration.days(days));
    const archive = new s3.Bucket(this, 'Archive', {
      objectLockEnabled: true,
      objectLockDefaultRetention: lock,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'audit-archive/',
      // Once its lock has ended, an object goes: a delete marker, then the
      // locked version a day later.
      lifecycleRules: [
        {
          expiration: Duration.days(days),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1)
        }
      ],
      removalPolicy: RemovalPolicy.RETAIN
    });

    // Firehose's delivery errors, kept as long as the events.
    const deliveryErrors = new logs.LogGroup(this, 'ArchiveDeliveryErrors', {
      retention,
      removalPolicy: RemovalPolicy.DESTROY
    });
    const stream = new firehose.DeliveryStream(this, 'ToArchive', {
      encryption: firehose.StreamEncryption.awsOwnedKey(),
      destination: new firehose.S3Bucket(archive, {
        // The events as they were written: one JSON line each, gzipped
        // objects by the hour of their arrival.
        processors: [
          new firehose.DecompressionProcessor(),
          new firehose.CloudWatchLogProcessor({ dataMessageExtraction: true })
        ],
        compression: firehose.Compression.GZIP,
        dataOutputPrefix:
          'events/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/',
        errorOutputPrefix:
          'delivery-errors/!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/',
        bufferingInterval: Duration.minutes(5),
        loggingConfig: new firehose.EnableLogging(deliveryErrors)
      })
    });
    // The stream's `connections` (for VPC destinations, unused here) put
    // Firehose's address ranges into a mapping nothing reads; cfn-lint
    // warns of it (W7001).
    if (!Stack.of(this).node.tryRemoveChild(FIREHOSE_CIDR_MAPPING)) {
      throw new Error(`No ${FIREHOSE_CIDR_MAPPING} mapping to remove.`);
    }
    new logs.SubscriptionFilter(this, 'ArchiveSubscription', {
      logGroup: this.logGroup,
      destination: new destinations.FirehoseDestination(stream),
      filterPattern: logs.FilterPattern.allEvents()
    });

    // Firehose's S3 destination grants itself read and write on the bucket
    // (CDK's grantReadWrite); Object Lock keeps every written version.
    const role = stream.node.findChild('S3 Destination Role');
    for (const finding of [
      'Action::s3:Abort*',
      'Action::s3:DeleteObject*',
      'Action::s3:GetBucket*',
      'Action::s3:GetObject*',
      'Action::s3:List*'
    ]) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[${finding}]`,
        reason:
          'Firehose writes the audit archive with CDK’s read-write grant on its own bucket; Object Lock keeps every version it writes, so no grant can change or remove an event before its retention ends.'
      });
    }
    Validations.of(role).acknowledge({
      id: wildcardFinding(role, archive.arnForObjects('*')),
      reason:
        'The objects of the audit archive, whose keys Firehose makes (by hour).'
    });
    return archive;
  }
}
