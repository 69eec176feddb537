// 任务: daily, growth and newbie tasks on the package's task list: manual rewards are claimed
// here, and 去完成 takes the member where the task's action happens.
// Where 去完成 goes for each task action of the seed rules; anything else stays here.
const ROUTES = {
  query: { tab: '/pages/points/index' },
  browse_guide: { tab: '/pages/member/index' },
  use_day: { tab: '/pages/checkin/index' },
  profile_complete: { tab: '/pages/member/index' },
  core_action: { tab: '/pages/cards/index' },
};

Component({
  data: {
    kinds: [
      { kind: 'daily', title: '每日任务' },
      { kind: 'growth', title: '成长任务' },
      { kind: 'newbie', title: '新手任务' },
    ],
  },
  methods: {
    onClaim() {
      wx.showToast({ title: '已领取' });
    },
    /** 去完成: e.detail is {task, action, kind}. Sharing and inviting open the share menu. */
    onGo(e) {
      const { action } = e.detail;
      const route = ROUTES[action];
      if (action === 'share' || action === 'invite') wx.showShareMenu({ menus: ['shareAppMessage', 'shareTimeline'] });
      else if (route) wx.switchTab({ url: route.tab });
      this.lastGo = e.detail; // what the test checks
    },
    onError(e) {
      wx.showToast({ title: e.detail.message, icon: 'none' });
    },
  },
});
