import { TranslationBundle } from '@jupyterlab/translation';
import {
  caretDownIcon,
  caretRightIcon,
  refreshIcon,
  searchIcon
} from '@jupyterlab/ui-components';
import { useVirtualizer } from '@tanstack/react-virtual';
import * as React from 'react';

import {
  Message,
  SignInView,
  UnconfiguredView,
  groupsLabel
} from '../panel/view';
import { formatDuration, formatMetric, formatStart } from './format';
import { IExperiment } from './mlflow';
import { IBrowserError, IRunList, RunBrowserModel } from './model';
import {
  ATTRIBUTE_COLUMNS,
  ColumnId,
  ITableItem,
  IRunRow,
  columnKey,
  durationOf
} from './table';

/** What the views' buttons do; the plugin wires them to commands. */
export interface IRunBrowserActions {
  openSettings(): void;
  /** Open a run in the MLflow panel. */
  openRun(row: IRunRow): void;
  compare(runIds: ReadonlyArray<string>): void;
  /** Show a run's actions (the context menu) at the button clicked. */
  showRunMenu(event: React.MouseEvent<HTMLElement>, row: IRunRow): void;
  /** Open MLflow's column picker for the current runs. */
  chooseColumns(): void;
  /** Pin the experiment as the default (or unpin with `null`). */
  pinExperiment(experiment: IExperiment | null): void;
  /** The pinned experiment's name or ID, from the settings. */
  pinned(): string;
  signOut(): void;
}

export interface IRunBrowserViewProps {
  model: RunBrowserModel;
  actions: IRunBrowserActions;
  trans: TranslationBundle;
}

/** A run's line in the table, in pixels: fixed, so the list can be virtual. */
export const ROW_HEIGHT = 28;

/**
 * The run browser: sign-in, the experiments, then one experiment's runs.
 */
export function RunBrowserView(props: IRunBrowserViewProps): JSX.Element {
  const { model, trans, actions } = props;
  // Re-render on every change of the model.
  const [, setVersion] = React.useState(0);
  React.useEffect(() => {
    const bump = () => setVersion(version => version + 1);
    model.changed.connect(bump);
    return () => {
      model.changed.disconnect(bump);
    };
  }, [model]);

  const session = model.session;
  switch (session.kind) {
    case 'unconfigured':
      return (
        <UnconfiguredView
          problems={session.problems}
          trans={trans}
          openSettings={actions.openSettings}
        />
      );
    case 'connecting':
      return <Message title={trans.__('Connecting to MLflow…')} busy />;
    case 'signed-out':
      return <SignInView auth={model.auth} trans={trans} />;
    case 'ready':
      return (
        <>
          {model.runs ? (
            <RunsView {...props} runs={model.runs} />
          ) : (
            <ExperimentsView {...props} />
          )}
          <SignedInBar {...props} />
        </>
      );
  }
}

/** Who browses, with which groups (their roles), and a way out. */
function SignedInBar(props: IRunBrowserViewProps): JSX.Element | null {
  const { model, trans, actions } = props;
  const user = model.auth.user;
  if (user === null) {
    return null;
  }
  const groups = groupsLabel(user, trans);
  return (
    <div className="jp-MlflowRuns-user">
      <span
        className="jp-MlflowRuns-userName"
        title={trans.__(
          'Signed in to MLflow as %1 (%2)',
          user.username,
          groups
        )}
      >
        {user.username}
      </span>
      <span className="jp-MlflowRuns-userGroups">{groups}</span>
      <button className="jp-MlflowRuns-signOut" onClick={actions.signOut}>
        {trans.__('Sign out')}
      </button>
    </div>
  );
}

/** Why a call failed, in words, with a way to try again. */
export function ErrorNotice(props: {
  error: IBrowserError;
  model: RunBrowserModel;
  trans: TranslationBundle;
  onRetry: () => void;
}): JSX.Element {
  const { error, trans, model } = props;
  const user = model.auth.user;
  const titles: Record<IBrowserError['kind'], string> = {
    unreachable: trans.__('The MLflow gateway cannot be reached'),
    unauthorized: trans.__('The MLflow gateway did not accept your sign-in'),
    forbidden: trans.__('Your MLflow role does not allow this'),
    mlflow: trans.__('MLflow answered with an error'),
    filter: trans.__('MLflow cannot use this search')
  };
  const advice: Partial<Record<IBrowserError['kind'], string>> = {
    unreachable: trans.__(
      'Check your network and the gateway URL in the MLflow settings, or ask your MLflow administrator whether the gateway is up.'
    ),
    unauthorized: trans.__('Sign out and sign in again.'),
    forbidden: trans.__(
      'You are signed in as %1 (%2). Ask your MLflow administrator to add you to a group such as readers.',
      user?.username ?? '?',
      groupsLabel(user, trans)
    ),
    filter: trans.__(
      'Filters use MLflow’s search syntax, for example: metrics.rmse < 0.5 and params.model = "xgb"'
    )
  };
  return (
    <div className="jp-MlflowRuns-error" role="alert">
      <div className="jp-MlflowRuns-errorTitle">{titles[error.kind]}</div>
      <div className="jp-MlflowRuns-errorMessage">{error.message}</div>
      {advice[error.kind] !== undefined && <p>{advice[error.kind]}</p>}
      {error.kind !== 'filter' && (
        <button className="jp-mod-styled" onClick={props.onRetry}>
          {trans.__('Try again')}
        </button>
      )}
    </div>
  );
}

/** A text box that reports its value after a short pause in typing. */
function SearchBox(props: {
  value: string;
  placeholder: string;
  label: string;
  onChange: (value: string) => void;
  /** Report on Enter only (for filters, which MLflow checks on each call). */
  onEnter?: boolean;
}): JSX.Element {
  const [text, setText] = React.useState(props.value);
  React.useEffect(() => setText(props.value), [props.value]);
  const { onChange, onEnter } = props;
  React.useEffect(() => {
    if (onEnter || text === props.value) {
      return;
    }
    const timer = setTimeout(() => onChange(text), 250);
    return () => clearTimeout(timer);
  }, [text, onEnter, onChange, props.value]);
  return (
    <div className="jp-MlflowRuns-search">
      <searchIcon.react tag="span" className="jp-MlflowRuns-searchIcon" />
      <input
        type="search"
        className="jp-MlflowRuns-searchInput"
        value={text}
        placeholder={props.placeholder}
        aria-label={props.label}
        spellCheck={false}
        onChange={event => {
          setText(event.target.value);
          if (onEnter && event.target.value === '' && props.value !== '') {
            onChange(''); // Clearing the box shows everything again.
          }
        }}
        onKeyDown={event => {
          if (event.key === 'Enter') {
            onChange(text);
          } else if (event.key === 'Escape' && text !== '') {
            setText('');
            onChange('');
          }
        }}
      />
    </div>
  );
}

function ExperimentsView(props: IRunBrowserViewProps): JSX.Element {
  const { model, trans, actions } = props;
  const list = model.experiments;
  const search = React.useCallback(
    (query: string) => model.searchExperiments(query),
    [model]
  );
  const pinned = actions.pinned();
  return (
    <div className="jp-MlflowRuns-section">
      <div className="jp-MlflowRuns-header">
        <h2 className="jp-MlflowRuns-title">{trans.__('Experiments')}</h2>
        <button
          className="jp-MlflowRuns-iconButton"
          title={trans.__('Refresh')}
          onClick={() => model.refresh()}
        >
          <refreshIcon.react tag="span" />
        </button>
      </div>
      <SearchBox
        value={list.query}
        placeholder={trans.__('Search experiments by name')}
        label={trans.__('Search experiments')}
        onChange={search}
      />
      {list.error ? (
        <ErrorNotice
          error={list.error}
          model={model}
          trans={trans}
          onRetry={() => model.retry()}
        />
      ) : list.items.length === 0 && !list.loading ? (
        <p className="jp-MlflowRuns-empty">
          {list.query === ''
            ? trans.__(
                'There are no experiments yet. Runs logged from a notebook with mlflow.set_experiment("name") appear here.'
              )
            : trans.__('No experiment matches “%1”.', list.query)}
        </p>
      ) : (
        <ul className="jp-MlflowRuns-experiments" aria-busy={list.loading}>
          {list.items.map(experiment => (
            <li key={experiment.experiment_id}>
              <button
                className="jp-MlflowRuns-experiment"
                onClick={() => model.openExperiment(experiment)}
                title={trans.__(
                  'Show the runs of %1 (ID %2)',
                  experiment.name,
                  experiment.experiment_id
                )}
              >
                <span className="jp-MlflowRuns-experimentName">
                  {experiment.name}
                </span>
                {(pinned === experiment.name ||
                  pinned === experiment.experiment_id) && (
                  <span className="jp-MlflowRuns-badge">
                    {trans.__('default')}
                  </span>
                )}
                <span className="jp-MlflowRuns-experimentId">
                  {experiment.experiment_id}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {list.loading && (
        <p className="jp-MlflowRuns-loading" role="status">
          {trans.__('Loading experiments…')}
        </p>
      )}
      {list.nextPageToken && !list.loading && (
        <button
          className="jp-mod-styled jp-MlflowRuns-more"
          onClick={() => model.loadMoreExperiments()}
        >
          {trans.__('Show more experiments')}
        </button>
      )}
    </div>
  );
}

/** How a column looks: its header, width, alignment and cell text. */
interface IColumnView {
  label: string;
  width: string;
  numeric: boolean;
  cell: (row: IRunRow) => string;
}

/** Each column's header, width and cell. */
function columnView(
  column: ColumnId,
  trans: TranslationBundle,
  now: number
): IColumnView {
  const key = columnKey(column);
  if (key?.kind === 'metric') {
    const cell = (row: IRunRow) => formatMetric(row.metrics[key.key]);
    return { label: key.key, width: '76px', numeric: true, cell };
  }
  if (key?.kind === 'param') {
    const cell = (row: IRunRow) => row.params[key.key] ?? '';
    return { label: key.key, width: '96px', numeric: false, cell };
  }
  const attributes: Record<string, IColumnView> = {
    name: {
      label: trans.__('Run'),
      width: '196px',
      numeric: false,
      cell: row => row.name
    },
    status: {
      label: trans.__('Status'),
      width: '84px',
      numeric: false,
      cell: row => row.status
    },
    start: {
      label: trans.__('Started'),
      width: '112px',
      numeric: false,
      cell: row => formatStart(row.startTime, now)
    },
    duration: {
      label: trans.__('Duration'),
      width: '84px',
      numeric: true,
      cell: row => formatDuration(durationOf(row, now))
    },
    user: {
      label: trans.__('User'),
      width: '76px',
      numeric: false,
      cell: row => row.user
    }
  };
  return attributes[column];
}

function RunsView(
  props: IRunBrowserViewProps & { runs: IRunList }
): JSX.Element {
  const { model, trans, actions, runs } = props;
  const experiment = runs.experiment;
  const pinned = actions.pinned();
  const isPinned =
    pinned === experiment.name || pinned === experiment.experiment_id;
  const filter = React.useCallback(
    (text: string) => model.setFilter(text),
    [model]
  );
  const items = model.items;
  const now = Date.now();
  const columns = [...ATTRIBUTE_COLUMNS, ...runs.columns].map(column => ({
    id: column,
    ...columnView(column, trans, now)
  }));
  const template = ['28px', ...columns.map(column => column.width)].join(' ');

  return (
    <div className="jp-MlflowRuns-section jp-MlflowRuns-runs">
      <div className="jp-MlflowRuns-header">
        <button
          className="jp-MlflowRuns-back"
          onClick={() => model.showExperiments()}
          title={trans.__('Back to the experiments')}
        >
          {trans.__('Experiments')}
        </button>
        <span className="jp-MlflowRuns-crumb">/</span>
        <h2 className="jp-MlflowRuns-title" title={experiment.name}>
          {experiment.name}
        </h2>
        <button
          className={`jp-MlflowRuns-pin${isPinned ? ' jp-mod-active' : ''}`}
          aria-pressed={isPinned}
          onClick={() => actions.pinExperiment(isPinned ? null : experiment)}
          title={
            isPinned
              ? trans.__(
                  'The run browser opens this experiment first. Click to unpin.'
                )
              : trans.__('Open this experiment first in the run browser')
          }
        >
          {isPinned ? trans.__('Pinned') : trans.__('Pin')}
        </button>
      </div>
      <div className="jp-MlflowRuns-toolbar">
        <SearchBox
          value={runs.filter}
          placeholder={trans.__('metrics.rmse < 0.5 and params.model = "xgb"')}
          label={trans.__('Filter runs')}
          onChange={filter}
          onEnter
        />
        <button
          className="jp-MlflowRuns-iconButton"
          title={trans.__('Refresh the runs')}
          onClick={() => model.refresh()}
        >
          <refreshIcon.react tag="span" />
        </button>
      </div>
      <div className="jp-MlflowRuns-actions">
        <button className="jp-mod-styled" onClick={actions.chooseColumns}>
          {trans.__('Columns')}
        </button>
        <button
          className="jp-mod-styled"
          disabled={runs.selected.size < 2}
          onClick={() => actions.compare([...runs.selected])}
          title={trans.__('Select two or more runs to compare them in MLflow')}
        >
          {trans.__('Compare (%1)', runs.selected.size)}
        </button>
      </div>
      {runs.error ? (
        <ErrorNotice
          error={runs.error}
          model={model}
          trans={trans}
          onRetry={() => model.refresh()}
        />
      ) : items.length === 0 && !runs.loading ? (
        <p className="jp-MlflowRuns-empty">
          {runs.filter === ''
            ? trans.__(
                'No runs in this experiment yet. Log one from a notebook with mlflow.start_run().'
              )
            : trans.__('No runs match “%1”.', runs.filter)}
        </p>
      ) : (
        <RunTable
          {...props}
          items={items}
          columns={columns}
          template={template}
        />
      )}
      <div className="jp-MlflowRuns-footer" role="status">
        {runs.loading
          ? trans.__('Loading runs…')
          : runs.nextPageToken
            ? trans.__('%1 runs loaded; scroll for more', runs.rows.length)
            : trans._n('%1 run', '%1 runs', runs.rows.length)}
        {model.sortedLocally &&
          ' · ' + trans.__('sorted among the loaded runs')}
      </div>
    </div>
  );
}

function RunTable(
  props: IRunBrowserViewProps & {
    runs: IRunList;
    items: ReadonlyArray<ITableItem>;
    columns: (IColumnView & { id: ColumnId })[];
    template: string;
  }
): JSX.Element {
  const { model, trans, actions, runs, items, columns, template } = props;
  const scroller = React.useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    // Rows for the first paint, before the sidebar's height is measured.
    initialRect: { width: 0, height: 20 * ROW_HEIGHT }
  });
  const visible = virtualizer.getVirtualItems();
  const lastIndex = visible.length > 0 ? visible[visible.length - 1].index : -1;
  // Near the end of what is loaded: ask for the next page.
  React.useEffect(() => {
    if (lastIndex >= items.length - 20 && runs.nextPageToken && !runs.loading) {
      model.loadMoreRuns();
    }
  }, [lastIndex, items.length, runs.nextPageToken, runs.loading, model]);

  const sort = runs.sort;
  return (
    <div
      className="jp-MlflowRuns-table"
      ref={scroller}
      role="grid"
      aria-rowcount={items.length + 1}
      aria-busy={runs.loading}
    >
      <div
        className="jp-MlflowRuns-row jp-MlflowRuns-headerRow"
        role="row"
        style={{ gridTemplateColumns: template }}
      >
        <span role="columnheader" />
        {columns.map(column => (
          <span
            key={column.id}
            role="columnheader"
            aria-sort={
              sort.column === column.id
                ? sort.descending
                  ? 'descending'
                  : 'ascending'
                : 'none'
            }
            className={column.numeric ? 'jp-mod-numeric' : undefined}
          >
            <button
              className="jp-MlflowRuns-sort"
              data-column={column.id}
              onClick={() => model.sortBy(column.id)}
              title={trans.__('Sort by %1', column.label)}
            >
              {column.label}
              {sort.column === column.id && (sort.descending ? ' ↓' : ' ↑')}
            </button>
          </span>
        ))}
      </div>
      <div
        className="jp-MlflowRuns-body"
        style={{ height: virtualizer.getTotalSize() }}
      >
        {visible.map(virtual => {
          const item = items[virtual.index];
          const { row } = item;
          const selected = runs.selected.has(row.id);
          return (
            <div
              key={row.id}
              role="row"
              aria-selected={selected}
              aria-level={item.depth + 1}
              aria-expanded={item.childCount > 0 ? item.expanded : undefined}
              data-run-id={row.id}
              className={`jp-MlflowRuns-row jp-MlflowRuns-runRow${selected ? ' jp-mod-selected' : ''}`}
              style={{
                gridTemplateColumns: template,
                transform: `translateY(${virtual.start}px)`
              }}
              onDoubleClick={() => actions.openRun(row)}
            >
              <span role="gridcell">
                <input
                  type="checkbox"
                  checked={selected}
                  aria-label={trans.__('Select %1', row.name)}
                  onChange={() => model.toggleSelected(row.id)}
                />
              </span>
              {columns.map(column => (
                <span
                  key={column.id}
                  role="gridcell"
                  className={
                    column.id === 'name'
                      ? 'jp-MlflowRuns-nameCell'
                      : column.numeric
                        ? 'jp-mod-numeric'
                        : undefined
                  }
                  style={
                    column.id === 'name'
                      ? { paddingLeft: item.depth * 16 }
                      : undefined
                  }
                >
                  {column.id === 'name' ? (
                    <NameCell {...props} item={item} />
                  ) : column.id === 'status' ? (
                    <span
                      className={`jp-MlflowRuns-status jp-mod-${row.status.toLowerCase()}`}
                    >
                      {column.cell(row)}
                    </span>
                  ) : (
                    <span title={column.cell(row)}>{column.cell(row)}</span>
                  )}
                </span>
              ))}
            </div>
          );
        })}
      </div>
    </div>
  );
}

function NameCell(
  props: IRunBrowserViewProps & { item: ITableItem }
): JSX.Element {
  const { model, trans, actions, item } = props;
  const { row } = item;
  return (
    <>
      {item.childCount > 0 ? (
        <button
          className="jp-MlflowRuns-expander"
          aria-label={
            item.expanded
              ? trans.__('Hide the child runs of %1', row.name)
              : trans.__(
                  'Show the %1 child runs of %2',
                  item.childCount,
                  row.name
                )
          }
          onClick={() => model.toggleExpanded(row.id)}
        >
          {item.expanded ? (
            <caretDownIcon.react tag="span" />
          ) : (
            <caretRightIcon.react tag="span" />
          )}
        </button>
      ) : (
        <span className="jp-MlflowRuns-expanderSpace" />
      )}
      <button
        className="jp-MlflowRuns-runName"
        title={trans.__('%1 (%2): open in MLflow', row.name, row.id)}
        onClick={() => actions.openRun(row)}
      >
        {row.name}
      </button>
      {item.childCount > 0 && (
        <span className="jp-MlflowRuns-childCount">{item.childCount}</span>
      )}
      <button
        className="jp-MlflowRuns-menuButton"
        aria-label={trans.__('Actions for %1', row.name)}
        title={trans.__('Actions')}
        onClick={event => actions.showRunMenu(event, row)}
      >
        ⋯
      </button>
    </>
  );
}
