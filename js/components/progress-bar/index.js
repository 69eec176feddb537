// <zl-progress-bar kind="tier|streak|task" task="id">: a labelled bar from the member's
// progress (tier: the way to the next tier; streak: to the next milestone; task: one task).
// `value` ({percentage, label}) shows any other progress instead. External class: custom-class.
// Docs: docs/components/progress-bar.md.
const zailaiBehavior = require('../behavior.js');

Component({
  behaviors: [zailaiBehavior],
  externalClasses: ['custom-class'],
  properties: {
    kind: { type: String, value: 'tier' },
    task: { type: String, value: '' },
    value: { type: Object, value: null },
  },
  data: { percentage: 0, label: '' },
  observers: {
    'kind, task, value'() {
      this.zlRefresh();
    },
  },
  methods: {
    zlRender(client) {
      const { kind, task, value } = this.data;
      let bar = value;
      if (!bar) {
        const all = client.progress();
        bar = kind === 'task' ? all.tasks.find((t) => t.id === task) : all[kind];
      }
      if (!bar) return this.zlFail({ code: 'BAD_ARGUMENT', message: `no progress for kind '${kind}'${task ? ` task '${task}'` : ''}` });
      const percentage = Math.max(0, Math.min(100, Math.round(Number(bar.percentage) || 0)));
      this.setData({ percentage, label: String(bar.label || '') });
    },
  },
});
