const { render, settle, textOf, tap } = require('../../../test/helpers')

const items = [
  { action: 'submit', actor_name: '王阿姨', note: '', photos: [], at: '2024-05-01T09:00:00+08:00' },
  { action: 'resolve', actor_name: '城管 李', note: '已清理', photos: [{ id: 1, url: 'https://x/1.jpg', thumbnail_url: 'https://x/1s.jpg' }], at: '2024-05-01T15:30:00+08:00' },
]

describe('timeline', () => {
  test('按顺序显示中文动作、处理人、说明和照片', async () => {
    const comp = render('components/timeline/index', { items })
    await settle(1)
    const text = textOf(comp)
    expect(text).toContain('提交上报')
    expect(text).toContain('已办结')
    expect(text).toContain('城管 李')
    expect(text).toContain('已清理')
    expect(comp.querySelectorAll('.tl-photo')).toHaveLength(1)
  })

  test('点照片预览原图', async () => {
    jest.spyOn(wx, 'previewImage').mockImplementation(() => {})
    const comp = render('components/timeline/index', { items })
    await settle(1)
    await tap(comp, '.tl-photo')
    expect(wx.previewImage).toHaveBeenCalledWith({ urls: ['https://x/1.jpg'], current: 'https://x/1.jpg' })
  })

  test('没有记录时说明', async () => {
    const comp = render('components/timeline/index', { items: [] })
    await settle(1)
    expect(textOf(comp)).toContain('暂无处理记录')
  })
})
