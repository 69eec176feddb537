// Transports: one small async interface over wx.request and fetch, so the sync code never
// knows where it runs. request({method, url, headers, body, timeoutMs}) resolves to
// {status, headers (lower-case names), text} for every HTTP answer, including 4xx/5xx, and
// rejects with code NETWORK when no answer came (offline, DNS, timeout, reset).
import { zailaiError } from './errors.js';

/** Over `wx.request` (mini-programs). The body is sent as a string and read back as text. */
export function wxTransport(wxApi = globalThis.wx) {
  return {
    request({ method, url, headers = {}, body, timeoutMs = 15000 }) {
      return new Promise((resolve, reject) => {
        wxApi.request({
          url,
          method,
          header: headers,
          data: body === undefined ? '' : body,
          dataType: 'text', // anything but 'json': no JSON.parse by wx, errors stay readable
          responseType: 'text',
          timeout: timeoutMs,
          success(res) {
            const out = {};
            for (const [k, v] of Object.entries(res.header || {})) out[k.toLowerCase()] = String(v);
            resolve({ status: res.statusCode, headers: out, text: typeof res.data === 'string' ? res.data : JSON.stringify(res.data) });
          },
          fail(err) {
            reject(zailaiError('NETWORK', `${method} ${url}: ${(err && err.errMsg) || err}`));
          },
        });
      });
    },
  };
}

/** Over `fetch` (browsers, Node 18+). */
export function fetchTransport(fetchImpl = globalThis.fetch) {
  return {
    async request({ method, url, headers = {}, body, timeoutMs = 15000 }) {
      const abort = typeof AbortController === 'function' ? new AbortController() : null;
      const timer = abort && setTimeout(() => abort.abort(), timeoutMs);
      try {
        const res = await fetchImpl(url, { method, headers, body, signal: abort ? abort.signal : undefined });
        const out = {};
        res.headers.forEach((v, k) => (out[k.toLowerCase()] = v));
        return { status: res.status, headers: out, text: await res.text() };
      } catch (e) {
        throw zailaiError('NETWORK', `${method} ${url}: ${(e && e.message) || e}`, { cause: e });
      } finally {
        if (timer) clearTimeout(timer);
      }
    },
  };
}
