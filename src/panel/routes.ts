/**
 * Deep links into the stock MLflow UI, whose routes live in the URL's hash
 * (`<gateway>/#/experiments/1`). Pure functions; ids are URI-encoded.
 */

/** The MLflow UI's start page: the list of experiments. */
export const HOME_ROUTE = '/';

/** The registered models. */
export const MODEL_REGISTRY_ROUTE = '/models';

export function experimentRoute(experimentId: string): string {
  return `/experiments/${encodeURIComponent(experimentId)}`;
}

export function runRoute(experimentId: string, runId: string): string {
  return `${experimentRoute(experimentId)}/runs/${encodeURIComponent(runId)}`;
}

export function registeredModelRoute(name: string): string {
  return `/models/${encodeURIComponent(name)}`;
}

export function modelVersionRoute(name: string, version: string): string {
  return `${registeredModelRoute(name)}/versions/${encodeURIComponent(version)}`;
}

/**
 * MLflow's run comparison: the run ids and their experiments' ids as JSON
 * lists in the query of the hash route.
 */
export function compareRunsRoute(
  runIds: ReadonlyArray<string>,
  experimentIds: ReadonlyArray<string>
): string {
  const query = new URLSearchParams({
    runs: JSON.stringify(runIds),
    experiments: JSON.stringify([...new Set(experimentIds)])
  });
  return `/compare-runs?${query.toString()}`;
}

/**
 * The URL of the MLflow UI at a route, under the gateway's base URL (which
 * may carry a stage path such as `/prod`).
 */
export function mlflowUrl(gatewayUrl: string, route: string): string {
  return `${gatewayUrl}/#${route.startsWith('/') ? route : HOME_ROUTE}`;
}
