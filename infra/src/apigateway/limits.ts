/**
 * API Gateway's limits for a REST API, kept by the local gateway as well:
 * what does not fit is refused before MLflow sees it.
 */

/** The largest request body API Gateway accepts (10 MB); larger ones get 413. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/** How long API Gateway waits for an integration's answer by default (29 s). */
export const INTEGRATION_TIMEOUT_SECONDS = 29;
