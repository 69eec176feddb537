// 签到: the month from calendarCells() (the same cells Vant's and TDesign's calendars take),
// check-in, make-up by tapping a "可补签" day, the streak's next reward, a share poster.
const app = getApp();
const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六'];

Component({
  behaviors: [require('../../behaviors/client.js')],
  data: { title: '', weekdays: [], cells: [], streak: {}, checkedToday: false, makeupsLeft: 0, showPoster: false, syncStatus: '' },
  methods: {
    refresh() {
      const client = this.client;
      const cal = client.calendar();
      const cells = client.calendarCells();
      this.cells = cells; // kept for taps: this.data is the view's copy
      this.setData({
        title: `${cal.year}年${cal.month}月`,
        weekdays: WEEKDAYS.map((_, i) => WEEKDAYS[(cal.firstWeekday + i) % 7]),
        cells,
        streak: client.progress().streak,
        checkedToday: cells.some((c) => c.className.indexOf('zl-today-done') >= 0),
        makeupsLeft: cal.makeupsLeft,
        syncStatus: `服务器版本 ${client.serverVersion} · ${client.pendingOps().length} 项待同步(点此同步)`,
      });
    },
    act(fn, done) {
      try {
        fn();
        wx.showToast({ title: done });
      } catch (e) {
        wx.showToast({ title: e.code || String(e), icon: 'none' });
      }
    },
    onCheckIn() {
      this.act(() => this.client.checkIn(), '签到成功');
    },
    onDay(e) {
      const date = e.currentTarget.dataset.date;
      const cell = this.cells.find((c) => c.date === date);
      if (!cell || cell.className.indexOf('zl-makeup-available') < 0) return;
      wx.showModal({
        title: '补签',
        content: `用积分补签 ${date}?`,
        success: (res) => res.confirm && this.act(() => this.client.makeUp(date), '补签成功'),
      });
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
