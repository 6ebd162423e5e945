/**
 * SageMaker Studio's side: one execution role per MLflow role, allowed
 * exactly that role's MLflow operations (`execute-api:Invoke` policies
 * generated from the permission model), and one per configured user profile
 * with the same policies, so that MLflow can tell the users apart; the
 * Studio domain (an existing one by id, or a new one in MLflow's VPC), the
 * user profiles, and where the lifecycle configuration that installs the
 * extension is attached.
 */
import { ArnFormat, Aws, Lazy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';

import type { RoleTable } from '../src/permissions/roles';
import type { StudioUser } from './config';
import {
  MlflowAccessPolicies,
  checkManagedPolicyQuota
} from './mlflow-access-policies';
import type { PrincipalIdentity } from './mlflow-identities';
import { wildcardFinding } from './nag';

export interface MlflowStudioProps {
  /** The compiled roles: an execution role each, allowed exactly its operations. */
  readonly roles: RoleTable;
  /** The gateway's REST API, which the execution roles call. */
  readonly api: apigw.IRestApi;
  /** The VPC a new domain's apps run in. */
  readonly vpc: ec2.IVpc;
  /** The subnets of a new domain's apps (none of MLflow's, where possible). */
  readonly subnetIds: readonly string[];
  /** The security group of a new domain's apps, which MLflow's do not admit. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** Names a new domain `<deploymentName>-mlflow`. */
  readonly deploymentName: string;
  /**
   * An existing Studio domain to use, left as it is: its new user profiles
   * carry the lifecycle configuration.
   *
   * @default - a new VPC-only domain
   */
  readonly domainId?: string;
  /**
   * Managed policies an MLflow role's execution role gets besides its own,
   * by role: AWS-managed names or policy ARNs.
   *
   * @default - none: the roles reach MLflow, their own Studio apps and nothing else
   */
  readonly managedPolicies?: Readonly<Record<string, readonly string[]>>;
  /**
   * User profiles to create, each with an execution role of its own that
   * has its role's policies.
   *
   * @default - none
   */
  readonly users?: readonly StudioUser[];
}

/** The tag on each user profile that names its MLflow role. */
export const ROLE_TAG = 'mlflow-role';

/** The role Studio users get when their profile names none: the least. */
export const DEFAULT_ROLE = 'readers';

export class MlflowStudio extends Construct {
  /**
   * The shared execution role of each MLflow role, by role name: the
   * domain's default, and for profiles not in `users`.
   */
  readonly executionRoles: ReadonlyMap<string, iam.Role>;
  /** The execution role of each configured user, by user profile name. */
  readonly userExecutionRoles: ReadonlyMap<string, iam.Role>;
  /** Who MLflow says each execution role's sessions are. */
  readonly identities: readonly PrincipalIdentity[];
  readonly domainId: string;
  /** The new domain, or undefined when an existing one is used. */
  readonly domain?: sagemaker.CfnDomain;
  private readonly lifecycleConfigArns: string[] = [];

  constructor(scope: Construct, id: string, props: MlflowStudioProps) {
    super(scope, id);
    const { roles, vpc, api } = props;
    const users = props.users ?? [];

    const executionRoles = new Map<string, iam.Role>();
    const userExecutionRoles = new Map<string, iam.Role>();
    // A scope of their own: no user's role id can meet an MLflow role's.
    const userRoleScope = new Construct(this, 'UserExecutionRoles');
    for (const [name, allowed] of roles) {
      const id = `${logicalName(name)}ExecutionRole`;
      const configured = props.managedPolicies?.[name] ?? [];
      const managedPolicies = configured.map(policy =>
        policy.startsWith('arn:')
          ? iam.ManagedPolicy.fromManagedPolicyArn(
              this,
              `${id}${policy}`,
              policy
            )
          : iam.ManagedPolicy.fromAwsManagedPolicyName(policy)
      );
      const executionRole = (
        scope: Construct,
        roleId: string,
        description: string
      ) => {
        const role = new iam.Role(scope, roleId, {
          // A path of the deployment's own, so policies can scope
          // iam:PassRole to its roles and the API's resource policy admit them.
          path: executionRolePath(props.deploymentName),
          assumedBy: new iam.PrincipalWithConditions(
            new iam.ServicePrincipal('sagemaker.amazonaws.com'),
            { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } }
          ),
          description,
          managedPolicies
        });
        Validations.of(role).acknowledge(
          ...configured.map(policy => ({
            id: `AwsSolutions-IAM4[Policy::${policy.startsWith('arn:') ? policy : `arn:<AWS::Partition>:iam::aws:policy/${policy}`}]`,
            reason: `The deployment configuration (studio.managedPolicies) gives the execution roles of "${name}" ${policy}.`
          }))
        );
        return role;
      };
      // The role's own: the domain's default and profiles made elsewhere.
      const role = executionRole(
        this,
        id,
        `SageMaker execution role of the MLflow role "${name}"`
      );
      const access = new MlflowAccessPolicies(this, `${id}Mlflow`, {
        role,
        roleName: name,
        operations: allowed,
        api
      });
      checkManagedPolicyQuota(role, `The execution role of "${name}"`);
      executionRoles.set(name, role);
      // One per configured user, so that MLflow (and CloudTrail) can name
      // the user from the session's ARN; the same policies, attached.
      for (const user of users.filter(user => user.role === name)) {
        const userRole = executionRole(
          userRoleScope,
          logicalName(user.name),
          `SageMaker execution role of the Studio user "${user.name}" (MLflow role "${name}")`
        );
        for (const policy of access.policies) {
          policy.attachToRole(userRole);
        }
        checkManagedPolicyQuota(
          userRole,
          `The execution role of the Studio user "${user.name}"`
        );
        userExecutionRoles.set(user.name, userRole);
      }
    }
    this.executionRoles = executionRoles;
    this.userExecutionRoles = userExecutionRoles;
    this.identities = [
      ...users.map(user => ({
        role: userExecutionRoles.get(user.name) as iam.Role,
        user: user.name,
        roles: [user.role]
      })),
      // Whoever uses a shared role cannot be told apart: MLflow says so.
      ...[...executionRoles].map(([name, role]) => ({
        role,
        user: `${name} (shared execution role)`,
        roles: [name]
      }))
    ];
    const lifecycle = this.lifecycleSettings();

    if (props.domainId !== undefined) {
      this.domainId = props.domainId;
    } else {
      this.domain = new sagemaker.CfnDomain(this, 'Domain', {
        domainName: `${props.deploymentName}-mlflow`,
        authMode: 'IAM',
        vpcId: vpc.vpcId,
        subnetIds: [...props.subnetIds],
        appNetworkAccessType: 'VpcOnly',
        defaultUserSettings: {
          executionRole: (executionRoles.get(DEFAULT_ROLE) as iam.Role).roleArn,
          securityGroups: [props.securityGroup.securityGroupId],
          studioWebPortal: 'ENABLED',
          defaultLandingUri: 'studio::',
          jupyterLabAppSettings: lifecycle
        }
      });
      this.domainId = this.domain.attrDomainId;
    }

    this.allowStudioApps([
      ...executionRoles.values(),
      ...userExecutionRoles.values()
    ]);
    // A role's shared execution role opens no configured profile: each of
    // those has a role of its own.
    for (const role of executionRoles.values()) {
      this.allowOwnJobs(role, []);
    }
    for (const [name, role] of userExecutionRoles) {
      this.allowOwnJobs(role, [name]);
    }

    for (const user of users) {
      new sagemaker.CfnUserProfile(this, `User${logicalName(user.name)}`, {
        domainId: this.domainId,
        userProfileName: user.name,
        userSettings: {
          executionRole: (userExecutionRoles.get(user.name) as iam.Role)
            .roleArn,
          // An existing domain is not ours to change: its profiles carry
          // the lifecycle configuration instead.
          jupyterLabAppSettings:
            this.domain === undefined ? lifecycle : undefined
        },
        tags: [{ key: ROLE_TAG, value: user.role }]
      });
    }
  }

  /**
   * What a role's own jobs need beyond MLflow: passing this role, and no
   * other, to SageMaker (a training job that runs as the role), and signing
   * in to Studio only as the role's own user profile (none for a shared role).
   */
  private allowOwnJobs(role: iam.Role, profileNames: readonly string[]): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [role.roleArn],
        conditions: {
          StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' }
        }
      })
    );
    if (profileNames.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['sagemaker:CreatePresignedDomainUrl'],
          resources: profileNames.map(name =>
            this.sagemakerArn(`user-profile/${this.domainId}/${name}`)
          )
        })
      );
    }
  }

  private sagemakerArn(resource: string): string {
    return Stack.of(this).formatArn({
      service: 'sagemaker',
      resource,
      arnFormat: ArnFormat.NO_RESOURCE_NAME
    });
  }

  /**
   * What a user's own JupyterLab needs from SageMaker, and no more: their
   * own private spaces and the apps in them, created, changed and deleted
   * only where the owner is the caller's profile (Studio sets
   * `sagemaker:UserProfileName` and `sagemaker:DomainId` in the session of
   * the execution role it assumes for a profile), tags only while creating,
   * the domain and profiles described, and the list calls (which take no
   * resource).
   */
  private allowStudioApps(roles: readonly iam.Role[]): void {
    const arn = (resource: string) => this.sagemakerArn(resource);
    const spaces = arn(`space/${this.domainId}/*`);
    const apps = arn(`app/${this.domainId}/*`);
    const profiles = arn(`user-profile/${this.domainId}/*`);
    const ownPrivate = {
      ArnLike: {
        'sagemaker:OwnerUserProfileArn': arn(
          `user-profile/${this.domainId}/\${sagemaker:UserProfileName}`
        )
      },
      StringEquals: { 'sagemaker:SpaceSharingType': 'Private' }
    };
    const policy = new iam.ManagedPolicy(this, 'StudioApps', {
      description:
        'Studio: the users’ own spaces and JupyterLab apps in the MLflow domain',
      roles: [...roles],
      statements: [
        new iam.PolicyStatement({
          actions: [
            'sagemaker:CreateSpace',
            'sagemaker:UpdateSpace',
            'sagemaker:DeleteSpace'
          ],
          resources: [spaces],
          conditions: ownPrivate
        }),
        new iam.PolicyStatement({
          actions: ['sagemaker:CreateApp', 'sagemaker:DeleteApp'],
          resources: [apps],
          conditions: ownPrivate
        }),
        new iam.PolicyStatement({
          // Tags only as part of a create call (sagemaker:TaggingAction is
          // that call), never on another user's space or app afterwards.
          actions: ['sagemaker:AddTags'],
          resources: [spaces, apps],
          conditions: { Null: { 'sagemaker:TaggingAction': 'false' } }
        }),
        new iam.PolicyStatement({
          actions: [
            'sagemaker:DescribeSpace',
            'sagemaker:DescribeApp',
            'sagemaker:ListTags'
          ],
          resources: [spaces, apps]
        }),
        new iam.PolicyStatement({
          actions: ['sagemaker:DescribeDomain'],
          resources: [arn(`domain/${this.domainId}`)]
        }),
        new iam.PolicyStatement({
          actions: ['sagemaker:DescribeUserProfile'],
          resources: [profiles]
        }),
        new iam.PolicyStatement({
          actions: [
            'sagemaker:ListApps',
            'sagemaker:ListSpaces',
            'sagemaker:ListUserProfiles'
          ],
          resources: ['*']
        })
      ]
    });
    Validations.of(policy).acknowledge(
      ...[spaces, apps, profiles].map(resource => ({
        id: wildcardFinding(policy, resource),
        reason:
          'Spaces, apps and profiles of this one domain: users create their spaces and apps under names Studio picks; changes only where the caller’s own profile owns the space.'
      })),
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'SageMaker’s List calls (ListApps, ListSpaces, ListUserProfiles) take no resource; they return names, not data.'
      }
    );
  }

  /**
   * Runs a Studio lifecycle configuration (`AWS::SageMaker::StudioLifecycleConfig`,
   * app type JupyterLab) in every JupyterLab space of the domain's users:
   * how the extension gets installed and configured.
   */
  addLifecycleConfig(arn: string): void {
    this.lifecycleConfigArns.push(arn);
  }

  /** The JupyterLab settings that attach the lifecycle configurations, once any is added. */
  private lifecycleSettings(): sagemaker.CfnDomain.JupyterLabAppSettingsProperty {
    return Lazy.any({
      produce: () =>
        this.lifecycleConfigArns.length === 0
          ? undefined
          : {
              lifecycleConfigArns: [...this.lifecycleConfigArns],
              // The first one runs by default when a space starts.
              defaultResourceSpec: {
                lifecycleConfigArn: this.lifecycleConfigArns[0]
              }
            }
    }) as sagemaker.CfnDomain.JupyterLabAppSettingsProperty;
  }
}

/** The IAM path of a deployment's execution roles: `/mlflow-<name>/`. */
export function executionRolePath(deploymentName: string): string {
  return `/mlflow-${deploymentName}/`;
}

/** What the ARNs of the deployment's execution roles match (`aws:PrincipalArn`): any role under their path. */
export function executionRoleArnPattern(deploymentName: string): string {
  return `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role${executionRolePath(deploymentName)}*`;
}

/** `model-approvers` → `ModelApprovers`, for construct ids. */
export function logicalName(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(part => part !== '')
    .map(part => part[0].toUpperCase() + part.slice(1))
    .join('');
}
