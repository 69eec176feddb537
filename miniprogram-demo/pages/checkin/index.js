// 签到: the package's components (the points card, the month's calendar: tap today to check in,
// a "可补签" day to make it up; the streak's next reward), a share poster, the sync state.
const app = getApp();

Component({
  behaviors: [require('../../behaviors/client.js')],
  data: { showPoster: false, syncStatus: '' },
  methods: {
    refresh() {
      this.setData({ syncStatus: `服务器版本 ${this.client.serverVersion} · ${this.client.pendingOps().length} 项待同步(点此同步)` });
    },
    onCheckin() {
      wx.showToast({ title: '签到成功' });
    },
    onMakeup() {
      wx.showToast({ title: '补签成功' });
    },
    onError(e) {
      wx.showToast({ title: e.detail.message, icon: 'none' }); // a ZailaiError, in the page's language
    },
    toPoints() {
      wx.switchTab({ url: '/pages/points/index' });
    },
    onPoster() {
      this.setData({ showPoster: true }, () => app.zailai.drawPoster(this, '#poster', this.client).catch((e) => wx.showToast({ title: e.code || '海报失败', icon: 'none' })));
    },
    onSync() {
      return this.client.sync().then(
        () => wx.showToast({ title: '已同步' }),
        (e) => wx.showToast({ title: `同步失败 ${e.code}`, icon: 'none' }),
      );
    },
  },
});
