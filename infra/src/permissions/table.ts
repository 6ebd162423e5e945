/**
 * The permission table in docs/permissions.md, rendered from the model.
 * A test compares the committed file with this output, so the docs cannot
 * drift from what the gateway enforces.
 */
import { FAMILIES, Family, Operation, isRestOperation } from './operation';
import { OPERATIONS } from './operations';
import { BUILT_IN_ROLES, compileRoles } from './roles';

const FAMILY_TITLES: Record<Family, string> = {
  tracking: 'Experiments, runs and metrics',
  artifacts: 'Artifacts',
  registry: 'Model registry (prompts too: they are registered models)',
  'logged-models': 'Logged models',
  traces: 'Traces and assessments',
  datasets: 'Evaluation datasets',
  scorers: 'Scorers',
  evaluation: 'GenAI evaluation',
  labeling: 'Label schemas and review queues',
  issues: 'Issues',
  prompts: 'Prompt optimisation',
  webhooks: 'Webhooks',
  gateway: 'AI gateway configuration',
  'gateway-invocations': 'AI gateway calls',
  'mcp-servers': 'MCP server registry',
  jobs: 'Server jobs',
  assistant: 'MLflow Assistant',
  workspaces: 'Workspaces',
  graphql: 'GraphQL',
  server: 'Server information',
  ui: 'UI shell',
  access: 'Team permissions (answered by our MLflow server app)'
};

const INTRO = `# Permissions

<!-- Generated from infra/src/permissions by \`npm --prefix infra run docs:permissions\`. Do not edit by hand. -->

Every request to MLflow passes the gateway, which looks up the operation it
performs in the permission model (\`infra/src/permissions\`) and allows it
only if one of the caller's roles does. This page lists every HTTP route of
the MLflow server we deploy, as classified by that model.

The model is enforced twice over, from the same source: the IAM policies of
the SageMaker execution roles decide signed calls of the MLflow SDK and CLI,
and the policies the Lambda authorizer returns decide the browser's token
calls ([architecture](architecture.md#access-control)).

- **Deny by default.** A request passes the gateway only when a policy of
  one of the caller's roles allows its method ARN, and the policies name
  only the paths of the role's operations. A parameter becomes \`*\`, which
  in API Gateway also matches \`/\`, so a path MLflow has no route for may
  pass where it falls under an allowed operation's wildcard (readers may
  \`GET /api/3.0/mlflow/traces/x/y/z\`), and MLflow answers 404. Where a
  role may perform every operation of one method below a path, the
  policies name the whole subtree instead (admins: \`GET /api/*\`), so
  there any path of that method passes the same way. An
  operation the role lacks never passes: where an allowed wildcard reaches
  one, the policies deny it explicitly. A test lists the routes of the
  installed MLflow and fails when one is not classified. The local gateway
  also refuses method-override headers, dot segments and encoded slashes
  (400); API Gateway passes them on.
- **Access.** \`read\` changes nothing. \`write\` changes MLflow's state, calls
  an LLM provider with the operator's keys, or runs work on the server,
  whatever its HTTP method. \`public\` is the data-free UI shell, health and
  version, open to everyone.
- **Paths.** REST paths follow an API root: \`/api/2.0/\` and \`/api/3.0/\`
  for the SDK, \`/ajax-api/2.0/\` and \`/ajax-api/3.0/\` for the UI.
  \`{name}\` is one path segment, \`{name+}\` one or more.
- **Who signs.** A route is authorized by who calls it. Every route the
  installed MLflow's Python client and CLI can call takes SigV4 (IAM),
  whatever its prefix: the REST roots under \`/api/\`, the artifact proxy,
  OTLP \`/v1/traces\` (the SDK's span export). The SDK can only sign, and a
  test reads the endpoints of the installed client (its REST stores, OTLP
  exporter and artifact repository) and fails when one is not an IAM route.
  The UI's routes (\`/ajax-api/\`, \`/graphql\`, \`/get-artifact\`, the AI
  gateway) take the Cognito token. A route both call (\`/v1/traces\`, where
  OpenTelemetry exporters set up from the UI's snippet send a token) is IAM
  in AWS, where a method has one authorization type, and takes either
  locally: a Bearer token goes to the authorizer, anything else is checked
  as a signature.
- **Roles.** \`admins\` may do everything, \`readers\` every read, and
  \`model-approvers\` every read plus registering models and versions,
  editing their descriptions and tags, transitioning stages and setting
  aliases. Operators can add roles in configuration, selecting operations by
  id, by \`family:<family>\` or by \`access:<access>\`.
- **Refusals.** Each operation has words (\`infra/src/permissions/words.ts\`,
  exported to \`permission_model.json\`), and a refusal says them with the
  caller's roles, the roles that may and whom to ask, in MLflow's error
  format, e.g.
  \`You may not rename an experiment (experiments.update). Your roles: readers. Roles that may: admins. Ask your MLflow administrator to add you to one of them.\`
  The authorizer's refusal (the MLflow UI, the
  extension) and the MLflow app's say it so; for a signed call, whose
  refusal is API Gateway's own text, the SDK's auth provider
  (\`MLFLOW_TRACKING_AUTH=sagemaker-studio-mlflow-sigv4\`) says it instead,
  naming the IAM identity that signed ([security](security.md)).
`;

export function renderPermissionTable(): string {
  const roles = compileRoles();
  const sections = FAMILIES.map(family => {
    const operations = OPERATIONS.filter(op => op.family === family);
    const rows = operations.map(op => [
      code(op.id),
      op.method,
      code(isRestOperation(op) ? op.path : op.fullPath),
      rootsOf(op),
      op.access,
      ...BUILT_IN_ROLES.map(role => (roles.get(role)?.has(op.id) ? '✓' : '✗')),
      op.note ?? ''
    ]);
    return (
      `## ${FAMILY_TITLES[family]} (\`${family}\`)\n\n` +
      markdownTable(
        [
          'Operation',
          'Method',
          'Path',
          'Under',
          'Access',
          ...BUILT_IN_ROLES,
          'Note'
        ],
        rows
      )
    );
  });
  const summary =
    `${OPERATIONS.length} operations in ${FAMILIES.length} families: ` +
    `${count('read')} read, ${count('write')} write, ${count('public')} public.\n`;
  return [INTRO, summary, ...sections].join('\n');
}

function count(access: Operation['access']): number {
  return OPERATIONS.filter(op => op.access === access).length;
}

function code(text: string): string {
  return `\`${text}\``;
}

function rootsOf(op: Operation): string {
  return isRestOperation(op) ? op.roots.map(code).join(', ') : '';
}

/** A table laid out as Prettier lays out Markdown tables. */
function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(3, width(title), ...rows.map(row => width(row[column])))
  );
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, i) => cell + ' '.repeat(widths[i] - width(cell))).join(' | ')} |`;
  return (
    [
      line(header),
      line(widths.map(w => '-'.repeat(w))),
      ...rows.map(line)
    ].join('\n') + '\n'
  );
}

function width(text: string): number {
  return [...text].length;
}
