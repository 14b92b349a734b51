// The console's session: a one-hour token obtained from a staff token, held in memory only (never
// in a cookie or storage), sent as an Authorization header: no request can carry it by accident
// (CSRF), and closing or reloading the tab ends the session. Idle sessions end after 15 minutes.
import { reactive } from 'vue'
import { lang } from './i18n.js'

export const IDLE_MS = 15 * 60 * 1000
export const session = reactive({ token: null, me: null, expiresAt: 0, lastActive: 0, notice: '' })

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.title + (problem.detail ? ': ' + problem.detail : ''))
    this.status = status
    this.problem = problem
  }
}

async function call(method, path, body, token) {
  const headers = { Accept: 'application/json', 'Accept-Language': lang.value === 'en' ? 'en' : 'zh-CN' }
  if (token) headers.Authorization = 'Bearer ' + token
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit' })
  if (r.status === 204) return null
  const data = await r.json().catch(() => ({ title: r.statusText }))
  if (!r.ok) throw new ApiError(r.status, data)
  return data
}

export async function api(method, path, body) {
  if (!session.token) throw new ApiError(401, { title: '未登录' })
  session.lastActive = Date.now()
  try {
    return await call(method, path, body, session.token)
  } catch (e) {
    if (e.status === 401) endSession('会话已过期')
    throw e
  }
}

export async function login(staffToken) {
  start(await call('POST', '/v1/console/session', undefined, staffToken.trim()))
}

// SM2 sign-in: the node's challenge, signed with the staff member's registered key (outside the browser)
export function challenge(name) {
  return call('POST', '/v1/console/challenge', { name: name.trim() })
}

export async function loginSm2(ch, signature) {
  const body = { challenge: ch.challenge, node_signature: ch.node_signature, signature: signature.trim() }
  start(await call('POST', '/v1/console/session/sm2', body))
}

function start(s) {
  Object.assign(session, {
    token: s.token, me: s.principal, expiresAt: s.expires_at_us / 1000, lastActive: Date.now(), notice: '',
  })
}

export async function logout() {
  const token = session.token
  endSession('')
  if (token) await call('DELETE', '/v1/console/session', undefined, token).catch(() => {})
}

export function endSession(notice) {
  Object.assign(session, { token: null, me: null, expiresAt: 0, notice })
}

export function checkExpiry() {
  const now = Date.now()
  if (session.token && (now > session.expiresAt || now - session.lastActive > IDLE_MS)) {
    logout()
    session.notice = '会话已过期'
  }
}

export function hasRole(...roles) {
  return !!session.me && session.me.roles.some((r) => roles.includes(r))
}
