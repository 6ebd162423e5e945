/**
 * The deployment's configuration, in one typed place: read from a JSON file
 * (`infra/deploy.json` by default, or the `config` context value), merged
 * over the defaults below and checked before anything is synthesized. Every
 * problem is reported at once, each as a sentence naming the field.
 *
 * Nothing here looks anything up in an AWS account: an existing VPC is
 * named with its subnets, so `cdk synth` needs no credentials.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { PermissionsConfig } from '../src/permissions/roles';
import {
  BUILT_IN_ROLES,
  validateRoleDefinitions
} from '../src/permissions/roles';

export type MfaSetting = 'off' | 'optional' | 'required';

export interface ExistingVpc {
  readonly vpcId: string;
  /** The VPC's IPv4 CIDR block: MLflow accepts its load balancer's traffic from it. */
  readonly cidrBlock: string;
  /** At least two private subnets with a route to the internet (NAT) or VPC endpoints. */
  readonly privateSubnetIds: readonly string[];
  readonly availabilityZones: readonly string[];
}

export interface StudioUser {
  /** The user profile's name. */
  readonly name: string;
  /** The MLflow role (built in or defined in `permissions.roles`). */
  readonly role: string;
}

export interface CrossAccountAccess {
  /** The MLflow role whose permissions the assumed role has. */
  readonly role: string;
  /** The accounts whose IAM principals may assume it (their own policies must allow sts:AssumeRole). */
  readonly accounts: readonly string[];
}

export interface DeploymentConfig {
  /** The account and region to deploy to; unset, the stacks are environment-agnostic. */
  readonly account?: string;
  readonly region?: string;
  /** Prefix of the stacks' names. */
  readonly name: string;
  /** Deploy into this VPC instead of creating one. */
  readonly vpc?: ExistingVpc;
  readonly studio: {
    /** Use this SageMaker Studio domain instead of creating one. */
    readonly domainId?: string;
    /** Browser origins that may call and frame the gateway (the Studio domain's). */
    readonly origins: readonly string[];
    /**
     * Managed policies every execution role gets besides its MLflow policy:
     * AWS-managed names (`AmazonSageMakerFullAccess`) or policy ARNs. None
     * by default: the roles reach MLflow and nothing else.
     */
    readonly managedPolicies: readonly string[];
    /** Studio user profiles to create, each with the execution role of its role. */
    readonly users: readonly StudioUser[];
  };
  /**
   * Roles in this account that principals of other accounts may assume to
   * reach MLflow with one role's permissions.
   */
  readonly crossAccount: readonly CrossAccountAccess[];
  readonly cognito: {
    readonly mfa: MfaSetting;
  };
  /** Operator-defined roles on top of the built-in ones. */
  readonly permissions: PermissionsConfig;
  readonly mlflow: {
    /** The `mlflow` Python package version the container installs. */
    readonly version: string;
    readonly cpu: number;
    readonly memoryMiB: number;
    readonly minTasks: number;
    readonly maxTasks: number;
  };
  readonly database: {
    /** Aurora Serverless v2 capacity in ACUs. */
    readonly minCapacity: number;
    readonly maxCapacity: number;
  };
  /** The gateway stage's throttling: steady requests per second and burst. */
  readonly gateway: {
    readonly rateLimit: number;
    readonly burstLimit: number;
  };
  /** Days to keep logs (MLflow, the authorizer, the gateway's access log). */
  readonly logRetentionDays: number;
}

/**
 * The MLflow release the tests run (the pin in requirements/dev.in): what
 * is deployed by default is what was tested.
 */
export function testedMlflowVersion(
  requirements = path.join(__dirname, '..', '..', 'requirements', 'dev.in')
): string {
  const pin = /^mlflow==(\S+)\s*$/m.exec(
    fs.readFileSync(requirements, 'utf-8')
  );
  if (pin === null) {
    throw new Error(`${requirements} pins no mlflow version (mlflow==X.Y.Z).`);
  }
  return pin[1];
}

export const DEFAULT_CONFIG: DeploymentConfig = Object.freeze({
  name: 'SagemakerStudioMlflow',
  studio: { origins: [], managedPolicies: [], users: [] },
  crossAccount: [],
  cognito: { mfa: 'optional' as MfaSetting },
  permissions: {},
  mlflow: {
    version: testedMlflowVersion(),
    cpu: 1024,
    memoryMiB: 2048,
    minTasks: 1,
    maxTasks: 4
  },
  database: { minCapacity: 0.5, maxCapacity: 4 },
  gateway: { rateLimit: 100, burstLimit: 200 },
  logRetentionDays: 90
});

export class InvalidDeploymentConfigError extends Error {
  constructor(
    readonly problems: readonly string[],
    source: string
  ) {
    super(
      `Invalid deployment configuration (${source}):\n` +
        problems.map(problem => `  - ${problem}`).join('\n')
    );
    this.name = 'InvalidDeploymentConfigError';
  }
}

// CloudWatch Logs accepts these retention periods only.
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
  2192, 2557, 2922, 3288, 3653
];
// Fargate's CPU units and the memory each allows.
const FARGATE_MEMORY: Record<number, [number, number]> = {
  256: [512, 2048],
  512: [1024, 4096],
  1024: [2048, 8192],
  2048: [4096, 16384],
  4096: [8192, 30720]
};

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The defaults with the given values over them (objects merged, the rest replaced). */
function merge(base: Json, over: Json): Json {
  const merged: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    merged[key] =
      isObject(base[key]) && isObject(value)
        ? merge(base[key] as Json, value)
        : value;
  }
  return merged;
}

/** Every problem of a configuration; empty when it is valid. */
export function configProblems(config: DeploymentConfig): string[] {
  const problems: string[] = [];
  const known = new Set([
    ...Object.keys(DEFAULT_CONFIG),
    'account',
    'region',
    'vpc'
  ]);
  for (const key of Object.keys(config)) {
    if (!known.has(key)) {
      problems.push(`"${key}" is not a setting`);
    }
  }
  if (config.account !== undefined && !/^\d{12}$/.test(config.account)) {
    problems.push('"account" must be a 12-digit AWS account id');
  }
  if (
    config.region !== undefined &&
    !/^[a-z]{2}(-[a-z]+)+-\d$/.test(config.region)
  ) {
    problems.push('"region" must be an AWS Region such as us-east-1');
  }
  if (!/^[A-Za-z][A-Za-z0-9-]{0,47}$/.test(String(config.name))) {
    problems.push(
      '"name" must start with a letter and hold letters, digits and dashes (48 at most)'
    );
  }
  if (config.vpc !== undefined) {
    const vpc = config.vpc;
    if (!/^vpc-[0-9a-f]+$/.test(String(vpc.vpcId))) {
      problems.push('"vpc.vpcId" must be a VPC id such as vpc-0abc…');
    }
    if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(String(vpc.cidrBlock))) {
      problems.push(
        '"vpc.cidrBlock" must be the VPC\'s IPv4 CIDR block, such as 10.0.0.0/16'
      );
    }
    const subnets = Array.isArray(vpc.privateSubnetIds)
      ? vpc.privateSubnetIds
      : [];
    if (
      subnets.length < 2 ||
      subnets.some(id => !/^subnet-[0-9a-f]+$/.test(String(id)))
    ) {
      problems.push(
        '"vpc.privateSubnetIds" must list at least two subnet ids (subnet-…)'
      );
    }
    if (
      !Array.isArray(vpc.availabilityZones) ||
      vpc.availabilityZones.length !== subnets.length
    ) {
      problems.push(
        '"vpc.availabilityZones" must name the zone of each private subnet, in the same order'
      );
    }
  }
  const origins = config.studio?.origins;
  if (!Array.isArray(origins)) {
    problems.push('"studio.origins" must be a list of https:// origins');
  } else {
    for (const origin of origins) {
      let ok = false;
      try {
        const url = new URL(String(origin));
        ok = url.protocol === 'https:' && url.origin === origin;
      } catch {
        ok = false;
      }
      if (!ok) {
        problems.push(
          `"studio.origins": ${JSON.stringify(origin)} is not an https:// origin (scheme and host, no path or trailing slash)`
        );
      }
    }
  }
  if (
    config.studio?.domainId !== undefined &&
    !/^d-[0-9a-z]+$/.test(String(config.studio.domainId))
  ) {
    problems.push(
      '"studio.domainId" must be a Studio domain id such as d-abc…'
    );
  }
  const roleNames = new Set<string>([
    ...BUILT_IN_ROLES,
    ...(Array.isArray(config.permissions?.roles)
      ? config.permissions.roles.map(role => role.name)
      : [])
  ]);
  const policies = config.studio?.managedPolicies;
  if (
    !Array.isArray(policies) ||
    policies.some(
      policy =>
        !/^(arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/[\w+=,.@/-]+|[\w+=,.@/-]+)$/.test(
          String(policy)
        )
    )
  ) {
    problems.push(
      '"studio.managedPolicies" must list managed policy names (AmazonSageMakerFullAccess) or ARNs'
    );
  }
  const users = config.studio?.users;
  if (!Array.isArray(users)) {
    problems.push('"studio.users" must be a list of { "name", "role" }');
  } else {
    const seen = new Set<string>();
    for (const user of users) {
      if (!/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(String(user?.name))) {
        problems.push(
          `"studio.users": ${JSON.stringify(user?.name)} is not a Studio user profile name (letters, digits and dashes, 63 at most)`
        );
      } else if (seen.has(user.name)) {
        problems.push(`"studio.users": "${user.name}" is listed twice`);
      }
      seen.add(user?.name);
      if (!roleNames.has(user?.role)) {
        problems.push(
          `"studio.users": "${user?.name}" has the role ${JSON.stringify(user?.role)}, which is not defined`
        );
      }
    }
  }
  const crossAccount = config.crossAccount;
  if (!Array.isArray(crossAccount)) {
    problems.push('"crossAccount" must be a list of { "role", "accounts" }');
  } else {
    for (const access of crossAccount) {
      if (!roleNames.has(access?.role)) {
        problems.push(
          `"crossAccount": the role ${JSON.stringify(access?.role)} is not defined`
        );
      }
      if (
        !Array.isArray(access?.accounts) ||
        access.accounts.length === 0 ||
        access.accounts.some(
          (account: unknown) => !/^\d{12}$/.test(String(account))
        )
      ) {
        problems.push(
          `"crossAccount": the role ${JSON.stringify(access?.role)} must list the 12-digit accounts that may assume it`
        );
      }
    }
  }
  if (!['off', 'optional', 'required'].includes(String(config.cognito?.mfa))) {
    problems.push('"cognito.mfa" must be "off", "optional" or "required"');
  }
  const roles = config.permissions?.roles ?? [];
  if (!Array.isArray(roles)) {
    problems.push('"permissions.roles" must be a list of role definitions');
  } else {
    for (const problem of validateRoleDefinitions(roles)) {
      problems.push(
        `"permissions.roles": role "${problem.role}": ${problem.message}`
      );
    }
  }
  const mlflow = config.mlflow;
  if (!/^3\.\d+\.\d+$/.test(String(mlflow?.version))) {
    problems.push(
      '"mlflow.version" must be an MLflow 3 release such as 3.18.0'
    );
  }
  const memory = FARGATE_MEMORY[mlflow?.cpu];
  if (memory === undefined) {
    problems.push(
      `"mlflow.cpu" must be one of Fargate's ${Object.keys(FARGATE_MEMORY).join(', ')}`
    );
  } else if (
    !Number.isInteger(mlflow.memoryMiB) ||
    mlflow.memoryMiB < memory[0] ||
    mlflow.memoryMiB > memory[1]
  ) {
    problems.push(
      `"mlflow.memoryMiB" must be between ${memory[0]} and ${memory[1]} for ${mlflow.cpu} CPU units`
    );
  }
  if (
    !Number.isInteger(mlflow?.minTasks) ||
    !Number.isInteger(mlflow?.maxTasks) ||
    mlflow.minTasks < 1 ||
    mlflow.maxTasks < mlflow.minTasks
  ) {
    problems.push(
      '"mlflow.minTasks" must be at least 1 and "mlflow.maxTasks" at least "mlflow.minTasks"'
    );
  }
  const database = config.database;
  if (
    !(database?.minCapacity >= 0) ||
    !(database.maxCapacity >= 1) ||
    database.maxCapacity > 256 ||
    database.minCapacity > database.maxCapacity ||
    (database.minCapacity * 2) % 1 !== 0 ||
    (database.maxCapacity * 2) % 1 !== 0
  ) {
    problems.push(
      '"database" capacities are Aurora Serverless v2 ACUs in steps of 0.5: 0 ≤ minCapacity ≤ maxCapacity, 1 ≤ maxCapacity ≤ 256'
    );
  }
  const gateway = config.gateway;
  if (
    !(gateway?.rateLimit > 0) ||
    !Number.isInteger(gateway.burstLimit) ||
    gateway.burstLimit < 1
  ) {
    problems.push(
      '"gateway.rateLimit" must be a positive number of requests per second and "gateway.burstLimit" a positive whole number'
    );
  }
  if (!RETENTION_DAYS.includes(config.logRetentionDays)) {
    problems.push(
      `"logRetentionDays" must be one CloudWatch Logs accepts: ${RETENTION_DAYS.join(', ')}`
    );
  }
  return problems;
}

/**
 * The configuration from parsed JSON over the defaults.
 *
 * @throws InvalidDeploymentConfigError naming every problem.
 */
export function parseDeploymentConfig(
  json: unknown,
  source = 'configuration'
): DeploymentConfig {
  if (!isObject(json)) {
    throw new InvalidDeploymentConfigError(
      ['the configuration must be a JSON object'],
      source
    );
  }
  const config = merge(
    DEFAULT_CONFIG as unknown as Json,
    json
  ) as unknown as DeploymentConfig;
  const problems = configProblems(config);
  if (problems.length > 0) {
    throw new InvalidDeploymentConfigError(problems, source);
  }
  return config;
}

/** The configuration in a JSON file, or the defaults when there is no such file. */
export function readDeploymentConfig(file: string): DeploymentConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf-8');
  } catch {
    return parseDeploymentConfig({}, 'defaults');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidDeploymentConfigError(
      [`${file} is not JSON: ${(error as Error).message}`],
      file
    );
  }
  return parseDeploymentConfig(json, file);
}
