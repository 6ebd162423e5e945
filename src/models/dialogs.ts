/**
 * The confirmations of the models view's changes: pick an alias or a stage,
 * then confirm what changes for code that loads the model. Loaded with the
 * view.
 */
import { Dialog, InputDialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

import { notifyError, notifySuccess } from '../notify';
import {
  IModelVersion,
  STAGES,
  SUGGESTED_ALIASES,
  Stage,
  aliasProblem,
  modelUri
} from './mlflow';
import { ModelsModel } from './model';

/** What setting `alias` on `version` does, given where it points now. */
export type AliasChange =
  { kind: 'unchanged' } | { kind: 'set' } | { kind: 'move'; from: string };

export function aliasChange(
  version: string,
  target: string | null
): AliasChange {
  if (target === version) {
    return { kind: 'unchanged' };
  }
  return target === null ? { kind: 'set' } : { kind: 'move', from: target };
}

/** The aliases offered for a version: the usual ones, then the model's others. */
export function aliasChoices(
  modelAliases: ReadonlyArray<string>,
  versionAliases: ReadonlyArray<string>
): string[] {
  const choices = [...SUGGESTED_ALIASES, ...modelAliases];
  return [...new Set(choices)].filter(a => !versionAliases.includes(a));
}

/** The stages a version can move to (all but its own). */
export function stageChoices(current: string | undefined): Stage[] {
  return STAGES.filter(stage => stage !== (current ?? 'None'));
}

/**
 * Ask which alias to point at `version`, confirm, and set it.
 *
 * @returns whether the alias was set.
 */
export async function setAliasWithConfirmation(
  model: ModelsModel,
  version: IModelVersion,
  trans: TranslationBundle
): Promise<boolean> {
  const { name } = version;
  const picked = await InputDialog.getItem({
    title: trans.__('Set an alias on %1 version %2', name, version.version),
    label: trans.__('Alias (pick one or type another)'),
    items: aliasChoices(model.aliases(name), model.versionAliases(version)),
    editable: true,
    placeholder: SUGGESTED_ALIASES[0],
    okLabel: trans.__('Next'),
    cancelLabel: trans.__('Cancel')
  });
  const alias = picked.value?.trim() ?? '';
  if (!picked.button.accept || alias === '') {
    return false;
  }
  const problem = aliasProblem(alias);
  if (problem !== null) {
    notifyError(
      problem === 'reserved'
        ? trans.__(
            '“%1” is reserved by MLflow: an alias may not be “latest” or “v” and a number.',
            alias
          )
        : trans.__(
            '“%1” is not an alias MLflow accepts: use letters, digits, “_” and “-”.',
            alias
          )
    );
    return false;
  }
  const change = aliasChange(version.version, model.aliasTarget(name, alias));
  if (change.kind === 'unchanged') {
    notifySuccess(
      trans.__('%1 already points at version %2.', alias, version.version)
    );
    return false;
  }
  const uri = modelUri(name, version.version, alias);
  const consequence = trans.__(
    'Code that loads %1 will load version %2.',
    uri,
    version.version
  );
  const confirmed = await showDialog({
    title:
      change.kind === 'move'
        ? trans.__('Move the alias %1?', alias)
        : trans.__('Set the alias %1?', alias),
    body:
      change.kind === 'move'
        ? trans.__(
            '%1 points at version %2 of %3. Move it to version %4? %5',
            alias,
            change.from,
            name,
            version.version,
            consequence
          )
        : trans.__(
            'Point %1 of %2 at version %3? %4',
            alias,
            name,
            version.version,
            consequence
          ),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.okButton({
        label:
          change.kind === 'move'
            ? trans.__('Move alias')
            : trans.__('Set alias')
      })
    ]
  });
  if (!confirmed.button.accept) {
    return false;
  }
  try {
    await model.setAlias(name, version.version, alias);
  } catch (reason) {
    notifyError(
      trans.__('The alias was not set: %1', (reason as Error).message)
    );
    return false;
  }
  notifySuccess(trans.__('%1 now points at version %2.', uri, version.version));
  return true;
}

/**
 * Ask which stage to move `version` to, confirm, and move it.
 *
 * @returns whether the version moved.
 */
export async function transitionStageWithConfirmation(
  model: ModelsModel,
  version: IModelVersion,
  trans: TranslationBundle
): Promise<boolean> {
  const { name } = version;
  const current = version.current_stage ?? 'None';
  const picked = await InputDialog.getItem({
    title: trans.__('Move %1 version %2 to a stage', name, version.version),
    label: trans.__('Stage (now %1)', current),
    items: stageChoices(current),
    okLabel: trans.__('Next'),
    cancelLabel: trans.__('Cancel')
  });
  const stage = picked.value as Stage | null;
  if (!picked.button.accept || stage === null) {
    return false;
  }
  const confirmed = await showDialog({
    title: trans.__('Move version %1 to %2?', version.version, stage),
    body: trans.__(
      'Version %1 of %2 moves from %3 to %4. Other versions keep their stages.',
      version.version,
      name,
      current,
      stage
    ),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.okButton({ label: trans.__('Move to %1', stage) })
    ]
  });
  if (!confirmed.button.accept) {
    return false;
  }
  try {
    await model.transitionStage(name, version.version, stage);
  } catch (reason) {
    notifyError(
      trans.__('The stage was not changed: %1', (reason as Error).message)
    );
    return false;
  }
  notifySuccess(
    trans.__('%1 version %2 is now in %3.', name, version.version, stage)
  );
  return true;
}
