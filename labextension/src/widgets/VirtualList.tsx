/**
 * A list that renders only the rows in view (plus a few), so 10,000 rows cost as little as 30.
 * Rows have a fixed height; the scroll area is a spacer as tall as all rows together.
 */
import * as React from 'react';

export interface IVirtualListProps {
  rowCount: number;
  rowHeight: number;
  renderRow: (index: number) => React.ReactNode;
  /** Called with the first and last row index rendered, whenever they change. */
  onRangeChange?: (first: number, last: number) => void;
  /** Rows rendered above and below the visible ones. */
  overscan?: number;
  /** Scroll back to the top whenever this changes (a new search or sort). */
  resetKey?: string;
  className?: string;
  ariaLabel?: string;
}

export function visibleRange(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  rowCount: number,
  overscan: number
): [number, number] {
  if (rowCount === 0) {
    return [0, -1];
  }
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(rowCount - 1, Math.ceil((scrollTop + viewportHeight) / rowHeight) + overscan);
  return [first, last];
}

export function VirtualList(props: IVirtualListProps): JSX.Element {
  const { rowCount, rowHeight, renderRow, onRangeChange, resetKey } = props;
  const overscan = props.overscan ?? 5;
  const viewport = React.useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = React.useState(0);
  const [height, setHeight] = React.useState(600);

  React.useEffect(() => {
    const element = viewport.current;
    if (!element) {
      return;
    }
    const measure = () => setHeight(element.clientHeight || 600);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  React.useEffect(() => {
    if (viewport.current) {
      viewport.current.scrollTop = 0;
    }
    setScrollTop(0);
  }, [resetKey]);

  const [first, last] = visibleRange(scrollTop, height, rowHeight, rowCount, overscan);
  React.useEffect(() => {
    onRangeChange?.(first, Math.max(first, last));
  }, [first, last, rowCount, onRangeChange]);

  const rows: React.ReactNode[] = [];
  for (let index = first; index <= last; index++) {
    rows.push(
      <div
        key={index}
        className="jp-kepler-VirtualList-row"
        style={{ top: index * rowHeight, height: rowHeight }}
      >
        {renderRow(index)}
      </div>
    );
  }
  return (
    <div
      ref={viewport}
      className={`jp-kepler-VirtualList ${props.className ?? ''}`}
      onScroll={event => setScrollTop(event.currentTarget.scrollTop)}
      role="list"
      aria-label={props.ariaLabel}
    >
      <div className="jp-kepler-VirtualList-spacer" style={{ height: rowCount * rowHeight }}>
        {rows}
      </div>
    </div>
  );
}
