import type * as React from 'react';

import type { IExperiment } from './mlflow';
import type { IRunRow } from './table';

/** What the views' buttons do; the plugin wires them to commands. */
export interface IRunBrowserActions {
  openSettings(): void;
  /** Open a run in the MLflow panel. */
  openRun(row: IRunRow): void;
  compare(runIds: ReadonlyArray<string>): void;
  /** Show a run's actions (the context menu) at the button clicked. */
  showRunMenu(event: React.MouseEvent<HTMLElement>, row: IRunRow): void;
  /** Open MLflow's column picker for the current runs. */
  chooseColumns(): void;
  /** Pin the experiment as the default (or unpin with `null`). */
  pinExperiment(experiment: IExperiment | null): void;
  /** The pinned experiment's name or ID, from the settings. */
  pinned(): string;
  /** Show who has access to the experiment, and let its managers change it. */
  showAccess(experiment: IExperiment): void;
  signOut(): void;
}
