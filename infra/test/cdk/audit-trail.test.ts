import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';

import {
  AUDIT_DIR,
  AUDIT_FILE,
  AUDIT_LOG_SETTING,
  MlflowAuditTrail
} from '../../cdk/audit-trail';
import { buildStack, templateOf } from '../support/cdk';

interface ContainerDefinition {
  Name: string;
  Image: unknown;
  EntryPoint?: string[];
  Environment?: { Name: string; Value: unknown }[];
  MountPoints?: { SourceVolume: string; ContainerPath: string }[];
  DependsOn?: { ContainerName: string; Condition: string }[];
  Essential?: boolean;
  ReadonlyRootFilesystem?: boolean;
  RestartPolicy?: { Enabled: boolean };
  StopTimeout?: number;
  LogConfiguration: { LogDriver: string; Options: Record<string, unknown> };
}

function containersOf(template: Template): Map<string, ContainerDefinition> {
  const [task] = Object.values(
    template.findResources('AWS::ECS::TaskDefinition')
  );
  const containers = task.Properties
    .ContainerDefinitions as ContainerDefinition[];
  return new Map(containers.map(container => [container.Name, container]));
}

function auditLogGroupId(template: Template): string {
  const ids = Object.keys(template.findResources('AWS::Logs::LogGroup')).filter(
    id => id.startsWith('AuditTrailEvents')
  );
  expect(ids).toHaveLength(1);
  return ids[0];
}

describe('MLflow’s audit trail', () => {
  const template = templateOf();
  const containers = containersOf(template);
  const mlflow = containers.get('mlflow') as ContainerDefinition;
  const follower = containers.get('audit-follower') as ContainerDefinition;

  it('keeps the events in a log group of their own for seven years, kept when the stack goes', () => {
    const id = auditLogGroupId(template);
    const group = template.findResources('AWS::Logs::LogGroup')[id];
    expect(group.Properties.RetentionInDays).toBe(2557);
    expect(group.DeletionPolicy).toBe('Retain');
    expect(group.UpdateReplacePolicy).toBe('Retain');
    expect(template.findOutputs('AuditLogGroup').AuditLogGroup.Value).toEqual({
      Ref: id
    });
  });

  it('has MLflow write the audit file on a task volume the follower reads', () => {
    expect(mlflow.Environment).toContainEqual({
      Name: AUDIT_LOG_SETTING,
      Value: AUDIT_FILE
    });
    expect(AUDIT_FILE.startsWith(`${AUDIT_DIR}/`)).toBe(true);
    const [task] = Object.values(
      template.findResources('AWS::ECS::TaskDefinition')
    );
    // A task volume (no host, no EFS): it lives and goes with the task.
    expect(task.Properties.Volumes).toEqual([{ Name: 'audit' }]);
    for (const container of [mlflow, follower]) {
      expect(container.MountPoints).toEqual([
        { SourceVolume: 'audit', ContainerPath: AUDIT_DIR, ReadOnly: false }
      ]);
    }
  });

  it('ships each line with a follower of the same image to the audit log group, never dropping one', () => {
    expect(follower.Image).toEqual(mlflow.Image);
    expect(follower.EntryPoint).toEqual([
      'python',
      '/usr/local/bin/audit-follower'
    ]);
    expect(follower.Environment).toEqual([
      { Name: AUDIT_LOG_SETTING, Value: AUDIT_FILE }
    ]);
    expect(follower.LogConfiguration).toEqual({
      LogDriver: 'awslogs',
      Options: {
        'awslogs-group': { Ref: auditLogGroupId(template) },
        'awslogs-stream-prefix': 'audit',
        'awslogs-region': { Ref: 'AWS::Region' },
        mode: 'blocking'
      }
    });
    // MLflow's own log goes elsewhere.
    expect(mlflow.LogConfiguration.Options['awslogs-group']).not.toEqual({
      Ref: auditLogGroupId(template)
    });
  });

  it('starts the follower before MLflow and stops it after, restarting it in place when it exits', () => {
    expect(mlflow.DependsOn).toEqual([
      { ContainerName: 'audit-follower', Condition: 'START' }
    ]);
    expect(follower.Essential).toBe(true);
    expect(follower.RestartPolicy).toMatchObject({ Enabled: true });
    expect(follower.StopTimeout).toBe(120);
    expect(follower.ReadonlyRootFilesystem).toBe(true);
  });

  it('has no archive unless configured', () => {
    template.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 0);
    template.resourceCountIs('AWS::Logs::SubscriptionFilter', 0);
    expect(
      Object.values(template.findResources('AWS::S3::Bucket')).filter(
        bucket => bucket.Properties.ObjectLockEnabled
      )
    ).toEqual([]);
    expect(template.findOutputs('AuditArchiveBucket')).toEqual({});
  });

  it('keeps the events as long as configured', () => {
    const configured = templateOf({ audit: { retentionDays: 3653 } });
    const id = auditLogGroupId(configured);
    expect(
      configured.findResources('AWS::Logs::LogGroup')[id].Properties
        .RetentionInDays
    ).toBe(3653);
  });
});

describe('the locked archive of the audit trail', () => {
  const json = { audit: { objectLock: { mode: 'GOVERNANCE', days: 400 } } };
  const template = templateOf(json);
  const [archiveId, archive] = Object.entries(
    template.findResources('AWS::S3::Bucket')
  ).find(([, bucket]) => bucket.Properties.ObjectLockEnabled) ?? ['', {}];

  it('locks every object for the configured days from its writing, in the configured mode, then deletes it', () => {
    expect(archiveId).toMatch(/^AuditTrailArchive/);
    expect(archive.Properties).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 400 } }
      },
      VersioningConfiguration: { Status: 'Enabled' }
    });
    expect(archive.Properties.LifecycleConfiguration.Rules).toEqual([
      expect.objectContaining({
        ExpirationInDays: 400,
        NoncurrentVersionExpiration: { NoncurrentDays: 1 },
        Status: 'Enabled'
      })
    ]);
    expect(archive.DeletionPolicy).toBe('Retain');
    expect(
      template.findOutputs('AuditArchiveBucket').AuditArchiveBucket.Value
    ).toEqual({
      Ref: archiveId
    });
    // COMPLIANCE unless configured otherwise.
    const compliance = templateOf({ audit: { objectLock: {} } });
    compliance.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockConfiguration: {
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2557 } }
      }
    });
  });

  it('is private, encrypted, reached over TLS only and access-logged', () => {
    expect(archive.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }
        ]
      },
      OwnershipControls: {
        Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }]
      },
      LoggingConfiguration: {
        DestinationBucketName: {
          Ref: expect.stringMatching(/^DataAccessLogs/)
        },
        LogFilePrefix: 'audit-archive/'
      }
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: archiveId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } }
          })
        ])
      }
    });
  });

  it('receives every event of the audit log group through an encrypted Firehose stream, as the JSON lines MLflow wrote', () => {
    const [filter] = Object.values(
      template.findResources('AWS::Logs::SubscriptionFilter')
    );
    expect(filter.Properties.LogGroupName).toEqual({
      Ref: auditLogGroupId(template)
    });
    expect(filter.Properties.FilterPattern).toBe('');
    const streams = template.findResources(
      'AWS::KinesisFirehose::DeliveryStream'
    );
    expect(Object.keys(streams)).toHaveLength(1);
    const [streamId, stream] = Object.entries(streams)[0];
    expect(filter.Properties.DestinationArn).toEqual({
      'Fn::GetAtt': [streamId, 'Arn']
    });
    expect(
      stream.Properties.DeliveryStreamEncryptionConfigurationInput
    ).toEqual({ KeyType: 'AWS_OWNED_CMK' });
    const destination = stream.Properties.ExtendedS3DestinationConfiguration;
    expect(destination.BucketARN).toEqual({ 'Fn::GetAtt': [archiveId, 'Arn'] });
    expect(destination.CompressionFormat).toBe('GZIP');
    expect(
      destination.ProcessingConfiguration.Processors.map(
        (processor: { Type: string }) => processor.Type
      )
    ).toEqual(['Decompression', 'CloudWatchLogProcessing']);
  });

  it('passes the AWS Solutions checks', () => {
    expect(() => buildStack(json).app.synth()).not.toThrow();
  });

  it('needs a bucket for its access logs', () => {
    const stack = new Stack(new App(), 'Alone');
    expect(
      () =>
        new MlflowAuditTrail(stack, 'AuditTrail', {
          objectLock: { mode: 'COMPLIANCE', days: 1 }
        })
    ).toThrow(/access logs/);
  });
});
