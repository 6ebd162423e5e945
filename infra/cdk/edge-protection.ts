/**
 * The web ACL (AWS WAF) in front of the gateway's stage: a limit per
 * client address, AWS's managed rules where they fit MLflow's traffic, and
 * the refusal of paths MLflow would route otherwise than the gateway
 * matches them (`path-canonical.ts`, which the local gateway applies too).
 * Its own refusals answer in MLflow's error format; a managed rule's block
 * is API Gateway's `WAF_FILTERED` response, from the same table.
 */
import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

import {
  COSTLY_PATH_PATTERN,
  EDGE_REFUSALS,
  MAX_COSTLY_BODY_BYTES,
  type EdgeRefusalType,
  REFUSED_PATH_PATTERNS,
  edgeRefusal
} from '../src/apigateway';

/** AWS WAF's window of a rate-based rule: the limit counts per 5 minutes. */
const RATE_WINDOW_SECONDS = 300;

/**
 * AWS's managed rule groups, and the rules of each that only count: MLflow
 * bodies are artifacts (any bytes), batches of metrics and OTLP spans (far
 * over 8 KB), and JSON with any text users write (prompts, traces, notes);
 * artifact paths and their query parameters are named by users too.
 */
export const MANAGED_RULE_GROUPS: readonly {
  readonly name: string;
  readonly counted: readonly string[];
}[] = [
  { name: 'AWSManagedRulesAmazonIpReputationList', counted: [] },
  {
    name: 'AWSManagedRulesKnownBadInputsRuleSet',
    counted: ['JavaDeserializationRCE_BODY', 'Log4JRCE_BODY']
  },
  {
    name: 'AWSManagedRulesCommonRuleSet',
    counted: [
      'SizeRestrictions_BODY',
      'SizeRestrictions_QUERYSTRING',
      'SizeRestrictions_URIPATH',
      'CrossSiteScripting_BODY',
      'GenericLFI_BODY',
      'GenericRFI_BODY',
      'EC2MetaDataSSRF_BODY',
      // `train.log`, `model.bak`, `settings.ini` are artifacts like any other.
      'RestrictedExtensions_URIPATH',
      'RestrictedExtensions_QUERYARGUMENTS'
    ]
  }
];

/** Headers that carry credentials: never in the web ACL's log. */
export const REDACTED_HEADERS = [
  'authorization',
  'cookie',
  'x-amz-security-token'
] as const;

export interface MlflowEdgeProtectionProps {
  /** The REST API stage the web ACL guards. */
  readonly stageArn: string;
  /** Names the web ACL `<deploymentName>-mlflow` and its log group. */
  readonly deploymentName: string;
  /** Requests one client address may send in any 5 minutes. */
  readonly perIpRequestsPer5Minutes: number;
  /** How long the log of blocked and counted requests is kept. */
  readonly logRetention: logs.RetentionDays;
}

export class MlflowEdgeProtection extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: MlflowEdgeProtectionProps) {
    super(scope, id);
    const name = `${props.deploymentName}-mlflow`;

    const nonCanonicalPaths = new wafv2.CfnRegexPatternSet(
      this,
      'NonCanonicalPaths',
      {
        scope: 'REGIONAL',
        description:
          'Paths MLflow would route otherwise than the gateway reads them',
        regularExpressionList: REFUSED_PATH_PATTERNS.map(p => p.regex)
      }
    );

    const rules: wafv2.CfnWebACL.RuleProperty[] = [
      {
        name: 'PerAddressRateLimit',
        action: blockWith('RATE_LIMITED'),
        statement: {
          rateBasedStatement: {
            limit: props.perIpRequestsPer5Minutes,
            aggregateKeyType: 'IP',
            evaluationWindowSec: RATE_WINDOW_SECONDS
          }
        }
      },
      {
        name: 'NonCanonicalPath',
        action: blockWith('NON_CANONICAL_PATH'),
        statement: {
          regexPatternSetReferenceStatement: {
            arn: nonCanonicalPaths.attrArn,
            fieldToMatch: { uriPath: {} },
            // The patterns are lower case: %2F and %2f alike.
            textTransformations: [{ priority: 0, type: 'LOWERCASE' }]
          }
        }
      },
      {
        // What one request may cost MLflow (`cost-bounds.ts`).
        name: 'CostlyRequestBody',
        action: blockWith('COSTLY_REQUEST'),
        statement: {
          andStatement: {
            statements: [
              {
                regexMatchStatement: {
                  regexString: COSTLY_PATH_PATTERN,
                  fieldToMatch: { uriPath: {} },
                  textTransformations: [{ priority: 0, type: 'NONE' }]
                }
              },
              {
                sizeConstraintStatement: {
                  // A body longer than WAF reads is over the bound too.
                  fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
                  comparisonOperator: 'GT',
                  size: MAX_COSTLY_BODY_BYTES,
                  textTransformations: [{ priority: 0, type: 'NONE' }]
                }
              }
            ]
          }
        }
      },
      ...MANAGED_RULE_GROUPS.map(
        (
          group
        ): Omit<
          wafv2.CfnWebACL.RuleProperty,
          'priority' | 'visibilityConfig'
        > => ({
          name: group.name,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: group.name,
              ruleActionOverrides:
                group.counted.length > 0
                  ? group.counted.map(rule => ({
                      name: rule,
                      actionToUse: { count: {} }
                    }))
                  : undefined
            }
          }
        })
      )
    ].map((rule, priority) => ({
      ...rule,
      priority,
      visibilityConfig: visibility(rule.name)
    }));

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name,
      description: 'In front of the MLflow gateway stage',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(name),
      // Bodies are read up to the cost bound (16 KB by default; the rest
      // of 64 KB is billed as extra inspection).
      associationConfig: {
        requestBody: {
          API_GATEWAY: {
            defaultSizeInspectionLimit: `KB_${MAX_COSTLY_BODY_BYTES / 1024}`
          }
        }
      },
      customResponseBodies: Object.fromEntries(
        (Object.keys(EDGE_REFUSALS) as EdgeRefusalType[]).map(type => [
          bodyKey(type),
          {
            contentType: 'APPLICATION_JSON',
            content: JSON.stringify(edgeRefusal(type).body)
          }
        ])
      ),
      rules
    });

    new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stageArn,
      webAclArn: this.webAcl.attrArn
    });

    // Only what a rule blocked or counted: the gateway's access log has
    // every request already.
    // AWS WAF logs only to groups named so.
    const logGroupName = `aws-waf-logs-${name}`;
    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY
    });
    const logging = new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // The group's ARN without the `:*` CloudFormation adds.
      logDestinationConfigs: [
        Stack.of(this).formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME
        })
      ],
      redactedFields: REDACTED_HEADERS.map(header => ({
        singleHeader: { Name: header }
      })),
      loggingFilter: {
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
    logging.node.addDependency(logGroup);
  }
}

/** The custom response body's key of a refusal kind, e.g. `rate-limited`. */
function bodyKey(type: EdgeRefusalType): string {
  return type.toLowerCase().replace(/_/g, '-');
}

/** Block with the refusal's status, `x-amzn-ErrorType` and MLflow error body. */
function blockWith(type: EdgeRefusalType): wafv2.CfnWebACL.RuleActionProperty {
  const answer = edgeRefusal(type);
  return {
    block: {
      customResponse: {
        responseCode: answer.status,
        customResponseBodyKey: bodyKey(type),
        responseHeaders:
          answer.errorType === undefined
            ? undefined
            : [{ name: 'x-amzn-ErrorType', value: answer.errorType }]
      }
    }
  };
}

function visibility(
  metricName: string
): wafv2.CfnWebACL.VisibilityConfigProperty {
  return {
    metricName,
    cloudWatchMetricsEnabled: true,
    sampledRequestsEnabled: true
  };
}
