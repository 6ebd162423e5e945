import * as fs from 'node:fs';
import * as path from 'node:path';

import { Template } from 'aws-cdk-lib/assertions';

import { rolesTable } from '../../src/permissions/export';
import { compileRoles } from '../../src/permissions/roles';
import { buildStack } from '../support/cdk';
import { roleIdOf } from '../support/iam';
import { deployed } from '../support/intrinsics';

const EXAMPLE = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'deploy.example.json'), {
    encoding: 'utf-8'
  })
) as Record<string, any>;

/** ECS's limit on a task definition's size. */
const TASK_DEFINITION_LIMIT = 64 * 1024;

type Resource = { Properties: Record<string, any> };

function mlflowContainer(template: Template): Record<string, any> {
  const [task] = Object.values(
    template.findResources('AWS::ECS::TaskDefinition')
  ) as Resource[];
  return task.Properties.ContainerDefinitions[0];
}

function environmentOf(template: Template): Record<string, unknown> {
  return Object.fromEntries(
    mlflowContainer(template).Environment.map(
      (e: { Name: string; Value: unknown }) => [
        e.Name,
        deployed(template, e.Value)
      ]
    )
  );
}

describe('who MLflow says each IAM caller is', () => {
  const { stack, config } = buildStack(EXAMPLE);
  const template = Template.fromStack(stack);
  const environment = environmentOf(template);
  const identities = JSON.parse(
    String(environment.STUDIO_MLFLOW_IDENTITIES)
  ) as Record<string, { user: string; roles: string[] }>;
  const key = (roleId: string) =>
    `arn:aws:sts::123456789012:assumed-role/${roleId}`;

  it('names each configured Studio user by their own execution role’s sessions', () => {
    for (const user of config.studio.users) {
      const roleId = roleIdOf(
        template,
        `SageMaker execution role of the Studio user "${user.name}" (MLflow role "${user.role}")`
      );
      expect(identities[key(roleId)]).toEqual({
        user: user.name,
        roles: [user.role]
      });
    }
    expect(config.studio.users.length).toBe(3);
  });

  it('names a role’s shared execution role as shared, with that role', () => {
    for (const role of compileRoles(config.permissions).keys()) {
      const roleId = roleIdOf(
        template,
        `SageMaker execution role of the MLflow role "${role}"`
      );
      expect(identities[key(roleId)]).toEqual({
        user: `${role} (shared execution role)`,
        roles: [role]
      });
    }
  });

  it('names a cross-account role by its role and the accounts that assume it', () => {
    const roles = Object.entries(
      template.findResources('AWS::IAM::Role') as Record<string, Resource>
    ).filter(([, role]) =>
      String(role.Properties.Description).startsWith(
        'Reaches MLflow with the permissions'
      )
    );
    expect(roles).toHaveLength(1);
    expect(identities[key(roles[0][0])]).toEqual({
      user: 'readers (cross-account role for 111122223333)',
      roles: ['readers']
    });
  });

  it('maps no other principal', () => {
    expect(Object.keys(identities)).toHaveLength(
      config.studio.users.length +
        compileRoles(config.permissions).size +
        config.crossAccount.length
    );
  });

  it('gives MLflow the deployment’s compiled role table', () => {
    expect(JSON.parse(String(environment.STUDIO_MLFLOW_ROLES))).toEqual(
      rolesTable(compileRoles(config.permissions))
    );
  });

  it('keeps the task definition well under ECS’s size limit with the example’s configuration, and with 50 users (about what a stack’s 500 resources allow)', () => {
    // As deployed, every reference at its longest: a role name has at
    // most 64 characters.
    const size = (t: Template) =>
      JSON.stringify(
        deployed(
          t,
          (
            Object.values(
              t.findResources('AWS::ECS::TaskDefinition')
            )[0] as Resource
          ).Properties
        )
      ).replace(/assumed-role\/[A-Za-z0-9]+/g, `assumed-role/${'x'.repeat(64)}`)
        .length;
    expect(size(template)).toBeLessThan(TASK_DEFINITION_LIMIT / 2);
    const many = buildStack({
      ...EXAMPLE,
      studio: {
        ...EXAMPLE.studio,
        users: Array.from({ length: 50 }, (_, i) => ({
          name: `data-scientist-${String(i).padStart(3, '0')}`,
          role: 'experimenters'
        }))
      }
    });
    expect(size(Template.fromStack(many.stack))).toBeLessThan(
      TASK_DEFINITION_LIMIT * 0.75
    );
  });
});
