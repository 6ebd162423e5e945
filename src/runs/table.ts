/**
 * The run browser's table as plain data: rows from MLflow's runs, columns,
 * how a sort becomes MLflow's `order_by`, the parent/child tree and the
 * code snippets. Pure functions, no I/O.
 */
import type { IRunJson } from './mlflow';

/** MLflow's run statuses. */
export type RunStatus =
  'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

/** A run, as the table shows it. */
export interface IRunRow {
  readonly id: string;
  readonly experimentId: string;
  readonly name: string;
  readonly status: RunStatus;
  /** Epoch milliseconds, or `null`. */
  readonly startTime: number | null;
  readonly endTime: number | null;
  readonly user: string;
  /** The `mlflow.parentRunId` tag, or `null` for a top-level run. */
  readonly parentId: string | null;
  /** The latest value of each metric. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly params: Readonly<Record<string, string>>;
  /** The logged models this run produced (MLflow 3). */
  readonly modelIds: ReadonlyArray<string>;
}

const STATUSES: ReadonlyArray<RunStatus> = [
  'RUNNING',
  'SCHEDULED',
  'FINISHED',
  'FAILED',
  'KILLED'
];

/** Runs that may still change, and so are refreshed live. */
export function isActive(row: IRunRow): boolean {
  return row.status === 'RUNNING' || row.status === 'SCHEDULED';
}

/** The run's last logged model (the one to load or register), if any. */
export function latestModelId(row: IRunRow): string | undefined {
  return row.modelIds[row.modelIds.length - 1];
}

/** A table row from a run of `runs/search`. */
export function toRunRow(run: IRunJson): IRunRow {
  const { info } = run;
  const tags = new Map(
    (run.data?.tags ?? []).map(tag => [tag.key, tag.value] as const)
  );
  const metrics: Record<string, number> = {};
  for (const metric of run.data?.metrics ?? []) {
    metrics[metric.key] = metric.value;
  }
  const params: Record<string, string> = {};
  for (const param of run.data?.params ?? []) {
    params[param.key] = param.value;
  }
  const status = STATUSES.find(s => s === info.status) ?? 'FINISHED';
  return {
    id: info.run_id,
    experimentId: info.experiment_id,
    name: info.run_name || tags.get('mlflow.runName') || info.run_id,
    status,
    startTime: info.start_time ?? null,
    endTime: info.end_time ?? null,
    user: info.user_id || tags.get('mlflow.user') || '',
    parentId: tags.get('mlflow.parentRunId') || null,
    metrics,
    params,
    modelIds: (run.outputs?.model_outputs ?? []).map(output => output.model_id)
  };
}

/**
 * A column: one of the run's attributes, or a metric or param chosen by
 * the user. Ids are `name`, `status`, …, `metric:<key>`, `param:<key>`.
 */
export type ColumnId =
  | 'name'
  | 'status'
  | 'start'
  | 'duration'
  | 'user'
  | `metric:${string}`
  | `param:${string}`;

/** The columns every table has, in order. */
export const ATTRIBUTE_COLUMNS: ReadonlyArray<ColumnId> = [
  'name',
  'status',
  'start',
  'duration',
  'user'
];

/** How many attribute columns come before the chosen ones. */
const LEADING_ATTRIBUTES = 3;

/**
 * The table's columns: the run, its status and start, then the chosen
 * metrics and params, then the other attributes, so that a sidebar at its
 * default width shows the first chosen metric.
 */
export function shownColumns(chosen: ReadonlyArray<ColumnId>): ColumnId[] {
  return [
    ...ATTRIBUTE_COLUMNS.slice(0, LEADING_ATTRIBUTES),
    ...chosen,
    ...ATTRIBUTE_COLUMNS.slice(LEADING_ATTRIBUTES)
  ];
}

export const metricColumn = (key: string): ColumnId => `metric:${key}`;
export const paramColumn = (key: string): ColumnId => `param:${key}`;

/** A metric or param column's kind and key; `null` for an attribute. */
export function columnKey(
  column: ColumnId
): { kind: 'metric' | 'param'; key: string } | null {
  const match = /^(metric|param):(.+)$/s.exec(column);
  return match ? { kind: match[1] as 'metric' | 'param', key: match[2] } : null;
}

/** A sort: the column and its direction. */
export interface ISort {
  readonly column: ColumnId;
  readonly descending: boolean;
}

/** Newest runs first, as in MLflow's runs table. */
export const DEFAULT_SORT: ISort = Object.freeze({
  column: 'start',
  descending: true
});

/** MLflow's name for a key in `order_by`: backquoted when not a plain word. */
function quotedKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(key)
    ? key
    : `\`${key.replace(/`/g, '')}\``;
}

/**
 * The sort as MLflow's `order_by`, so that pages come sorted from the
 * server; `null` for the duration, which MLflow cannot sort by.
 */
export function orderByOf(sort: ISort): string[] | null {
  const direction = sort.descending ? 'DESC' : 'ASC';
  const attribute: Partial<Record<ColumnId, string>> = {
    name: 'attributes.run_name',
    status: 'attributes.status',
    start: 'attributes.start_time',
    user: 'attributes.user_id'
  };
  const key = columnKey(sort.column);
  const field = key
    ? `${key.kind === 'metric' ? 'metrics' : 'params'}.${quotedKey(key.key)}`
    : attribute[sort.column];
  if (field === undefined) {
    return null;
  }
  // Ties in start time keep a stable order across pages.
  return field === 'attributes.start_time'
    ? [`${field} ${direction}`, 'attributes.run_id ASC']
    : [`${field} ${direction}`, 'attributes.start_time DESC'];
}

/** How long a run took (or has been running, at `now`), in milliseconds. */
export function durationOf(row: IRunRow, now: number): number | null {
  if (row.startTime === null) {
    return null;
  }
  const end = row.endTime ?? (isActive(row) ? now : null);
  return end === null ? null : Math.max(0, end - row.startTime);
}

/**
 * Rows sorted by a sort MLflow cannot do (the duration), stable, unknown
 * durations last. Other sorts come sorted from the server.
 */
export function sortLocally(
  rows: ReadonlyArray<IRunRow>,
  sort: ISort,
  now: number
): ReadonlyArray<IRunRow> {
  if (orderByOf(sort) !== null) {
    return rows;
  }
  const sign = sort.descending ? -1 : 1;
  return rows
    .map((row, index) => ({ row, index, duration: durationOf(row, now) }))
    .sort((a, b) => {
      if (a.duration === null || b.duration === null) {
        return a.duration === b.duration
          ? a.index - b.index
          : a.duration === null
            ? 1
            : -1;
      }
      return sign * (a.duration - b.duration) || a.index - b.index;
    })
    .map(entry => entry.row);
}

/** A line of the table: a run, how deep it is nested, its children. */
export interface ITableItem {
  readonly row: IRunRow;
  readonly depth: number;
  /** How many of the loaded runs are its direct children. */
  readonly childCount: number;
  readonly expanded: boolean;
}

/** Which parents are open: those the user opened, and those shown open for the sort. */
export interface IFolding {
  /** Parents the user opened. */
  readonly expanded: ReadonlySet<string>;
  /** Parents the user closed, though the sort would show them open. */
  readonly collapsed?: ReadonlySet<string>;
  /**
   * Rank each family by its best run (the first one the server sent):
   * a family stands where its best run would, and a parent whose
   * descendant ranks above it is shown open, so the best run is on screen
   * whether it is a parent or a child. For sorts by a metric.
   */
  readonly bestFirst?: boolean;
}

/**
 * The lines to show: each loaded run whose parent is loaded too appears
 * under its parent, and only while the parent is expanded; the others keep
 * the order they came in (or, `bestFirst`, the order of their best
 * descendant). Runs whose parent is not (yet) loaded stand at the top level.
 */
export function tableItems(
  rows: ReadonlyArray<IRunRow>,
  folding: IFolding
): ITableItem[] {
  const {
    expanded,
    collapsed = new Set<string>(),
    bestFirst = false
  } = folding;
  const loaded = new Set(rows.map(row => row.id));
  const children = new Map<string, IRunRow[]>();
  const roots: IRunRow[] = [];
  for (const row of rows) {
    const parent = row.parentId;
    if (parent !== null && parent !== row.id && loaded.has(parent)) {
      const siblings = children.get(parent);
      if (siblings) {
        siblings.push(row);
      } else {
        children.set(parent, [row]);
      }
    } else {
      roots.push(row);
    }
  }
  // Runs whose parent tags form a loop are reached from no root: they
  // stand at the top level rather than not at all.
  const reached = new Set<string>();
  const reach = (row: IRunRow): void => {
    if (!reached.has(row.id)) {
      reached.add(row.id);
      children.get(row.id)?.forEach(reach);
    }
  };
  roots.forEach(reach);
  for (const row of rows) {
    if (!reached.has(row.id)) {
      roots.push(row);
      reach(row);
    }
  }

  // The rank of a run's best descendant (itself included): its place in
  // the server's order.
  const rank = new Map(rows.map((row, index) => [row.id, index] as const));
  const best = new Map<string, number>();
  const bestOf = (row: IRunRow, seen: Set<string>): number => {
    const known = best.get(row.id);
    if (known !== undefined) {
      return known;
    }
    seen.add(row.id);
    let value = rank.get(row.id) ?? 0;
    for (const kid of children.get(row.id) ?? []) {
      if (!seen.has(kid.id)) {
        value = Math.min(value, bestOf(kid, seen));
      }
    }
    best.set(row.id, value);
    return value;
  };
  const ordered = (family: IRunRow[]): IRunRow[] =>
    bestFirst
      ? [...family].sort((a, b) => bestOf(a, new Set()) - bestOf(b, new Set()))
      : family;
  const isOpen = (row: IRunRow, kids: IRunRow[]): boolean => {
    if (kids.length === 0 || collapsed.has(row.id)) {
      return false;
    }
    const outranked =
      bestFirst &&
      kids.some(kid => bestOf(kid, new Set()) < (rank.get(row.id) ?? 0));
    return expanded.has(row.id) || outranked;
  };

  const items: ITableItem[] = [];
  const shown = new Set<string>();
  const visit = (row: IRunRow, depth: number): void => {
    if (shown.has(row.id)) {
      return; // A loop of parent tags: show each run once.
    }
    shown.add(row.id);
    const kids = children.get(row.id) ?? [];
    const isExpanded = isOpen(row, kids);
    items.push({ row, depth, childCount: kids.length, expanded: isExpanded });
    if (isExpanded) {
      for (const kid of ordered(kids)) {
        visit(kid, depth + 1);
      }
    }
  };
  for (const root of ordered(roots)) {
    visit(root, 0);
  }
  return items;
}

/** The metric and param keys of the loaded runs, sorted, for the column picker. */
export function availableKeys(rows: ReadonlyArray<IRunRow>): {
  metrics: string[];
  params: string[];
} {
  const metrics = new Set<string>();
  const params = new Set<string>();
  for (const row of rows) {
    Object.keys(row.metrics).forEach(key => metrics.add(key));
    Object.keys(row.params).forEach(key => params.add(key));
  }
  const byName = (a: string, b: string) => a.localeCompare(b);
  return {
    metrics: [...metrics].sort(byName),
    params: [...params].sort(byName)
  };
}

/** The columns shown before the user picks: two metrics and one param. */
export function defaultColumns(rows: ReadonlyArray<IRunRow>): ColumnId[] {
  const { metrics, params } = availableKeys(rows);
  return [
    ...metrics.slice(0, 2).map(metricColumn),
    ...params.slice(0, 1).map(paramColumn)
  ];
}

/** A run's `runs:/` URI, of the run or of an artifact path in it. */
export function runUri(runId: string, path = ''): string {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? `runs:/${runId}` : `runs:/${runId}/${trimmed}`;
}

/** A Python string literal (double-quoted) of any text. */
export function pythonString(text: string): string {
  return JSON.stringify(text);
}

/**
 * The code cell that brings a run into a notebook: the run itself, and its
 * model when it logged one (`modelPath`, the model's name in the run).
 */
export function runSnippet(
  row: Pick<IRunRow, 'id' | 'name'>,
  modelPath?: string
): string {
  const lines = [
    'import mlflow',
    '',
    `run = mlflow.get_run(${pythonString(row.id)})`,
    'print(run.info.run_name, run.info.status)',
    'print(run.data.metrics)',
    'print(run.data.params)'
  ];
  if (modelPath !== undefined && modelPath !== '') {
    lines.push(
      `model = mlflow.pyfunc.load_model(${pythonString(runUri(row.id, modelPath))})`
    );
  }
  return lines.join('\n');
}
