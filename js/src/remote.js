// The reference server's HTTP API (docs/sync.md) over a transport: JSON in and out, typed
// errors, sessions, and retries with exponential backoff and jitter.
import { zailaiError } from './errors.js';

export const PROTOCOL = 1;
/** The header a push carries its device's secret in (`POST /v1/device`, docs/sync.md). */
export const DEVICE_SECRET_HEADER = 'x-device-secret';
const DEFAULT_RETRY = { retries: 4, baseMs: 500, maxMs: 30000 };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Errors worth another attempt: no answer, the server failing, or asked to slow down. */
export function retryable(e) {
  return e.code === 'NETWORK' || e.status === 429 || (e.status >= 500 && e.status <= 599);
}

export class Remote {
  /**
   * `url` (server base), `transport`, `credentials` (async () => body of POST /v1/session,
   * e.g. {code} from wx.login or {dev_user}), `retry` ({retries, baseMs, maxMs}),
   * `session` ({load, save}: where the token lives between launches).
   */
  constructor({ url, transport, credentials, retry, session }) {
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw zailaiError('BAD_ARGUMENT', `server.url must be an http(s) URL, got ${url}`);
    if (!transport || typeof transport.request !== 'function') throw zailaiError('BAD_ARGUMENT', 'server.transport must have request() (wxTransport or fetchTransport)');
    this.url = url.replace(/\/+$/, '');
    this.transport = transport;
    this.credentials = credentials;
    this.retry = { ...DEFAULT_RETRY, ...retry };
    this.session = session;
    this.attempts = 0; // requests sent, for tests and diagnostics
  }

  /** One request, no retry. Resolves to the JSON body of a 2xx; throws a coded Error else. */
  async once(method, path, body, token, { text = false, headers: extra } = {}) {
    const headers = { accept: 'application/json', ...extra };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    this.attempts++;
    const res = await this.transport.request({ method, url: this.url + path, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    let json = null;
    try {
      json = JSON.parse(res.text);
    } catch (_) {
      // handled below: a 2xx must be JSON, an error may come from a proxy
    }
    if (res.status >= 200 && res.status < 300) {
      if (text) return String(res.text);
      if (json === null || typeof json !== 'object') throw zailaiError('BAD_REPLY', `${method} ${path}: the reply is not a JSON object`, { status: res.status });
      return json;
    }
    const err = json && json.error ? json.error : { code: `HTTP_${res.status}`, message: String(res.text).slice(0, 200) };
    const retryAfter = Number(res.headers['retry-after']);
    throw zailaiError(err.code, `${method} ${path}: ${err.message}`, {
      status: res.status,
      path: err.path,
      retryAfterMs: Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined,
    });
  }

  /** A request with retries on NETWORK, 5xx and 429 (honouring Retry-After). */
  async call(method, path, body, token, options) {
    const { retries, baseMs, maxMs } = this.retry;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(method, path, body, token, options);
      } catch (e) {
        if (!retryable(e) || attempt >= retries) throw e;
        const backoff = Math.min(maxMs, baseMs * 2 ** attempt);
        const wait = e.retryAfterMs !== undefined ? Math.min(maxMs, e.retryAfterMs) : backoff / 2 + Math.random() * (backoff / 2);
        await sleep(wait);
      }
    }
  }

  /** A valid token: the stored one, or a new login. */
  async token(now) {
    const saved = this.session.load();
    if (saved && saved.token && saved.expires_at > now + 60000) return saved;
    if (typeof this.credentials !== 'function') throw zailaiError('UNAUTHORIZED', 'no session and no server.credentials to log in with');
    const reply = await this.call('POST', '/v1/session', await this.credentials());
    if (typeof reply.token !== 'string' || typeof reply.user !== 'string') throw zailaiError('BAD_REPLY', 'POST /v1/session: no token or user in the reply');
    this.session.save(reply);
    return reply;
  }

  /** A call with the session's token; on 401 logs in again once. */
  async authed(method, path, body, now, options) {
    const session = await this.token(now);
    try {
      return await this.call(method, path, body, session.token, options);
    } catch (e) {
      if (e.status !== 401) throw e;
      this.session.save(null);
      return this.call(method, path, body, (await this.token(now)).token, options);
    }
  }
}
