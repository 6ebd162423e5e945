import {
  Aws,
  CfnOutput,
  Fn,
  Lazy,
  Stack,
  StackProps,
  Validations
} from 'aws-cdk-lib';
import { Construct } from 'constructs';

import { SIGNED_OUT_PATH, SSO_CALLBACK_PATH } from '../src/contract';
import { rolesTable } from '../src/permissions/export';
import {
  BUILT_IN_ROLE_DEFINITIONS,
  compileRoles
} from '../src/permissions/roles';
import { MlflowAuditTrail } from './audit-trail';
import type { DeploymentConfig } from './config';
import { MlflowData } from './data';
import { MlflowCrossAccountAccess } from './cross-account';
import { MlflowEdgeProtection } from './edge-protection';
import { ExtensionInstall, PackageWheel } from './extension';
import { MlflowGateway, STAGE } from './gateway';
import { GatewayProof } from './gateway-proof';
import { MlflowIdentity } from './identity';
import {
  LOAD_BALANCER_PORT,
  MLFLOW_PORT,
  MlflowService
} from './mlflow-service';
import { identityTable } from './mlflow-identities';
import { MlflowNetwork } from './network';
import { MlflowStudio, executionRoleArnPattern, logicalName } from './studio';

export interface MlflowStackProps extends StackProps {
  readonly config: DeploymentConfig;
}

/**
 * sagemaker-studio-mlflow in one account: the identity (Cognito), the
 * network, MLflow's data (Aurora, S3), MLflow on Fargate behind an internal
 * load balancer, the gateway in front of it behind a web ACL, and Studio: the domain, one
 * execution role per MLflow role and one per configured user, the user
 * profiles, and the lifecycle configuration that installs the extension for
 * everyone. The gateway proves itself to MLflow with a secret of its own.
 */
export class MlflowStack extends Stack {
  readonly identity: MlflowIdentity;
  readonly network: MlflowNetwork;
  readonly data: MlflowData;
  readonly mlflow: MlflowService;
  readonly auditTrail: MlflowAuditTrail;
  readonly gateway: MlflowGateway;
  readonly gatewayProof: GatewayProof;
  readonly edge: MlflowEdgeProtection;
  readonly studio: MlflowStudio;
  readonly crossAccount: MlflowCrossAccountAccess;
  readonly extension: ExtensionInstall;

  constructor(scope: Construct, id: string, props: MlflowStackProps) {
    const { account, region } = props.config;
    super(scope, id, {
      // The configured account and region, else environment-agnostic.
      env: account && region ? { account, region } : undefined,
      ...props
    });
    const { config } = props;
    const logRetention = config.logRetentionDays;
    // Every role's operations, resolved once for Studio and cross-account.
    const roles = compileRoles(config.permissions);

    this.identity = new MlflowIdentity(this, 'Identity', {
      roles: [
        ...BUILT_IN_ROLE_DEFINITIONS,
        ...(config.permissions.roles ?? [])
      ],
      mfa: config.cognito.mfa,
      accessTokenMinutes: config.cognito.accessTokenMinutes,
      signIn: config.cognito.signIn,
      sso: config.cognito.signIn.includes('sso')
        ? {
            identityProviders: config.cognito.identityProviders,
            domainPrefix: config.cognito.domainPrefix!,
            // The gateway's pages, once the gateway exists: from the API's
            // id alone (its stage's URL would make the client depend on the
            // deployment, which depends on the authorizer, which reads the client).
            callbackUrl: Lazy.string({
              produce: () =>
                `${this.gateway.origin}/${STAGE}${SSO_CALLBACK_PATH}`
            }),
            signOutUrl: Lazy.string({
              produce: () => `${this.gateway.origin}/${STAGE}${SIGNED_OUT_PATH}`
            }),
            logRetention
          }
        : undefined
    });
    this.network = new MlflowNetwork(this, 'Network', {
      vpc: config.vpc,
      logRetention
    });
    this.data = new MlflowData(this, 'Data', {
      vpc: this.network.vpc,
      subnets: this.network.privateSubnets,
      minCapacity: config.database.minCapacity,
      maxCapacity: config.database.maxCapacity,
      logRetention
    });
    // One build of our Python package for Studio's spaces and MLflow's image.
    const wheel = new PackageWheel(this, 'Wheel');
    this.auditTrail = new MlflowAuditTrail(this, 'AuditTrail', {
      retention: config.audit.retentionDays,
      objectLock: config.audit.objectLock,
      accessLogs: this.data.accessLogs
    });
    this.gatewayProof = new GatewayProof(this, 'GatewayProof');
    this.mlflow = new MlflowService(this, 'Mlflow', {
      wheel,
      auditTrail: this.auditTrail,
      vpc: this.network.vpc,
      subnets: this.network.privateSubnets,
      database: this.data.database,
      artifacts: this.data.artifacts,
      mlflowVersion: config.mlflow.version,
      cpu: config.mlflow.cpu,
      memoryLimitMiB: config.mlflow.memoryMiB,
      minTasks: config.mlflow.minTasks,
      maxTasks: config.mlflow.maxTasks,
      logRetention,
      gatewayProof: this.gatewayProof,
      rotatingGatewayProof: config.gateway.rotatingProof,
      // The roles MLflow names are made once the gateway they call exists.
      principalIdentities: Lazy.string({
        produce: () =>
          this.toJsonString(
            identityTable([
              ...this.studio.identities,
              ...this.crossAccount.identities
            ])
          )
      }),
      roleTable: JSON.stringify(rolesTable(roles)),
      browserOrigins: config.studio.origins
    });
    this.gateway = new MlflowGateway(this, 'Gateway', {
      loadBalancer: this.mlflow.loadBalancer,
      userPool: this.identity.userPool,
      client: this.identity.client,
      deploymentName: config.name,
      throttlingRateLimit: config.gateway.rateLimit,
      throttlingBurstLimit: config.gateway.burstLimit,
      logRetention,
      proof: this.gatewayProof,
      // The execution roles by their path; the cross-account roles, made
      // once the gateway they call exists, by their ARNs.
      iamPrincipalArns: Lazy.list({
        produce: () => [
          executionRoleArnPattern(config.name),
          ...[...this.crossAccount.roles.values()].map(role => role.roleArn)
        ]
      }),
      permissions: config.permissions,
      browserOrigins: config.studio.origins,
      signInMethods: config.cognito.signIn,
      sso:
        this.identity.federation !== undefined
          ? {
              domain: this.identity.federation.baseUrl(),
              providers: config.cognito.identityProviders.map(idp => ({
                name: idp.name,
                label: idp.label ?? idp.name
              }))
            }
          : undefined
    });
    this.edge = new MlflowEdgeProtection(this, 'EdgeProtection', {
      stageArn: this.gateway.api.deploymentStage.stageArn,
      deploymentName: config.name,
      perIpRequestsPer5Minutes: config.gateway.perIpRequestsPer5Minutes,
      logRetention
    });
    // The MLflow UI's own requests carry the gateway's origin.
    this.mlflow.allowBrowserOrigin(this.gateway.origin);
    this.studio = new MlflowStudio(this, 'Studio', {
      roles,
      api: this.gateway.api,
      vpc: this.network.vpc,
      subnetIds: this.network.workloadSubnetIds,
      securityGroup: this.network.workloadSecurityGroup,
      deploymentName: config.name,
      domainId: config.studio.domainId,
      managedPolicies: config.studio.managedPolicies,
      users: config.studio.users
    });
    // What only the gateway may reach; the reachability probe tries it.
    const directAddresses = {
      loadBalancer: `${this.mlflow.loadBalancer.loadBalancerDnsName}:${LOAD_BALANCER_PORT}`,
      mlflowPort: MLFLOW_PORT,
      // An existing VPC's subnets are named without their CIDRs (no look-up).
      taskSubnetCidrs: config.vpc
        ? []
        : this.network.vpc
            .selectSubnets(this.network.privateSubnets)
            .subnets.map(subnet => subnet.ipv4CidrBlock)
    };
    this.extension = new ExtensionInstall(this, 'Extension', {
      wheel,
      deploymentName: config.name,
      gatewayUrl: this.gateway.api.url,
      userPool: this.identity.userPool,
      client: this.identity.client,
      executionRoles: [
        ...this.studio.executionRoles.values(),
        ...this.studio.userExecutionRoles.values()
      ],
      directAddresses
    });
    this.studio.addLifecycleConfig(
      this.extension.lifecycleConfig.attrStudioLifecycleConfigArn
    );
    const bucketArn = (name: string) => `arn:${Aws.PARTITION}:s3:::${name}`;
    this.network.limitS3Endpoint({
      buckets: [
        this.data.artifacts.bucketArn,
        // The SageMaker SDK's default bucket: training jobs' data and output.
        bucketArn(`sagemaker-${Aws.REGION}-${Aws.ACCOUNT_ID}`),
        ...config.studio.s3Buckets.map(bucketArn)
      ],
      readObjects: [this.extension.wheelArn]
    });
    this.crossAccount = new MlflowCrossAccountAccess(this, 'CrossAccount', {
      roles,
      api: this.gateway.api,
      access: config.crossAccount
    });
    if (config.cognito.mfa !== 'required') {
      Validations.of(this.identity.userPool).acknowledge({
        id: 'AwsSolutions-COG2',
        reason: `MFA is "${config.cognito.mfa}" by the deployment configuration (cognito.mfa); set it to "required" to enforce a second factor.`
      });
    }

    new CfnOutput(this, 'GatewayUrl', {
      value: this.gateway.api.url,
      description: 'The extension setting gatewayUrl; MLFLOW_TRACKING_URI'
    });
    new CfnOutput(this, 'GatewayProofSecretArn', {
      value: this.gatewayProof.secret.secretArn,
      description:
        'The secret the gateway proves itself to MLflow with (rotation: docs/security.md)'
    });
    new CfnOutput(this, 'StudioDomainId', {
      value: this.studio.domainId,
      description: 'The SageMaker Studio domain of the users'
    });
    for (const [role, executionRole] of this.studio.executionRoles) {
      new CfnOutput(this, `ExecutionRole${logicalName(role)}`, {
        value: executionRole.roleArn,
        description: `The SageMaker execution role of the MLflow role "${role}"`
      });
    }
    for (const [role, accessRole] of this.crossAccount.roles) {
      new CfnOutput(this, `CrossAccountRole${logicalName(role)}`, {
        value: accessRole.roleArn,
        description: `Assume from the trusted accounts to reach MLflow as "${role}"`
      });
    }
    new CfnOutput(this, 'WorkloadSubnetIds', {
      value: Fn.join(',', this.network.workloadSubnetIds),
      description:
        'Subnets of Studio apps; a training job’s VpcConfig.Subnets (no path to MLflow but the gateway)'
    });
    new CfnOutput(this, 'WorkloadSecurityGroupId', {
      value: this.network.workloadSecurityGroup.securityGroupId,
      description:
        'Security group of Studio apps; a training job’s VpcConfig.SecurityGroupIds'
    });
    new CfnOutput(this, 'MlflowLoadBalancer', {
      value: directAddresses.loadBalancer,
      description:
        'MLflow’s internal load balancer (host:port), which only the gateway reaches; reachability probe --load-balancer'
    });
    new CfnOutput(this, 'MlflowPort', {
      value: String(directAddresses.mlflowPort),
      description: 'MLflow’s port in its tasks; reachability probe --port'
    });
    if (directAddresses.taskSubnetCidrs.length > 0) {
      new CfnOutput(this, 'MlflowTaskSubnetCidrs', {
        value: directAddresses.taskSubnetCidrs.join(','),
        description:
          'Subnets of MLflow’s tasks, which only the gateway reaches; reachability probe --subnet (each)'
      });
    }
    new CfnOutput(this, 'LifecycleConfigArn', {
      value: this.extension.lifecycleConfig.attrStudioLifecycleConfigArn,
      description:
        'Installs and configures the extension in every JupyterLab space'
    });
    new CfnOutput(this, 'UserPoolId', {
      value: this.identity.userPool.userPoolId,
      description: 'The extension setting userPoolId'
    });
    new CfnOutput(this, 'ArtifactBucket', {
      value: this.data.artifacts.bucketName,
      description: 'Where MLflow stores artifacts'
    });
    new CfnOutput(this, 'AuditLogGroup', {
      value: this.auditTrail.logGroup.logGroupName,
      description: 'MLflow’s audit events (docs/operations.md)'
    });
    if (this.auditTrail.archive !== undefined) {
      new CfnOutput(this, 'AuditArchiveBucket', {
        value: this.auditTrail.archive.bucketName,
        description: 'Every audit event, under Object Lock'
      });
    }
    if (this.identity.federation !== undefined) {
      new CfnOutput(this, 'SignInDomain', {
        value: this.identity.federation.baseUrl(),
        description:
          'Cognito’s managed login: the identity providers’ sign-in and callback URLs are under it (docs/sso.md)'
      });
    }
    new CfnOutput(this, 'UserPoolClientId', {
      value: this.identity.client.userPoolClientId,
      description: 'The extension setting userPoolClientId'
    });
  }

  /**
   * A stack for a given account and region would look its zones up in the
   * account at synthesis; the region's first two, chosen by CloudFormation
   * (`Fn::GetAZs`), keep synthesis free of look-ups and credentials.
   */
  get availabilityZones(): string[] {
    return [0, 1].map(i => Fn.select(i, Fn.getAzs()));
  }
}
