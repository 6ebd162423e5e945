/**
 * MLflow's tracking server on ECS Fargate in the private subnets, behind an
 * internal Network Load Balancer (what API Gateway's VPC link reaches).
 * The database password reaches the container as an ECS secret, and the
 * connection is TLS with the server's certificate verified; MLflow's
 * security middleware is configured for the gateway. MLflow runs as our
 * server app (the image installs our package's wheel); its audit events
 * go to the audit trail (audit-trail.ts), whose follower runs in the task.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { Duration, Lazy, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

import { frameAncestorsPolicy } from '../src/pages';
import { AUDIT_DIR, MlflowAuditTrail } from './audit-trail';
import { DATABASE_NAME, DATABASE_USER } from './data';
import type { PackageWheel } from './extension';
import type { GatewayProof } from './gateway-proof';

/** Where in the bucket MLflow keeps artifacts. */
export const ARTIFACTS_PREFIX = 'artifacts';

/** The port MLflow listens on in its container. */
export const MLFLOW_PORT = 5000;

/** The port of the internal load balancer's listener. */
export const LOAD_BALANCER_PORT = 80;

/** The folder of MLflow's container image (Dockerfile, lock, entry point). */
export const IMAGE_DIR = path.join(__dirname, '..', 'mlflow-image');

/** Where the image keeps the certificate authorities of Amazon RDS. */
export const RDS_CA_BUNDLE = '/etc/ssl/rds/global-bundle.pem';

/** The MLflow release the image's lock pins (its packages are installed by hash). */
export function lockedMlflowVersion(): string {
  const lock = path.join(IMAGE_DIR, 'requirements.lock');
  const pin = /^mlflow==(\S+) /m.exec(fs.readFileSync(lock, 'utf-8'));
  if (pin === null) {
    throw new Error(`${lock} pins no mlflow version.`);
  }
  return pin[1];
}

/** What the image's build copies from infra/mlflow-image (its COPY lines). */
export const IMAGE_FILES = [
  'Dockerfile',
  'requirements.lock',
  'entrypoint.py',
  'audit-follower.py'
] as const;

/**
 * MLflow's image, built from its folder's files and our package's wheel:
 * the context holds these only (its asset hash changes with them only). It
 * is made in a temporary folder, which the asset's staging copies into the
 * cloud assembly, and removed then. Without a wheel (bundling skipped: a
 * stack `cdk` does not deploy, whose image is never built) it has none.
 */
function mlflowImage(
  scope: Construct,
  wheel: PackageWheel
): ecrAssets.DockerImageAsset {
  const context = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-image-'));
  try {
    for (const file of IMAGE_FILES) {
      fs.copyFileSync(path.join(IMAGE_DIR, file), path.join(context, file));
    }
    if (wheel.file !== undefined) {
      fs.copyFileSync(wheel.file, path.join(context, wheel.name));
    }
    return new ecrAssets.DockerImageAsset(scope, 'Image', {
      directory: context,
      buildArgs: {
        RDS_CA_BUNDLE,
        PACKAGE_WHEEL: wheel.name,
        AUDIT_DIR
      }
    });
  } finally {
    fs.rmSync(context, { recursive: true, force: true });
  }
}

export interface MlflowServiceProps {
  /** Our package's wheel, which the image installs (MLflow's server app). */
  readonly wheel: PackageWheel;
  /** Where MLflow's audit events go. */
  readonly auditTrail: MlflowAuditTrail;
  /** The VPC the tasks and the load balancer run in. */
  readonly vpc: ec2.IVpc;
  /** Their subnets (private). */
  readonly subnets: ec2.SubnetSelection;
  /** MLflow's backend store, whose generated secret holds the password. */
  readonly database: rds.DatabaseCluster;
  /** The bucket MLflow keeps artifacts in, under `artifacts/`. */
  readonly artifacts: s3.IBucket;
  /** The `mlflow` Python package version: the one the image's lock pins. */
  readonly mlflowVersion: string;
  /** A task's Fargate CPU units. */
  readonly cpu: number;
  /** A task's memory in MiB, one Fargate offers for `cpu`. */
  readonly memoryLimitMiB: number;
  /** Tasks that always run. */
  readonly minTasks: number;
  /** Tasks autoscaling (on CPU) may run at most. */
  readonly maxTasks: number;
  /** How long MLflow's log is kept. */
  readonly logRetention: logs.RetentionDays;
  /** The gateway's proof, without which MLflow refuses every request. */
  readonly gatewayProof: GatewayProof;
  /**
   * Whether a rotation of the proof is under way: MLflow then accepts the
   * new and the retiring version (docs/security.md).
   *
   * @default false
   */
  readonly rotatingGatewayProof?: boolean;
  /**
   * Who each IAM principal is, for the MLflow server app: JSON
   * `{"<assumed-role ARN>": {"user", "roles"}}` (`STUDIO_MLFLOW_IDENTITIES`).
   */
  readonly principalIdentities: string;
  /** The deployment's role table, JSON (`STUDIO_MLFLOW_ROLES`). */
  readonly roleTable: string;
  /**
   * Browser origins that may frame MLflow and make state-changing requests
   * to it; `allowBrowserOrigin` adds more.
   *
   * @default - none
   */
  readonly browserOrigins?: readonly string[];
}

export class MlflowService extends Construct {
  readonly service: ecs.FargateService;
  readonly loadBalancer: elbv2.NetworkLoadBalancer;
  readonly container: ecs.ContainerDefinition;
  /**
   * Browser origins whose state-changing requests MLflow accepts: the
   * Studio origins, and the gateway's own (the MLflow UI) once added.
   */
  private readonly corsOrigins: string[];

  constructor(scope: Construct, id: string, props: MlflowServiceProps) {
    super(scope, id);
    const { vpc, subnets, database, artifacts } = props;
    const browserOrigins = props.browserOrigins ?? [];
    this.corsOrigins = [...browserOrigins];
    const locked = lockedMlflowVersion();
    if (props.mlflowVersion !== locked) {
      throw new Error(
        `"mlflow.version" is ${props.mlflowVersion}, but MLflow's image installs ${locked} (infra/mlflow-image/requirements.lock): change the mlflow pin of requirements/dev.in and run scripts/lock-python.sh.`
      );
    }
    const secret = database.secret;
    if (secret === undefined) {
      throw new Error('The database has no generated secret.');
    }

    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED
    });

    const task = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryLimitMiB,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX
      }
    });
    // MLflow reads, writes and deletes artifacts under one prefix of its
    // bucket, nothing else (exact actions, no s3:* patterns).
    task.addToTaskRolePolicy(
      new iam.PolicyStatement({
        actions: [
          's3:GetObject',
          's3:PutObject',
          's3:DeleteObject',
          's3:AbortMultipartUpload'
        ],
        resources: [artifacts.arnForObjects(`${ARTIFACTS_PREFIX}/*`)]
      })
    );
    task.addToTaskRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [artifacts.bucketArn],
        conditions: {
          StringLike: {
            's3:prefix': [`${ARTIFACTS_PREFIX}/*`, ARTIFACTS_PREFIX]
          }
        }
      })
    );
    Validations.of(task.taskRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(artifacts.node.defaultChild as s3.CfnBucket)}.Arn>/${ARTIFACTS_PREFIX}/*]`,
      reason:
        'Artifacts are objects under one prefix of MLflow’s own bucket; their keys are made by MLflow (experiment and run ids).'
    });

    // The gateway is the only way in: the load balancer's group admits no
    // traffic, and PrivateLink traffic (the gateway's VPC link) skips its
    // inbound rules. Both can only be set when the load balancer is created.
    const loadBalancerGroup = new ec2.SecurityGroup(
      this,
      'LoadBalancerSecurityGroup',
      {
        vpc,
        description:
          'MLflow load balancer, reached only by the gateway VPC link',
        allowAllOutbound: false
      }
    );
    this.loadBalancer = new elbv2.NetworkLoadBalancer(this, 'LoadBalancer', {
      vpc,
      vpcSubnets: subnets,
      internetFacing: false,
      crossZoneEnabled: true,
      securityGroups: [loadBalancerGroup],
      enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: false
    });
    Validations.of(this.loadBalancer).acknowledge({
      id: 'AwsSolutions-ELB2',
      reason:
        'Network Load Balancer access logs cover TLS listeners only; this internal one has a TCP listener that only the gateway’s VPC link reaches, and every request is in the gateway’s access log and MLflow’s log.'
    });

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY
    });
    const image = ecs.ContainerImage.fromDockerImageAsset(
      mlflowImage(this, props.wheel)
    );
    this.container = task.addContainer('mlflow', {
      image,
      portMappings: [{ containerPort: MLFLOW_PORT }],
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'mlflow' }),
      readonlyRootFilesystem: false,
      environment: {
        DB_HOST: database.clusterEndpoint.hostname,
        DB_PORT: database.clusterEndpoint.port.toString(),
        DB_NAME: DATABASE_NAME,
        DB_USER: DATABASE_USER,
        // TLS with the server's certificate and name verified (libpq's own
        // settings; the cluster refuses plain connections, rds.force_ssl).
        PGSSLMODE: 'verify-full',
        PGSSLROOTCERT: RDS_CA_BUNDLE,
        MLFLOW_ARTIFACTS_DESTINATION:
          artifacts.s3UrlForObject(ARTIFACTS_PREFIX),
        // The Host header API Gateway sends is the load balancer's name.
        MLFLOW_SERVER_ALLOWED_HOSTS: [
          this.loadBalancer.loadBalancerDnsName,
          `${this.loadBalancer.loadBalancerDnsName}:80`
        ].join(','),
        MLFLOW_SERVER_CORS_ALLOWED_ORIGINS: Lazy.string({
          produce: () => this.corsOrigins.join(',')
        }),
        // Only the Studio origins (and the gateway itself) may frame MLflow:
        // MLflow's own SAMEORIGIN would keep Studio out, and it cannot send
        // frame-ancestors itself (the entry point has uvicorn add it).
        MLFLOW_SERVER_X_FRAME_OPTIONS: 'NONE',
        CONTENT_SECURITY_POLICY: frameAncestorsPolicy(browserOrigins),
        // The MLflow server app decides every request a second time.
        STUDIO_MLFLOW_IDENTITIES: props.principalIdentities,
        STUDIO_MLFLOW_ROLES: props.roleTable
      },
      secrets: {
        DB_PASSWORD: ecs.Secret.fromSecretsManager(secret, 'password'),
        ...props.gatewayProof.containerSecrets(
          props.rotatingGatewayProof ?? false
        )
      },
      healthCheck: {
        command: [
          'CMD',
          'python',
          '-c',
          `import urllib.request; urllib.request.urlopen("http://127.0.0.1:${MLFLOW_PORT}/health", timeout=4)`
        ],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(120)
      }
    });
    props.auditTrail.attachTo(task, this.container, image);

    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition: task,
      desiredCount: props.minTasks,
      vpcSubnets: subnets,
      assignPublicIp: false,
      circuitBreaker: { rollback: true },
      minHealthyPercent: 100,
      healthCheckGracePeriod: Duration.seconds(180)
    });
    database.connections.allowDefaultPortFrom(
      this.service,
      'MLflow reaches its backend store'
    );
    // Only the load balancer (its forwarded requests and health checks)
    // reaches MLflow; nothing else in the VPC does.
    this.service.connections.allowFrom(
      loadBalancerGroup,
      ec2.Port.tcp(MLFLOW_PORT),
      'The internal load balancer reaches MLflow'
    );

    const listener = this.loadBalancer.addListener('Http', {
      port: LOAD_BALANCER_PORT
    });
    listener.addTargets('Mlflow', {
      port: MLFLOW_PORT,
      targets: [this.service],
      healthCheck: {
        protocol: elbv2.Protocol.HTTP,
        path: '/health',
        interval: Duration.seconds(30)
      },
      deregistrationDelay: Duration.seconds(30)
    });

    const scaling = this.service.autoScaleTaskCount({
      minCapacity: props.minTasks,
      maxCapacity: props.maxTasks
    });
    scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 60 });

    Validations.of(task.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecr:GetAuthorizationToken, which pulling the image needs, has no resource to scope it to.'
    });
    Validations.of(task).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        'The environment holds the database endpoint and MLflow settings only; the password and the gateway’s proof come from Secrets Manager as ECS secrets.'
    });
  }

  /** Lets a browser origin make state-changing requests (MLflow's CORS check). */
  allowBrowserOrigin(origin: string): void {
    this.corsOrigins.push(origin);
  }
}
