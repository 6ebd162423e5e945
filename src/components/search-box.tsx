import { searchIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

/** A text box that reports its value after a short pause in typing. */
export function SearchBox(props: {
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
