/**
 * The timeline strip: fulls as tall marks, incrementals as short ones, failed runs as red
 * crosses, skipped runs as grey dots; a cursor to click, drag or move with the keyboard
 * (← → between restore points, Shift+← → by a small step, Home/End); the chain a restore to the
 * cursor applies is highlighted. Drawing only: the model is in timeline-model.ts.
 */
import { useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { Box, Paper, Text } from '@mantine/core';
import { useElementSize } from '@mantine/hooks';
import { formatBytes, formatCount, formatTime } from '../../components/format.js';
import { isRestorePoint, snapTime, stepCursor, ticks, timeToX, xToTime, type Chain, type Mark, type Range } from './timeline-model.js';

const HEIGHT = 120;
const AXIS_Y = 84;

export interface TimelineProps {
  marks: Mark[];
  points: number[];
  range: Range;
  cursor: number;
  chain: Chain;
  now: number;
  /** The cursor moves (drag, keys); `commit` when the move ends. */
  onCursor(t: number, commit: boolean): void;
  label: string;
}

function tickLabel(t: number, span: number): string {
  const d = new Date(t);
  if (span <= 10 * 60_000) return d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  if (span <= 2 * 86_400_000) return d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false });
  return d.toLocaleDateString('en-GB', { month: 'short', day: 'numeric' });
}

function describeMark(m: Mark): string {
  if (m.backup) {
    const b = m.backup;
    return `${b.kind === 'full' ? 'Full' : 'Incremental'} backup · ${b.namespace} · ${formatTime(m.time)} · ${formatCount(b['record-count'])} records · ${formatBytes(b['byte-count'])}${b.label ? ` · “${b.label}”` : ''}${b.verification ? (b.verification.ok ? ' · verified' : ' · verification failed') : ''}`;
  }
  const r = m.run!;
  return `${m.kind === 'failed' ? 'Failed' : m.kind === 'skipped' ? 'Skipped' : 'Canceled'} ${r['backup-type'] ?? 'backup'} run · ${formatTime(m.time)}${r.message ? ` · ${r.message}` : ''}`;
}

export function Timeline(p: TimelineProps) {
  const { ref, width: measured } = useElementSize();
  const width = Math.max(200, measured);
  const svgRef = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState(false);
  const [hover, setHover] = useState<Mark | undefined>();
  const x = (t: number) => timeToX(t, p.range, width);
  const inChain = new Set(p.chain.steps.map((b) => `${b.storage}:${b.key}`));
  const span = p.range.to - p.range.from;

  const timeAt = (e: PointerEvent<SVGSVGElement>): number => {
    const rect = svgRef.current!.getBoundingClientRect();
    return snapTime(xToTime(e.clientX - rect.left, p.range, width), p.points, p.range, width);
  };

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const small = span / 100;
    let t: number | undefined;
    if (e.key === 'ArrowLeft') t = e.shiftKey ? p.cursor - small : stepCursor(p.points, p.cursor, 'prev');
    else if (e.key === 'ArrowRight') t = e.shiftKey ? p.cursor + small : stepCursor(p.points, p.cursor, 'next');
    else if (e.key === 'Home') t = stepCursor(p.points, p.cursor, 'first');
    else if (e.key === 'End') t = stepCursor(p.points, p.cursor, 'last');
    if (t === undefined) return;
    e.preventDefault();
    p.onCursor(Math.round(Math.min(t, p.now)), true);
  };

  const chainFrom = p.chain.steps.length ? Math.min(...p.chain.steps.map((b) => b.timestamp)) : undefined;
  const cursorX = x(p.cursor);

  return (
    <Box ref={ref} pos="relative">
      <div
        role="slider"
        tabIndex={0}
        className="tm-timeline"
        aria-label={p.label}
        aria-valuemin={p.points[0] ?? p.range.from}
        aria-valuemax={p.now}
        aria-valuenow={p.cursor}
        aria-valuetext={`${formatTime(p.cursor)}${p.chain.effective !== undefined ? `, restores the state as of ${formatTime(p.chain.effective)}` : ', nothing to restore'}`}
        onKeyDown={onKey}
        style={{ borderRadius: 8 }}
      >
        <svg
          ref={svgRef}
          width={width}
          height={HEIGHT}
          style={{ display: 'block', touchAction: 'none', cursor: drag ? 'grabbing' : 'crosshair', userSelect: 'none' }}
          onPointerDown={(e) => {
            (e.currentTarget as SVGSVGElement).setPointerCapture(e.pointerId);
            setDrag(true);
            p.onCursor(Math.min(timeAt(e), p.now), false);
          }}
          onPointerMove={(e) => {
            if (drag) p.onCursor(Math.min(timeAt(e), p.now), false);
          }}
          onPointerUp={(e) => {
            if (!drag) return;
            setDrag(false);
            p.onCursor(Math.min(timeAt(e), p.now), true);
          }}
          onPointerLeave={() => setHover(undefined)}
          aria-hidden
        >
          <rect x={0} y={0} width={width} height={HEIGHT} fill="var(--mantine-color-default)" rx={8} />
          {/* The future cannot be restored. */}
          {x(p.now) < width ? <rect x={Math.max(0, x(p.now))} y={0} width={width - Math.max(0, x(p.now))} height={HEIGHT} fill="var(--mantine-color-default-hover)" /> : null}
          {chainFrom !== undefined && p.chain.effective !== undefined ? (
            <rect x={x(chainFrom)} y={10} width={Math.max(2, x(p.chain.effective) - x(chainFrom))} height={AXIS_Y - 10} fill="var(--mantine-primary-color-light)" />
          ) : null}
          <line x1={0} x2={width} y1={AXIS_Y} y2={AXIS_Y} stroke="var(--mantine-color-dimmed)" strokeWidth={1} />
          {ticks(p.range).map((t) => (
            <g key={t}>
              <line x1={x(t)} x2={x(t)} y1={AXIS_Y} y2={AXIS_Y + 5} stroke="var(--mantine-color-dimmed)" />
              <text x={x(t)} y={AXIS_Y + 18} fontSize={11} textAnchor="middle" fill="var(--mantine-color-dimmed)">
                {tickLabel(t, span)}
              </text>
            </g>
          ))}
          {p.marks.map((m) => {
            const mx = x(m.time);
            if (mx < -10 || mx > width + 10) return null;
            const chained = isRestorePoint(m) && inChain.has(m.id);
            const hoverProps = { onPointerEnter: () => setHover(m), onPointerLeave: () => setHover(undefined) };
            if (m.kind === 'full' || m.kind === 'incremental') {
              const h = m.kind === 'full' ? 54 : 26;
              return (
                <rect
                  key={m.id}
                  x={mx - (m.kind === 'full' ? 2.5 : 1.5)}
                  y={AXIS_Y - h}
                  width={m.kind === 'full' ? 5 : 3}
                  height={h}
                  rx={1}
                  fill={m.backup?.verification && !m.backup.verification.ok ? 'var(--mantine-color-orange-6)' : m.kind === 'full' ? 'var(--tm-full)' : 'var(--tm-incr)'}
                  opacity={chained || p.chain.steps.length === 0 ? 1 : 0.45}
                  {...hoverProps}
                />
              );
            }
            if (m.kind === 'skipped') return <circle key={m.id} cx={mx} cy={AXIS_Y - 8} r={3.5} fill="var(--tm-skipped)" {...hoverProps} />;
            const c = m.kind === 'failed' ? 'var(--tm-failed)' : 'var(--tm-skipped)';
            return (
              <g key={m.id} stroke={c} strokeWidth={2.2} {...hoverProps}>
                <line x1={mx - 4} x2={mx + 4} y1={AXIS_Y - 14} y2={AXIS_Y - 6} />
                <line x1={mx - 4} x2={mx + 4} y1={AXIS_Y - 6} y2={AXIS_Y - 14} />
                <rect x={mx - 6} y={AXIS_Y - 16} width={12} height={12} fill="transparent" stroke="none" />
              </g>
            );
          })}
          {cursorX >= 0 && cursorX <= width ? (
            <g>
              <line x1={cursorX} x2={cursorX} y1={4} y2={AXIS_Y + 2} stroke="var(--mantine-color-orange-6)" strokeWidth={2} />
              <circle cx={cursorX} cy={6} r={6} fill="var(--mantine-color-orange-6)" />
            </g>
          ) : null}
        </svg>
      </div>
      {hover ? (
        <Paper shadow="md" p={6} withBorder pos="absolute" top={-8} style={{ left: Math.min(Math.max(0, x(hover.time) - 150), width - 300), width: 300, pointerEvents: 'none', transform: 'translateY(-100%)', zIndex: 5 }}>
          <Text size="xs">{describeMark(hover)}</Text>
        </Paper>
      ) : null}
    </Box>
  );
}
