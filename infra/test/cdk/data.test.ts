import { Match, Template } from 'aws-cdk-lib/assertions';

import { DATABASE_USER } from '../../cdk/data';
import { buildStack, templateOf } from '../support/cdk';

const EXISTING_VPC = {
  vpc: {
    vpcId: 'vpc-0abc',
    cidrBlock: '10.1.0.0/16',
    privateSubnetIds: ['subnet-0a', 'subnet-0b'],
    availabilityZones: ['us-east-1a', 'us-east-1b']
  }
};

/** The one resource of a type whose logical id starts with `prefix`. */
function resource(template: Template, type: string, prefix: string) {
  const found = Object.entries(template.findResources(type)).filter(([id]) =>
    id.startsWith(prefix)
  );
  expect(found).toHaveLength(1);
  return found[0][1];
}

describe('MLflow’s data (S3, Aurora) and network', () => {
  const template = templateOf();

  it('keeps artifacts in a private, encrypted, versioned, TLS-only bucket with access logs, kept on stack deletion', () => {
    const bucket = resource(template, 'AWS::S3::Bucket', 'DataArtifacts');
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
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
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: {
        DestinationBucketName: {
          Ref: expect.stringMatching(/^DataAccessLogs/)
        }
      }
    });
    // Every bucket refuses plain HTTP.
    const policies = Object.values(
      template.findResources('AWS::S3::BucketPolicy')
    );
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } }
        })
      );
    }
  });

  it('runs Aurora PostgreSQL Serverless v2, encrypted, private, protected, sized by the configuration', () => {
    const custom = templateOf({
      database: { minCapacity: 1, maxCapacity: 8 }
    });
    custom.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      StorageEncrypted: true,
      DeletionProtection: true,
      EnableIAMDatabaseAuthentication: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 1, MaxCapacity: 8 },
      EnableCloudwatchLogsExports: ['postgresql']
    });
    custom.hasResourceProperties('AWS::RDS::DBInstance', {
      DBInstanceClass: 'db.serverless',
      PubliclyAccessible: false
    });
  });

  it('refuses database connections without TLS (rds.force_ssl), on the cluster deployed before', () => {
    const [[id, cluster]] = Object.entries(
      template.findResources('AWS::RDS::DBCluster')
    );
    // A new logical id would replace the cluster and its data.
    expect(id).toBe('DataDatabaseA9E9E962');
    const groups = template.findResources('AWS::RDS::DBClusterParameterGroup');
    expect(cluster.Properties.DBClusterParameterGroupName).toEqual({
      Ref: expect.stringMatching(/^DataDatabase/)
    });
    const group = groups[cluster.Properties.DBClusterParameterGroupName.Ref];
    expect(group.Properties).toMatchObject({
      Family: 'aurora-postgresql17',
      Parameters: { 'rds.force_ssl': '1' }
    });
  });

  it('names the database and its log apart for each stack, so a failed first deploy can be retried', () => {
    // A stack rolled back keeps its retained log group (and a cluster that
    // deletion protection kept); a fixed name would block the next attempt.
    const cluster = resource(template, 'AWS::RDS::DBCluster', 'DataDatabase');
    const identifier = cluster.Properties.DBClusterIdentifier;
    expect(typeof identifier).not.toBe('string');
    expect(JSON.stringify(identifier)).toContain('AWS::StackId');
    const instance = resource(template, 'AWS::RDS::DBInstance', 'DataDatabase');
    expect(typeof instance.Properties.DBInstanceIdentifier).not.toBe('string');
    for (const [, group] of Object.entries(
      template.findResources('AWS::Logs::LogGroup')
    )) {
      if (
        group.DeletionPolicy === 'Retain' &&
        'LogGroupName' in group.Properties
      ) {
        expect(typeof group.Properties.LogGroupName).not.toBe('string');
        expect(JSON.stringify(group.Properties.LogGroupName)).toContain(
          'AWS::StackId'
        );
      }
    }
    // The log group RDS exports to is the one with the configured retention.
    const log = resource(template, 'AWS::Logs::LogGroup', 'DataDatabaseLog');
    expect(log.Properties.LogGroupName).toEqual({
      'Fn::Join': ['', ['/aws/rds/cluster/', identifier, '/postgresql']]
    });
  });

  it('takes the database password from a generated secret, never from the template', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({
        SecretStringTemplate: JSON.stringify({ username: DATABASE_USER })
      })
    });
    const cluster = resource(template, 'AWS::RDS::DBCluster', 'DataDatabase');
    expect(JSON.stringify(cluster.Properties.MasterUserPassword)).toContain(
      'resolve:secretsmanager'
    );
  });

  it('sets a retention on every log group, as configured', () => {
    const groups = Object.entries(
      templateOf({
        logRetentionDays: 30,
        audit: { retentionDays: 3653 }
      }).findResources('AWS::Logs::LogGroup')
    );
    expect(groups.length).toBeGreaterThanOrEqual(3);
    // The audit trail's has a retention of its own.
    for (const [id, group] of groups) {
      expect(group.Properties.RetentionInDays).toBe(
        id.startsWith('AuditTrail') ? 3653 : 30
      );
    }
  });

  it('creates a VPC with private subnets and flow logs', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      TrafficType: 'REJECT'
    });
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', {
      SubnetIds: Match.arrayWith([
        Match.objectLike({ Ref: Match.stringLikeRegexp('privateSubnet') })
      ])
    });
  });

  it('uses an existing VPC by its ids, without a look-up', () => {
    const existing = templateOf(EXISTING_VPC);
    existing.resourceCountIs('AWS::EC2::VPC', 0);
    existing.hasResourceProperties('AWS::RDS::DBSubnetGroup', {
      SubnetIds: ['subnet-0a', 'subnet-0b']
    });
  });

  it.each([
    ['a new VPC', {}],
    ['an existing VPC', EXISTING_VPC]
  ])('passes the AWS Solutions checks with %s', (_, json) => {
    expect(() => buildStack(json).app.synth()).not.toThrow();
  });
});
