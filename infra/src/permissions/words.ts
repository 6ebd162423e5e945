/**
 * What each operation is, in words a data scientist reads in a refusal
 * ("You may not rename an experiment"), and the refusal's sentence. The
 * common operations have a phrase of their own; the rest get one derived
 * from their id. Exported to `permission_model.json`, so the MLflow app
 * and the SDK say the same without a copy of their own.
 */
import type { Operation } from './operation';
import type { RoleTable } from './roles';

// prettier-ignore
const PHRASES: Readonly<Record<string, string>> = {
  'experiments.create':                 'create an experiment',
  'experiments.delete':                 'delete an experiment',
  'experiments.delete-tag':             'delete a tag of an experiment',
  'experiments.get':                    'read an experiment',
  'experiments.get-by-name':            'read an experiment by name',
  'experiments.restore':                'restore a deleted experiment',
  'experiments.search':                 'search experiments',
  'experiments.set-tag':                'set a tag on an experiment',
  'experiments.update':                 'rename an experiment',
  'runs.create':                        'start a run',
  'runs.delete':                        'delete a run',
  'runs.delete-tag':                    'delete a tag of a run',
  'runs.get':                           'read a run',
  'runs.log-batch':                     'log metrics, parameters and tags to a run',
  'runs.log-inputs':                    'log a run’s input datasets',
  'runs.log-metric':                    'log a metric to a run',
  'runs.log-model':                     'log a model to a run',
  'runs.log-outputs':                   'log a run’s outputs',
  'runs.log-param':                     'log a parameter to a run',
  'runs.restore':                       'restore a deleted run',
  'runs.search':                        'search runs',
  'runs.set-tag':                       'set a tag on a run',
  'runs.update':                        'update a run (its name, status or end time)',
  'metrics.get-history':                'read a metric’s history',
  'artifacts.list':                     'list a run’s artifacts',
  'artifacts.download':                 'download an artifact',
  'artifacts.upload-to-run':            'upload an artifact to a run',
  'mlflow-artifacts.list':              'list artifacts',
  'mlflow-artifacts.download':          'download an artifact',
  'mlflow-artifacts.upload':            'upload an artifact',
  'mlflow-artifacts.delete':            'delete an artifact',
  'registered-models.create':           'register a model',
  'registered-models.delete':           'delete a registered model',
  'registered-models.delete-alias':     'delete an alias of a registered model',
  'registered-models.delete-tag':       'delete a tag of a registered model',
  'registered-models.get':              'read a registered model',
  'registered-models.rename':           'rename a registered model',
  'registered-models.search':           'search registered models',
  'registered-models.set-alias':        'set an alias of a registered model',
  'registered-models.set-tag':          'set a tag on a registered model',
  'registered-models.update':           'change a registered model’s description',
  'model-versions.create':              'register a model version',
  'model-versions.delete':              'delete a model version',
  'model-versions.delete-tag':          'delete a tag of a model version',
  'model-versions.get':                 'read a model version',
  'model-versions.search':              'search model versions',
  'model-versions.set-tag':             'set a tag on a model version',
  'model-versions.transition-stage':    'move a model version to another stage',
  'model-versions.update':              'change a model version’s description',
  'logged-models.create':               'create a logged model',
  'logged-models.delete':               'delete a logged model',
  'logged-models.search':               'search logged models',
  'traces.start':                       'start a trace',
  'traces.delete':                      'delete traces',
  'traces.search':                      'search traces',
  'traces.export-otlp':                 'send trace spans',
  'access.get':                         'see who has access to an experiment or a registered model',
  'access.grant':                       'give a team access to an experiment or a registered model',
  'access.revoke':                      'take a team’s access to an experiment or a registered model away',
  'graphql.query':                      'query MLflow (GraphQL)',
  'graphql.query-via-get':              'query MLflow (GraphQL)',
  'assistant.send-message':             'send a message to the MLflow Assistant',
  'gateway.proxy-invoke':               'call an AI gateway endpoint',
  'gateway.invoke-endpoint':            'call an AI gateway endpoint',
  'demo.generate':                      'generate MLflow’s demo data'
};

// The verbs of derived phrases, and whether they act on one thing (`a
// run`) or many (`runs`); any other action is said as its words.
const ONE: Readonly<Record<string, string>> = {
  create: 'create',
  delete: 'delete',
  get: 'read',
  update: 'update',
  register: 'register',
  cancel: 'cancel',
  submit: 'submit',
  finalize: 'finalize',
  'set-tag': 'set a tag on',
  'set-tags': 'set tags on',
  'delete-tag': 'delete a tag of',
  'set-alias': 'set an alias of',
  'delete-alias': 'delete an alias of'
};
const MANY: Readonly<Record<string, string>> = {
  search: 'search',
  list: 'list'
};

const ACRONYMS: Readonly<Record<string, string>> = {
  mcp: 'MCP',
  ui: 'UI',
  genai: 'GenAI',
  uri: 'URI',
  url: 'URL',
  openai: 'OpenAI'
};

const words = (text: string): string =>
  text
    .split('-')
    .map(word => ACRONYMS[word] ?? word)
    .join(' ');

const singular = (noun: string): string =>
  noun.replace(/ies$/, 'y').replace(/([^s])s$/, '$1');

const withArticle = (noun: string): string =>
  `${/^(?:[aeiou]|[FHLMNRSX][A-Z])/.test(noun) ? 'an' : 'a'} ${noun}`;

/** The phrase of an operation that has none of its own, from its id. */
export function derivedPhrase(id: string): string {
  const [resource, ...rest] = id.split('.');
  const action = rest.join('.').replace(/-via-get$|-v2$/, '');
  const plural = words(resource.replace(/^mlflow-/, ''));
  if (action in MANY) {
    return `${MANY[action]} ${plural}`;
  }
  if (action in ONE) {
    return `${ONE[action]} ${withArticle(singular(plural))}`;
  }
  return `${words(action)} (${plural})`;
}

/** What the operation does, in words: "rename an experiment". */
export function operationPhrase(op: Pick<Operation, 'id'>): string {
  return PHRASES[op.id] ?? derivedPhrase(op.id);
}

/** The ids that have a phrase of their own (the rest are derived). */
export const PHRASED_OPERATIONS: ReadonlySet<string> = new Set(
  Object.keys(PHRASES)
);

/** The roles of the table that may perform the operation, sorted. */
export function rolesThatMay(roles: RoleTable, operationId: string): string[] {
  return [...roles]
    .filter(([, ids]) => ids.has(operationId))
    .map(([name]) => name)
    .sort();
}

/**
 * The sentence of a refusal for an operation: what was refused, the
 * caller's roles, the roles that may and whom to ask. `{action}`,
 * `{operation}`, `{roles}` and `{allowed}` are filled in; the Python
 * package formats the same template (`str.format`).
 */
export const REFUSAL_TEMPLATE =
  'You may not {action} ({operation}). Your roles: {roles}. ' +
  'Roles that may: {allowed}. ' +
  'Ask your MLflow administrator to add you to one of them.';

/** How an empty list of roles is said in the sentence. */
export const NO_ROLES = 'none';

export interface RefusalFacts {
  readonly operation: Pick<Operation, 'id'>;
  /** The caller's roles (their groups that are roles), or another way to say who they are. */
  readonly callerRoles: readonly string[];
  readonly allowedRoles: readonly string[];
}

const list = (names: readonly string[]): string =>
  names.length === 0 ? NO_ROLES : names.join(', ');

/** The refusal's sentence, e.g. "You may not rename an experiment (experiments.update). …". */
export function refusalSentence(facts: RefusalFacts): string {
  const values: Record<string, string> = {
    action: operationPhrase(facts.operation),
    operation: facts.operation.id,
    roles: list(facts.callerRoles),
    allowed: list(facts.allowedRoles)
  };
  return REFUSAL_TEMPLATE.replace(
    /\{(\w+)\}/g,
    (_, key: string) => values[key]
  );
}
