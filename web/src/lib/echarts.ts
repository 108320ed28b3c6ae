/**
 * The chart library, registered piece by piece so the bundle carries only the chart types and
 * components the pages draw. Loaded lazily with the first chart.
 */
import * as echarts from 'echarts/core';
import { BarChart, LineChart, SankeyChart } from 'echarts/charts';
import { DatasetComponent, GridComponent, LegendComponent, TooltipComponent, MarkLineComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, SankeyChart, DatasetComponent, GridComponent, LegendComponent, TooltipComponent, MarkLineComponent, CanvasRenderer]);

export { echarts };
export type { EChartsCoreOption as ChartOption } from 'echarts/core';
