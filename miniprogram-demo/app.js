// The app's one zailai client (startApp): offline state in wx storage, use recorded by itself
// (an open a day on show, session minutes on hide: what the tier counts), synced with the
// server at launch, on show and when the network returns. Pages reach it through
// getApp().ready; the package's components through zailai.getClient(). No member id: the
// member acts from the first launch, and the first login (wx.login, at a sync) adopts what
// this phone recorded into the member the server knows (docs/sync.md).
const zailai = require('zailai');
const config = require('./config.js');

App({
  zailai,
  onLaunch() {
    const wechat = config.login === 'wechat';
    this.ready = zailai
      .startApp(
        {
          locale: wx.getAppBaseInfo().language,
          trustedKeys: config.trustedKeys,
          server: {
            url: config.serverUrl,
            transport: zailai.wxTransport(wx),
            credentials: wechat ? zailai.wxLoginCredentials(wx) : () => ({ dev_user: config.devUser }),
          },
        },
        wx,
      )
      .then((client) => {
        this.client = client;
        client.on('error', (e) => console.warn('[zailai]', e.code, e.message));
        client.on('sync', ({ rejected }) => {
          if (rejected.length) wx.showToast({ title: `${rejected.length} 项未被服务器接受`, icon: 'none' });
        });
        return client;
      });
  },
});
