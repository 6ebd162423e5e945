import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import {
  DEFAULT_CONFIG,
  IMessageFormatter,
  isConfigured,
  MlflowConfig,
  parseConfig
} from './config';
import { IMlflowSettings } from './tokens';

/**
 * The MLflow settings of one JupyterLab session, read from the setting
 * registry and parsed by {@link parseConfig}.
 */
export class MlflowSettings implements IMlflowSettings, IDisposable {
  /**
   * @param settings - The plugin's settings, or `null` when they could not
   * be loaded; the model then holds the defaults.
   * @param options - How to phrase problems, and problems to report on top
   * of those found in the settings (such as a failed load).
   */
  constructor(
    settings: ISettingRegistry.ISettings | null,
    options: MlflowSettings.IOptions = {}
  ) {
    this._settings = settings;
    this._formatter = options.formatter;
    this._extraProblems = [...(options.problems ?? [])];
    this._read();
    settings?.changed.connect(this._onSettingsChanged, this);
  }

  get config(): MlflowConfig {
    return this._config;
  }

  get isConfigured(): boolean {
    return this._problems.length === 0 && isConfigured(this._config);
  }

  get problems(): ReadonlyArray<string> {
    return this._problems;
  }

  get changed(): ISignal<IMlflowSettings, MlflowConfig> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._settings?.changed.disconnect(this._onSettingsChanged, this);
    Signal.clearData(this);
  }

  private _onSettingsChanged(): void {
    const before = JSON.stringify([this._config, this._problems]);
    this._read();
    if (JSON.stringify([this._config, this._problems]) !== before) {
      this._changed.emit(this._config);
    }
  }

  private _read(): void {
    if (!this._settings) {
      this._config = DEFAULT_CONFIG;
      this._problems = Object.freeze([...this._extraProblems]);
      return;
    }
    const { config, problems } = parseConfig(
      this._settings.composite,
      this._formatter
    );
    this._config = config;
    this._problems = Object.freeze([...this._extraProblems, ...problems]);
  }

  private readonly _settings: ISettingRegistry.ISettings | null;
  private readonly _formatter: IMessageFormatter | undefined;
  private readonly _extraProblems: string[];
  private _config: MlflowConfig = DEFAULT_CONFIG;
  private _problems: ReadonlyArray<string> = [];
  private _isDisposed = false;
  private readonly _changed = new Signal<IMlflowSettings, MlflowConfig>(this);
}

/**
 * A namespace for `MlflowSettings` statics.
 */
export namespace MlflowSettings {
  /**
   * Options of the settings model.
   */
  export interface IOptions {
    /**
     * Formats (and translates) problem sentences.
     */
    formatter?: IMessageFormatter;

    /**
     * Problems to report in addition to those of the settings.
     */
    problems?: ReadonlyArray<string>;
  }
}
