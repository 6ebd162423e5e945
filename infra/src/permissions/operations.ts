/**
 * Every HTTP route of the MLflow server we run, classified.
 *
 * The coverage test (test/src/permissions/operations.coverage.test.ts) lists the routes of
 * the installed MLflow and fails when a route is missing here or an entry
 * here matches no route, so this table and MLflow cannot drift apart. A
 * route that is not in this table is denied.
 *
 * Reads include the POST searches that the UI and the SDK use. Anything that
 * changes MLflow state, calls an LLM provider with the operator's keys, or
 * runs work on the server is a write, whatever its HTTP method.
 */
import {
  Access,
  ApiRoot,
  Caller,
  Family,
  FullPathOperation,
  HttpMethod,
  Operation,
  RestOperation
} from './operation';

type Row = readonly [
  id: string,
  method: HttpMethod,
  path: string,
  access: Access,
  note?: string
];

const API_2 = ['/api/2.0/', '/ajax-api/2.0/'] as const;
const API_3 = ['/api/3.0/', '/ajax-api/3.0/'] as const;
const API_2_AND_3 = [...API_2, ...API_3] as const;
// Routes MLflow registers for its own UI only: no `/api/` twin exists.
const UI_2 = ['/ajax-api/2.0/'] as const;
const UI_3 = ['/ajax-api/3.0/'] as const;
const UI_2_AND_3 = [...UI_2, ...UI_3] as const;

function rest(
  family: Family,
  roots: readonly ApiRoot[],
  rows: readonly Row[]
): RestOperation[] {
  return rows.map(([id, method, path, access, note]) =>
    Object.freeze({ id, method, family, access, roots, path, ...noteOf(note) })
  );
}

/** Operations outside the API roots; the UI's unless `callers` says otherwise. */
function fullPath(
  family: Family,
  rows: readonly Row[],
  callers: readonly Caller[] = ['ui']
): FullPathOperation[] {
  return rows.map(([id, method, path, access, note]) =>
    Object.freeze({
      id,
      method,
      family,
      access,
      fullPath: path,
      callers,
      ...noteOf(note)
    })
  );
}

function noteOf(note: string | undefined): { note?: string } {
  return note === undefined ? {} : { note };
}

const NOT_IMPLEMENTED = 'MLflow answers 501 Not Implemented';
const SPENDS = 'calls an LLM provider with the operator’s stored keys';

// prettier-ignore
const TRACKING = [
  ...rest('tracking', API_2, [
    ['experiments.create',            'POST', 'mlflow/experiments/create',               'write'],
    ['experiments.delete',            'POST', 'mlflow/experiments/delete',               'write'],
    ['experiments.delete-tag',        'POST', 'mlflow/experiments/delete-experiment-tag','write'],
    ['experiments.get',               'GET',  'mlflow/experiments/get',                  'read'],
    ['experiments.get-by-name',       'GET',  'mlflow/experiments/get-by-name',          'read'],
    ['experiments.restore',           'POST', 'mlflow/experiments/restore',              'write'],
    ['experiments.search',            'POST', 'mlflow/experiments/search',               'read'],
    ['experiments.search-via-get',    'GET',  'mlflow/experiments/search',               'read'],
    ['experiments.set-tag',           'POST', 'mlflow/experiments/set-experiment-tag',   'write'],
    ['experiments.update',            'POST', 'mlflow/experiments/update',               'write'],
    ['runs.create',                   'POST', 'mlflow/runs/create',                      'write'],
    ['runs.delete',                   'POST', 'mlflow/runs/delete',                      'write'],
    ['runs.delete-tag',               'POST', 'mlflow/runs/delete-tag',                  'write'],
    ['runs.get',                      'GET',  'mlflow/runs/get',                         'read'],
    ['runs.log-batch',                'POST', 'mlflow/runs/log-batch',                   'write'],
    ['runs.log-inputs',               'POST', 'mlflow/runs/log-inputs',                  'write'],
    ['runs.log-metric',               'POST', 'mlflow/runs/log-metric',                  'write'],
    ['runs.log-model',                'POST', 'mlflow/runs/log-model',                   'write'],
    ['runs.log-outputs',              'POST', 'mlflow/runs/outputs',                     'write'],
    ['runs.log-param',                'POST', 'mlflow/runs/log-parameter',               'write'],
    ['runs.restore',                  'POST', 'mlflow/runs/restore',                     'write'],
    ['runs.search',                   'POST', 'mlflow/runs/search',                      'read'],
    ['runs.set-tag',                  'POST', 'mlflow/runs/set-tag',                     'write'],
    ['runs.update',                   'POST', 'mlflow/runs/update',                      'write'],
    ['metrics.get-history',           'GET',  'mlflow/metrics/get-history',              'read'],
    ['metrics.get-history-bulk-interval', 'GET', 'mlflow/metrics/get-history-bulk-interval', 'read']
  ]),
  ...rest('tracking', UI_2, [
    ['experiments.search-datasets',   'POST', 'mlflow/experiments/search-datasets',      'read'],
    ['metrics.get-history-bulk',      'GET',  'mlflow/metrics/get-history-bulk',         'read'],
    ['runs.create-promptlab-run',     'POST', 'mlflow/runs/create-promptlab-run',        'write']
  ]),
  // MLflow registers this stub without the slash after the version; the
  // client's API table has it too.
  ...fullPath('tracking', [
    ['experiments.search-datasets-stub',      'POST', '/api/2.0mlflow/experiments/search-datasets',      'read', NOT_IMPLEMENTED]
  ], ['sdk']),
  ...fullPath('tracking', [
    ['experiments.search-datasets-stub-ajax', 'POST', '/ajax-api/2.0mlflow/experiments/search-datasets', 'read', NOT_IMPLEMENTED]
  ])
];

// prettier-ignore
const ARTIFACTS = [
  ...rest('artifacts', API_2, [
    ['artifacts.list',                              'GET',    'mlflow/artifacts/list',                          'read'],
    ['artifacts.create-presigned-download-url',     'POST',   'mlflow/artifacts/presigned-download-url',        'read'],
    ['artifacts.create-presigned-upload-url',       'POST',   'mlflow/artifacts/presigned-upload-url',          'write'],
    // The artifact proxy (`mlflow server --serve-artifacts`): paths are greedy.
    ['mlflow-artifacts.list',                       'GET',    'mlflow-artifacts/artifacts',                     'read'],
    ['mlflow-artifacts.download',                   'GET',    'mlflow-artifacts/artifacts/{artifact_path+}',    'read'],
    ['mlflow-artifacts.upload',                     'PUT',    'mlflow-artifacts/artifacts/{artifact_path+}',    'write'],
    ['mlflow-artifacts.delete',                     'DELETE', 'mlflow-artifacts/artifacts/{artifact_path+}',    'write'],
    ['mlflow-artifacts.create-multipart-upload',    'POST',   'mlflow-artifacts/mpu/create/{artifact_path+}',   'write'],
    ['mlflow-artifacts.complete-multipart-upload',  'POST',   'mlflow-artifacts/mpu/complete/{artifact_path+}', 'write'],
    ['mlflow-artifacts.abort-multipart-upload',     'POST',   'mlflow-artifacts/mpu/abort/{artifact_path+}',    'write'],
    ['mlflow-artifacts.get-presigned-download-url', 'GET',    'mlflow-artifacts/presigned/{artifact_path+}',    'read']
  ]),
  ...rest('artifacts', UI_2, [
    ['artifacts.upload-to-run',                     'POST',   'mlflow/upload-artifact',                         'write']
  ]),
  ...fullPath('artifacts', [
    ['artifacts.download',                          'GET',    '/get-artifact',                                  'read'],
    ['model-versions.download-artifact',            'GET',    '/model-versions/get-artifact',                   'read']
  ])
];

// prettier-ignore
const REGISTRY = rest('registry', API_2, [
  ['registered-models.create',                   'POST',   'mlflow/registered-models/create',              'write'],
  ['registered-models.delete',                   'DELETE', 'mlflow/registered-models/delete',              'write'],
  ['registered-models.delete-alias',             'DELETE', 'mlflow/registered-models/alias',               'write'],
  ['registered-models.delete-tag',               'DELETE', 'mlflow/registered-models/delete-tag',          'write'],
  ['registered-models.get',                      'GET',    'mlflow/registered-models/get',                 'read'],
  ['registered-models.get-latest-versions',      'POST',   'mlflow/registered-models/get-latest-versions', 'read'],
  ['registered-models.get-latest-versions-via-get', 'GET', 'mlflow/registered-models/get-latest-versions', 'read'],
  ['registered-models.get-version-by-alias',     'GET',    'mlflow/registered-models/alias',               'read'],
  ['registered-models.rename',                   'POST',   'mlflow/registered-models/rename',              'write'],
  ['registered-models.search',                   'GET',    'mlflow/registered-models/search',              'read'],
  ['registered-models.set-alias',                'POST',   'mlflow/registered-models/alias',               'write'],
  ['registered-models.set-tag',                  'POST',   'mlflow/registered-models/set-tag',             'write'],
  ['registered-models.update',                   'PATCH',  'mlflow/registered-models/update',              'write'],
  ['model-versions.create',                      'POST',   'mlflow/model-versions/create',                 'write'],
  ['model-versions.delete',                      'DELETE', 'mlflow/model-versions/delete',                 'write'],
  ['model-versions.delete-tag',                  'DELETE', 'mlflow/model-versions/delete-tag',             'write'],
  ['model-versions.get',                         'GET',    'mlflow/model-versions/get',                    'read'],
  ['model-versions.get-download-uri',            'GET',    'mlflow/model-versions/get-download-uri',       'read'],
  ['model-versions.search',                      'GET',    'mlflow/model-versions/search',                 'read'],
  ['model-versions.set-tag',                     'POST',   'mlflow/model-versions/set-tag',                'write'],
  ['model-versions.transition-stage',            'POST',   'mlflow/model-versions/transition-stage',       'write'],
  ['model-versions.update',                      'PATCH',  'mlflow/model-versions/update',                 'write']
]);

// prettier-ignore
const LOGGED_MODELS = [
  ...rest('logged-models', API_2, [
    ['logged-models.create',            'POST',   'mlflow/logged-models',                                  'write'],
    ['logged-models.delete',            'DELETE', 'mlflow/logged-models/{model_id}',                       'write'],
    ['logged-models.delete-tag',        'DELETE', 'mlflow/logged-models/{model_id}/tags/{tag_key}',        'write'],
    ['logged-models.finalize',          'PATCH',  'mlflow/logged-models/{model_id}',                       'write'],
    ['logged-models.get',               'GET',    'mlflow/logged-models/{model_id}',                       'read'],
    ['logged-models.list-artifacts',    'GET',    'mlflow/logged-models/{model_id}/artifacts/directories', 'read'],
    ['logged-models.log-params',        'POST',   'mlflow/logged-models/{model_id}/params',                'write'],
    ['logged-models.search',            'POST',   'mlflow/logged-models/search',                           'read'],
    ['logged-models.set-tags',          'PATCH',  'mlflow/logged-models/{model_id}/tags',                  'write']
  ]),
  ...rest('logged-models', UI_2, [
    ['logged-models.download-artifact', 'GET',    'mlflow/logged-models/{model_id}/artifacts/files',       'read']
  ])
];

// prettier-ignore
const TRACES = [
  // Tracing v2, deprecated by MLflow but still served.
  ...rest('traces', API_2, [
    ['traces.start-v2',                    'POST',   'mlflow/traces',                                      'write'],
    ['traces.search-v2',                   'GET',    'mlflow/traces',                                      'read'],
    ['traces.end-v2',                      'PATCH',  'mlflow/traces/{request_id}',                         'write'],
    ['traces.get-info-v2',                 'GET',    'mlflow/traces/{request_id}/info',                    'read'],
    ['traces.set-tag-v2',                  'PATCH',  'mlflow/traces/{request_id}/tags',                    'write'],
    ['traces.delete-tag-v2',               'DELETE', 'mlflow/traces/{request_id}/tags',                    'write'],
    ['traces.link-prompts',                'POST',   'mlflow/traces/link-prompts',                         'write'],
    ['traces.link-to-run',                 'POST',   'mlflow/traces/link-to-run',                          'write'],
    ['traces.get-online-details',          'GET',    'mlflow/get-online-trace-details',                    'read', NOT_IMPLEMENTED],
    ['traces.search-unified',              'GET',    'mlflow/unified-traces',                              'read', NOT_IMPLEMENTED]
  ]),
  ...rest('traces', API_2_AND_3, [
    ['traces.delete',                      'POST',   'mlflow/traces/delete-traces',                        'write']
  ]),
  ...rest('traces', API_3, [
    ['traces.start',                       'POST',   'mlflow/traces',                                      'write'],
    ['traces.get',                         'GET',    'mlflow/traces/get',                                  'read'],
    ['traces.get-info',                    'GET',    'mlflow/traces/{trace_id}',                           'read'],
    ['traces.batch-get',                   'GET',    'mlflow/traces/batchGet',                             'read'],
    ['traces.batch-get-infos',             'POST',   'mlflow/traces/batchGetInfos',                        'read'],
    ['traces.search',                      'POST',   'mlflow/traces/search',                               'read'],
    ['traces.query-metrics',               'POST',   'mlflow/traces/metrics',                              'read'],
    ['traces.calculate-filter-correlation','POST',   'mlflow/traces/calculate-filter-correlation',         'read'],
    ['traces.set-tag',                     'PATCH',  'mlflow/traces/{trace_id}/tags',                      'write'],
    ['traces.delete-tag',                  'DELETE', 'mlflow/traces/{trace_id}/tags',                      'write'],
    ['traces.create-assessment',           'POST',   'mlflow/traces/{trace_id}/assessments',               'write'],
    ['traces.get-assessment',              'GET',    'mlflow/traces/{trace_id}/assessments/{assessment_id}', 'read'],
    ['traces.update-assessment',           'PATCH',  'mlflow/traces/{trace_id}/assessments/{assessment_id}', 'write'],
    ['traces.delete-assessment',           'DELETE', 'mlflow/traces/{trace_id}/assessments/{assessment_id}', 'write']
  ]),
  ...rest('traces', UI_2_AND_3, [
    ['traces.get-artifact',                'GET',    'mlflow/get-trace-artifact',                          'read']
  ]),
  // OpenTelemetry (OTLP/HTTP) span ingestion: the SDK's span export
  // (`RestStore.log_spans`), and exporters set up from the UI's snippet.
  ...fullPath('traces', [
    ['traces.export-otlp',                 'POST',   '/v1/traces',                                         'write', 'the SDK’s span export (SigV4); other OpenTelemetry exporters may send a token locally']
  ], ['sdk', 'ui'])
];

// prettier-ignore
const DATASETS = rest('datasets', API_3, [
  ['datasets.create',             'POST',   'mlflow/datasets/create',                          'write'],
  ['datasets.search',             'POST',   'mlflow/datasets/search',                          'read'],
  ['datasets.search-via-get',     'GET',    'mlflow/datasets/search',                          'read'],
  ['datasets.get',                'GET',    'mlflow/datasets/{dataset_id}',                    'read'],
  ['datasets.delete',             'DELETE', 'mlflow/datasets/{dataset_id}',                    'write'],
  ['datasets.add-experiments',    'POST',   'mlflow/datasets/{dataset_id}/add-experiments',    'write'],
  ['datasets.remove-experiments', 'POST',   'mlflow/datasets/{dataset_id}/remove-experiments', 'write'],
  ['datasets.get-experiment-ids', 'GET',    'mlflow/datasets/{dataset_id}/experiment-ids',     'read'],
  ['datasets.get-records',        'GET',    'mlflow/datasets/{dataset_id}/records',            'read'],
  ['datasets.upsert-records',     'POST',   'mlflow/datasets/{dataset_id}/records',            'write'],
  ['datasets.delete-records',     'DELETE', 'mlflow/datasets/{dataset_id}/records',            'write'],
  ['datasets.set-tags',           'PATCH',  'mlflow/datasets/{dataset_id}/tags',               'write'],
  ['datasets.delete-tag',         'DELETE', 'mlflow/datasets/{dataset_id}/tags/{key}',         'write']
]);

// prettier-ignore
const SCORERS = [
  ...rest('scorers', API_3, [
    ['scorers.register',              'POST',   'mlflow/scorers/register',       'write'],
    ['scorers.get',                   'GET',    'mlflow/scorers/get',            'read'],
    ['scorers.list',                  'GET',    'mlflow/scorers/list',           'read'],
    ['scorers.list-versions',         'GET',    'mlflow/scorers/versions',       'read'],
    ['scorers.delete',                'DELETE', 'mlflow/scorers/delete',         'write'],
    ['scorers.get-online-configs',    'GET',    'mlflow/scorers/online-configs', 'read'],
    ['scorers.upsert-online-config',  'PUT',    'mlflow/scorers/online-config',  'write']
  ]),
  ...rest('scorers', UI_3, [
    ['scorers.invoke',                'POST',   'mlflow/scorer/invoke',          'write', `runs a scorer on traces; LLM judges ${SPENDS}`]
  ])
];

// prettier-ignore
const EVALUATION = rest('evaluation', UI_3, [
  ['genai.evaluate',                  'POST',   'mlflow/genai/evaluate/invoke',  'write', `starts an evaluation job; LLM judges ${SPENDS}`]
]);

// prettier-ignore
const LABELING = rest('labeling', API_3, [
  ['label-schemas.create',              'POST',   'mlflow/label-schemas/create',              'write'],
  ['label-schemas.delete',              'DELETE', 'mlflow/label-schemas/delete',              'write'],
  ['label-schemas.get',                 'GET',    'mlflow/label-schemas/get',                 'read'],
  ['label-schemas.get-by-name',         'GET',    'mlflow/label-schemas/get-by-name',         'read'],
  ['label-schemas.list',                'GET',    'mlflow/label-schemas/list',                'read'],
  ['label-schemas.update',              'PATCH',  'mlflow/label-schemas/update',              'write'],
  ['review-queues.create',              'POST',   'mlflow/review-queues/create',              'write'],
  ['review-queues.delete',              'POST',   'mlflow/review-queues/delete',              'write'],
  ['review-queues.get',                 'GET',    'mlflow/review-queues/get',                 'read'],
  ['review-queues.get-by-name',         'GET',    'mlflow/review-queues/get-by-name',         'read'],
  ['review-queues.get-or-create-user-queue', 'POST', 'mlflow/review-queues/get-or-create-user', 'write', 'creates the queue when it does not exist'],
  ['review-queues.list',                'GET',    'mlflow/review-queues/list',                'read'],
  ['review-queues.update',              'POST',   'mlflow/review-queues/update',              'write'],
  ['review-queues.add-items',           'POST',   'mlflow/review-queues/items/add',           'write'],
  ['review-queues.list-items',          'GET',    'mlflow/review-queues/items/list',          'read'],
  ['review-queues.remove-items',        'POST',   'mlflow/review-queues/items/remove',        'write'],
  ['review-queues.set-item-status',     'POST',   'mlflow/review-queues/items/set-status',    'write']
]);

// prettier-ignore
const ISSUES = [
  ...rest('issues', API_3, [
    ['issues.create',                 'POST',   'mlflow/issues',                 'write'],
    ['issues.get',                    'GET',    'mlflow/issues/{issue_id}',      'read'],
    ['issues.search',                 'POST',   'mlflow/issues/search',          'read'],
    ['issues.update',                 'PATCH',  'mlflow/issues/{issue_id}',      'write']
  ]),
  ...rest('issues', UI_3, [
    ['issues.detect',                 'POST',   'mlflow/issues/invoke',          'write', `starts an issue-detection job that ${SPENDS}`]
  ])
];

// Prompts themselves are registered models with a prompt tag, so creating and
// editing prompts is governed by the registry operations.
// prettier-ignore
const PROMPTS = rest('prompts', API_3, [
  ['prompt-optimization-jobs.create',         'POST',   'mlflow/prompt-optimization/jobs',                 'write', SPENDS],
  ['prompt-optimization-jobs.get',            'GET',    'mlflow/prompt-optimization/jobs/{job_id}',        'read'],
  ['prompt-optimization-jobs.search',         'POST',   'mlflow/prompt-optimization/jobs/search',          'read'],
  ['prompt-optimization-jobs.search-via-get', 'GET',    'mlflow/prompt-optimization/jobs/search',          'read'],
  ['prompt-optimization-jobs.cancel',         'POST',   'mlflow/prompt-optimization/jobs/{job_id}/cancel', 'write'],
  ['prompt-optimization-jobs.delete',         'DELETE', 'mlflow/prompt-optimization/jobs/{job_id}',        'write']
]);

// prettier-ignore
const WEBHOOKS = rest('webhooks', API_2, [
  ['webhooks.create',               'POST',   'mlflow/webhooks',                   'write'],
  ['webhooks.list',                 'GET',    'mlflow/webhooks',                   'read'],
  ['webhooks.get',                  'GET',    'mlflow/webhooks/{webhook_id}',      'read'],
  ['webhooks.update',               'PATCH',  'mlflow/webhooks/{webhook_id}',      'write'],
  ['webhooks.delete',               'DELETE', 'mlflow/webhooks/{webhook_id}',      'write'],
  ['webhooks.test',                 'POST',   'mlflow/webhooks/{webhook_id}/test', 'write', 'makes the server send a request to the webhook URL']
]);

// The AI gateway's configuration: endpoints, provider keys, budgets, guardrails.
// prettier-ignore
const GATEWAY = [
  ...rest('gateway', API_3, [
    ['gateway-budgets.create',                   'POST',   'mlflow/gateway/budgets/create',                  'write'],
    ['gateway-budgets.delete',                   'DELETE', 'mlflow/gateway/budgets/delete',                  'write'],
    ['gateway-budgets.get',                      'GET',    'mlflow/gateway/budgets/get',                     'read'],
    ['gateway-budgets.list',                     'GET',    'mlflow/gateway/budgets/list',                    'read'],
    ['gateway-budgets.list-windows',             'GET',    'mlflow/gateway/budgets/windows',                 'read'],
    ['gateway-budgets.update',                   'POST',   'mlflow/gateway/budgets/update',                  'write'],
    ['gateway-endpoints.create',                 'POST',   'mlflow/gateway/endpoints/create',                'write'],
    ['gateway-endpoints.delete',                 'DELETE', 'mlflow/gateway/endpoints/delete',                'write'],
    ['gateway-endpoints.delete-tag',             'DELETE', 'mlflow/gateway/endpoints/delete-tag',            'write'],
    ['gateway-endpoints.get',                    'GET',    'mlflow/gateway/endpoints/get',                   'read'],
    ['gateway-endpoints.list',                   'GET',    'mlflow/gateway/endpoints/list',                  'read'],
    ['gateway-endpoints.set-tag',                'POST',   'mlflow/gateway/endpoints/set-tag',               'write'],
    ['gateway-endpoints.update',                 'POST',   'mlflow/gateway/endpoints/update',                'write'],
    ['gateway-endpoints.attach-model',           'POST',   'mlflow/gateway/endpoints/models/attach',         'write'],
    ['gateway-endpoints.detach-model',           'POST',   'mlflow/gateway/endpoints/models/detach',         'write'],
    ['gateway-endpoints.create-binding',         'POST',   'mlflow/gateway/endpoints/bindings/create',       'write'],
    ['gateway-endpoints.delete-binding',         'DELETE', 'mlflow/gateway/endpoints/bindings/delete',       'write'],
    ['gateway-endpoints.list-bindings',          'GET',    'mlflow/gateway/endpoints/bindings/list',         'read'],
    ['gateway-guardrails.create',                'POST',   'mlflow/gateway/guardrails/create',               'write'],
    ['gateway-guardrails.delete',                'DELETE', 'mlflow/gateway/guardrails/delete',               'write'],
    ['gateway-guardrails.get',                   'GET',    'mlflow/gateway/guardrails/get',                  'read'],
    ['gateway-guardrails.list',                  'GET',    'mlflow/gateway/guardrails/list',                 'read'],
    ['gateway-guardrails.add-to-endpoint',       'POST',   'mlflow/gateway/guardrails/add-to-endpoint',      'write'],
    ['gateway-guardrails.remove-from-endpoint',  'DELETE', 'mlflow/gateway/guardrails/remove-from-endpoint', 'write'],
    ['gateway-guardrails.list-for-endpoint',     'GET',    'mlflow/gateway/guardrails/list-for-endpoint',    'read'],
    ['gateway-guardrails.update-endpoint-config','PATCH',  'mlflow/gateway/guardrails/update-config',        'write'],
    ['gateway-model-definitions.create',         'POST',   'mlflow/gateway/model-definitions/create',        'write'],
    ['gateway-model-definitions.delete',         'DELETE', 'mlflow/gateway/model-definitions/delete',        'write'],
    ['gateway-model-definitions.get',            'GET',    'mlflow/gateway/model-definitions/get',           'read'],
    ['gateway-model-definitions.list',           'GET',    'mlflow/gateway/model-definitions/list',          'read'],
    ['gateway-model-definitions.update',         'POST',   'mlflow/gateway/model-definitions/update',        'write'],
    ['gateway-secrets.create',                   'POST',   'mlflow/gateway/secrets/create',                  'write', 'stores an LLM provider key'],
    ['gateway-secrets.delete',                   'DELETE', 'mlflow/gateway/secrets/delete',                  'write'],
    ['gateway-secrets.get',                      'GET',    'mlflow/gateway/secrets/get',                     'read', 'returns masked values only'],
    ['gateway-secrets.list',                     'GET',    'mlflow/gateway/secrets/list',                    'read', 'returns masked values only'],
    ['gateway-secrets.update',                   'POST',   'mlflow/gateway/secrets/update',                  'write']
  ]),
  ...rest('gateway', UI_3, [
    ['gateway.get-provider-config',              'GET',    'mlflow/gateway/provider-config',                 'read'],
    ['gateway.list-supported-models',            'GET',    'mlflow/gateway/supported-models',                'read'],
    ['gateway.list-supported-providers',         'GET',    'mlflow/gateway/supported-providers',             'read'],
    ['gateway-secrets.get-config',               'GET',    'mlflow/gateway/secrets/config',                  'read']
  ])
];

// Calling the AI gateway: every call spends the operator's provider keys.
// prettier-ignore
const GATEWAY_INVOCATIONS = [
  ...rest('gateway-invocations', UI_2, [
    ['gateway.proxy-list-endpoints',           'GET',  'mlflow/gateway-proxy',                                          'read'],
    ['gateway.proxy-invoke',                   'POST', 'mlflow/gateway-proxy',                                          'write', SPENDS]
  ]),
  ...fullPath('gateway-invocations', [
    ['gateway.list-models',                    'GET',  '/gateway/mlflow/v1/models',                                     'read'],
    ['gateway.invoke-endpoint',                'POST', '/gateway/{endpoint_name}/mlflow/invocations',                   'write', SPENDS],
    ['gateway.chat-completions',               'POST', '/gateway/mlflow/v1/chat/completions',                           'write', SPENDS],
    ['gateway.openai-chat-completions',        'POST', '/gateway/openai/v1/chat/completions',                           'write', SPENDS],
    ['gateway.openai-embeddings',              'POST', '/gateway/openai/v1/embeddings',                                 'write', SPENDS],
    ['gateway.openai-responses',               'POST', '/gateway/openai/v1/responses',                                  'write', SPENDS],
    ['gateway.openai-responses-compact',       'POST', '/gateway/openai/v1/responses/compact',                          'write', SPENDS],
    ['gateway.anthropic-messages',             'POST', '/gateway/anthropic/v1/messages',                                'write', SPENDS],
    ['gateway.gemini-generate-content',        'POST', '/gateway/gemini/v1beta/models/{endpoint_name}:generateContent', 'write', SPENDS],
    ['gateway.gemini-stream-generate-content', 'POST', '/gateway/gemini/v1beta/models/{endpoint_name}:streamGenerateContent', 'write', SPENDS],
    ['gateway.typesafe-system-one',            'POST', '/gateway/typesafe/v1/systemone',                                'write', SPENDS],
    ['gateway.proxy-raw',                      'POST', '/gateway/proxy/{endpoint_name}/{path+}',                        'write', SPENDS]
  ])
];

// The MCP server registry. Server names may contain slashes, so MLflow
// matches them greedily even in the middle of a path.
// prettier-ignore
const MCP_SERVERS = rest('mcp-servers', API_3, [
  ['mcp-servers.create',                      'POST',   'mlflow/mcp-servers',                                          'write'],
  ['mcp-servers.search',                      'GET',    'mlflow/mcp-servers',                                          'read'],
  ['mcp-servers.search-all-access-endpoints', 'GET',    'mlflow/mcp-servers/endpoints',                                'read'],
  ['mcp-servers.get',                         'GET',    'mlflow/mcp-servers/{name+}',                                  'read'],
  ['mcp-servers.update',                      'PATCH',  'mlflow/mcp-servers/{name+}',                                  'write'],
  ['mcp-servers.delete',                      'DELETE', 'mlflow/mcp-servers/{name+}',                                  'write'],
  ['mcp-servers.set-tag',                     'POST',   'mlflow/mcp-servers/{name+}/tags',                             'write'],
  ['mcp-servers.delete-tag',                  'DELETE', 'mlflow/mcp-servers/{name+}/tags/{key+}',                      'write'],
  ['mcp-servers.set-alias',                   'POST',   'mlflow/mcp-servers/{name+}/aliases',                          'write'],
  ['mcp-servers.get-version-by-alias',        'GET',    'mlflow/mcp-servers/{name+}/aliases/{alias+}',                 'read'],
  ['mcp-servers.delete-alias',                'DELETE', 'mlflow/mcp-servers/{name+}/aliases/{alias+}',                 'write'],
  ['mcp-servers.create-access-endpoint',      'POST',   'mlflow/mcp-servers/{name+}/endpoints',                        'write'],
  ['mcp-servers.search-access-endpoints',     'GET',    'mlflow/mcp-servers/{name+}/endpoints',                        'read'],
  ['mcp-servers.get-access-endpoint',         'GET',    'mlflow/mcp-servers/{name+}/endpoints/{endpoint_id}',          'read'],
  ['mcp-servers.update-access-endpoint',      'PATCH',  'mlflow/mcp-servers/{name+}/endpoints/{endpoint_id}',          'write'],
  ['mcp-servers.delete-access-endpoint',      'DELETE', 'mlflow/mcp-servers/{name+}/endpoints/{endpoint_id}',          'write'],
  ['mcp-servers.create-version',              'POST',   'mlflow/mcp-servers/{name+}/versions',                         'write'],
  ['mcp-servers.search-versions',             'GET',    'mlflow/mcp-servers/{name+}/versions',                         'read'],
  ['mcp-servers.get-version',                 'GET',    'mlflow/mcp-servers/{name+}/versions/{version+}',              'read'],
  ['mcp-servers.update-version',              'PATCH',  'mlflow/mcp-servers/{name+}/versions/{version+}',              'write'],
  ['mcp-servers.delete-version',              'DELETE', 'mlflow/mcp-servers/{name+}/versions/{version+}',              'write'],
  ['mcp-servers.set-version-tag',             'POST',   'mlflow/mcp-servers/{name+}/versions/{version+}/tags',         'write'],
  ['mcp-servers.delete-version-tag',          'DELETE', 'mlflow/mcp-servers/{name+}/versions/{version+}/tags/{key+}',  'write']
]);

// Background jobs on the server (judges, optimisation, ...), UI only.
// prettier-ignore
const JOBS = [
  ...rest('jobs', UI_3, [
    ['jobs.submit',                   'POST',  'jobs/',                       'write', 'runs an allow-listed job function on the server'],
    ['jobs.get',                      'GET',   'jobs/{job_id}',               'read'],
    ['jobs.search',                   'POST',  'jobs/search',                 'read'],
    ['jobs.cancel',                   'PATCH', 'jobs/cancel/{job_id}',        'write'],
    ['mlflow-jobs.get',               'GET',   'mlflow/jobs/{job_id}',        'read'],
    ['mlflow-jobs.cancel',            'PATCH', 'mlflow/jobs/cancel/{job_id}', 'write']
  ])
];

// The MLflow Assistant. Its agent can run tools on the server host; MLflow
// lets only callers it sees as local use most of it, and a proxy on the same
// host looks local. Anything that drives the agent is a write.
// prettier-ignore
const ASSISTANT = rest('assistant', UI_3, [
  ['assistant.get-config',            'GET',   'mlflow/assistant/config',                                 'read'],
  ['assistant.update-config',         'PUT',   'mlflow/assistant/config',                                 'write'],
  ['assistant.list-providers',        'GET',   'mlflow/assistant/providers',                              'read'],
  ['assistant.check-provider-health', 'GET',   'mlflow/assistant/providers/{provider}/health',            'write', 'runs the provider’s client on the server'],
  ['assistant.list-provider-models',  'GET',   'mlflow/assistant/providers/{provider}/models',            'write', 'asks the provider, on the server'],
  ['assistant.send-message',          'POST',  'mlflow/assistant/message',                                'write'],
  ['assistant.stream-response',       'GET',   'mlflow/assistant/sessions/{session_id}/stream',           'write', 'drives the agent’s turn'],
  ['assistant.update-session',        'PATCH', 'mlflow/assistant/sessions/{session_id}',                  'write'],
  ['assistant.resolve-permission',    'POST',  'mlflow/assistant/sessions/{session_id}/permission',       'write'],
  ['assistant.submit-tool-result',    'POST',  'mlflow/assistant/sessions/{session_id}/tool-result',      'write'],
  ['assistant.install-skills',        'POST',  'mlflow/assistant/skills/install',                         'write']
]);

// prettier-ignore
const WORKSPACES = rest('workspaces', API_3, [
  ['workspaces.create',               'POST',   'mlflow/workspaces',                  'write'],
  ['workspaces.list',                 'GET',    'mlflow/workspaces',                  'read'],
  ['workspaces.get',                  'GET',    'mlflow/workspaces/{workspace_name}', 'read'],
  ['workspaces.update',               'PATCH',  'mlflow/workspaces/{workspace_name}', 'write'],
  ['workspaces.delete',               'DELETE', 'mlflow/workspaces/{workspace_name}', 'write']
]);

// MLflow's GraphQL schema (mlflow/server/graphql/) resolves only gets and
// searches; its Mutation type holds searches and an echo, no state change.
// A future schema could add real mutations behind the same route: the
// gateway must then inspect the operation type and allow queries only.
// prettier-ignore
const GRAPHQL = fullPath('graphql', [
  ['graphql.query',                   'POST', '/graphql',                     'read', 'mutations must be refused by the gateway'],
  ['graphql.query-via-get',           'GET',  '/graphql',                     'read', 'mutations must be refused by the gateway']
]);

// prettier-ignore
const SERVER = [
  ...fullPath('server', [
    ['server.health',                 'GET',  '/health',                      'public'],
    ['server.version',                'GET',  '/version',                     'public']
  ]),
  ...rest('server', API_3, [
    ['server.get-info',               'GET',  'mlflow/server-info',           'read']
  ]),
  ...rest('server', UI_3, [
    ['ui-telemetry.get-config',       'GET',  'mlflow/ui-telemetry',          'read'],
    ['ui-telemetry.send',             'POST', 'mlflow/ui-telemetry',          'read', 'forwards UI usage events to MLflow’s telemetry service; changes no MLflow data'],
    ['demo.generate',                 'POST', 'mlflow/demo/generate',         'write'],
    ['demo.delete',                   'POST', 'mlflow/demo/delete',           'write']
  ])
];

// Team permissions: who may reach an experiment or a registered model.
// Served by our MLflow server app (sagemaker_studio_mlflow/server/access_api.py,
// whose ROUTES the coverage test lists beside MLflow's). Changing access
// needs manage on the resource there, whatever the role.
// prettier-ignore
const ACCESS = rest('access', API_2, [
  ['access.get',                      'GET',  'studio-mlflow/access/get',     'read'],
  ['access.grant',                    'POST', 'studio-mlflow/access/grant',   'write', 'needs manage on the resource (its creator, a team with manage, or an admin)'],
  ['access.revoke',                   'POST', 'studio-mlflow/access/revoke',  'write', 'needs manage on the resource (its creator, a team with manage, or an admin)']
]);

// The stock UI's static files: data-free, needed before anyone signs in.
// prettier-ignore
const UI = fullPath('ui', [
  ['ui.index',                        'GET',  '/',                            'public'],
  ['ui.static-files',                 'GET',  '/static-files/{path+}',        'public'],
  ['ui.build-files',                  'GET',  '/build/{filename+}',           'public', 'Flask’s default static route; the UI itself loads /static-files']
]);

export const OPERATIONS: readonly Operation[] = Object.freeze([
  ...TRACKING,
  ...ARTIFACTS,
  ...REGISTRY,
  ...LOGGED_MODELS,
  ...TRACES,
  ...DATASETS,
  ...SCORERS,
  ...EVALUATION,
  ...LABELING,
  ...ISSUES,
  ...PROMPTS,
  ...WEBHOOKS,
  ...GATEWAY,
  ...GATEWAY_INVOCATIONS,
  ...MCP_SERVERS,
  ...JOBS,
  ...ASSISTANT,
  ...WORKSPACES,
  ...GRAPHQL,
  ...SERVER,
  ...UI,
  ...ACCESS
]);

const BY_ID = new Map(OPERATIONS.map(op => [op.id, op]));

export function findOperation(id: string): Operation | undefined {
  return BY_ID.get(id);
}
