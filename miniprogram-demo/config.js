// Where the demo syncs and who it is. Point `serverUrl` at your `zailai serve` (DevTools:
// tick "不校验合法域名" for http://127.0.0.1; on a phone use an https domain you configured).
module.exports = {
  serverUrl: 'http://127.0.0.1:8787',
  // The dev server's login takes a name; a production server logs in with wx.login's code
  // (set `login: 'wechat'` and run zailai serve with --wechat-appid/--wechat-secret).
  login: 'dev',
  devUser: 'demo',
  // Public keys pinned in the code package (recommended in production): [{id, public}].
  trustedKeys: [],
};
