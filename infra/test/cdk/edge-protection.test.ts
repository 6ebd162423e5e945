import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

import { STAGE } from '../../cdk/gateway';
import {
  COSTLY_PATH_PATTERN,
  EDGE_REFUSALS,
  MAX_COSTLY_BODY_BYTES,
  EdgeRefusalType,
  REFUSED_PATH_PATTERNS,
  edgeRefusal
} from '../../src/apigateway';
import { buildStack, templateOf } from '../support/cdk';
import { DEPLOYED_IDS, deployed } from '../support/intrinsics';

type Resources = Record<string, { Properties: Record<string, any> }>;
type Rule = Record<string, any>;

/** The managed rule group's rules the web ACL only counts. */
function countedRules(rule: Rule): string[] {
  return (
    (rule.Statement.ManagedRuleGroupStatement.RuleActionOverrides ??
      []) as Rule[]
  )
    .filter(override => override.ActionToUse.Count !== undefined)
    .map(override => override.Name as string)
    .sort();
}

describe('the web ACL in front of the gateway (AWS WAF)', () => {
  const template = templateOf({ name: 'Team' });
  const acls = template.findResources('AWS::WAFv2::WebACL') as Resources;
  const [aclId] = Object.keys(acls);
  const acl = acls[aclId]?.Properties;
  const rules = (acl?.Rules ?? []) as Rule[];

  it('guards the REST API’s stage, letting through what no rule blocks', () => {
    expect(Object.keys(acls)).toHaveLength(1);
    expect(acl).toMatchObject({
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      VisibilityConfig: {
        CloudWatchMetricsEnabled: true,
        SampledRequestsEnabled: true
      }
    });
    const associations = Object.values(
      template.findResources('AWS::WAFv2::WebACLAssociation') as Resources
    ).map(a => a.Properties);
    expect(associations).toHaveLength(1);
    expect(associations[0].WebACLArn).toEqual({
      'Fn::GetAtt': [aclId, 'Arn']
    });
    expect(deployed(template, associations[0].ResourceArn)).toBe(
      `arn:aws:apigateway:us-east-1::/restapis/${DEPLOYED_IDS.restApi}/stages/${STAGE}`
    );
  });

  it('describes its resources in the characters AWS WAF accepts', () => {
    const WAF_DESCRIPTION =
      /^[a-zA-Z0-9=:#@/\-,.][a-zA-Z0-9+=:#@/\-,.\s]+[a-zA-Z0-9+=:#@/\-,.]{1,256}$/;
    for (const type of ['AWS::WAFv2::WebACL', 'AWS::WAFv2::RegexPatternSet']) {
      for (const { Properties } of Object.values(
        template.findResources(type) as Resources
      )) {
        expect(Properties.Description).toMatch(WAF_DESCRIPTION);
      }
    }
  });

  it('counts and samples every rule’s requests in CloudWatch', () => {
    expect(rules.length).toBeGreaterThanOrEqual(5);
    const metricNames = rules.map(r => r.VisibilityConfig.MetricName);
    expect(new Set(metricNames).size).toBe(rules.length);
    for (const r of rules) {
      expect(r.VisibilityConfig).toMatchObject({
        CloudWatchMetricsEnabled: true,
        SampledRequestsEnabled: true
      });
    }
  });

  it('answers its own refusals in MLflow’s error format, as the local gateway does', () => {
    const bodies = acl.CustomResponseBodies as Record<
      string,
      { ContentType: string; Content: string }
    >;
    const types = Object.keys(EDGE_REFUSALS) as EdgeRefusalType[];
    expect(Object.keys(bodies)).toHaveLength(types.length);
    for (const type of types) {
      const answer = edgeRefusal(type);
      const blocking = rules.filter(
        r =>
          r.Action?.Block?.CustomResponse?.ResponseCode === answer.status &&
          JSON.parse(
            bodies[r.Action.Block.CustomResponse.CustomResponseBodyKey]
              ?.Content ?? 'null'
          )?.message === answer.body.message
      );
      expect([type, blocking.length]).toEqual([type, 1]);
      const response = blocking[0].Action.Block.CustomResponse;
      const body = bodies[response.CustomResponseBodyKey];
      expect(body.ContentType).toBe('APPLICATION_JSON');
      expect(JSON.parse(body.Content)).toEqual(answer.body);
      expect(response.ResponseHeaders ?? []).toEqual(
        answer.errorType === undefined
          ? []
          : [{ Name: 'x-amzn-ErrorType', Value: answer.errorType }]
      );
    }
  });

  it('limits each client address to the configured requests per 5 minutes, 20,000 by default', () => {
    const limitOf = (t: Template): Rule =>
      (
        Object.values(t.findResources('AWS::WAFv2::WebACL') as Resources)[0]
          .Properties.Rules as Rule[]
      ).find(r => r.Statement.RateBasedStatement !== undefined) as Rule;
    const limited = limitOf(template);
    expect(limited.Statement.RateBasedStatement).toEqual({
      Limit: 20_000,
      AggregateKeyType: 'IP',
      EvaluationWindowSec: 300
    });
    expect(limited.Action.Block.CustomResponse.ResponseCode).toBe(429);
    const configured = limitOf(
      templateOf({ gateway: { perIpRequestsPer5Minutes: 1500 } })
    );
    expect(configured.Statement.RateBasedStatement.Limit).toBe(1500);
  });

  it('refuses paths with encoded separators, dot segments and needless escapes, by the gateway’s own patterns', () => {
    const sets = Object.values(
      template.findResources('AWS::WAFv2::RegexPatternSet') as Resources
    ).map(s => s.Properties);
    expect(sets).toHaveLength(1);
    expect(sets[0]).toMatchObject({
      Scope: 'REGIONAL',
      RegularExpressionList: REFUSED_PATH_PATTERNS.map(p => p.regex)
    });
    const [setId] = Object.keys(
      template.findResources('AWS::WAFv2::RegexPatternSet')
    );
    const path = rules.find(
      r => r.Statement.RegexPatternSetReferenceStatement !== undefined
    ) as Rule;
    expect(path.Statement.RegexPatternSetReferenceStatement).toEqual({
      Arn: { 'Fn::GetAtt': [setId, 'Arn'] },
      FieldToMatch: { UriPath: {} },
      TextTransformations: [{ Priority: 0, Type: 'LOWERCASE' }]
    });
    expect(path.Action.Block.CustomResponse.ResponseCode).toBe(400);
  });

  it('blocks addresses of bad reputation and known bad inputs, counting what an MLflow body may hold', () => {
    const managed = rules.filter(
      r => r.Statement.ManagedRuleGroupStatement !== undefined
    );
    expect(
      managed.map(r => r.Statement.ManagedRuleGroupStatement.Name).sort()
    ).toEqual([
      'AWSManagedRulesAmazonIpReputationList',
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet'
    ]);
    for (const r of managed) {
      expect(r.OverrideAction).toEqual({ None: {} });
      expect(r.Statement.ManagedRuleGroupStatement.VendorName).toBe('AWS');
    }
    const byGroup = (name: string) =>
      managed.find(
        r => r.Statement.ManagedRuleGroupStatement.Name === name
      ) as Rule;
    expect(
      countedRules(byGroup('AWSManagedRulesAmazonIpReputationList'))
    ).toEqual([]);
    // Artifacts, batches of metrics and OTLP spans are large and hold any
    // bytes or user text: body rules only count.
    const common = countedRules(byGroup('AWSManagedRulesCommonRuleSet'));
    expect(common).toEqual(
      expect.arrayContaining([
        'SizeRestrictions_BODY',
        'CrossSiteScripting_BODY',
        'GenericLFI_BODY',
        'GenericRFI_BODY',
        'EC2MetaDataSSRF_BODY',
        'RestrictedExtensions_URIPATH'
      ])
    );
    // What no MLflow request needs stays blocked.
    expect(common).not.toContain('NoUserAgent_HEADER');
    expect(common).not.toContain('GenericLFI_URIPATH');
    expect(
      countedRules(byGroup('AWSManagedRulesKnownBadInputsRuleSet'))
    ).toEqual(['JavaDeserializationRCE_BODY', 'Log4JRCE_BODY']);
    expect(rules.map(r => r.Priority)).toEqual(
      [...rules.map(r => r.Priority)].sort((a, b) => a - b)
    );
  });

  it('logs what it blocks or counts, without tokens, in a log group WAF accepts', () => {
    const groups = Object.values(
      template.findResources('AWS::Logs::LogGroup') as Resources
    )
      .map(g => g.Properties)
      .filter(g => String(g.LogGroupName ?? '').startsWith('aws-waf-logs-'));
    expect(groups).toEqual([
      expect.objectContaining({
        LogGroupName: 'aws-waf-logs-Team-mlflow',
        RetentionInDays: 90
      })
    ]);
    template.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      ResourceArn: { 'Fn::GetAtt': [aclId, 'Arn'] },
      LoggingFilter: {
        DefaultBehavior: 'DROP',
        Filters: [
          {
            Behavior: 'KEEP',
            Requirement: 'MEETS_ANY',
            Conditions: [
              { ActionCondition: { Action: 'BLOCK' } },
              { ActionCondition: { Action: 'COUNT' } }
            ]
          }
        ]
      }
    });
    const [logging] = Object.values(
      template.findResources('AWS::WAFv2::LoggingConfiguration') as Resources
    );
    // The group's ARN as AWS WAF takes it: without CloudFormation's `:*`.
    expect(
      deployed(template, logging.Properties.LogDestinationConfigs)
    ).toEqual([
      'arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-Team-mlflow'
    ]);
    const redacted = (logging.Properties.RedactedFields as Rule[]).map(f =>
      String(f.SingleHeader?.Name).toLowerCase()
    );
    expect(redacted.sort()).toEqual([
      'authorization',
      'cookie',
      'x-amz-security-token'
    ]);
  });

  it('satisfies the AWS Solutions check for a web ACL on the stage, unacknowledged', () => {
    const { app, stack } = buildStack();
    expect(() => app.synth()).not.toThrow();
    const acknowledged = stack.node
      .findAll()
      .flatMap(c => c.node.metadata)
      .filter(m => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap(m => Object.keys(m.data as Record<string, string>));
    expect(acknowledged).toContainEqual(
      expect.stringContaining('AwsSolutions-APIG2')
    );
    expect(acknowledged.filter(id => id.includes('APIG3'))).toEqual([]);
  });

  it('refuses search and GraphQL bodies over the cost bound, reading as much of each body as the bound', () => {
    expect(acl.AssociationConfig).toEqual({
      RequestBody: { API_GATEWAY: { DefaultSizeInspectionLimit: 'KB_64' } }
    });
    expect(MAX_COSTLY_BODY_BYTES).toBe(64 * 1024);
    const costly = rules.find(r => r.Name === 'CostlyRequestBody') as Rule;
    expect(costly.Action.Block.CustomResponse.ResponseCode).toBe(
      edgeRefusal('COSTLY_REQUEST').status
    );
    expect(costly.Statement.AndStatement.Statements).toEqual([
      {
        RegexMatchStatement: {
          RegexString: COSTLY_PATH_PATTERN,
          FieldToMatch: { UriPath: {} },
          TextTransformations: [{ Priority: 0, Type: 'NONE' }]
        }
      },
      {
        SizeConstraintStatement: {
          // A body longer than WAF reads is over the bound too.
          FieldToMatch: { Body: { OversizeHandling: 'MATCH' } },
          ComparisonOperator: 'GT',
          Size: MAX_COSTLY_BODY_BYTES,
          TextTransformations: [{ Priority: 0, Type: 'NONE' }]
        }
      }
    ]);
  });
});
