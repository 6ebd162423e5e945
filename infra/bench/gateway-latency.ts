import { performance } from 'node:perf_hooks';

import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

import { GATEWAY_HEADERS } from '../src/apigateway';
import { localPrincipal } from '../local/config';
import { type StackDescription, readState } from '../local/stack';
import { interleaved, metricsBatch, percentile, requireStack } from './support';

/**
 * The local gateway's cost: the same MLflow calls made directly and through
 * the gateway, interleaved in one run so both see the same machine, and
 * reported as medians, p99 and the gateway/direct ratio.
 *
 * Needs the local stack (`npm run local -- up`). Writes only to an
 * experiment of its own, `bench-gateway-latency`. Calls through the gateway
 * are signed with the admins' keys, as the SDK would sign them; the signing
 * happens before the clock starts, so the ratio is the gateway's own cost
 * (SigV4 verification, policy evaluation, proxying). Direct calls carry
 * what the gateway would tell MLflow (its proof, the admin as principal):
 * MLflow's port answers nothing else.
 */

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const WARMUP = 20;

type Stack = Pick<StackDescription, 'gateway' | 'mlflow' | 'region' | 'users'>;

interface PreparedCall {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** What the gateway tells MLflow of a call by the admins' key. */
function asTheGateway(stack: Stack): Record<string, string> {
  return {
    [GATEWAY_HEADERS.authorization]: 'iam',
    [GATEWAY_HEADERS.principal]: localPrincipal(stack.users.admins.username),
    [GATEWAY_HEADERS.roles]: '',
    [GATEWAY_HEADERS.requestId]: 'bench-gateway-latency',
    [GATEWAY_HEADERS.proof]: readState().gatewayProof
  };
}

let gatewayHeaders: Record<string, string> = {};

/** A POST to MLflow's REST API: signed for the gateway when a signer is given, else as from the gateway. */
async function prepare(
  base: string,
  route: string,
  body: unknown,
  signer?: SignatureV4
): Promise<PreparedCall> {
  const url = new URL(`${base}/api/2.0/mlflow/${route}`);
  const text = JSON.stringify(body);
  const headers = { host: url.host, 'content-type': 'application/json' };
  if (signer === undefined) {
    return {
      url: url.href,
      headers: { ...headers, ...gatewayHeaders },
      body: text
    };
  }
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: {},
    headers,
    body: text
  });
  return { url: url.href, headers: signed.headers, body: text };
}

async function send(prepared: PreparedCall): Promise<unknown> {
  const response = await fetch(prepared.url, {
    method: 'POST',
    headers: prepared.headers,
    body: prepared.body
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(
      `${prepared.url} answered ${response.status}: ${text.slice(0, 200)}`
    );
  }
  return text ? JSON.parse(text) : {};
}

/** A call to MLflow itself (setting up the bench). */
async function call(
  base: string,
  route: string,
  body: unknown
): Promise<unknown> {
  return send(await prepare(base, route, body));
}

/** The bench's experiment: found (restored, if someone deleted it) or made. */
async function experimentId(stack: Stack, name: string): Promise<string> {
  const found = (await call(stack.mlflow, 'experiments/search', {
    filter: `name = '${name}'`,
    max_results: 1,
    view_type: 'ALL'
  })) as {
    experiments?: { experiment_id: string; lifecycle_stage: string }[];
  };
  const experiment = found.experiments?.[0];
  if (experiment !== undefined) {
    if (experiment.lifecycle_stage === 'deleted') {
      await call(stack.mlflow, 'experiments/restore', {
        experiment_id: experiment.experiment_id
      });
    }
    return experiment.experiment_id;
  }
  const created = (await call(stack.mlflow, 'experiments/create', {
    name
  })) as {
    experiment_id: string;
  };
  return created.experiment_id;
}

async function time(prepared: PreparedCall): Promise<number> {
  const start = performance.now();
  await send(prepared);
  return performance.now() - start;
}

async function main(): Promise<void> {
  const stack = requireStack();
  gatewayHeaders = asTheGateway(stack);
  const experiment = await experimentId(stack, 'bench-gateway-latency');
  const run = (await call(stack.mlflow, 'runs/create', {
    experiment_id: experiment,
    run_name: 'gateway-latency'
  })) as { run: { info: { run_id: string } } };
  const runId = run.run.info.run_id;
  const admin = stack.users.admins;
  const signer = new SignatureV4({
    service: 'execute-api',
    region: stack.region,
    credentials: {
      accessKeyId: admin.accessKeyId,
      secretAccessKey: admin.secretAccessKey
    },
    sha256: Hash.bind(null, 'sha256')
  });

  const scenarios: Record<string, () => unknown> = {
    'runs/search': () => ({ experiment_ids: [experiment], max_results: 100 }),
    'runs/log-batch': () => metricsBatch(runId)
  };

  console.log(
    `gateway vs direct MLflow, ${ROUNDS} interleaved calls each (ms)`
  );
  console.log(
    'route            direct p50  p99   gateway p50  p99   ratio p50'
  );
  for (const [route, body] of Object.entries(scenarios)) {
    const [direct, viaGateway] = await interleaved(
      [stack.mlflow, stack.gateway] as const,
      ROUNDS,
      WARMUP,
      async base =>
        time(
          await prepare(
            base,
            route,
            body(),
            base === stack.gateway ? signer : undefined
          )
        )
    );
    const row = [
      route.padEnd(16),
      percentile(direct, 50).toFixed(1).padStart(10),
      percentile(direct, 99).toFixed(1).padStart(5),
      percentile(viaGateway, 50).toFixed(1).padStart(12),
      percentile(viaGateway, 99).toFixed(1).padStart(5),
      (percentile(viaGateway, 50) / percentile(direct, 50))
        .toFixed(2)
        .padStart(11)
    ];
    console.log(row.join(' '));
  }
}

main().catch(error => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
