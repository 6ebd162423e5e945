/**
 * Inserting code into the notebook the user last worked in, whatever is in
 * front (the MLflow panel, typically, after looking at a run).
 *
 * The notebook is found by what JupyterLab's notebook panels are (the
 * `jp-NotebookPanel` class and a notebook model): JupyterLab's notebook
 * package, with its tracker, is not among this extension's dependencies.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { ISignal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { CommandIDs } from './commands';
import type { INotebookContent } from './notebook-cells';
import { notifyWarning } from './notify';

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
    execute: async args => {
      const code = typeof args.code === 'string' ? args.code : '';
      const panel = notebooks.current;
      // The cell editing loads with the first insertion.
      const { insertCodeCell } = await import(
        /* webpackChunkName: "mlflow-notebook-cells" */ './notebook-cells'
      );
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
