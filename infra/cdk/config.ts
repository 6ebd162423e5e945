/**
 * The deployment's configuration, in one typed place: a schema (zod) from
 * which its type, its defaults and the JSON Schema editors check
 * `deploy.json` against (`deploy.schema.json`, `npm run schema`) all come.
 * A file (`infra/deploy.json` by default, or the `config` context value)
 * is checked before anything is synthesized; every problem is reported at
 * once, each as a sentence naming the field.
 *
 * Nothing here looks anything up in an AWS account: an existing VPC is
 * named with its subnets, so `cdk synth` needs no credentials.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as logs from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';

import { SIGN_IN_METHODS, type SignInMethod } from '../src/contract';
import type { RoleDefinition } from '../src/permissions/roles';
import { TOKEN_VALIDITY } from '../src/user-pool';
import { TEAM_GROUP_PREFIX, isMappableGroup } from '../src/federation/groups';
import {
  BUILT_IN_ROLES,
  validateRoleDefinitions
} from '../src/permissions/roles';

/**
 * The MLflow release the tests run (the pin in requirements/dev.in): what
 * is deployed by default is what was tested.
 */
export function testedMlflowVersion(
  requirements = path.join(__dirname, '..', '..', 'requirements', 'dev.in')
): string {
  const pin = /^mlflow(?:\[[\w,-]+\])?==(\S+)\s*$/m.exec(
    fs.readFileSync(requirements, 'utf-8')
  );
  if (pin === null) {
    throw new Error(`${requirements} pins no mlflow version (mlflow==X.Y.Z).`);
  }
  return pin[1];
}

// The retention periods CloudWatch Logs accepts; logs never kept forever.
const RETENTION_DAYS = Object.values(logs.RetentionDays).filter(
  (days): days is logs.RetentionDays =>
    typeof days === 'number' && days !== logs.RetentionDays.INFINITE
);
// Fargate's CPU units and the memory each allows.
const FARGATE_MEMORY: Readonly<Record<number, readonly [number, number]>> = {
  256: [512, 2048],
  512: [1024, 4096],
  1024: [2048, 8192],
  2048: [4096, 16384],
  4096: [8192, 30720]
};
const FARGATE_CPU = Object.keys(FARGATE_MEMORY).map(Number);

const ACCOUNT_ID = /^\d{12}$/;
const PROFILE_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

const ZONES =
  '"vpc.availabilityZones" must name the zone of each private subnet, in the same order';
const SUBNETS =
  '"vpc.privateSubnetIds" must list at least two subnet ids (subnet-…)';
const STUDIO_SUBNETS =
  '"vpc.studioSubnetIds" must list subnet ids (subnet-…) for Studio apps and training jobs, or be left out to use "vpc.privateSubnetIds"';
const MANAGED_POLICIES =
  '"studio.managedPolicies" must map MLflow roles to lists of managed policy names or ARNs, such as { "experimenters": ["arn:aws:iam::123456789012:policy/TrainingJobs"] }';
const S3_BUCKETS =
  '"studio.s3Buckets" must be a list of S3 bucket names such as "my-datasets"';
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:(iam|sts)::(\d{12}):[\w+=,.@/*-]+$/;
const ORG_ID = /^o-[a-z0-9]{10,32}$/;
const TASKS =
  '"mlflow.minTasks" must be at least 1 and "mlflow.maxTasks" at least "mlflow.minTasks"';
const CAPACITY =
  '"database" capacities are Aurora Serverless v2 ACUs in steps of 0.5: 0 ≤ minCapacity ≤ maxCapacity, 1 ≤ maxCapacity ≤ 256';
const ACCESS_TOKEN_MINUTES = `"cognito.accessTokenMinutes" must be a whole number of minutes from ${TOKEN_VALIDITY.accessMinutesRange.min} to ${TOKEN_VALIDITY.accessMinutesRange.max}`;
const THROTTLING =
  '"gateway.rateLimit" must be a positive number of requests per second and "gateway.burstLimit" a positive whole number';
/** AWS WAF's bounds of a rate-based rule's limit. */
const PER_IP_LIMIT_RANGE = { min: 10, max: 2_000_000_000 } as const;
const PER_IP_LIMIT = `"gateway.perIpRequestsPer5Minutes" must be a whole number of requests from ${PER_IP_LIMIT_RANGE.min} to ${PER_IP_LIMIT_RANGE.max}`;

/** A string matching `pattern`; anything else is `problem`. */
function matching(pattern: RegExp, problem: string): z.ZodString {
  return z.string({ error: problem }).regex(pattern, { error: problem });
}

function isHttpsOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.origin === value;
  } catch {
    return false;
  }
}

/** Cognito's provider name: the button's default text and federated usernames' prefix (`<name>_…`). */
const PROVIDER_NAME = /^[A-Za-z0-9][A-Za-z0-9 .-]{1,30}[A-Za-z0-9]$/;
const PROVIDER =
  '"cognito.identityProviders[].name" must be 3 to 32 letters, digits, spaces, dots or dashes, starting and ending with a letter or digit';
const DOMAIN_PREFIX =
  '"cognito.domainPrefix" must be lowercase letters, digits and dashes (1–63, not starting or ending with a dash, without "aws", "amazon" or "cognito")';
const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

const httpsUrl = (problem: string) =>
  z.string({ error: problem }).refine(isHttpsUrl, { error: problem });

const samlProviderSchema = z
  .strictObject({
    metadataUrl: httpsUrl(
      '"cognito.identityProviders[].saml.metadataUrl" must be an https:// URL'
    )
      .optional()
      .describe('Where the IdP publishes its SAML metadata.'),
    metadataFile: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A file holding the IdP’s SAML metadata, relative to this configuration file.'
      ),
    signOut: z
      .boolean()
      .default(false)
      .describe(
        'Sign out at the IdP too (SAML single logout) when the user signs out.'
      )
  })
  .refine(
    saml =>
      (saml.metadataUrl === undefined) !== (saml.metadataFile === undefined),
    {
      error:
        '"cognito.identityProviders[].saml" must give one of "metadataUrl" and "metadataFile"'
    }
  );

const oidcProviderSchema = z.strictObject({
  issuer: httpsUrl(
    '"cognito.identityProviders[].oidc.issuer" must be an https:// URL'
  ).describe(
    'The IdP’s issuer (its /.well-known/openid-configuration is read).'
  ),
  clientId: z
    .string({
      error: '"cognito.identityProviders[].oidc.clientId" must be a string'
    })
    .min(1)
    .describe('The client Cognito signs in as, registered at the IdP.'),
  clientSecretArn: matching(
    SECRET_ARN,
    '"cognito.identityProviders[].oidc.clientSecretArn" must be the ARN of a Secrets Manager secret holding the client secret'
  ).describe(
    'A Secrets Manager secret holding the client’s secret: never the secret itself in this file.'
  ),
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/))
    .default(['openid', 'email', 'profile'])
    .describe('The scopes Cognito asks for; the group claim may need one.')
});

const identityProviderSchema = z
  .strictObject({
    name: matching(PROVIDER_NAME, PROVIDER).describe(
      'Cognito’s name of the provider.'
    ),
    label: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe('The button says “Sign in with <label>” (default: the name).'),
    saml: samlProviderSchema.optional(),
    oidc: oidcProviderSchema.optional(),
    emailAttribute: z
      .string()
      .min(1)
      .default('email')
      .describe(
        'The IdP’s attribute (SAML) or claim (OIDC) holding the email.'
      ),
    groupsAttribute: z
      .string({
        error:
          '"cognito.identityProviders[].groupsAttribute" must name the IdP’s attribute or claim listing the user’s groups'
      })
      .min(1)
      .describe(
        'The IdP’s attribute (SAML) or claim (OIDC) listing the user’s groups.'
      ),
    groups: z
      .record(z.string().min(1), z.array(z.string().min(1)).min(1))
      .describe(
        'Each IdP group’s roles and teams (Cognito groups); an IdP group not listed gives nothing.'
      )
  })
  .refine(idp => (idp.saml === undefined) !== (idp.oidc === undefined), {
    error: '"cognito.identityProviders[]" must be one of "saml" and "oidc"'
  });

const existingVpcSchema = z
  .strictObject({
    vpcId: matching(
      /^vpc-[0-9a-f]+$/,
      '"vpc.vpcId" must be a VPC id such as vpc-0abc…'
    ).describe('The VPC id.'),
    cidrBlock: matching(
      /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/,
      '"vpc.cidrBlock" must be the VPC\'s IPv4 CIDR block, such as 10.0.0.0/16'
    ).describe("The VPC's IPv4 CIDR block."),
    privateSubnetIds: z
      .array(matching(/^subnet-[0-9a-f]+$/, SUBNETS), { error: SUBNETS })
      .min(2, { error: SUBNETS })
      .describe(
        'At least two private subnets with a route to the internet (NAT) or VPC endpoints.'
      ),
    availabilityZones: z
      .array(z.string(), { error: ZONES })
      .describe('The zone of each private subnet, in the same order.'),
    studioSubnetIds: z
      .array(matching(/^subnet-[0-9a-f]+$/, STUDIO_SUBNETS), {
        error: STUDIO_SUBNETS
      })
      .min(1, { error: STUDIO_SUBNETS })
      .optional()
      .describe(
        "Subnets for Studio apps and training jobs, apart from MLflow's (with a route to the internet or VPC endpoints). Default: privateSubnetIds, where only the security groups keep them from MLflow."
      )
  })
  .superRefine((vpc, ctx) => {
    if (vpc.availabilityZones.length !== vpc.privateSubnetIds.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['availabilityZones'],
        message: ZONES
      });
    }
  })
  .describe('Deploy into this VPC instead of creating one.');

const studioUserSchema = z
  .strictObject({
    name: z
      .string({ error: profileNameProblem })
      .regex(PROFILE_NAME, { error: profileNameProblem })
      .describe("The user profile's name."),
    role: z
      .string()
      .describe('The MLflow role (built in or defined in permissions.roles).')
  })
  .describe('A Studio user profile, with the execution role of its role.');

const crossAccountAccessSchema = z
  .strictObject({
    role: z
      .string()
      .describe('The MLflow role whose permissions the assumed role has.'),
    accounts: z
      .array(z.string())
      .describe(
        'The 12-digit accounts whose IAM principals may assume it (their own policies must allow sts:AssumeRole and sts:SetSourceIdentity).'
      ),
    principalArns: z
      .array(z.string())
      .optional()
      .describe(
        'The IAM roles or users of those accounts that may assume it (aws:PrincipalArn, * allowed), such as arn:aws:iam::111122223333:role/training-jobs.'
      ),
    principalOrgId: z
      .string()
      .optional()
      .describe(
        'The AWS Organizations id (o-…) the assuming principals must belong to (aws:PrincipalOrgID).'
      )
  })
  .superRefine((access, ctx) => {
    const role = JSON.stringify(access.role);
    if (
      access.accounts.length === 0 ||
      access.accounts.some(account => !ACCOUNT_ID.test(account))
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['accounts'],
        message: `"crossAccount": the role ${role} must list the 12-digit accounts that may assume it`
      });
    }
    if (
      (access.principalArns ?? []).length === 0 &&
      access.principalOrgId === undefined
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['principalArns'],
        message: `"crossAccount": the role ${role} must name who may assume it: "principalArns" (roles or users of its accounts) or "principalOrgId"`
      });
    }
    for (const arn of access.principalArns ?? []) {
      const account = PRINCIPAL_ARN.exec(arn)?.[2];
      if (account === undefined || !access.accounts.includes(account)) {
        ctx.addIssue({
          code: 'custom',
          path: ['principalArns'],
          message: `"crossAccount": the role ${role} names ${JSON.stringify(arn)}, which is not an IAM principal ARN of its accounts`
        });
      }
    }
    if (
      access.principalOrgId !== undefined &&
      !ORG_ID.test(access.principalOrgId)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['principalOrgId'],
        message: `"crossAccount": the role ${role} has the organization id ${JSON.stringify(access.principalOrgId)}, which is not one (o-…)`
      });
    }
  });

const roleDefinitionSchema = z
  .strictObject({
    name: z.string().describe('The Cognito group whose members have the role.'),
    description: z.string(),
    extends: z
      .string()
      .optional()
      .describe(
        'Start from everything this role allows (built in or operator-defined).'
      ),
    allow: z
      .array(z.string())
      .describe('Selectors: operation ids, families or access:read/write.'),
    deny: z
      .array(z.string())
      .optional()
      .describe('Taken away after extends and allow; public operations stay.')
  })
  .describe(
    'An operator-defined role (docs/permissions.md).'
  ) satisfies z.ZodType<RoleDefinition>;

const permissionsSchema = z
  .strictObject({
    roles: z.array(roleDefinitionSchema).optional()
  })
  .superRefine((permissions, ctx) => {
    for (const problem of validateRoleDefinitions(permissions.roles ?? [])) {
      ctx.addIssue({
        code: 'custom',
        path: ['roles'],
        message: `"permissions.roles": role "${problem.role}": ${problem.message}`
      });
    }
  })
  .describe('Operator-defined roles on top of the built-in ones.');

const mlflowVersionSchema = matching(
  /^3\.\d+\.\d+$/,
  '"mlflow.version" must be an MLflow 3 release such as 3.18.0'
)
  .default(testedMlflowVersion)
  .describe(
    'The mlflow Python package version the container installs: the one its lock pins (infra/mlflow-image/requirements.lock, regenerated by scripts/lock-python.sh from the pin of requirements/dev.in); synthesis refuses another.'
  );

const mlflowSchema = z
  .strictObject({
    version: mlflowVersionSchema,
    cpu: z
      .literal(FARGATE_CPU, {
        error: `"mlflow.cpu" must be one of Fargate's ${FARGATE_CPU.join(', ')}`
      })
      .default(1024)
      .describe("The task's Fargate CPU units."),
    memoryMiB: z
      .number()
      .multipleOf(1, {
        error: '"mlflow.memoryMiB" must be a whole number of MiB'
      })
      .default(2048)
      .describe(
        "The task's memory; Fargate allows 2 to 8 times the CPU units (30720 at most)."
      ),
    minTasks: z
      .number({ error: TASKS })
      .multipleOf(1, { error: TASKS })
      .min(1, { error: TASKS })
      .default(1)
      .describe('Tasks that always run.'),
    maxTasks: z
      .number({ error: TASKS })
      .multipleOf(1, { error: TASKS })
      .min(1, { error: TASKS })
      .default(4)
      .describe('Tasks autoscaling may add up to (on CPU).')
  })
  .superRefine((mlflow, ctx) => {
    const [least, most] = FARGATE_MEMORY[mlflow.cpu];
    if (
      Number.isInteger(mlflow.memoryMiB) &&
      (mlflow.memoryMiB < least || mlflow.memoryMiB > most)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['memoryMiB'],
        message: `"mlflow.memoryMiB" must be between ${least} and ${most} for ${mlflow.cpu} CPU units`
      });
    }
    if (mlflow.maxTasks < mlflow.minTasks) {
      ctx.addIssue({ code: 'custom', path: ['maxTasks'], message: TASKS });
    }
  })
  .describe('MLflow on ECS Fargate: the release, the task size, autoscaling.');

const databaseSchema = z
  .strictObject({
    minCapacity: z
      .number({ error: CAPACITY })
      .min(0, { error: CAPACITY })
      .multipleOf(0.5, { error: CAPACITY })
      .default(0.5)
      .describe('ACUs at rest (0: the database pauses when idle).'),
    maxCapacity: z
      .number({ error: CAPACITY })
      .min(1, { error: CAPACITY })
      .max(256, { error: CAPACITY })
      .multipleOf(0.5, { error: CAPACITY })
      .default(4)
      .describe('ACUs at most.')
  })
  .superRefine((database, ctx) => {
    if (database.minCapacity > database.maxCapacity) {
      ctx.addIssue({
        code: 'custom',
        path: ['minCapacity'],
        message: CAPACITY
      });
    }
  })
  .describe('Aurora Serverless v2 capacity in ACUs.');

/** A number of days CloudWatch Logs keeps events, for the setting at `path`. */
function retentionDaysSchema(path: string, fallback: logs.RetentionDays) {
  return z
    .literal(RETENTION_DAYS, {
      error: `"${path}" must be one CloudWatch Logs accepts: ${RETENTION_DAYS.join(', ')}`
    })
    .default(fallback);
}

/** S3 Object Lock's bounds of a default retention in days (100 years). */
const OBJECT_LOCK_DAYS_RANGE = { min: 1, max: 36_500 } as const;
const OBJECT_LOCK_DAYS = `"audit.objectLock.days" must be a whole number of days from ${OBJECT_LOCK_DAYS_RANGE.min} to ${OBJECT_LOCK_DAYS_RANGE.max}`;

const auditSchema = z
  .strictObject({
    retentionDays: retentionDaysSchema(
      'audit.retentionDays',
      logs.RetentionDays.SEVEN_YEARS
    ).describe(
      'Days the audit log group keeps MLflow’s audit events (who changed what, every refusal). Seven years by default.'
    ),
    objectLock: z
      .strictObject({
        mode: z
          .enum(['COMPLIANCE', 'GOVERNANCE'], {
            error:
              '"audit.objectLock.mode" must be "COMPLIANCE" or "GOVERNANCE"'
          })
          .default('COMPLIANCE')
          .describe(
            'COMPLIANCE: no one, the account’s root user included, can delete or overwrite an event before its retention ends. GOVERNANCE: principals allowed s3:BypassGovernanceRetention can.'
          ),
        days: z
          .int({ error: OBJECT_LOCK_DAYS })
          .min(OBJECT_LOCK_DAYS_RANGE.min, { error: OBJECT_LOCK_DAYS })
          .max(OBJECT_LOCK_DAYS_RANGE.max, { error: OBJECT_LOCK_DAYS })
          .default(logs.RetentionDays.SEVEN_YEARS)
          .describe(
            'Days each archived event is locked from its writing; then it is deleted.'
          )
      })
      .optional()
      .describe(
        'Also copy every audit event into an S3 bucket with Object Lock (through a subscription filter and Amazon Data Firehose). Off by default.'
      )
  })
  .prefault({})
  .describe(
    'MLflow’s audit trail: its log group and an optional locked archive.'
  );

const settingsSchema = z.strictObject({
  $schema: z
    .string()
    .optional()
    .describe('The JSON Schema of this file, for editors.'),
  account: matching(ACCOUNT_ID, '"account" must be a 12-digit AWS account id')
    .optional()
    .describe(
      'The account to deploy to; with region unset, the stack is environment-agnostic.'
    ),
  region: matching(
    /^[a-z]{2}(-[a-z]+)+-\d$/,
    '"region" must be an AWS Region such as us-east-1'
  )
    .optional()
    .describe('The region to deploy to.'),
  name: matching(
    /^[A-Za-z][A-Za-z0-9-]{0,47}$/,
    '"name" must start with a letter and hold letters, digits and dashes (48 at most)'
  )
    .default('SagemakerStudioMlflow')
    .describe("The stack's name, and the prefix of its resources' names."),
  vpc: existingVpcSchema.optional(),
  studio: z
    .strictObject({
      domainId: matching(
        /^d-[0-9a-z]+$/,
        '"studio.domainId" must be a Studio domain id such as d-abc…'
      )
        .optional()
        .describe('Use this SageMaker Studio domain instead of creating one.'),
      origins: z
        .array(
          z
            .string({ error: originProblem })
            .refine(isHttpsOrigin, { error: originProblem }),
          { error: '"studio.origins" must be a list of https:// origins' }
        )
        .default([])
        .describe(
          "Browser origins that may call and frame the gateway (the Studio domain's)."
        ),
      managedPolicies: z
        .record(
          z.string(),
          z.array(
            matching(
              /^(arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/[\w+=,.@/-]+|[\w+=,.@/-]+)$/,
              MANAGED_POLICIES
            ),
            { error: MANAGED_POLICIES }
          ),
          { error: MANAGED_POLICIES }
        )
        .default({})
        .describe(
          "Managed policies an MLflow role's execution role gets besides its own policies, by role: AWS-managed names or policy ARNs. None by default: the roles reach MLflow, their own Studio apps and nothing else. Not AmazonSageMakerFullAccess: it allows presigned URLs for every profile and passing any SageMaker role."
        ),
      s3Buckets: z
        .array(matching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, S3_BUCKETS), {
          error: S3_BUCKETS
        })
        .default([])
        .describe(
          "Buckets that Studio apps and training jobs in a new VPC may reach through its S3 gateway endpoint, such as training jobs' data, besides MLflow's artifacts, the extension's wheel, ECR's image layers and SageMaker's default bucket. Grants no IAM permission."
        ),
      users: z
        .array(studioUserSchema, {
          error: '"studio.users" must be a list of { "name", "role" }'
        })
        .default([])
        .describe(
          "Studio user profiles to create, each with an execution role of its own that has its role's policies, so that MLflow can name the user (about 60 at most: CloudFormation's 500 resources per stack)."
        )
    })
    .prefault({})
    .describe('SageMaker Studio: the domain, its users and their roles.'),
  crossAccount: z
    .array(crossAccountAccessSchema, {
      error: '"crossAccount" must be a list of { "role", "accounts" }'
    })
    .default([])
    .describe(
      'Roles in this account that principals of other accounts may assume to reach MLflow with one role’s permissions.'
    ),
  cognito: z
    .strictObject({
      mfa: z
        .enum(['off', 'optional', 'required'], {
          error: '"cognito.mfa" must be "off", "optional" or "required"'
        })
        .default('required')
        .describe('Whether users sign in with a second factor (TOTP).'),
      accessTokenMinutes: z
        .int({ error: ACCESS_TOKEN_MINUTES })
        .min(TOKEN_VALIDITY.accessMinutesRange.min, {
          error: ACCESS_TOKEN_MINUTES
        })
        .max(TOKEN_VALIDITY.accessMinutesRange.max, {
          error: ACCESS_TOKEN_MINUTES
        })
        .default(TOKEN_VALIDITY.accessMinutes)
        .describe(
          'Minutes an access (and ID) token lasts. Tokens are verified offline: a revoked session reaches MLflow until its token expires, plus the authorizer’s 5-minute cache.'
        ),
      signIn: z
        .array(z.enum(SIGN_IN_METHODS), {
          error: '"cognito.signIn" must list "password", "sso" or both'
        })
        .min(1, {
          error: '"cognito.signIn" must list "password", "sso" or both'
        })
        .default(['password'])
        .describe(
          'How users sign in: with a Cognito password, through the identity providers (SSO), or both.'
        ),
      domainPrefix: matching(
        /^(?!.*(?:aws|amazon|cognito))[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
        DOMAIN_PREFIX
      )
        .optional()
        .describe(
          'The managed login domain, https://<prefix>.auth.<region>.amazoncognito.com (needed for SSO).'
        ),
      identityProviders: z
        .array(identityProviderSchema)
        .default([])
        .describe('The organisation’s identity providers (SAML 2.0 or OIDC).')
    })
    .superRefine(checkFederation)
    .prefault({}),
  permissions: permissionsSchema.prefault({}),
  mlflow: mlflowSchema.prefault({}),
  database: databaseSchema.prefault({}),
  audit: auditSchema,
  gateway: z
    .strictObject({
      rateLimit: z
        .number({ error: THROTTLING })
        .positive({ error: THROTTLING })
        .default(100)
        .describe('Steady requests per second.'),
      burstLimit: z
        .number({ error: THROTTLING })
        .multipleOf(1, { error: THROTTLING })
        .min(1, { error: THROTTLING })
        .default(200)
        .describe('Requests at once.'),
      perIpRequestsPer5Minutes: z
        .number({ error: PER_IP_LIMIT })
        .multipleOf(1, { error: PER_IP_LIMIT })
        .min(PER_IP_LIMIT_RANGE.min, { error: PER_IP_LIMIT })
        .max(PER_IP_LIMIT_RANGE.max, { error: PER_IP_LIMIT })
        .default(20_000)
        .describe(
          'Requests one client address may send in any 5 minutes; above it the web ACL refuses the address (429) until its rate falls. Studio apps and training jobs reach the gateway from the NAT gateways’ addresses: keep it above their combined rate.'
        ),
      rotatingProof: z
        .boolean({ error: '"gateway.rotatingProof" must be true or false' })
        .default(false)
        .describe(
          "True only while the gateway's proof is rotated (docs/security.md): MLflow then accepts the secret's new version (AWSPENDING) as well as its current one."
        )
    })
    .prefault({})
    .describe(
      "The gateway stage's throttling, the web ACL's per-address limit, and the proof's rotation."
    ),
  logRetentionDays: retentionDaysSchema(
    'logRetentionDays',
    logs.RetentionDays.THREE_MONTHS
  ).describe(
    'Days to keep logs (MLflow, the authorizer, the gateway’s access log, S3 access logs).'
  )
});

/** The configuration file's schema: what `parseDeploymentConfig` checks. */
export const deploymentConfigSchema = settingsSchema
  .superRefine(checkRoleReferences, {
    // Also when other settings are wrong, as long as these are readable.
    when: ({ issues }) =>
      !issues.some(
        issue =>
          issue.continue !== true &&
          (issue.path === undefined ||
            issue.path.length === 0 ||
            ['studio', 'crossAccount', 'permissions', 'cognito'].includes(
              String(issue.path[0])
            ))
      )
  })
  .describe('The deployment of sagemaker-studio-mlflow (infra/deploy.json).');

export type DeploymentConfig = z.output<typeof deploymentConfigSchema>;
export type ExistingVpc = z.output<typeof existingVpcSchema>;
export type StudioUser = z.output<typeof studioUserSchema>;
export type CrossAccountAccess = z.output<typeof crossAccountAccessSchema>;
export type MfaSetting = DeploymentConfig['cognito']['mfa'];
export type { SignInMethod };
export type IdentityProviderConfig =
  DeploymentConfig['cognito']['identityProviders'][number];
function originProblem(issue: { readonly input?: unknown }): string {
  return `"studio.origins": ${JSON.stringify(issue.input)} is not an https:// origin (scheme and host, no path or trailing slash)`;
}

function profileNameProblem(issue: { readonly input?: unknown }): string {
  return `"studio.users": ${JSON.stringify(issue.input)} is not a Studio user profile name (letters, digits and dashes, 63 at most)`;
}

/** SSO needs a domain and a provider; providers have distinct names. */
function checkFederation(
  cognito: {
    signIn: readonly string[];
    domainPrefix?: string;
    identityProviders: readonly { name: string }[];
  },
  ctx: z.RefinementCtx
): void {
  const sso = cognito.signIn.includes('sso');
  if (sso && cognito.domainPrefix === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['domainPrefix'],
      message:
        '"cognito.domainPrefix" is required when "cognito.signIn" has "sso"'
    });
  }
  if (sso && cognito.identityProviders.length === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['identityProviders'],
      message:
        '"cognito.identityProviders" must list at least one provider when "cognito.signIn" has "sso"'
    });
  }
  if (!sso && cognito.identityProviders.length > 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['signIn'],
      message:
        '"cognito.signIn" must have "sso" for "cognito.identityProviders" to be used'
    });
  }
  const seen = new Set<string>();
  cognito.identityProviders.forEach((idp, index) => {
    const key = idp.name.toLowerCase();
    if (seen.has(key)) {
      ctx.addIssue({
        code: 'custom',
        path: ['identityProviders', index, 'name'],
        message: `"cognito.identityProviders": "${idp.name}" is listed twice`
      });
    }
    seen.add(key);
  });
}

/** Every user and cross-account role names a role; user names are unique. */
function checkRoleReferences(
  config: z.output<typeof settingsSchema>,
  ctx: z.RefinementCtx
): void {
  const roles = new Set<string>([
    ...BUILT_IN_ROLES,
    ...(config.permissions.roles ?? []).map(role => role.name)
  ]);
  const seen = new Set<string>();
  config.studio.users.forEach((user, index) => {
    if (PROFILE_NAME.test(user.name) && seen.has(user.name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['studio', 'users', index, 'name'],
        message: `"studio.users": "${user.name}" is listed twice`
      });
    }
    seen.add(user.name);
    if (!roles.has(user.role)) {
      ctx.addIssue({
        code: 'custom',
        path: ['studio', 'users', index, 'role'],
        message: `"studio.users": "${user.name}" has the role ${JSON.stringify(user.role)}, which is not defined`
      });
    }
  });
  for (const role of Object.keys(config.studio.managedPolicies)) {
    if (!roles.has(role)) {
      ctx.addIssue({
        code: 'custom',
        path: ['studio', 'managedPolicies', role],
        message: `"studio.managedPolicies": the role ${JSON.stringify(role)} is not defined`
      });
    }
  }
  config.cognito.identityProviders.forEach((idp, index) => {
    for (const [idpGroup, groups] of Object.entries(idp.groups)) {
      for (const group of groups) {
        if (!isMappableGroup(group, roles)) {
          ctx.addIssue({
            code: 'custom',
            path: ['cognito', 'identityProviders', index, 'groups', idpGroup],
            message: `"cognito.identityProviders": "${idp.name}" maps "${idpGroup}" to ${JSON.stringify(group)}, which is neither a role nor a team (${TEAM_GROUP_PREFIX}…)`
          });
        }
      }
    }
  });
  config.crossAccount.forEach((access, index) => {
    if (!roles.has(access.role)) {
      ctx.addIssue({
        code: 'custom',
        path: ['crossAccount', index, 'role'],
        message: `"crossAccount": the role ${JSON.stringify(access.role)} is not defined`
      });
    }
  });
}

/** The defaults: the configuration of an empty file. */
export const DEFAULT_CONFIG: DeploymentConfig = Object.freeze(
  deploymentConfigSchema.parse({})
);

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

/** `studio.users[2].name` */
function fieldName(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) =>
      typeof key === 'number' ? `[${key}]` : `${i > 0 ? '.' : ''}${String(key)}`
    )
    .join('');
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  array: 'a list',
  object: 'an object'
};

/** The sentence for a problem no setting words itself. */
const describeProblem: z.core.$ZodErrorMap = issue => {
  const at = issue.path ?? [];
  switch (issue.code) {
    case 'unrecognized_keys':
      return `${issue.keys.map(key => `"${fieldName([...at, key])}"`).join(', ')} ${issue.keys.length === 1 ? 'is not a setting' : 'are not settings'}`;
    case 'invalid_type':
      if (at.length === 0) {
        return 'the configuration must be a JSON object';
      }
      return issue.input === undefined
        ? `"${fieldName(at)}" is required`
        : `"${fieldName(at)}" must be ${EXPECTED[issue.expected] ?? issue.expected}`;
    default:
      return `"${fieldName(at)}" is not valid`;
  }
};

/** Where a field comes in the schema: problems are listed in that order. */
function schemaOrder(path: readonly PropertyKey[]): number[] {
  const order: number[] = [];
  let schema: unknown = deploymentConfigSchema;
  for (const key of path) {
    while (
      schema instanceof z.ZodOptional ||
      schema instanceof z.ZodDefault ||
      schema instanceof z.ZodPrefault
    ) {
      schema = schema.unwrap();
    }
    if (schema instanceof z.ZodObject) {
      order.push(Object.keys(schema.shape).indexOf(String(key)));
      schema = schema.shape[String(key)];
    } else if (schema instanceof z.ZodArray) {
      order.push(Number(key));
      schema = schema.element;
    } else {
      break;
    }
  }
  return order;
}

function compareOrder(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      return a[i] - b[i];
    }
  }
  return a.length - b.length;
}

/**
 * The configuration from parsed JSON, the defaults filled in.
 *
 * @throws InvalidDeploymentConfigError naming every problem.
 */
export function parseDeploymentConfig(
  json: unknown,
  source = 'configuration'
): DeploymentConfig {
  const parsed = deploymentConfigSchema.safeParse(json, {
    error: describeProblem
  });
  if (parsed.success) {
    return parsed.data;
  }
  const problems = parsed.error.issues
    .map(issue => ({ issue, order: schemaOrder(issue.path) }))
    .sort((a, b) => compareOrder(a.order, b.order))
    .map(({ issue }) => issue.message);
  // Settings checked together say so once.
  throw new InvalidDeploymentConfigError([...new Set(problems)], source);
}

/** The configuration in a JSON file. */
export function readDeploymentConfig(file: string): DeploymentConfig {
  const text = fs.readFileSync(file, 'utf-8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidDeploymentConfigError(
      [`${file} is not JSON: ${(error as Error).message}`],
      file
    );
  }
  return withMetadataFilesResolved(parseDeploymentConfig(json, file), file);
}

/** SAML metadata files named relative to the configuration file, made absolute; each must exist. */
function withMetadataFilesResolved(
  config: DeploymentConfig,
  file: string
): DeploymentConfig {
  const problems: string[] = [];
  const identityProviders = config.cognito.identityProviders.map(idp => {
    if (idp.saml?.metadataFile === undefined) {
      return idp;
    }
    const metadataFile = path.resolve(
      path.dirname(file),
      idp.saml.metadataFile
    );
    if (!fs.existsSync(metadataFile)) {
      problems.push(
        `"cognito.identityProviders": "${idp.name}": the SAML metadata file ${metadataFile} does not exist`
      );
    }
    return { ...idp, saml: { ...idp.saml, metadataFile } };
  });
  if (problems.length > 0) {
    throw new InvalidDeploymentConfigError(problems, file);
  }
  return { ...config, cognito: { ...config.cognito, identityProviders } };
}

/** `infra/deploy.json`: the configuration when `-c config=<file>` names none. */
export const DEFAULT_CONFIG_FILE = path.join(__dirname, '..', 'deploy.json');

/**
 * The app's configuration: the file the `config` context value names
 * (`-c config=<file>`, relative to the working directory), which must
 * exist; else `infra/deploy.json`, or the defaults when there is none.
 */
export function appDeploymentConfig(
  named: unknown,
  defaultFile = DEFAULT_CONFIG_FILE
): DeploymentConfig {
  if (named === undefined) {
    return fs.existsSync(defaultFile)
      ? readDeploymentConfig(defaultFile)
      : parseDeploymentConfig({}, 'defaults');
  }
  const file = path.resolve(String(named));
  if (!fs.existsSync(file)) {
    throw new Error(
      `The deployment configuration ${file} (-c config=${String(named)}) does not exist.`
    );
  }
  return readDeploymentConfig(file);
}

/** Where `npm run schema` writes the JSON Schema that deploy.json names for editors. */
export const DEPLOY_SCHEMA_FILE = path.join(
  __dirname,
  '..',
  'deploy.schema.json'
);

/** The JSON Schema of the configuration file, as DEPLOY_SCHEMA_FILE holds it. */
export function deploymentConfigJsonSchema(): string {
  const schema = z.toJSONSchema(deploymentConfigSchema, {
    target: 'draft-07',
    io: 'input',
    override: ({ zodSchema, jsonSchema }) => {
      // The tested release moves with requirements/dev.in; the file should not.
      if (zodSchema === mlflowVersionSchema) {
        delete jsonSchema.default;
      }
    }
  });
  return `${JSON.stringify(schema, null, 2)}\n`;
}
