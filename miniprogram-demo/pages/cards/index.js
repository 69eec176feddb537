// 活动 · 集福卡: the shipped components on a page. The page only reacts to their events; the
// components render from the app's client (startApp in app.js) and follow every change.
Component({
  data: { toast: '' },
  methods: {
    onExchange(e) {
      const reward = e.detail.events.filter((x) => x.type === 'points_credited').reduce((n, x) => n + x.granted, 0);
      wx.showToast({ title: reward ? `兑换成功 +${reward} 积分` : '兑换成功' });
    },
    onError(e) {
      wx.showToast({ title: e.detail.message || e.detail.code, icon: 'none' });
    },
    toLottery() {
      wx.navigateTo({ url: '/pages/lottery/index' });
    },
  },
});
