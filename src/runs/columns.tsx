import { Dialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { ColumnId, metricColumn, paramColumn } from './table';

/**
 * The body of the "Columns" dialog: a checkbox per metric and param of the
 * loaded runs; its value is the chosen columns, in the order shown.
 */
export class ColumnPicker
  extends ReactWidget
  implements Dialog.IBodyWidget<ColumnId[]>
{
  constructor(
    private readonly _keys: { metrics: string[]; params: string[] },
    chosen: ReadonlyArray<ColumnId>,
    private readonly _trans: TranslationBundle
  ) {
    super();
    this._chosen = new Set(chosen);
    this.addClass('jp-MlflowColumns');
  }

  getValue(): ColumnId[] {
    return [
      ...this._keys.metrics.map(metricColumn),
      ...this._keys.params.map(paramColumn)
    ].filter(column => this._chosen.has(column));
  }

  protected override render(): JSX.Element {
    const group = (title: string, columns: [ColumnId, string][]) => (
      <fieldset>
        <legend>{title}</legend>
        {columns.length === 0 && <p>{this._trans.__('None logged yet.')}</p>}
        {columns.map(([column, key]) => (
          <label key={column}>
            <input
              type="checkbox"
              defaultChecked={this._chosen.has(column)}
              onChange={event => {
                if (event.target.checked) {
                  this._chosen.add(column);
                } else {
                  this._chosen.delete(column);
                }
              }}
            />
            {key}
          </label>
        ))}
      </fieldset>
    );
    return (
      <>
        {group(
          this._trans.__('Metrics'),
          this._keys.metrics.map(key => [metricColumn(key), key])
        )}
        {group(
          this._trans.__('Parameters'),
          this._keys.params.map(key => [paramColumn(key), key])
        )}
      </>
    );
  }

  private readonly _chosen: Set<ColumnId>;
}
