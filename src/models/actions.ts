import type { IModelVersion } from './mlflow';

/** What the models view's buttons do; the plugin wires them to commands. */
export interface IModelsActions {
  openSettings(): void;
  /** Open a registered model, or one of its versions, in the MLflow panel. */
  openInMlflow(name: string, version?: string): void;
  /** Insert a code cell into the last active notebook. */
  insertCode(code: string): void;
  /** Pick an alias for a version, confirm, and set it. */
  setAlias(version: IModelVersion): void;
  /** Pick a stage for a version, confirm, and move it. */
  setStage(version: IModelVersion): void;
  /** Show who has access to a registered model, and let its managers change it. */
  showAccess(name: string): void;
  signOut(): void;
}
