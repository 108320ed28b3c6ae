/**
 * An ECharts chart. The library arrives as its own chunk with the first chart on screen, so pages
 * without charts (and the login) never download it.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChartOption } from '../lib/echarts.js';

type EChartsModule = typeof import('../lib/echarts.js');
let loading: Promise<EChartsModule> | null = null;
const loadECharts = (): Promise<EChartsModule> => (loading ??= import('../lib/echarts.js'));

export const PALETTE = ['#2454d6', '#f08c00', '#2f9e44', '#c2255c', '#7048e8', '#0c8599', '#e8590c', '#5c7cfa', '#66a80f', '#868e96'];

export interface ChartClick {
  readonly seriesIndex: number;
  readonly dataIndex: number;
  readonly name: string;
}

export function Chart({ option, height = 320, onClick, label }: { option: ChartOption; height?: number; onClick?: (e: ChartClick) => void; label: string }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<ReturnType<EChartsModule['echarts']['init']> | null>(null);
  const clickRef = useRef(onClick);
  clickRef.current = onClick;
  const [failed, setFailed] = useState<string | null>(null);

  useEffect(() => {
    let disposed = false;
    let observer: ResizeObserver | undefined;
    loadECharts().then(
      ({ echarts }) => {
        if (disposed || !el.current) return;
        const c = echarts.init(el.current, undefined, { renderer: 'canvas' });
        chart.current = c;
        c.on('click', (p: unknown) => {
          const e = p as { seriesIndex?: number; dataIndex?: number; name?: string };
          clickRef.current?.({ seriesIndex: e.seriesIndex ?? 0, dataIndex: e.dataIndex ?? 0, name: e.name ?? '' });
        });
        observer = new ResizeObserver(() => c.resize());
        observer.observe(el.current);
        c.setOption(withDefaults(option), true);
      },
      (err: Error) => setFailed(`the chart library did not load: ${err.message}`),
    );
    return () => {
      disposed = true;
      observer?.disconnect();
      chart.current?.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(withDefaults(option), true);
  }, [option]);

  if (failed) return <div class="state state-error">{failed}</div>;
  return <div class="chart" ref={el} style={{ height: `${height}px` }} role="img" aria-label={label} data-chart={label} />;
}

function withDefaults(option: ChartOption): ChartOption {
  return {
    color: PALETTE,
    animationDuration: 300,
    textStyle: { fontFamily: 'Inter, system-ui, -apple-system, Segoe UI, Roboto, sans-serif' },
    ...option,
  };
}
