import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Message as LuminoMessage } from '@lumino/messaging';
import * as React from 'react';

import { Message } from './message';

/** What a sidebar shows once its code is loaded. */
export interface ISidebarContent<T> {
  /** What the sidebar's commands act on: its model. */
  readonly value: T;
  render(): JSX.Element;
  /** Shown or hidden: a model refreshes only while shown. */
  setActive(active: boolean): void;
  dispose(): void;
}

/**
 * A sidebar that is only a shell at JupyterLab's start-up (its icon in the
 * side bar, a loading message): its view and model are loaded with
 * `import()` the first time it is shown.
 */
export class DeferredSidebar<T> extends ReactWidget {
  constructor(options: DeferredSidebar.IOptions<T>) {
    super();
    this._options = options;
  }

  /** The sidebar's model, once loaded. */
  get value(): T | null {
    return this._content?.value ?? null;
  }

  override dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._content?.dispose();
    super.dispose();
  }

  protected override onAfterShow(msg: LuminoMessage): void {
    super.onAfterShow(msg);
    if (this._content) {
      this._content.setActive(true);
    } else {
      this._load();
    }
  }

  protected override onAfterHide(msg: LuminoMessage): void {
    super.onAfterHide(msg);
    this._content?.setActive(false);
  }

  protected override render(): JSX.Element {
    const { trans, labels } = this._options;
    if (this._content !== null) {
      return this._content.render();
    }
    if (this._failure !== '') {
      return (
        <Message title={labels.failed} error>
          <p>{this._failure}</p>
          <p>
            {trans.__(
              'Reload the page; if the extension was just updated, JupyterLab may still be serving the old version.'
            )}
          </p>
        </Message>
      );
    }
    return <Message title={labels.loading} busy />;
  }

  private _load(): void {
    if (this._loading) {
      return;
    }
    this._loading = true;
    this._options.load(this).then(
      content => {
        if (this.isDisposed) {
          content.dispose();
          return;
        }
        this._content = content;
        content.setActive(this.isVisible);
        this.update();
      },
      reason => {
        this._loading = false;
        this._failure = String((reason as Error)?.message ?? reason);
        this.update();
      }
    );
  }

  private readonly _options: DeferredSidebar.IOptions<T>;
  private _content: ISidebarContent<T> | null = null;
  private _loading = false;
  private _failure = '';
}

export namespace DeferredSidebar {
  export interface IOptions<T> {
    /** Loads the code and makes the content, for this sidebar. */
    load: (sidebar: DeferredSidebar<T>) => Promise<ISidebarContent<T>>;
    labels: { loading: string; failed: string };
    trans: TranslationBundle;
  }
}
