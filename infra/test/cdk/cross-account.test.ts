import { Template } from 'aws-cdk-lib/assertions';

import { samplePath } from '../../src/gateway-routes';
import { OPERATIONS, pathTemplates } from '../../src/permissions';
import { methodArn } from '../../src/permissions/policy';
import { compileRoles } from '../../src/permissions/roles';
import { buildStack } from '../support/cdk';
import { ARN_PREFIX, allows, policiesOf, roleIdOf } from '../support/iam';
import { deployed } from '../support/intrinsics';

const JOBS = 'arn:aws:iam::111122223333:role/training-jobs';

function trustOf(template: Template, id: string): unknown {
  return deployed(
    template,
    template.toJSON().Resources[id].Properties.AssumeRolePolicyDocument
  );
}

describe('access from other accounts', () => {
  const template = Template.fromStack(
    buildStack({
      crossAccount: [
        { role: 'readers', accounts: ['111122223333'], principalArns: [JOBS] }
      ]
    }).stack
  );
  const id = roleIdOf(
    template,
    'Reaches MLflow with the permissions of the "readers" role, from 111122223333'
  );

  it('lets only the named principals of the listed accounts assume the role, and only with a source identity', () => {
    const named = { ArnLike: { 'aws:PrincipalArn': [JOBS] } };
    expect(trustOf(template, id)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111122223333:root' },
          Condition: { ...named, Null: { 'sts:SourceIdentity': 'false' } }
        },
        {
          Action: 'sts:SetSourceIdentity',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111122223333:root' },
          Condition: named
        }
      ]
    });
  });

  it('names the principals by their organization when configured so', () => {
    const template = Template.fromStack(
      buildStack({
        crossAccount: [
          {
            role: 'readers',
            accounts: ['111122223333', '444455556666'],
            principalOrgId: 'o-abcdef1234'
          }
        ]
      }).stack
    );
    const trust = trustOf(
      template,
      roleIdOf(
        template,
        'Reaches MLflow with the permissions of the "readers" role, from 111122223333, 444455556666'
      )
    ) as {
      Statement: {
        Action: string;
        Condition: unknown;
        Principal: { AWS: string | string[] };
      }[];
    };
    const org = { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdef1234' } };
    const accounts = [
      'arn:aws:iam::111122223333:root',
      'arn:aws:iam::444455556666:root'
    ];
    const of = (action: string) =>
      trust.Statement.filter(s => s.Action === action);
    for (const [action, condition] of [
      ['sts:AssumeRole', { ...org, Null: { 'sts:SourceIdentity': 'false' } }],
      ['sts:SetSourceIdentity', org]
    ] as const) {
      expect(of(action).map(s => s.Condition)).toEqual(
        of(action).map(() => condition)
      );
      expect(
        of(action)
          .flatMap(s => [s.Principal.AWS].flat())
          .sort()
      ).toEqual(accounts);
    }
    expect(trust.Statement).toHaveLength(of('sts:AssumeRole').length + 1);
  });

  it('gives the role exactly the role’s MLflow policies', () => {
    const policies = policiesOf(template, id);
    const readers = compileRoles().get('readers') as ReadonlySet<string>;
    for (const op of OPERATIONS) {
      for (const path of pathTemplates(op).filter(t => t.startsWith('/api/'))) {
        expect([
          op.id,
          allows(policies, methodArn(ARN_PREFIX, op.method, samplePath(path)))
        ]).toEqual([op.id, readers.has(op.id)]);
      }
    }
  });
});
