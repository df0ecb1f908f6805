const { render, settle, tap, mockBackend, resetClient, apiCalls } = require('../../../test/helpers')

beforeEach(resetClient)

function chooses(...paths) {
  jest.spyOn(wx, 'chooseMedia').mockImplementation(opts => opts.success({ tempFiles: paths.map(p => ({ tempFilePath: p })) }))
}

describe('photo-uploader', () => {
  test('选两张图，逐张上传，带进度，完成后给出两个 id', async () => {
    let n = 10
    const calls = mockBackend({ 'POST /uploads': () => ({ status: 201, data: { id: ++n, url: `https://x/${n}.jpg` } }) })
    chooses('/tmp/a.jpg', '/tmp/b.jpg')
    const comp = render('components/photo-uploader/index', { max: 3 })
    const changes = []
    comp.addEventListener('change', e => changes.push(e.detail))
    await tap(comp, '.up-add')
    await settle(5)
    expect(wx.chooseMedia.mock.calls[0][0]).toMatchObject({ count: 3, mediaType: ['image'] })
    expect(apiCalls(calls).map(c => c.data.filePath)).toEqual(['/tmp/a.jpg', '/tmp/b.jpg'])
    expect(changes[0]).toEqual({ ids: [], uploading: true, failed: false })
    expect(changes[changes.length - 1]).toEqual({ ids: [11, 12], uploading: false, failed: false })
    expect(comp.querySelectorAll('.up-item')).toHaveLength(2)
    expect(comp.querySelector('.up-mask')).toBeFalsy()
  })

  test('上传中显示百分比', async () => {
    mockBackend({ 'POST /uploads': { status: 201, data: { id: 1 } } })
    const comp = render('components/photo-uploader/index')
    comp.instance.setData({ photos: [{ key: 'k', path: '/tmp/a.jpg', progress: 40, id: null, failed: false }] })
    expect(comp.querySelector('.up-mask').dom.textContent).toContain('40%')
  })

  test('上传失败显示"点此重传"，重传成功后给出 id', async () => {
    let fail = true
    mockBackend({
      'POST /uploads': () => (fail ? { status: 413, data: { code: 'file_too_large', message: '图片太大了', details: {} } } : { status: 201, data: { id: 5 } }),
    })
    chooses('/tmp/big.jpg')
    const comp = render('components/photo-uploader/index')
    const changes = []
    comp.addEventListener('change', e => changes.push(e.detail))
    await tap(comp, '.up-add')
    expect(comp.querySelector('.up-failed')).toBeTruthy()
    expect(changes[changes.length - 1]).toEqual({ ids: [], uploading: false, failed: true })
    fail = false
    await tap(comp, '.up-failed')
    expect(comp.querySelector('.up-failed')).toBeFalsy()
    expect(changes[changes.length - 1]).toEqual({ ids: [5], uploading: false, failed: false })
  })

  test('删除一张后 id 随之去掉；满了不再显示添加按钮', async () => {
    let n = 0
    mockBackend({ 'POST /uploads': () => ({ status: 201, data: { id: ++n } }) })
    chooses('/tmp/a.jpg', '/tmp/b.jpg')
    const comp = render('components/photo-uploader/index', { max: 2 })
    const changes = []
    comp.addEventListener('change', e => changes.push(e.detail))
    await tap(comp, '.up-add')
    expect(comp.querySelector('.up-add')).toBeFalsy()
    await tap(comp, '.up-remove')
    expect(changes[changes.length - 1].ids).toEqual([2])
    expect(comp.querySelector('.up-add')).toBeTruthy()
  })
})
