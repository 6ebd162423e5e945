import { Token } from '@lumino/coreutils';
import { ISignal } from '@lumino/signaling';

import type { MlflowConfig } from './config';

/**
 * The extension's settings, parsed and checked, kept current as the user or
 * an administrator changes them.
 */
export interface IMlflowSettings {
  /**
   * The current configuration. Values that failed their checks are replaced
   * by their defaults.
   */
  readonly config: MlflowConfig;

  /**
   * Whether the extension can reach MLflow with this configuration: every
   * connection setting is set and no problem was found.
   */
  readonly isConfigured: boolean;

  /**
   * The problems found in the current settings, one sentence each.
   */
  readonly problems: ReadonlyArray<string>;

  /**
   * Emitted with the new configuration whenever the parsed configuration or
   * its problems change.
   */
  readonly changed: ISignal<IMlflowSettings, MlflowConfig>;
}

/**
 * The token of the MLflow settings service.
 */
export const IMlflowSettings = new Token<IMlflowSettings>(
  'sagemaker-studio-mlflow:IMlflowSettings',
  'The MLflow connection settings (gateway URL, Cognito user pool, sign-in flow, run browser defaults), checked and kept current.'
);
