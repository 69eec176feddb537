// One ECharts option from one chart of `GET /v1/admin/report/charts` (server/src/report_charts.rs):
// a kind (line, bar, stacked, heatmap, funnel), a unit, categories `x` and aligned series.
import { L, T } from './i18n.js';
import { num, pct, yuan } from './format.js';

const PALETTE = ['#0052d9', '#2ba471', '#e37318', '#d54941', '#8e56dd', '#029cd4', '#d35a21', '#8b8b8b'];

/** A value of `unit` as text. */
export function formatValue(unit, v) {
  if (v == null) return '—';
  switch (unit) {
    case 'rate': return pct(v);
    case 'cents': return yuan(v);
    case 'ratio': return Number(v).toFixed(2);
    default: return num(v);
  }
}

function axisLabel(unit) {
  return {
    formatter: (v) => {
      if (unit === 'rate') return `${Math.round(v * 100)}%`;
      if (unit === 'cents') return `¥${num(Math.round(v / 100))}`;
      return num(v);
    },
  };
}

/** Whether any series holds a value. */
export function hasData(chart) {
  return chart.series.some((s) => s.values.some((v) => v != null));
}

function categories(chart) {
  return chart.x.map((x, i) => (chart.x_labels?.[i] ? T(chart.x_labels[i]) : x));
}

function heatmap(chart) {
  // Rows are the series (cohort weeks), columns the x (D1/D7/D30).
  const data = [];
  chart.series.forEach((s, row) => s.values.forEach((v, col) => data.push([col, row, v == null ? '-' : v])));
  return {
    color: PALETTE,
    tooltip: { position: 'top', formatter: (p) => `${T(chart.series[p.value[1]].label)} · ${chart.x[p.value[0]]}<br/>${formatValue('rate', p.value[2] === '-' ? null : p.value[2])}` },
    grid: { left: 16, right: 72, top: 16, bottom: 16, containLabel: true },
    xAxis: { type: 'category', data: chart.x, splitArea: { show: true } },
    yAxis: { type: 'category', data: chart.series.map((s) => T(s.label)), inverse: true, splitArea: { show: true } },
    visualMap: { min: 0, max: 1, calculable: true, orient: 'vertical', right: 0, top: 'middle', itemHeight: 140, formatter: (v) => pct(v), inRange: { color: ['#f2f3ff', '#a6c4ff', '#0052d9'] } },
    series: [{ type: 'heatmap', data, label: { show: true, formatter: (p) => (p.value[2] === '-' ? '' : pct(p.value[2])) }, emphasis: { itemStyle: { shadowBlur: 6, shadowColor: 'rgba(0,0,0,0.3)' } } }],
  };
}

function funnel(chart) {
  const [members, upgrade] = chart.series;
  const labels = categories(chart);
  return {
    color: PALETTE,
    tooltip: {
      trigger: 'item',
      formatter: (p) => {
        const i = p.dataIndex;
        const up = upgrade?.values[i];
        return `${labels[i]}: ${num(p.value)}${up != null && i + 1 < labels.length ? `<br/>${L('升级到', 'Upgrade to')} ${labels[i + 1]}: ${pct(up)}` : ''}`;
      },
    },
    legend: { bottom: 0 },
    series: [{
      type: 'funnel', left: '8%', right: '32%', top: 8, bottom: 40, sort: 'none', gap: 2, minSize: '18%',
      label: { show: true, position: 'right', color: '#333', formatter: (p) => `${p.name} ${num(p.value)}` },
      labelLine: { show: true },
      data: members.values.map((v, i) => ({ name: labels[i], value: v ?? 0 })),
    }],
  };
}

/** The option for `chart`, in the current language. */
export function chartOption(chart) {
  if (chart.kind === 'heatmap') return heatmap(chart);
  if (chart.kind === 'funnel') return funnel(chart);
  const x = categories(chart);
  const secondUnit = chart.series.find((s) => s.unit && s.unit !== chart.unit)?.unit;
  const yAxis = [{ type: 'value', axisLabel: axisLabel(chart.unit) }];
  if (secondUnit) yAxis.push({ type: 'value', axisLabel: axisLabel(secondUnit), splitLine: { show: false } });
  const long = x.length > 12;
  const targets = chart.targets || [];
  const series = chart.series.map((s) => {
    const second = secondUnit && s.unit === secondUnit;
    const target = targets.find((t) => t.series === s.name);
    return {
      name: T(s.label),
      type: chart.kind === 'line' ? 'line' : 'bar',
      stack: chart.kind === 'stacked' ? 'total' : undefined,
      smooth: chart.kind === 'line',
      areaStyle: chart.kind === 'line' && !second ? { opacity: 0.12 } : undefined,
      yAxisIndex: second ? 1 : 0,
      // A series on the second axis often follows the first (yuan of points): dashed, on top.
      lineStyle: second ? { type: 'dashed', width: 2 } : undefined,
      showSymbol: !second,
      barMaxWidth: 36,
      emphasis: { focus: 'series' },
      data: s.values,
      markLine: target ? { symbol: 'none', lineStyle: { type: 'dashed', color: '#d54941' }, label: { formatter: T(target.label) }, data: [{ yAxis: target.min }] } : undefined,
    };
  });
  const unitOf = (name) => {
    const s = chart.series.find((c) => T(c.label) === name);
    return s?.unit || chart.unit;
  };
  return {
    color: PALETTE,
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: chart.kind === 'line' ? 'line' : 'shadow' },
      valueFormatter: undefined,
      formatter: (items) => [items[0]?.axisValueLabel, ...items.map((p) => `${p.marker}${p.seriesName}: ${formatValue(unitOf(p.seriesName), p.value)}`)].join('<br/>'),
    },
    legend: { top: 0, type: 'scroll' },
    grid: { left: 16, right: secondUnit ? 16 : 24, top: 40, bottom: long ? 56 : 16, containLabel: true },
    xAxis: { type: 'category', data: x, boundaryGap: chart.kind !== 'line' },
    yAxis,
    dataZoom: long ? [{ type: 'inside' }, { type: 'slider', height: 18, bottom: 8 }] : [],
    series,
  };
}
