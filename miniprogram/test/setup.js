// jest 启动时：载入 miniprogram-simulate（它会提供 Component/Behavior 和一个模拟的全局 wx），
// 再补上页面代码可能用到的全局函数。
const fs = require('fs')
const path = require('path')
require('miniprogram-simulate')
const simulateUtils = require('miniprogram-simulate/src/utils')

// simulate 每次加载组件都要重新执行组件的 js（里面调用 Component()），它靠 delete require.cache 实现，
// 而 jest 的模块表不吃这一套。这里改为每次重新求值组件文件本身，它 require 的模块仍走 jest 的共享模块表，
// 所以页面和测试用的是同一个 api/request、utils/user。
simulateUtils.runJs = componentPath => {
  const file = require.resolve(componentPath)
  const dir = path.dirname(file)
  const source = `${fs.readFileSync(file, 'utf8')}\n//# sourceURL=${file}`
  const localRequire = p => require(p.startsWith('.') ? path.resolve(dir, p) : p)
  const module = { exports: {} }
  // eslint-disable-next-line no-new-func
  new Function('require', 'module', 'exports', '__filename', '__dirname', source)(localRequire, module, module.exports, file, dir)
}

global.getApp = () => ({ globalData: {} })
global.getCurrentPages = () => []
// 如果有人用 Page() 写页面，按 Component 的 methods 处理
global.Page = options => global.Component({ methods: options })
