import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import type { IPage } from './mlflow';

/** What a paged list holds: the items of one query, page after page. */
export interface IPagedListState<T, Q, E> {
  /** What the items answer. */
  readonly query: Q;
  readonly items: ReadonlyArray<T>;
  /** The next page's token; `null` once the last page is loaded. */
  readonly nextPageToken: string | null;
  readonly loading: boolean;
  /** Why the last page did not load; `null` when it did. */
  readonly error: E | null;
}

/**
 * A list loaded from the server a page at a time: the first page of a
 * query, then the next ones on demand. The answer to a request is used only
 * if no other request (a new query, a reset) was made meanwhile, so a slow
 * answer to an older query never replaces a newer one.
 */
export class PagedList<T, Q, E> implements IDisposable {
  constructor(options: PagedList.IOptions<T, Q, E>) {
    this._options = options;
    this._state = {
      query: options.query,
      items: [],
      nextPageToken: null,
      loading: false,
      error: null
    };
  }

  get state(): IPagedListState<T, Q, E> {
    return this._state;
  }

  /** Emitted with what changed, whenever the state does. */
  get changed(): ISignal<this, PagedList.Change> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Load the first page of `query`, forgetting what was loaded.
   *
   * @returns a promise that resolves (never rejects) once the page is in,
   * the failure recorded in `state.error`, or the answer dropped.
   */
  load(query: Q): Promise<void> {
    return this._request({ query, items: [], nextPageToken: null }, undefined);
  }

  /** Load the next page, if there is one and no page is loading. */
  loadMore(): Promise<void> {
    const { nextPageToken, loading } = this._state;
    if (nextPageToken === null || loading) {
      return Promise.resolve();
    }
    return this._request({}, nextPageToken);
  }

  /**
   * Empty the list for `query` without asking the server; answers still to
   * come are dropped.
   */
  reset(query: Q = this._state.query): void {
    this._requests++;
    this._set(
      { query, items: [], nextPageToken: null, loading: false, error: null },
      'reset'
    );
  }

  /** Empty the list and show why (a failure that happened elsewhere). */
  fail(reason: unknown): void {
    this._requests++;
    this._set(
      {
        items: [],
        nextPageToken: null,
        loading: false,
        error: this._options.describeError(reason)
      },
      'failed'
    );
  }

  /**
   * Replace loaded items with fresher copies (matched by key), unless the
   * list was loaded or reset meanwhile.
   *
   * @param fetchFresh - gets the loaded items and returns fresh copies of
   * those that changed; its rejection is passed on.
   */
  async update(
    fetchFresh: (items: ReadonlyArray<T>) => Promise<ReadonlyArray<T>>
  ): Promise<void> {
    const request = this._requests;
    const fresh = await fetchFresh(this._state.items);
    if (request !== this._requests || this._isDisposed) {
      return;
    }
    const byKey = new Map(fresh.map(item => [this._options.keyOf(item), item]));
    this._set(
      {
        items: this._state.items.map(
          item => byKey.get(this._options.keyOf(item)) ?? item
        )
      },
      'updated'
    );
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._requests++;
    Signal.clearData(this);
  }

  private async _request(
    start: Partial<IPagedListState<T, Q, E>>,
    pageToken: string | undefined
  ): Promise<void> {
    const request = ++this._requests;
    this._set({ ...start, loading: true, error: null }, 'loading');
    const query = this._state.query;
    let page: IPage<T>;
    try {
      page = await this._options.fetch(query, pageToken);
    } catch (reason) {
      if (request === this._requests && !this._isDisposed) {
        this._set(
          { loading: false, error: this._options.describeError(reason) },
          'failed'
        );
      }
      return;
    }
    if (request !== this._requests || this._isDisposed) {
      return;
    }
    // An item that moved across a page boundary meanwhile is listed once.
    const loaded = this._state.items;
    const seen = new Set(loaded.map(item => this._options.keyOf(item)));
    this._set(
      {
        items: [
          ...loaded,
          ...page.items.filter(item => !seen.has(this._options.keyOf(item)))
        ],
        nextPageToken: page.nextPageToken,
        loading: false
      },
      'page'
    );
  }

  private _set(
    change: Partial<IPagedListState<T, Q, E>>,
    kind: PagedList.Change
  ): void {
    this._state = { ...this._state, ...change };
    this._changed.emit(kind);
  }

  private readonly _options: PagedList.IOptions<T, Q, E>;
  private _state: IPagedListState<T, Q, E>;
  /** Counts requests (and resets): only the latest one's answer is used. */
  private _requests = 0;
  private _isDisposed = false;
  private readonly _changed = new Signal<this, PagedList.Change>(this);
}

export namespace PagedList {
  /**
   * What changed: a request started (`loading`), a page came in (`page`),
   * a request failed (`failed`), items were refreshed (`updated`), or the
   * list was emptied (`reset`).
   */
  export type Change = 'loading' | 'page' | 'failed' | 'updated' | 'reset';

  export interface IOptions<T, Q, E> {
    /** The query before the first `load`. */
    query: Q;
    /** One page of `query`: the first with no token, then the next ones. */
    fetch(query: Q, pageToken: string | undefined): Promise<IPage<T>>;
    /** An item's identity, to list it once across pages and refreshes. */
    keyOf(item: T): string;
    /** A failure as the list keeps it. */
    describeError(reason: unknown): E;
  }
}
