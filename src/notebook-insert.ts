/**
 * Inserting code into the notebook the user last worked in, whatever is in
 * front (the MLflow panel, typically, after looking at a run).
 *
 * The notebook is found by what JupyterLab's notebook panels are (the
 * `jp-NotebookPanel` class and a notebook model): JupyterLab's notebook
 * package, with its tracker, is not among this extension's dependencies.
 */
import type { ISharedNotebook } from '@jupyter/ydoc';
import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { ISignal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { CommandIDs } from './commands';
import { notifyWarning } from './notify';

/** What inserting a cell needs of a notebook (JupyterLab's `Notebook`). */
export interface INotebookContent {
  activeCellIndex: number;
  readonly model: { readonly sharedModel: ISharedNotebook } | null;
}

/** A notebook's main-area widget (JupyterLab's `NotebookPanel`). */
export interface INotebookPanel extends Widget {
  readonly content: INotebookContent;
}

/** JupyterLab's notebook panels carry this class. */
const NOTEBOOK_PANEL_CLASS = 'jp-NotebookPanel';

export function isNotebookPanel(
  widget: Widget | null | undefined
): widget is INotebookPanel {
  return (
    widget instanceof Widget &&
    widget.hasClass(NOTEBOOK_PANEL_CLASS) &&
    'content' in widget &&
    typeof (widget as INotebookPanel).content?.activeCellIndex === 'number'
  );
}

/**
 * Insert `code` as a code cell below the active cell, or into the first
 * cell when the notebook is fresh (one empty code cell), and make it the
 * active cell.
 *
 * @returns the index of the cell holding the code, or -1 without a model.
 */
export function insertCodeCell(
  notebook: INotebookContent,
  code: string
): number {
  const shared = notebook.model?.sharedModel;
  if (!shared) {
    return -1;
  }
  const cells = shared.cells;
  if (
    cells.length === 1 &&
    cells[0].cell_type === 'code' &&
    cells[0].getSource().trim() === ''
  ) {
    cells[0].setSource(code);
    notebook.activeCellIndex = 0;
    return 0;
  }
  const index = Math.min(
    Math.max(notebook.activeCellIndex + 1, 0),
    cells.length
  );
  shared.insertCell(index, { cell_type: 'code', source: code });
  notebook.activeCellIndex = index;
  return index;
}

/**
 * The notebook the user last had in front, even when another tab (the
 * MLflow panel) is in front now; the one before when it is closed.
 */
export class LastActiveNotebook {
  /**
   * @param shell - JupyterLab's shell; a shell without `currentChanged`
   *   offers the notebook in front only.
   */
  constructor(shell: IFocusShell) {
    this._shell = shell;
    this._track(shell.currentWidget);
    shell.currentChanged?.connect((_, { newValue }) => this._track(newValue));
  }

  get current(): INotebookPanel | null {
    this._track(this._shell.currentWidget);
    return this._recent[this._recent.length - 1] ?? null;
  }

  private _track(widget: Widget | null): void {
    const latest = this._recent[this._recent.length - 1];
    if (!isNotebookPanel(widget) || widget === latest) {
      return;
    }
    const known = this._recent.includes(widget);
    this._recent = [...this._recent.filter(other => other !== widget), widget];
    if (!known) {
      widget.disposed.connect(() => {
        this._recent = this._recent.filter(other => other !== widget);
      });
    }
  }

  private readonly _shell: IFocusShell;
  private _recent: INotebookPanel[] = [];
}

/** What following the user's notebooks needs of the shell (`ILabShell`). */
export interface IFocusShell {
  readonly currentWidget: Widget | null;
  readonly currentChanged?: ISignal<unknown, { newValue: Widget | null }>;
}

/**
 * `mlflow:insert-code` (args: `code`): the code, as a cell of the last
 * active notebook, brought to front; a toast when there is no notebook.
 */
export function addInsertCodeCommand(
  commands: CommandRegistry,
  options: {
    notebooks: Pick<LastActiveNotebook, 'current'>;
    activate: (id: string) => void;
    trans: TranslationBundle;
  }
): void {
  const { notebooks, activate, trans } = options;
  commands.addCommand(CommandIDs.insertCode, {
    label: trans.__('Insert Code into the Notebook'),
    caption: trans.__(
      'Add a code cell to the notebook you last worked in (its empty first cell when it is new)'
    ),
    execute: args => {
      const code = typeof args.code === 'string' ? args.code : '';
      const panel = notebooks.current;
      if (!panel || insertCodeCell(panel.content, code) < 0) {
        notifyWarning(
          trans.__('Open a notebook to insert the code into, then try again.')
        );
        return false;
      }
      activate(panel.id);
      return true;
    }
  });
}
