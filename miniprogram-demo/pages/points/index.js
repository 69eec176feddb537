// 积分: balance, what expires soon, this session's history (from the client's events), redeem.
const WHAT = { points_credited: '获得积分', points_debited: '使用积分', points_expired: '积分过期', points_restored: '积分退回' };

Component({
  behaviors: [require('../../behaviors/client.js')],
  data: { summary: {}, rate: 0, history: [], catalog: [] },
  methods: {
    /** Keeps this session's point movements for the history list. */
    onClientChange({ events }) {
      this.history = this.history || [];
      this.seen = this.seen || 0;
      events.forEach((e) => {
        const signed = { points_credited: e.granted, points_restored: e.restored, points_debited: -e.amount, points_expired: -e.amount }[e.type];
        if (!signed) return;
        this.history.unshift({ key: `h${this.seen++}`, what: WHAT[e.type], points: signed > 0 ? `+${signed}` : String(signed) });
      });
    },
    refresh() {
      const summary = this.client.pointsSummary();
      this.setData({ summary, rate: summary.rateCents / 100, history: (this.history || []).slice(0, 20), catalog: this.client.catalog() });
    },
    onRedeem(e) {
      try {
        this.client.redeem(e.currentTarget.dataset.id);
        wx.showToast({ title: '兑换成功' });
      } catch (err) {
        wx.showToast({ title: err.code || String(err), icon: 'none' });
      }
    },
  },
});
