// The admin API as the console calls it: JSON in and out, the session's cookie sent by the
// browser, and on every write the session's CSRF token (X-CSRF-Token). An error answer
// becomes an ApiError carrying the server's code, message and path.
import { reactive } from 'vue';

/** The signed-in operator: {name, role, csrf, expires_at}, or null. */
export const session = reactive({ current: null });

const ROLES = ['viewer', 'operator', 'admin'];

/** Whether the operator holds `role` or a higher one. */
export function can(role) {
  const mine = session.current?.role;
  return ROLES.indexOf(mine) >= ROLES.indexOf(role) && mine !== undefined;
}

export class ApiError extends Error {
  constructor(status, body) {
    // The server's errors are `{"error": {code, message, path, problems}}` (serve/error.rs).
    const e = body?.error || body;
    super(e?.message || `HTTP ${status}`);
    this.status = status;
    this.code = e?.code || `HTTP_${status}`;
    this.path = e?.path || null;
    this.problems = e?.problems || [];
  }
}

/** Listeners told when the server says the session is gone (401): the app shows the login. */
const onUnauthorized = new Set();
export function whenUnauthorized(fn) {
  onUnauthorized.add(fn);
}

async function request(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && session.current?.csrf) headers['x-csrf-token'] = session.current.csrf;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = { code: `HTTP_${res.status}`, message: text.slice(0, 200) };
  }
  if (!res.ok) {
    const error = new ApiError(res.status, json);
    if (res.status === 401 && !path.startsWith('/v1/console/session')) onUnauthorized.forEach((fn) => fn(error));
    throw error;
  }
  return json;
}

/** `?a=1&b=2` from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const api = {
  get: (path, params = {}) => request('GET', path + query(params)),
  post: (path, body = {}) => request('POST', path, body),
  del: (path) => request('DELETE', path),
};

/** Signs in: the answer (with its csrf) becomes the session. */
export async function login(name, password) {
  session.current = await api.post('/v1/console/session', { name, password });
  return session.current;
}

/** The session this browser already has (a reload), or null. */
export async function restore() {
  try {
    session.current = await api.get('/v1/console/session');
  } catch {
    session.current = null;
  }
  return session.current;
}

export async function logout() {
  try {
    await api.del('/v1/console/session');
  } finally {
    session.current = null;
  }
}

/** A file download (CSV) through the session cookie: the browser saves what the server sends. */
export function download(path, params = {}) {
  const a = document.createElement('a');
  a.href = path + query(params);
  a.download = '';
  document.body.appendChild(a);
  a.click();
  a.remove();
}
