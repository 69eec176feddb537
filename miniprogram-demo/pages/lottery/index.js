// 活动 · 抽奖: a draw is paid at once and waits for the server, which decides it from a seed
// it committed to before the first draw; after the campaign the seed is published and
// "验证开奖结果" checks every result on the phone.
Component({
  methods: {
    onDraw() {
      wx.showToast({ title: '已抽奖，同步后揭晓', icon: 'none' });
      getApp().ready.then((client) => client.sync()).catch(() => {}); // online: decided now
    },
    onVerify(e) {
      wx.showToast({ title: `${e.detail.draws} 次抽奖已验证`, icon: 'none' });
    },
    onError(e) {
      wx.showToast({ title: e.detail.message || e.detail.code, icon: 'none' });
    },
  },
});
