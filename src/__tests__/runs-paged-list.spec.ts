import { PromiseDelegate } from '@lumino/coreutils';

import { IPage } from '../runs/mlflow';
import { PagedList } from '../runs/paged-list';

interface IItem {
  id: string;
  version?: number;
}

/** A server whose answers the test gives, one request at a time. */
function pagedServer() {
  const requests: {
    query: string;
    pageToken: string | undefined;
    answer: PromiseDelegate<IPage<IItem>>;
  }[] = [];
  const list = new PagedList<IItem, string, string>({
    query: '',
    fetch: (query, pageToken) => {
      const answer = new PromiseDelegate<IPage<IItem>>();
      requests.push({ query, pageToken, answer });
      return answer.promise;
    },
    keyOf: item => item.id,
    describeError: reason => `failed: ${(reason as Error).message}`
  });
  const page = (ids: string[], nextPageToken: string | null = null) => ({
    items: ids.map(id => ({ id })),
    nextPageToken
  });
  const ids = () => list.state.items.map(item => item.id);
  return { list, requests, page, ids };
}

describe('PagedList', () => {
  it('loads the first page of a query, then the next ones on demand', async () => {
    const { list, requests, page, ids } = pagedServer();
    const first = list.load('churn');
    expect(list.state).toMatchObject({ query: 'churn', loading: true });
    requests[0].answer.resolve(page(['a', 'b'], 'p2'));
    await first;
    expect(ids()).toEqual(['a', 'b']);
    expect(list.state).toMatchObject({ nextPageToken: 'p2', loading: false });

    const second = list.loadMore();
    expect(requests[1]).toMatchObject({ query: 'churn', pageToken: 'p2' });
    // An item that moved across the page boundary meanwhile: listed once.
    requests[1].answer.resolve(page(['b', 'c']));
    await second;
    expect(ids()).toEqual(['a', 'b', 'c']);
    expect(list.state.nextPageToken).toBeNull();
  });

  it('asks for a page once, however often more is asked for, and nothing after the last', async () => {
    const { list, requests, page } = pagedServer();
    const first = list.load('');
    requests[0].answer.resolve(page(['a'], 'p2'));
    await first;
    void list.loadMore();
    void list.loadMore();
    expect(requests.map(request => request.pageToken)).toEqual([
      undefined,
      'p2'
    ]);
    requests[1].answer.resolve(page(['b']));
    await list.loadMore();
    expect(requests).toHaveLength(2);
  });

  it('drops the answer to an older query that comes in after the newer one', async () => {
    const { list, requests, page, ids } = pagedServer();
    const older = list.load('chu');
    const newer = list.load('churn');
    requests[1].answer.resolve(page(['churn-1']));
    await newer;
    requests[0].answer.resolve(page(['chu-1', 'chu-2'], 'p2'));
    await older;
    expect(list.state).toMatchObject({
      query: 'churn',
      nextPageToken: null,
      loading: false
    });
    expect(ids()).toEqual(['churn-1']);
  });

  it('drops an older query’s failure, and the answer to a page of it', async () => {
    const { list, requests, page, ids } = pagedServer();
    const first = list.load('a');
    requests[0].answer.resolve(page(['a-1'], 'p2'));
    await first;
    const more = list.loadMore();
    const fresh = list.load('b');
    const failed = list.load('c');
    requests[2].answer.reject(new Error('gone'));
    requests[1].answer.resolve(page(['a-2']));
    requests[3].answer.resolve(page(['c-1']));
    await Promise.all([more, fresh, failed]);
    expect(list.state).toMatchObject({ query: 'c', error: null });
    expect(ids()).toEqual(['c-1']);
  });

  it('keeps the failure and what was loaded until the next load', async () => {
    const { list, requests, page, ids } = pagedServer();
    const first = list.load('q');
    requests[0].answer.resolve(page(['a'], 'p2'));
    await first;
    const more = list.loadMore();
    requests[1].answer.reject(new Error('no answer'));
    await more;
    expect(list.state).toMatchObject({
      query: 'q',
      loading: false,
      error: 'failed: no answer',
      nextPageToken: 'p2'
    });
    expect(ids()).toEqual(['a']);

    const again = list.load('q');
    expect(list.state.error).toBeNull();
    requests[2].answer.resolve(page(['a', 'b']));
    await again;
    expect(ids()).toEqual(['a', 'b']);
  });

  it('empties on reset without asking the server, and drops the pending answer', async () => {
    const { list, requests, page, ids } = pagedServer();
    const pending = list.load('q');
    list.reset('');
    expect(list.state).toEqual({
      query: '',
      items: [],
      nextPageToken: null,
      loading: false,
      error: null
    });
    requests[0].answer.resolve(page(['a'], 'p2'));
    await pending;
    expect(ids()).toEqual([]);
    expect(requests).toHaveLength(1);
  });

  it('shows a failure from elsewhere, keeping the query', () => {
    const { list } = pagedServer();
    void list.load('q');
    list.fail(new Error('forbidden'));
    expect(list.state).toEqual({
      query: 'q',
      items: [],
      nextPageToken: null,
      loading: false,
      error: 'failed: forbidden'
    });
  });

  it('replaces items with fresh copies, unless it was loaded afresh meanwhile', async () => {
    const { list, requests, page } = pagedServer();
    const first = list.load('q');
    requests[0].answer.resolve(page(['a', 'b']));
    await first;
    await list.update(async items => {
      expect(items.map(item => item.id)).toEqual(['a', 'b']);
      return [{ id: 'b', version: 2 }];
    });
    expect(list.state.items).toEqual([{ id: 'a' }, { id: 'b', version: 2 }]);

    const fresh = new PromiseDelegate<IItem[]>();
    const update = list.update(() => fresh.promise);
    const reload = list.load('q');
    requests[1].answer.resolve(page(['a']));
    await reload;
    fresh.resolve([{ id: 'a', version: 3 }]);
    await update;
    expect(list.state.items).toEqual([{ id: 'a' }]);
  });

  it('passes on a failed update, keeping the items', async () => {
    const { list, requests, page } = pagedServer();
    const first = list.load('q');
    requests[0].answer.resolve(page(['a']));
    await first;
    await expect(
      list.update(async () => {
        throw new Error('offline');
      })
    ).rejects.toThrow('offline');
    expect(list.state).toMatchObject({ items: [{ id: 'a' }], error: null });
  });

  it('says what changed', async () => {
    const { list, requests, page } = pagedServer();
    const changes: PagedList.Change[] = [];
    list.changed.connect((_, change) => changes.push(change));
    const first = list.load('q');
    requests[0].answer.resolve(page(['a'], 'p2'));
    await first;
    const more = list.loadMore();
    requests[1].answer.reject(new Error('x'));
    await more;
    list.reset();
    expect(changes).toEqual(['loading', 'page', 'loading', 'failed', 'reset']);
  });

  it('ignores answers once disposed', async () => {
    const { list, requests, page } = pagedServer();
    const pending = list.load('q');
    list.dispose();
    requests[0].answer.resolve(page(['a']));
    await pending;
    expect(list.state.items).toEqual([]);
    expect(list.isDisposed).toBe(true);
  });
});
