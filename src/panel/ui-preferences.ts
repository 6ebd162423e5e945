/**
 * What the MLflow panel asks of the stock MLflow UI so that it looks and
 * starts as a data scientist in JupyterLab expects: JupyterLab's light or
 * dark theme, the machine-learning view rather than the GenAI one, no
 * first-run panel over the page, and links opened in a new tab that pass
 * through the gateway's sign-in page.
 *
 * The MLflow UI keeps these choices in its origin's `localStorage` and reads
 * them once, when it starts. The gateway's hand-off page shares that origin
 * and storage partition, so it writes them there before the panel loads the
 * UI (`src/gateway-pages/mlflow-frames.ts`).
 *
 * Used by the extension and the gateway page: plain data and pure functions.
 */
import { loginPath } from '../contract';

/** What the panel wants of the MLflow UI. */
export interface IMlflowUiPreferences {
  /** JupyterLab shows a dark theme. */
  darkMode: boolean;
}

/**
 * The MLflow UI's own `localStorage` keys (MLflow 3.x, `mlflow/server/js`);
 * values its `useLocalStorage` hook keeps get a `_v<version>` suffix and
 * JSON values.
 */
export const MLFLOW_UI_KEYS = {
  /** `"true"` or `"false"`; without it, the browser's colour scheme. */
  darkMode: '_mlflow_dark_mode_toggle_enabled',
  /** `"genai"` (MLflow's default) or `"machine_learning"`. */
  workflowType: 'mlflow.workflowType_v1',
  /** The assistant opens itself once, over the page, unless this is `true`. */
  assistantAutoOpened: 'mlflow.assistant.fab.autoOpenedOnFirstLoad_v1',
  /** Whether the assistant's side panel is open. */
  assistantPanelOpen: 'mlflow.assistant.panelOpen_v1'
} as const;

/**
 * MLflow's one-time tips and promotions that cover the page until closed:
 * `true` once the user has seen them.
 */
export const MLFLOW_UI_FIRST_RUN_TIPS = [
  '_mlflow_model_registry_promo_modal_dismissed_v1',
  'mlflow.detectIssues.guidanceShown_v1',
  'mlflow.flagForReview.guidanceShown_v1'
] as const;

/** MLflow's workflow for training models (experiments, runs, models). */
export const MACHINE_LEARNING_WORKFLOW = 'machine_learning';

/**
 * The entries to write into the MLflow UI's storage, given what is stored
 * (`stored(key)`, `null` when absent). The theme always follows JupyterLab;
 * the workflow and the assistant's panel are only defaults, so a choice the
 * user made in MLflow stays; first-run tips count as seen.
 */
export function mlflowUiStorage(
  preferences: IMlflowUiPreferences,
  stored: (key: string) => string | null
): Record<string, string> {
  const entries: Record<string, string> = {
    [MLFLOW_UI_KEYS.darkMode]: String(preferences.darkMode),
    [MLFLOW_UI_KEYS.assistantAutoOpened]: 'true'
  };
  if (stored(MLFLOW_UI_KEYS.workflowType) === null) {
    entries[MLFLOW_UI_KEYS.workflowType] = JSON.stringify(
      MACHINE_LEARNING_WORKFLOW
    );
  }
  if (stored(MLFLOW_UI_KEYS.assistantPanelOpen) === null) {
    entries[MLFLOW_UI_KEYS.assistantPanelOpen] = 'false';
  }
  for (const tip of MLFLOW_UI_FIRST_RUN_TIPS) {
    entries[tip] = 'true';
  }
  return entries;
}

/**
 * Where a link of the MLflow UI should lead when it opens in a new tab: a
 * link to the MLflow UI on the gateway (`<gateway>/#<route>`) goes through
 * the gateway's sign-in page, which opens that route once the new tab has
 * its own sign-in. Other links (documentation, downloads, the gateway's
 * own pages) stay as they are: `null`.
 *
 * `gatewayUrl` is the gateway's base URL (with any stage path, no trailing
 * slash); `href` is the link, absolute.
 */
export function newTabUrl(href: string, gatewayUrl: string): string | null {
  let link: URL;
  let gateway: URL;
  try {
    link = new URL(href);
    gateway = new URL(gatewayUrl);
  } catch {
    return null;
  }
  const base = gateway.pathname.replace(/\/$/, '');
  // MLflow opens some links at `/#/…`, its root, whatever the stage path.
  const isUi = [`${base}/`, base, '/'].includes(link.pathname);
  if (link.origin !== gateway.origin || !isUi || !link.hash.startsWith('#/')) {
    return null;
  }
  return `${gateway.origin}${base}${loginPath(link.hash.slice(1))}`;
}
