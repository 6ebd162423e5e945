/**
 * Editing a notebook's cells through its shared model: loaded with the
 * first insertion (`./notebook-insert` registers the command at start-up).
 */
import type { ISharedNotebook } from '@jupyter/ydoc';

/** What inserting a cell needs of a notebook (JupyterLab's `Notebook`). */
export interface INotebookContent {
  activeCellIndex: number;
  readonly model: { readonly sharedModel: ISharedNotebook } | null;
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
