import { ElMessage } from 'element-plus'
import { t } from '../i18n.js'

export const LEVEL_TAG = { 1: 'success', 2: 'success', 3: 'warning', 4: 'danger', 5: 'danger' }

export async function act(fn, done) {
  try {
    const out = await fn()
    ElMessage.success(t('操作成功'))
    if (done) await done(out)
    return out
  } catch (e) {
    if (e === 'cancel' || e === 'close') return null
    ElMessage.error(e.message || String(e))
    return null
  }
}

export function showError(e) {
  ElMessage.error(e.message || String(e))
}
