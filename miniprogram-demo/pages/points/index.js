// 积分: balance, what expires soon, this session's history (from the client's events), redeem.
const app = getApp();
const WHAT = { points_credited: '获得积分', points_debited: '使用积分', points_expired: '积分过期', points_restored: '积分退回' };

Component({
  data: { summary: {}, rate: 0, history: [], catalog: [] },
  methods: {
    onLoad() {
      return app.ready.then((client) => {
        this.client = client;
        this.history = [];
        this.seen = 0;
        this.off = client.on('change', ({ events }) => {
          events.forEach((e) => {
            const signed = { points_credited: e.granted, points_restored: e.restored, points_debited: -e.amount, points_expired: -e.amount }[e.type];
            if (!signed) return;
            this.history.unshift({ key: `h${this.seen++}`, what: WHAT[e.type], points: signed > 0 ? `+${signed}` : String(signed) });
          });
          this.refresh();
        });
        this.refresh();
      });
    },
    onShow() {
      if (this.client) this.refresh();
    },
    onUnload() {
      if (this.off) this.off();
    },
    refresh() {
      const summary = this.client.pointsSummary();
      this.setData({ summary, rate: summary.rate_cents / 100, history: this.history.slice(0, 20), catalog: this.client.catalog() });
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
