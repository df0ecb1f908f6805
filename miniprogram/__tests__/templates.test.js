// 每个页面和组件都能被 simulate 加载渲染：模板、json、组件引用有错就在这里失败。
const fs = require('fs')
const path = require('path')
const { ROOT, render, mockBackend, resetClient, settle } = require('../test/helpers')

const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'))
const components = fs
  .readdirSync(path.join(ROOT, 'components'))
  .filter(name => fs.existsSync(path.join(ROOT, 'components', name, 'index.json')))
  .map(name => `components/${name}/index`)

beforeEach(() => {
  resetClient()
  mockBackend({ 'GET /grids': { items: [], total: 0 } })
})

describe('app.json', () => {
  test.each(app.pages)('%s 四个文件齐全', page => {
    for (const ext of ['js', 'json', 'wxml', 'wxss']) {
      expect(fs.existsSync(path.join(ROOT, `${page}.${ext}`))).toBe(true)
    }
  })

  test('tabBar 页面都在 pages 里，位置隐私声明齐全', () => {
    app.tabBar.list.forEach(tab => expect(app.pages).toContain(tab.pagePath))
    expect(app.requiredPrivateInfos).toEqual(expect.arrayContaining(['getLocation', 'chooseLocation']))
    expect(app.permission['scope.userLocation'].desc).toBeTruthy()
  })

  test('pages 目录里没有漏登记的页面', () => {
    const found = []
    const walk = dir => {
      for (const name of fs.readdirSync(path.join(ROOT, dir))) {
        const rel = `${dir}/${name}`
        if (fs.statSync(path.join(ROOT, rel)).isDirectory()) walk(rel)
        else if (name === 'index.json') found.push(`${dir}/index`)
      }
    }
    walk('pages')
    expect(found.sort()).toEqual([...app.pages].sort())
  })
})

describe('每个页面都能渲染', () => {
  test.each(app.pages)('%s', async page => {
    const comp = render(page)
    await settle(1)
    expect(comp.dom).toBeTruthy()
  })
})

describe('每个组件都能渲染', () => {
  test.each(components)('%s', async name => {
    const json = JSON.parse(fs.readFileSync(path.join(ROOT, `${name}.json`), 'utf8'))
    expect(json.component).toBe(true)
    const comp = render(name)
    await settle(1)
    expect(comp.dom).toBeTruthy()
  })
})
