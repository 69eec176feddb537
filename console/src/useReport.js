// The report and its charts for the shared range, loaded again when the range changes.
import { ref, watch } from 'vue';
import { api } from './api.js';
import { range } from './range.js';
import { fail } from './notify.js';

export function useReport({ charts = true } = {}) {
  const report = ref(null);
  const chartData = ref(null);
  const loading = ref(false);
  async function load() {
    const [from, to] = range.dates;
    loading.value = true;
    try {
      const [r, c] = await Promise.all([
        api.get('/v1/admin/report', { from, to }),
        charts ? api.get('/v1/admin/report/charts', { from, to }) : null,
      ]);
      report.value = r;
      chartData.value = c;
    } catch (e) {
      fail(e);
    } finally {
      loading.value = false;
    }
  }
  watch(() => range.dates, load, { immediate: true });
  /** The chart of `id` (report_charts.rs), or null. */
  const chart = (id) => chartData.value?.charts.find((c) => c.id === id) || null;
  return { report, chartData, loading, chart, load };
}
