// 契约测试：客户端调用的每个 (方法, 路径) 都必须出现在后端生成的 OpenAPI 文档里。
// 文档路径取环境变量 OPENAPI_JSON，默认 ../build/openapi.json（相对 miniprogram/），
// 由 `flask --app wsgi openapi write build/openapi.json` 生成。
const fs = require('fs')
const path = require('path')

const ROOT = path.resolve(__dirname, '..')
const API_PREFIX = '/api/v1'
const METHODS = ['get', 'put', 'post', 'delete', 'patch']

// 读取 api/*.js 的全部模块，让每个 endpoint() 登记到 request.js 的清单里
function clientEndpoints() {
  const dir = path.join(ROOT, 'api')
  fs.readdirSync(dir)
    .filter(name => name.endsWith('.js'))
    .forEach(name => require(path.join(dir, name)))
  const { endpoints } = require('../api/request')
  const seen = new Set()
  return endpoints
    .map(e => ({ method: e.method.toLowerCase(), path: e.path, key: `${e.method.toUpperCase()} ${normalise(e.path)}` }))
    .filter(e => !seen.has(e.key) && seen.add(e.key))
}

// 去掉 /api/v1 前缀和结尾的 /，路径参数名统一成 {}：/api/v1/tasks/{task_id}/claims/ → /tasks/{}/claims
function normalise(p) {
  let out = p.startsWith(API_PREFIX) ? p.slice(API_PREFIX.length) : p
  out = out.replace(/\{[^}]+\}/g, '{}')
  if (out.length > 1) out = out.replace(/\/+$/, '')
  return out || '/'
}

function serverOperations(doc) {
  const ops = new Set()
  // 文档里的路径可能带 /api/v1 前缀（flask-smorest 默认如此），也可能不带，normalise 两种都认
  Object.entries(doc.paths || {}).forEach(([p, item]) => {
    METHODS.filter(m => item[m]).forEach(m => ops.add(`${m.toUpperCase()} ${normalise(p)}`))
  })
  return ops
}

const documentPath = path.resolve(ROOT, process.env.OPENAPI_JSON || '../build/openapi.json')

describe('API 契约', () => {
  test('normalise 统一前缀、参数名和结尾斜杠', () => {
    expect(normalise('/api/v1/tasks/{task_id}/claims/{claim_id}/submit')).toBe('/tasks/{}/claims/{}/submit')
    expect(normalise('/tasks/{id}/claims/{claim_id}/submit')).toBe('/tasks/{}/claims/{}/submit')
    expect(normalise('/api/v1/reports/')).toBe('/reports')
  })

  test('客户端通过 endpoint() 登记了它调用的接口', () => {
    const keys = clientEndpoints().map(e => e.key)
    expect(keys).toEqual(expect.arrayContaining(['POST /auth/wechat-login', 'GET /me', 'POST /tasks/{}/claims', 'POST /checkins', 'POST /activities', 'POST /tasks', 'GET /tasks/catalogue']))
  })

  test('客户端调用的每个接口都在后端的 OpenAPI 文档里', () => {
    if (!fs.existsSync(documentPath)) {
      throw new Error(
        `找不到 OpenAPI 文档 ${documentPath}。\n` +
          '请先在仓库根目录运行 `flask --app wsgi openapi write build/openapi.json`，' +
          '或用环境变量 OPENAPI_JSON 指向它。没有文档就无法确认客户端与后端一致，所以这里判为失败。',
      )
    }
    const doc = JSON.parse(fs.readFileSync(documentPath, 'utf8'))
    expect(doc.paths).toBeTruthy()
    const server = serverOperations(doc)
    const missing = clientEndpoints()
      .filter(e => !server.has(e.key))
      .map(e => `${e.method.toUpperCase()} ${API_PREFIX}${e.path}`)
    if (missing.length) {
      throw new Error(`后端 OpenAPI 文档（${documentPath}）缺少客户端调用的 ${missing.length} 个接口：\n  ${missing.join('\n  ')}`)
    }
  })

  test('积分明细的每一条都带服务端给出的来源名称 source_name（页面直接显示它）', () => {
    const doc = JSON.parse(fs.readFileSync(documentPath, 'utf8'))
    const resolve = schema => (schema.$ref ? doc.components.schemas[schema.$ref.split('/').pop()] : schema)
    const op = Object.entries(doc.paths).find(([p]) => normalise(p) === '/points/me')[1].get
    const page = resolve(op.responses['200'].content['application/json'].schema)
    const entry = resolve(page.properties.items.items)
    expect(entry.properties.source_name).toBeTruthy()
    expect(entry.required).toContain('source_name')
  })
})
