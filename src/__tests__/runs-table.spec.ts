import { nullTranslator } from '@jupyterlab/translation';

import { columnView, gridLayout } from '../runs/components/column-view';
import {
  formatDuration,
  formatMetric,
  formatStart,
  formatStartShort
} from '../runs/format';
import { IRunJson, likeLiteral } from '../runs/mlflow';
import {
  IRunRow,
  ISort,
  availableKeys,
  columnKey,
  defaultColumns,
  durationOf,
  isActive,
  metricColumn,
  orderByOf,
  paramColumn,
  runSnippet,
  runUri,
  sortLocally,
  shownColumns,
  tableItems,
  toRunRow
} from '../runs/table';

/** A row with these fields over a finished, top-level run. */
function row(id: string, fields: Partial<IRunRow> = {}): IRunRow {
  return {
    id,
    experimentId: '1',
    name: id,
    status: 'FINISHED',
    startTime: 1_000,
    endTime: 2_000,
    user: 'ann',
    parentId: null,
    metrics: {},
    params: {},
    modelIds: [],
    ...fields
  };
}

const ids = (rows: ReadonlyArray<IRunRow>) => rows.map(r => r.id);

describe('toRunRow', () => {
  it('reads the fields of a run of runs/search', () => {
    const run: IRunJson = {
      info: {
        run_id: 'r1',
        experiment_id: '7',
        run_name: 'baseline',
        user_id: 'ann',
        status: 'RUNNING',
        start_time: 1_700_000_000_000,
        end_time: 1_700_000_060_000
      },
      data: {
        metrics: [
          { key: 'loss', value: 0.25, step: 3 },
          { key: 'acc', value: 0.9 }
        ],
        params: [{ key: 'lr', value: '0.01' }],
        tags: [{ key: 'mlflow.parentRunId', value: 'p1' }]
      },
      outputs: { model_outputs: [{ model_id: 'm-1' }, { model_id: 'm-2' }] }
    };
    expect(toRunRow(run)).toEqual({
      id: 'r1',
      experimentId: '7',
      name: 'baseline',
      status: 'RUNNING',
      startTime: 1_700_000_000_000,
      endTime: 1_700_000_060_000,
      user: 'ann',
      parentId: 'p1',
      metrics: { loss: 0.25, acc: 0.9 },
      params: { lr: '0.01' },
      modelIds: ['m-1', 'm-2']
    });
  });

  it('names a run by its runName tag, then by its id', () => {
    const tagged = toRunRow({
      info: { run_id: 'r1', experiment_id: '1', run_name: '' },
      data: { tags: [{ key: 'mlflow.runName', value: 'from tag' }] }
    });
    expect(tagged.name).toBe('from tag');
    expect(toRunRow({ info: { run_id: 'r2', experiment_id: '1' } }).name).toBe(
      'r2'
    );
  });

  it('prefers run_name over the runName tag', () => {
    const run = toRunRow({
      info: { run_id: 'r1', experiment_id: '1', run_name: 'info name' },
      data: { tags: [{ key: 'mlflow.runName', value: 'tag name' }] }
    });
    expect(run.name).toBe('info name');
  });

  it('takes the user from user_id, then the mlflow.user tag, else none', () => {
    const tags = { tags: [{ key: 'mlflow.user', value: 'bob' }] };
    expect(
      toRunRow({
        info: { run_id: 'r', experiment_id: '1', user_id: 'ann' },
        data: tags
      }).user
    ).toBe('ann');
    expect(
      toRunRow({ info: { run_id: 'r', experiment_id: '1' }, data: tags }).user
    ).toBe('bob');
    expect(toRunRow({ info: { run_id: 'r', experiment_id: '1' } }).user).toBe(
      ''
    );
  });

  it('has no parent, metrics, params, models or times when MLflow sends none', () => {
    const run = toRunRow({
      info: { run_id: 'r', experiment_id: '1', status: 'FAILED' }
    });
    expect(run.parentId).toBeNull();
    expect(run.metrics).toEqual({});
    expect(run.params).toEqual({});
    expect(run.modelIds).toEqual([]);
    expect(run.startTime).toBeNull();
    expect(run.endTime).toBeNull();
    expect(run.status).toBe('FAILED');
  });

  it('treats an empty parentRunId tag as top level', () => {
    const run = toRunRow({
      info: { run_id: 'r', experiment_id: '1' },
      data: { tags: [{ key: 'mlflow.parentRunId', value: '' }] }
    });
    expect(run.parentId).toBeNull();
  });

  it('shows an unknown or missing status as FINISHED', () => {
    const info = { run_id: 'r', experiment_id: '1' };
    expect(toRunRow({ info: { ...info, status: 'PAUSED' } }).status).toBe(
      'FINISHED'
    );
    expect(toRunRow({ info }).status).toBe('FINISHED');
    expect(toRunRow({ info: { ...info, status: 'KILLED' } }).status).toBe(
      'KILLED'
    );
    expect(toRunRow({ info: { ...info, status: 'SCHEDULED' } }).status).toBe(
      'SCHEDULED'
    );
  });
});

describe('isActive', () => {
  it('refreshes running and scheduled runs only', () => {
    expect(isActive(row('a', { status: 'RUNNING' }))).toBe(true);
    expect(isActive(row('a', { status: 'SCHEDULED' }))).toBe(true);
    expect(isActive(row('a', { status: 'FINISHED' }))).toBe(false);
    expect(isActive(row('a', { status: 'FAILED' }))).toBe(false);
    expect(isActive(row('a', { status: 'KILLED' }))).toBe(false);
  });
});

describe('columns', () => {
  it('names metric and param columns by their key', () => {
    expect(metricColumn('val loss')).toBe('metric:val loss');
    expect(paramColumn('lr')).toBe('param:lr');
  });

  it('reads back the kind and key of a metric or param column', () => {
    expect(columnKey(metricColumn('a:b'))).toEqual({
      kind: 'metric',
      key: 'a:b'
    });
    expect(columnKey(paramColumn('multi\nline'))).toEqual({
      kind: 'param',
      key: 'multi\nline'
    });
  });

  it('gives no key for the attribute columns', () => {
    for (const column of ['name', 'status', 'start', 'duration', 'user']) {
      expect(columnKey(column as ISort['column'])).toBeNull();
    }
    expect(columnKey('metric:')).toBeNull();
  });
});

describe('orderByOf', () => {
  it("sorts each attribute column by MLflow's field, newest first on ties", () => {
    expect(orderByOf({ column: 'name', descending: false })).toEqual([
      'attributes.run_name ASC',
      'attributes.start_time DESC'
    ]);
    expect(orderByOf({ column: 'status', descending: true })).toEqual([
      'attributes.status DESC',
      'attributes.start_time DESC'
    ]);
    expect(orderByOf({ column: 'user', descending: false })).toEqual([
      'attributes.user_id ASC',
      'attributes.start_time DESC'
    ]);
  });

  it('breaks ties in start time by run id', () => {
    expect(orderByOf({ column: 'start', descending: true })).toEqual([
      'attributes.start_time DESC',
      'attributes.run_id ASC'
    ]);
    expect(orderByOf({ column: 'start', descending: false })).toEqual([
      'attributes.start_time ASC',
      'attributes.run_id ASC'
    ]);
  });

  it('sorts by metrics and params, backquoting keys that are not plain words', () => {
    expect(
      orderByOf({ column: metricColumn('val.loss'), descending: true })
    ).toEqual(['metrics.val.loss DESC', 'attributes.start_time DESC']);
    expect(
      orderByOf({ column: metricColumn('val loss'), descending: false })
    ).toEqual(['metrics.`val loss` ASC', 'attributes.start_time DESC']);
    expect(
      orderByOf({ column: paramColumn('batch-size'), descending: true })
    ).toEqual(['params.`batch-size` DESC', 'attributes.start_time DESC']);
    expect(orderByOf({ column: paramColumn('1st'), descending: true })).toEqual(
      ['params.`1st` DESC', 'attributes.start_time DESC']
    );
  });

  it('drops backquotes from a key so they cannot end the quoting', () => {
    expect(
      orderByOf({ column: metricColumn('a`b c'), descending: true })
    ).toEqual(['metrics.`ab c` DESC', 'attributes.start_time DESC']);
  });

  it('leaves the duration to the browser', () => {
    expect(orderByOf({ column: 'duration', descending: true })).toBeNull();
    expect(orderByOf({ column: 'duration', descending: false })).toBeNull();
  });
});

describe('durationOf', () => {
  it('is the end minus the start of a finished run', () => {
    expect(
      durationOf(row('a', { startTime: 1_000, endTime: 4_500 }), 99_999)
    ).toBe(3_500);
  });

  it('counts a running run up to now', () => {
    const running = row('a', {
      status: 'RUNNING',
      startTime: 1_000,
      endTime: null
    });
    expect(durationOf(running, 6_000)).toBe(5_000);
    expect(durationOf(running, 9_000)).toBe(8_000);
  });

  it('is unknown without a start, or for an ended run without an end', () => {
    expect(durationOf(row('a', { startTime: null }), 5_000)).toBeNull();
    expect(
      durationOf(row('a', { status: 'FAILED', endTime: null }), 5_000)
    ).toBeNull();
  });

  it('is never negative', () => {
    expect(durationOf(row('a', { startTime: 5_000, endTime: 4_000 }), 0)).toBe(
      0
    );
  });
});

describe('sortLocally', () => {
  const now = 100_000;
  const rows = [
    row('mid', { startTime: 0, endTime: 5_000 }),
    row('none', { startTime: null }),
    row('long', { startTime: 0, endTime: 9_000 }),
    row('tieA', { startTime: 0, endTime: 1_000 }),
    row('live', { status: 'RUNNING', startTime: 97_000, endTime: null }),
    row('none2', { startTime: null }),
    row('tieB', { startTime: 10, endTime: 1_010 })
  ];

  it('sorts by duration, shortest first, ties kept in order, unknown last', () => {
    expect(
      ids(sortLocally(rows, { column: 'duration', descending: false }, now))
    ).toEqual(['tieA', 'tieB', 'live', 'mid', 'long', 'none', 'none2']);
  });

  it('sorts by duration, longest first, still with unknown durations last', () => {
    expect(
      ids(sortLocally(rows, { column: 'duration', descending: true }, now))
    ).toEqual(['long', 'mid', 'live', 'tieA', 'tieB', 'none', 'none2']);
  });

  it('counts running runs up to now when sorting', () => {
    const later = sortLocally(
      rows,
      { column: 'duration', descending: true },
      now + 20_000
    );
    expect(ids(later).slice(0, 2)).toEqual(['live', 'long']);
  });

  it('does not change the rows it is given', () => {
    const before = ids(rows);
    sortLocally(rows, { column: 'duration', descending: true }, now);
    expect(ids(rows)).toEqual(before);
  });

  it('leaves rows the server sorted as they came', () => {
    expect(sortLocally(rows, { column: 'start', descending: true }, now)).toBe(
      rows
    );
    expect(
      sortLocally(
        rows,
        { column: metricColumn('loss'), descending: false },
        now
      )
    ).toBe(rows);
  });
});

describe('tableItems', () => {
  const shape = (items: ReturnType<typeof tableItems>) =>
    items.map(item => [
      item.row.id,
      item.depth,
      item.childCount,
      item.expanded
    ]);

  it('keeps top-level runs in order with children hidden under a collapsed parent', () => {
    const rows = [
      row('p'),
      row('c1', { parentId: 'p' }),
      row('q'),
      row('c2', { parentId: 'p' })
    ];
    expect(shape(tableItems(rows, { expanded: new Set() }))).toEqual([
      ['p', 0, 2, false],
      ['q', 0, 0, false]
    ]);
  });

  it('shows children under their expanded parent, in the order they came', () => {
    const rows = [
      row('c2', { parentId: 'p' }),
      row('q'),
      row('p'),
      row('c1', { parentId: 'p' })
    ];
    expect(shape(tableItems(rows, { expanded: new Set(['p']) }))).toEqual([
      ['q', 0, 0, false],
      ['p', 0, 2, true],
      ['c2', 1, 0, false],
      ['c1', 1, 0, false]
    ]);
  });

  it('keeps runs whose parent is not loaded at the top level, in order', () => {
    const rows = [row('a'), row('orphan', { parentId: 'elsewhere' }), row('b')];
    expect(
      shape(tableItems(rows, { expanded: new Set(['elsewhere']) }))
    ).toEqual([
      ['a', 0, 0, false],
      ['orphan', 0, 0, false],
      ['b', 0, 0, false]
    ]);
  });

  it('nests grandchildren only when both ancestors are expanded', () => {
    const rows = [
      row('g', { parentId: 'c' }),
      row('c', { parentId: 'p' }),
      row('p')
    ];
    expect(shape(tableItems(rows, { expanded: new Set(['p', 'c']) }))).toEqual([
      ['p', 0, 1, true],
      ['c', 1, 1, true],
      ['g', 2, 0, false]
    ]);
    expect(shape(tableItems(rows, { expanded: new Set(['c']) }))).toEqual([
      ['p', 0, 1, false]
    ]);
    expect(shape(tableItems(rows, { expanded: new Set(['p']) }))).toEqual([
      ['p', 0, 1, true],
      ['c', 1, 1, false]
    ]);
  });

  it('does not mark a run without loaded children as expanded', () => {
    expect(shape(tableItems([row('a')], { expanded: new Set(['a']) }))).toEqual(
      [['a', 0, 0, false]]
    );
  });

  it('shows a run tagged as its own parent once, at the top level', () => {
    expect(
      shape(
        tableItems([row('a', { parentId: 'a' })], { expanded: new Set(['a']) })
      )
    ).toEqual([['a', 0, 0, false]]);
  });

  it('does not loop or repeat runs on a cycle of parent tags', () => {
    const rows = [
      row('root'),
      row('a', { parentId: 'b' }),
      row('b', { parentId: 'a' })
    ];
    const items = tableItems(rows, { expanded: new Set(['root', 'a', 'b']) });
    const shown = items.map(item => item.row.id);
    expect(new Set(shown).size).toBe(shown.length);
    expect(shown).toContain('root');
  });

  // Runs on a cycle of parent tags are never roots nor reachable from one.
  it('still shows every run on a cycle of parent tags', () => {
    const rows = [
      row('root'),
      row('a', { parentId: 'b' }),
      row('b', { parentId: 'a' })
    ];
    const shown = tableItems(rows, { expanded: new Set(['a', 'b']) }).map(
      i => i.row.id
    );
    expect(shown).toEqual(['root', 'a', 'b']);
  });
});

describe('tableItems, ranked by the best run of each family', () => {
  const ids = (items: ReturnType<typeof tableItems>) =>
    items.map(item => `${'  '.repeat(item.depth)}${item.row.id}`);
  // The server's order for a metric sort: the parent has no value, last.
  const sorted = [
    row('best-child', { parentId: 'p' }),
    row('q'),
    row('other-child', { parentId: 'p' }),
    row('r'),
    row('p')
  ];

  it('puts the family of the best run first and opens its parent to show it', () => {
    expect(
      ids(tableItems(sorted, { expanded: new Set(), bestFirst: true }))
    ).toEqual(['p', '  best-child', '  other-child', 'q', 'r']);
  });

  it('only orders parents when not ranking by the best run', () => {
    expect(ids(tableItems(sorted, { expanded: new Set() }))).toEqual([
      'q',
      'r',
      'p'
    ]);
  });

  it('keeps a parent closed that the user closed', () => {
    expect(
      ids(
        tableItems(sorted, {
          expanded: new Set(),
          collapsed: new Set(['p']),
          bestFirst: true
        })
      )
    ).toEqual(['p', 'q', 'r']);
  });

  it('leaves a parent closed when it ranks above all its children', () => {
    const rows = [row('p'), row('q'), row('c', { parentId: 'p' })];
    expect(
      ids(tableItems(rows, { expanded: new Set(), bestFirst: true }))
    ).toEqual(['p', 'q']);
  });

  it('ranks a family by its best grandchild', () => {
    const rows = [
      row('g', { parentId: 'c' }),
      row('q'),
      row('c', { parentId: 'p' }),
      row('p')
    ];
    expect(
      ids(tableItems(rows, { expanded: new Set(), bestFirst: true }))
    ).toEqual(['p', '  c', '    g', 'q']);
  });

  it('does not loop on a cycle of parent tags', () => {
    const rows = [row('a', { parentId: 'b' }), row('b', { parentId: 'a' })];
    expect(
      ids(tableItems(rows, { expanded: new Set(['a']), bestFirst: true }))
    ).toEqual(['a', '  b']);
  });
});

describe('availableKeys and defaultColumns', () => {
  const rows = [
    row('a', { metrics: { zeta: 1, beta: 2 }, params: { seed: '1' } }),
    row('b', { metrics: { alpha: 3, beta: 4 }, params: { lr: '0.1' } })
  ];

  it('lists each metric and param key of the loaded runs once, sorted', () => {
    expect(availableKeys(rows)).toEqual({
      metrics: ['alpha', 'beta', 'zeta'],
      params: ['lr', 'seed']
    });
  });

  it('shows the first two metrics and the first param by default', () => {
    expect(defaultColumns(rows)).toEqual([
      'metric:alpha',
      'metric:beta',
      'param:lr'
    ]);
  });

  it('shows what there is when runs log fewer keys', () => {
    expect(defaultColumns([row('a', { metrics: { loss: 1 } })])).toEqual([
      'metric:loss'
    ]);
    expect(defaultColumns([])).toEqual([]);
  });
});

describe('runUri', () => {
  it('points at the run, or at an artifact path in it', () => {
    expect(runUri('abc')).toBe('runs:/abc');
    expect(runUri('abc', '')).toBe('runs:/abc');
    expect(runUri('abc', 'model')).toBe('runs:/abc/model');
  });

  it('trims slashes around the artifact path', () => {
    expect(runUri('abc', '//model/sub/')).toBe('runs:/abc/model/sub');
    expect(runUri('abc', '/')).toBe('runs:/abc');
  });
});

describe('runSnippet', () => {
  it('loads a run without a model', () => {
    expect(runSnippet({ id: 'abc123', name: 'baseline' })).toBe(
      [
        'import mlflow',
        '',
        'run = mlflow.get_run("abc123")',
        'print(run.info.run_name, run.info.status)',
        'print(run.data.metrics)',
        'print(run.data.params)'
      ].join('\n')
    );
    expect(runSnippet({ id: 'abc123', name: 'b' }, '')).not.toContain('model');
  });

  it('loads the run and its model', () => {
    expect(runSnippet({ id: 'abc123', name: 'baseline' }, '/model/')).toBe(
      [
        'import mlflow',
        '',
        'run = mlflow.get_run("abc123")',
        'print(run.info.run_name, run.info.status)',
        'print(run.data.metrics)',
        'print(run.data.params)',
        'model = mlflow.pyfunc.load_model("runs:/abc123/model")'
      ].join('\n')
    );
  });

  it('writes ids with quotes and backslashes as safe Python strings', () => {
    const snippet = runSnippet({ id: 'a"b\\c\'d\ne', name: 'x' }, 'm"x');
    const lines = snippet.split('\n');
    expect(lines[2]).toBe('run = mlflow.get_run("a\\"b\\\\c\'d\\ne")');
    expect(lines[6]).toBe(
      'model = mlflow.pyfunc.load_model("runs:/a\\"b\\\\c\'d\\ne/m\\"x")'
    );
    expect(lines).toHaveLength(7);
  });
});

describe('formatDuration', () => {
  it('moves to the next unit when rounding reaches it', () => {
    expect(formatDuration(999.6)).toBe('1.0s');
    expect(formatDuration(59_999)).toBe('1.0min');
    expect(formatDuration(3_599_999)).toBe('1.0h');
  });

  it('writes nothing for an unknown duration', () => {
    expect(formatDuration(null)).toBe('');
  });

  it('writes milliseconds below a second', () => {
    expect(formatDuration(0)).toBe('0ms');
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(999)).toBe('999ms');
  });

  it('switches unit at each boundary', () => {
    expect(formatDuration(1_000)).toBe('1.0s');
    expect(formatDuration(12_400)).toBe('12.4s');
    expect(formatDuration(59_000)).toBe('59.0s');
    expect(formatDuration(60_000)).toBe('1.0min');
    expect(formatDuration(192_000)).toBe('3.2min');
    expect(formatDuration(3_540_000)).toBe('59.0min');
    expect(formatDuration(3_600_000)).toBe('1.0h');
    expect(formatDuration(18_000_000)).toBe('5.0h');
    expect(formatDuration(82_800_000)).toBe('23.0h');
    expect(formatDuration(86_400_000)).toBe('1.0d');
    expect(formatDuration(181_440_000)).toBe('2.1d');
  });
});

describe('formatMetric', () => {
  it('writes nothing for a missing value', () => {
    expect(formatMetric(undefined)).toBe('');
  });

  it('writes integers without decimals', () => {
    expect(formatMetric(0)).toBe('0');
    expect(formatMetric(42)).toBe('42');
    expect(formatMetric(-7)).toBe('-7');
    expect(formatMetric(999_999)).toBe('999999');
  });

  it('rounds decimals to four places without trailing zeros', () => {
    expect(formatMetric(0.123456)).toBe('0.1235');
    expect(formatMetric(0.5)).toBe('0.5');
    expect(formatMetric(-3.14159)).toBe('-3.1416');
    expect(formatMetric(0.0001)).toBe('0.0001');
  });

  it('writes tiny and huge numbers in exponent form', () => {
    expect(formatMetric(0.00001234)).toBe('1.234e-5');
    expect(formatMetric(-0.00005)).toBe('-5.000e-5');
    expect(formatMetric(1_000_000)).toBe('1.000e+6');
    expect(formatMetric(123_456_789)).toBe('1.235e+8');
  });

  it('writes NaN and infinities as words', () => {
    expect(formatMetric(NaN)).toBe('NaN');
    expect(formatMetric(Infinity)).toBe('Infinity');
    expect(formatMetric(-Infinity)).toBe('-Infinity');
  });
});

describe('formatStart', () => {
  // Mid-year and midday, so that no time zone moves it into another year.
  const start = Date.UTC(2025, 5, 15, 12, 0);

  it('writes nothing for an unknown start', () => {
    expect(formatStart(null)).toBe('');
  });

  it('leaves out the year of this year', () => {
    const text = formatStart(start, Date.UTC(2025, 8, 1, 12, 0));
    expect(text).not.toBe('');
    expect(text).not.toContain('2025');
  });

  it('writes the year of another year', () => {
    const text = formatStart(start, Date.UTC(2026, 5, 15, 12, 0));
    expect(text).toContain('2025');
  });
});

describe('gridLayout', () => {
  const trans = nullTranslator.load('test');
  const columns = shownColumns([
    metricColumn('rmse'),
    metricColumn('accuracy'),
    paramColumn('model')
  ]).map(column => columnView(column, trans, 0));
  const pixels = (track: string) => Number(/(\d+)px/.exec(track)![1]);
  const leadingWidth = (template: string, count: number) =>
    template
      .split(/ (?![^(]*\))/)
      .slice(0, count)
      .reduce((sum, track) => sum + pixels(track), 0);

  it('fits the name, status, start and first metric in the default sidebar', () => {
    for (const available of [235, 250]) {
      const { template } = gridLayout(columns, available);
      expect(leadingWidth(template, 5)).toBeLessThanOrEqual(available);
    }
  });

  it('gives the name room for whole names in a wider sidebar', () => {
    const { template } = gridLayout(columns, 480);
    expect(template).toContain('minmax(196px, 1fr)');
  });

  it('keeps the name readable in a sidebar narrower than the default', () => {
    const { template, minWidth } = gridLayout(columns, 120);
    expect(template).toContain('minmax(84px, 1fr)');
    expect(minWidth).toBeGreaterThan(120);
  });
});

describe('formatStartShort', () => {
  // Midday, so that no time zone moves it into another day.
  const start = Date.UTC(2025, 5, 15, 12, 0);
  const hour = 3_600_000;

  it('writes nothing for an unknown start', () => {
    expect(formatStartShort(null)).toBe('');
  });

  it('writes the time of a run of today, and no date', () => {
    const text = formatStartShort(start, start + hour);
    expect(text).toMatch(/\d\d.\d\d/);
    expect(text).not.toContain('2025');
    expect(text).not.toMatch(/Jun/);
  });

  it('writes the day of a run of this year, without the year', () => {
    const text = formatStartShort(start, start + 40 * 24 * hour);
    expect(text).toMatch(/Jun/);
    expect(text).toContain('15');
    expect(text).not.toContain('2025');
  });

  it('writes the month and year of a run of another year', () => {
    const text = formatStartShort(start, start + 400 * 24 * hour);
    expect(text).toMatch(/Jun/);
    expect(text).toContain('2025');
  });

  it('is short enough for the narrow column', () => {
    for (const now of [start + hour, start + 40 * 24 * hour]) {
      expect(formatStartShort(start, now).length).toBeLessThanOrEqual(8);
    }
  });
});

describe('likeLiteral', () => {
  it('wraps the text in % for contains', () => {
    expect(likeLiteral('train')).toBe("'%train%'");
    expect(likeLiteral('abc', false)).toBe("'abc'");
  });

  it('double-quotes a text with a single quote', () => {
    expect(likeLiteral("o'brien")).toBe('"%o\'brien%"');
    expect(likeLiteral("it's", false)).toBe('"it\'s"');
  });

  it('keeps double quotes in a text without single quotes', () => {
    expect(likeLiteral('say "hi"', false)).toBe('\'say "hi"\'');
  });

  it('drops the double quotes of a text with both kinds', () => {
    expect(likeLiteral('a"b\'c')).toBe('"%ab\'c%"');
  });
});
