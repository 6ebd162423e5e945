/**
 * What one request may cost MLflow: a GraphQL document of 9 MB takes its
 * server ~26 s of CPU to parse and a 1 MB search filter 2–3 s, time every
 * other user waits for. The bodies of the requests whose cost grows with
 * their text (searches, whose filter MLflow parses and turns into SQL, and
 * GraphQL queries) are bounded; MLflow bounds the rest itself (a GraphQL
 * query's depth at 10 and its aliases, `max_results` at 50,000 for
 * searches). The web ACL refuses larger bodies in AWS (it reads at most
 * this many bytes of a body) and the local gateway refuses the same ones.
 */

/**
 * The largest body of a search or GraphQL request: 64 KiB, AWS WAF's
 * largest body inspection for API Gateway. The MLflow UI's largest GraphQL
 * query is 1.5 KB; 64 KiB holds a filter naming ~1,800 run ids.
 */
export const MAX_COSTLY_BODY_BYTES = 64 * 1024;

/**
 * The request paths whose bodies are bounded, as one regular expression
 * over the raw path (both AWS WAF's and JavaScript's syntax, so no
 * lookaround): every MLflow search (`.../runs/search`,
 * `.../experiments/search-datasets`, ...) and GraphQL, never an artifact
 * (`.../mlflow-artifacts/artifacts/...`), whatever its name.
 */
export const COSTLY_PATH_PATTERN =
  '^/(ajax-)?api/[0-9.]+/?(mlflow/([a-z-]+/)?)?[a-z-]+/search(-[a-z]+)?$|^/graphql$';

const COSTLY_PATH = new RegExp(COSTLY_PATH_PATTERN);

/** Whether a request to this raw path (no query) and with a body of this size costs too much. */
export function exceedsCostBounds(path: string, bodyBytes: number): boolean {
  return bodyBytes > MAX_COSTLY_BODY_BYTES && COSTLY_PATH.test(path);
}
