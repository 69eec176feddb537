// ECharts from `echarts/core` with only what the console draws registered (lines, bars, the
// cohort heatmap, the tier funnel; tooltips, legends, zoom on long ranges, target lines):
// the whole library would triple the first page's weight.
import * as echarts from 'echarts/core';
import { LineChart, BarChart, HeatmapChart, FunnelChart } from 'echarts/charts';
import {
  GridComponent, TooltipComponent, LegendComponent, DataZoomInsideComponent, DataZoomSliderComponent, VisualMapContinuousComponent, MarkLineComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([
  LineChart, BarChart, HeatmapChart, FunnelChart,
  GridComponent, TooltipComponent, LegendComponent, DataZoomInsideComponent, DataZoomSliderComponent, VisualMapContinuousComponent, MarkLineComponent,
  CanvasRenderer,
]);

export default echarts;
