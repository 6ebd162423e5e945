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
  /** Open the MLflow UI in a browser tab, signed in as JupyterLab's user. */
  export const openInBrowserTab = 'mlflow:open-in-browser-tab';
  /** Sign in to MLflow (opens the panel, which shows the form). */
  export const signIn = 'mlflow:sign-in';
  /** Sign out of MLflow. */
  export const signOut = 'mlflow:sign-out';
  /** Show the run browser in the sidebar. */
  export const showRunBrowser = 'mlflow:show-run-browser';
  /** Load the run browser's list afresh. */
  export const refreshRuns = 'mlflow:refresh-runs';
  /** Open a run of the run browser in the MLflow panel (args: `runId`). */
  export const openBrowsedRun = 'mlflow:run-open';
  /** Compare the runs selected in the run browser in the MLflow panel. */
  export const compareSelectedRuns = 'mlflow:runs-compare-selected';
  /** Copy a run's id (args: `runId`). */
  export const copyRunId = 'mlflow:run-copy-id';
  /** Copy a run's `runs:/` URI (args: `runId`). */
  export const copyRunUri = 'mlflow:run-copy-uri';
  /** Insert code that loads a run into the active notebook (args: `runId`). */
  export const insertRunSnippet = 'mlflow:run-insert-snippet';
  /** Register a run's logged model (args: `runId`). */
  export const registerRunModel = 'mlflow:run-register-model';
  /** Choose the metric and param columns of the run browser. */
  export const chooseRunColumns = 'mlflow:runs-choose-columns';

  // The models view.
  /** Show the models view in the sidebar. */
  export const showModels = 'mlflow:show-models';
  /** Load the models view's registered models afresh. */
  export const refreshModels = 'mlflow:refresh-models';

  // Results and notebook insertion.
  /**
   * Insert a code cell into the last active notebook, or its empty first
   * cell when it is fresh (args: `code`).
   */
  export const insertCode = 'mlflow:insert-code';
}

/** The core command that opens the settings editor. */
export const OPEN_SETTINGS_COMMAND = 'settingeditor:open';

/** The translation domain of this extension. */
export const TRANSLATION_DOMAIN = 'sagemaker_studio_mlflow';
