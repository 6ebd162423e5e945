/**
 * The "Register Model…" dialog: a name proposed from the run, the existing
 * registered models to pick from, and a question before registering a run's
 * model again under a model it is already a version of. Loaded when the
 * command first runs, not at start-up.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

/** MLflow's own first experiment, whose name says nothing about a model. */
const DEFAULT_EXPERIMENT_NAME = 'Default';

/**
 * The registered model name proposed for a run's model: its experiment's
 * name (the last part of a path-like name), or the run's name when the run
 * is in MLflow's default experiment.
 */
export function proposedModelName(
  runName: string,
  experimentName: string | undefined
): string {
  const experiment = (experimentName ?? '').split('/').pop()?.trim() ?? '';
  return experiment === '' || experiment === DEFAULT_EXPERIMENT_NAME
    ? runName.trim()
    : experiment;
}

/** The dialog's body: the name, and the registered models to pick from. */
class RegisterModelBody extends Widget implements Dialog.IBodyWidget<string> {
  constructor(options: {
    proposal: string;
    existing: ReadonlyArray<string>;
    trans: TranslationBundle;
  }) {
    super();
    const { proposal, existing, trans } = options;
    this.addClass('jp-MlflowRegister');
    // Wide enough to read long model names, whatever the dialog's default.
    this.node.style.minWidth = 'min(32em, 80vw)';
    this.node.style.display = 'flex';
    this.node.style.flexDirection = 'column';
    this.node.style.gap = '6px';

    const label = document.createElement('label');
    label.textContent = trans.__('Registered model name');
    label.htmlFor = 'jp-MlflowRegister-name';
    this._input.id = label.htmlFor;
    this._input.className = 'jp-mod-styled';
    this._input.value = proposal;
    this._input.placeholder = trans.__('Model name');
    this._input.spellcheck = false;
    this.node.append(label, this._input);

    if (existing.length > 0) {
      const listLabel = document.createElement('label');
      listLabel.textContent = trans.__('Existing registered models');
      listLabel.htmlFor = 'jp-MlflowRegister-existing';
      const list = document.createElement('select');
      list.id = listLabel.htmlFor;
      list.size = Math.min(Math.max(existing.length, 2), 6);
      list.className = 'jp-mod-styled';
      list.style.height = 'auto';
      for (const name of existing) {
        list.add(new Option(name, name, false, name === proposal));
      }
      list.addEventListener('change', () => {
        this._input.value = list.value;
      });
      this.node.append(listLabel, list);
    } else {
      const none = document.createElement('p');
      none.textContent = trans.__(
        'There are no registered models yet: this creates the first one.'
      );
      this.node.append(none);
    }
  }

  getValue(): string {
    return this._input.value.trim();
  }

  protected override onAfterAttach(): void {
    this._input.focus();
    this._input.select();
  }

  private readonly _input = document.createElement('input');
}

/**
 * Ask which registered model to register a run's model under.
 *
 * @returns the name, or `null` when the user cancels.
 */
export async function askRegisteredModelName(options: {
  runName: string;
  proposal: string;
  existing: ReadonlyArray<string>;
  trans: TranslationBundle;
}): Promise<string | null> {
  const { runName, trans } = options;
  const result = await showDialog({
    title: trans.__('Register the model of %1', runName),
    body: new RegisterModelBody(options),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.okButton({ label: trans.__('Register') })
    ]
  });
  const name = result.value ?? '';
  return result.button.accept && name !== '' ? name : null;
}

/** Ask before adding a version the registered model already has. */
export async function confirmRegisteringAgain(options: {
  runName: string;
  name: string;
  versions: ReadonlyArray<string>;
  trans: TranslationBundle;
}): Promise<boolean> {
  const { runName, name, versions, trans } = options;
  const result = await showDialog({
    title: trans.__('Register %1 again?', runName),
    body: trans.__(
      'The model of %1 is already %2 version %3. Register it again as a new version?',
      runName,
      name,
      versions.join(', ')
    ),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.warnButton({ label: trans.__('Register Again') })
    ]
  });
  return result.button.accept;
}
