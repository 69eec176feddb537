// 任务: daily, growth and newbie tasks with their progress; manual rewards are claimed here.
const STATUS = { in_progress: '进行中', claimable: '可领取', done: '已完成', expired: '已过期' };
const KIND = { daily: '每日任务', growth: '成长任务', newbie: '新手任务' };

Component({
  behaviors: [require('../../behaviors/client.js')],
  data: { tasks: [] },
  methods: {
    refresh() {
      const bars = {};
      this.client.progress().tasks.forEach((t) => (bars[t.id] = t));
      this.setData({
        tasks: this.client.tasks().map((t) => ({
          id: t.id,
          title: t.title,
          status: t.status,
          statusText: STATUS[t.status] || t.status,
          kindText: KIND[t.kind] || t.kind,
          percentage: bars[t.id].percentage,
          label: bars[t.id].label,
        })),
      });
    },
    onClaim(e) {
      try {
        this.client.claimTask(e.currentTarget.dataset.id);
        wx.showToast({ title: '已领取' });
      } catch (err) {
        wx.showToast({ title: err.code || String(err), icon: 'none' });
      }
    },
  },
});
