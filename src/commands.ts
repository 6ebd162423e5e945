/**
 * The extension's command ids, in one place.
 */
export namespace CommandIDs {
  /** Open the MLflow panel (args: `route`, an MLflow UI route). */
  export const open = 'mlflow:open';
  /** Open an experiment (args: `experimentId`). */
  export const openExperiment = 'mlflow:open-experiment';
  /** Open a run (args: `experimentId`, `runId`). */
  export const openRun = 'mlflow:open-run';
  /** Compare runs (args: `runIds`, `experimentIds`). */
  export const compareRuns = 'mlflow:compare-runs';
  /** Open the model registry (args: optional `name`, `version`). */
  export const openModelRegistry = 'mlflow:open-model-registry';
  /** Reload the MLflow UI in the panel. */
  export const reload = 'mlflow:reload';
  /** Open the MLflow UI in a browser tab, through the gateway's sign-in page. */
  export const openInBrowserTab = 'mlflow:open-in-browser-tab';
  /** Sign in to MLflow (opens the panel, which shows the form). */
  export const signIn = 'mlflow:sign-in';
  /** Sign out of MLflow. */
  export const signOut = 'mlflow:sign-out';
}

/** The core command that opens the settings editor. */
export const OPEN_SETTINGS_COMMAND = 'settingeditor:open';

/** The translation domain of this extension. */
export const TRANSLATION_DOMAIN = 'sagemaker_studio_mlflow';
