// Chinese first, English on request; the choice is remembered for the tab only.
import { reactive } from 'vue'

export const lang = reactive({ value: sessionStorage.getItem('lang') || 'zh' })

const en = {
  数据管理工作台: 'Data management console',
  待办: 'To do', 数据资产: 'Data assets', 数据地图: 'Data map', 合约: 'Contracts',
  隐私计算任务: 'Privacy computing', 导入: 'Imports', 审计: 'Audit',
  登录: 'Sign in', 退出: 'Sign out', 令牌: 'Token', 员工令牌: 'Staff token',
  '使用员工令牌登录（hnode tokens issue 或 make demo 打印的一次性登录令牌），或用已登记的 SM2 私钥签名登录':
    'Sign in with a staff token (hnode tokens issue, or the one-time login printed by make demo), or sign a challenge with your registered SM2 key',
  会话已过期: 'Session expired', 已登录: 'Signed in as',
  合作方: 'Partner', 产品: 'Product', 级别: 'Level', 状态: 'State', 申请时间: 'Requested',
  申请条款: 'Requested terms', 产品报价: "Product's offer", 条款: 'Term',
  用途: 'Purpose', 访问方式: 'Access mode', 使用次数上限: 'Max uses', 有效天数: 'Days valid',
  隐私预算ε: 'Privacy budget ε', 最小队列: 'Minimum cohort', k匿名: 'k-anonymity',
  策略筛查: 'Policy screening', 通过: 'Passed', 未通过: 'Failed', 需伦理审查: 'Ethics review required',
  批准: 'Approve', 伦理批准: 'Ethics approve', 拒绝: 'Reject', 还价: 'Counter-offer',
  拒绝理由: 'Reason for rejection', 确定: 'OK', 取消: 'Cancel', 提交: 'Submit',
  暂无待办: 'Nothing waiting', 分级理由: 'Grading reasons', 敏感列: 'PII columns',
  名称: 'Name', 来源系统: 'Source system', 科室: 'Department', 行数: 'Rows',
  类别: 'Category', 数据安全法分类: 'DSL class', 定级人: 'Graded by', 系统建议: 'suggested',
  定级: 'Grade', 确认或调整定级: 'Confirm or override the grade', 理由: 'Reason', 操作: 'Actions',
  搜索: 'Search', 全部级别: 'All levels', 资产: 'Assets', 数据产品: 'Products', 发布状态: 'Status',
  已保存: 'Saved', 详情: 'Details', 撤销: 'Revoke', 撤销理由: 'Reason for revocation',
  状态时间线: 'State timeline', 签名: 'Signatures', 合作方签名: "Partner's signature",
  节点签名: "Node's signature", 链上存证: 'Chain anchor', 区块: 'Block', 交易: 'Transaction',
  验证: 'Verify', 验证结果: 'Verification', 使用次数: 'Uses', 全部状态: 'All states',
  未上链: 'not anchored yet', 未签署: 'not signed', 联邦学习任务: 'Federated learning jobs',
  同态加密查询: 'Homomorphic-encryption queries', 模型: 'Model', 轮次: 'Rounds', 时间: 'Time',
  医院: 'Hospitals', 每轮指标: 'Metrics per round', 来源: 'Source', 连接器: 'Connector',
  导入数据: 'Import data', 导入编号: 'Import', 操作人: 'Actor', 动作: 'Action', 对象: 'Object',
  结果: 'Outcome', 验证审计链: 'Verify the audit chain', 包含证明: 'Inclusion proof',
  序号: 'Seq', 较新: 'Newer', 较旧: 'Older', 审计链完好: 'Audit chain intact',
  审计链被破坏: 'Audit chain BROKEN', 默克尔根: 'Merkle root', 路径: 'Path',
  路径通向根: 'Path leads to the root', 根已上链: 'Root anchored on chain',
  该条目尚未批量上链: 'This entry is not in an anchored batch yet', 语言: 'Language',
  合作方名称或合约号: 'Partner, product or contract id', 已用: 'spent', 剩余: 'left',
  操作成功: 'Done', 还价条款: 'Counter-offer terms', 摘要: 'Digest', 审批: 'Approvals',
  未验证: 'not verified yet', 任务: 'Job', 批次: 'Batch', 全部: 'All', 'SM2 签名登录': 'SM2 signature', 令牌登录: 'Token', 用户名: 'User name',
  获取挑战: 'Get a challenge', '用已登记的私钥签名挑战：': 'Sign the challenge with your registered key:',
  '签名（十六进制）': 'Signature (hex)',
  质量告警: 'Quality alerts', 新告警: 'New', 规则均通过: 'every rule holds', 完整性: 'Completeness',
  有效性: 'Validity', 合理性: 'Plausibility', 参照完整性: 'Referential integrity', 及时性: 'Timeliness',
  结算: 'Settlement', 授权: 'Consents', 日期: 'Date', 日对账: 'Daily reconciliation', 保险公司: 'Insurer',
  '商保一站式结算：院内结算时提交理赔，保险公司拉取并签名答复；金额单位为元（人民币）':
    'One-stop commercial-insurance settlement: claims are submitted at discharge, the insurer pulls them and answers signed; amounts in yuan (CNY)',
  理赔数: 'Claims', 已结算: 'Settled', 待结算: 'Pending', 总费用: 'Total', 保险支付: 'Insurer pays',
  个人自付: 'Patient pays', 待结算金额: 'Pending amount', 理赔: 'Claims', 理赔编号: 'Claim', 就诊号: 'Encounter',
  版本: 'Version', 待拉取: 'Queued', 保险公司处理中: 'With the insurer', 当日无理赔: 'No claims that day',
  暂无理赔: 'No claims',
  '患者对向第三方提供个人信息的单独同意（个人信息保护法）：按合作方、用途和期限登记，附凭证；撤回后此后的使用一律不再依据该授权':
    "Patients' separate consent to providing personal information to a third party (PIPL): recorded per partner, purpose and period with its evidence; after a withdrawal no later use relies on it",
  患者编号: 'Patient id', 有效期: 'Valid', 渠道: 'Channel', 凭证: 'Evidence', 登记人: 'Recorded by',
  撤回: 'Withdraw', 撤回授权: 'Withdraw the consent', 登记授权: 'Record a consent', 暂无授权: 'No consents',
  有效: 'In force', 已撤回: 'Withdrawn', 已过期: 'Expired', 未生效: 'Not yet in force',
  纸质知情同意书: 'Signed form', '医院 App': 'Hospital app', 自助机: 'Kiosk', 窗口办理: 'Counter',
  生效日期: 'From', 截止日期: 'To (inclusive)',
  '知情同意书编号、App 或自助机记录号': 'Form number, app or kiosk record id',
  区域数据地图: "The region's data map",
  '区域登记处中各医院已发布的数据产品（与上方本院数据地图分开显示）':
    "Products the region's hospitals publish in the regional registry (apart from this hospital's map above)",
  '本节点未配置区域登记处（NODE_REGION_URL 与 NODE_REGION_TOKEN），不显示区域数据地图':
    'This node has no regional registry configured (NODE_REGION_URL and NODE_REGION_TOKEN): no regional map',
  区域登记处: 'Regional registry', 区域内暂无医院: 'No hospital in the region yet', 机构代码: 'Institution code',
  生效合约: 'Contracts in force', 失联: 'Stale', 在线: 'Online',
  显示资产: 'Assets shown', '显示合约（最近）': 'Contracts shown (most recent)',
}

export function t(key) {
  return lang.value === 'en' ? en[key] || key : key
}

export function setLang(value) {
  lang.value = value
  sessionStorage.setItem('lang', value)
  document.documentElement.lang = value === 'en' ? 'en' : 'zh-CN'
}

export function fmtTime(us) {
  if (!us) return ''
  return new Date(us / 1000).toLocaleString(lang.value === 'en' ? 'en-GB' : 'zh-CN', { hour12: false })
}
