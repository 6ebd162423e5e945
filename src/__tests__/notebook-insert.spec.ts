import { YNotebook } from '@jupyter/ydoc';
import { Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { CommandIDs } from '../commands';
import {
  INotebookPanel,
  LastActiveNotebook,
  addInsertCodeCommand
} from '../notebook-insert';
import { insertCodeCell } from '../notebook-cells';

/** A notebook panel as JupyterLab makes one: its class, content and model. */
function notebookPanel(sources: string[], activeCellIndex = 0) {
  const sharedModel = YNotebook.create();
  sources.forEach((source, index) =>
    sharedModel.insertCell(index, { cell_type: 'code', source })
  );
  const panel = new Widget() as Widget & { content: INotebookPanel['content'] };
  panel.addClass('jp-NotebookPanel');
  panel.content = { activeCellIndex, model: { sharedModel } };
  return panel as INotebookPanel;
}

const sourcesOf = (panel: INotebookPanel) =>
  panel.content.model!.sharedModel.cells.map(cell => cell.getSource());

class FakeShell {
  currentWidget: Widget | null = null;
  readonly currentChanged = new Signal<
    FakeShell,
    { newValue: Widget | null; oldValue: Widget | null }
  >(this);
  show(widget: Widget | null) {
    const oldValue = this.currentWidget;
    this.currentWidget = widget;
    this.currentChanged.emit({ newValue: widget, oldValue });
  }
}

describe('inserting code into a notebook', () => {
  it('fills the empty first cell of a fresh notebook', () => {
    const panel = notebookPanel(['']);
    expect(insertCodeCell(panel.content, 'import mlflow')).toBe(0);
    expect(sourcesOf(panel)).toEqual(['import mlflow']);
  });

  it('adds a cell below the active one otherwise, and makes it active', () => {
    const panel = notebookPanel(['a = 1', 'b = 2', 'c = 3'], 1);
    expect(insertCodeCell(panel.content, 'import mlflow')).toBe(2);
    expect(sourcesOf(panel)).toEqual([
      'a = 1',
      'b = 2',
      'import mlflow',
      'c = 3'
    ]);
    expect(panel.content.activeCellIndex).toBe(2);
    // One empty cell that is not the only one is the user's: kept.
    const twoEmpty = notebookPanel(['', ''], 1);
    insertCodeCell(twoEmpty.content, 'x');
    expect(sourcesOf(twoEmpty)).toEqual(['', '', 'x']);
  });

  it('follows the notebook last in front, even when another tab is in front now', () => {
    const shell = new FakeShell();
    const notebooks = new LastActiveNotebook(shell);
    expect(notebooks.current).toBeNull();
    const first = notebookPanel(['']);
    const second = notebookPanel(['']);
    shell.show(first);
    shell.show(second);
    shell.show(new Widget()); // the MLflow panel
    expect(notebooks.current).toBe(second);
    second.dispose();
    expect(notebooks.current).toBe(first);
  });

  describe(`the ${CommandIDs.insertCode} command`, () => {
    afterEach(() => Notification.dismiss());

    function command() {
      const shell = new FakeShell();
      const commands = new CommandRegistry();
      const activate = jest.fn();
      addInsertCodeCommand(commands, {
        notebooks: new LastActiveNotebook(shell),
        activate,
        trans: nullTranslator.load('test')
      });
      return { shell, commands, activate };
    }

    it('inserts into the last active notebook and brings it to front', async () => {
      const { shell, commands, activate } = command();
      const panel = notebookPanel(['a = 1']);
      panel.id = 'notebook-1';
      shell.show(panel);
      shell.show(new Widget());
      expect(
        await commands.execute(CommandIDs.insertCode, { code: 'import mlflow' })
      ).toBe(true);
      expect(sourcesOf(panel)).toEqual(['a = 1', 'import mlflow']);
      expect(activate).toHaveBeenCalledWith('notebook-1');
    });

    it('says on screen when there is no notebook', async () => {
      const { commands } = command();
      expect(await commands.execute(CommandIDs.insertCode, { code: 'x' })).toBe(
        false
      );
      const [toast] = Notification.manager.notifications;
      expect(toast.type).toBe('warning');
      expect(toast.message).toContain('Open a notebook');
      expect(toast.options.autoClose).not.toBe(false);
    });
  });
});
