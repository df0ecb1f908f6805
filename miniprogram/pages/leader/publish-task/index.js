// Leaders publish a micro-task (网格微事项) for a grid they lead: chosen from the street's
// catalogue (平安, 服务, 文明; its fields fill the form and may be changed) or written freely
// (一网一策). The rules mirror TaskCreateArgs and create_task in backend/tasks.
const publishForm = require('../../../behaviors/publish-form')
const { createTask, listCatalogue } = require('../../../api/tasks')
const { TEXT, parseIntStrict, charCount } = require('../../../utils/form')
const { toIso, toMs, shanghaiDate } = require('../../../utils/datetime')
const { errorMessage } = require('../../../utils/ui')

const GROUPS = ['平安', '服务', '文明']
const MAX_TITLE = 100
const MAX_DESCRIPTION = 2000
const PAGE_SIZE = 20

// The API's field names → this form's
const FIELD_NAMES = {
  grid_id: 'grid',
  catalogue_item_id: 'catalogue',
  title: 'title',
  description: 'description',
  slots: 'slots',
  points: 'points',
  deadline: 'deadline',
  proof_required: 'proof',
}

function proofList(d) {
  return ['photo', 'note'].filter(kind => d.proof[kind])
}

/** The form's problems as {field: message}; empty when it may be sent */
function validate(d, now = Date.now()) {
  const errors = {}
  if (!d.grid) errors.grid = '请选择发布微事项的网格'
  if (d.mode === 'catalogue' && !d.chosen) errors.catalogue = '请从事项清单中选一项，或改为自拟'
  const title = d.title.trim()
  if (!title) errors.title = '请填写微事项名称'
  else if (charCount(title) > MAX_TITLE) errors.title = `名称最多${MAX_TITLE}个字`
  if (charCount(d.description) > MAX_DESCRIPTION) errors.description = `说明最多${MAX_DESCRIPTION}个字`
  else if (!TEXT.test(d.description)) errors.description = '说明不能包含控制字符'
  const slots = parseIntStrict(d.slots)
  if (!`${d.slots}`.trim()) errors.slots = '请填写名额'
  else if (!(slots >= 1 && slots <= 1000)) errors.slots = '名额须为1到1000之间的整数'
  const points = parseIntStrict(d.points)
  if (!`${d.points}`.trim()) errors.points = '请填写完成后可得的积分'
  else if (!(points >= 1 && points <= 100)) errors.points = '积分须为1到100之间的整数'
  const deadline = toMs(d.deadlineDate, d.deadlineTime)
  if (Number.isNaN(deadline)) errors.deadline = '请选择截止时间'
  else if (deadline <= now) errors.deadline = '截止时间必须晚于现在'
  if (!proofList(d).length) errors.proof = '请至少选择一种完成凭证'
  return errors
}

/** The request body for POST /tasks */
function toPayload(d) {
  const body = {
    grid_id: d.grid.id,
    title: d.title.trim(),
    description: d.description.trim(),
    slots: parseIntStrict(d.slots),
    points: parseIntStrict(d.points),
    deadline: toIso(d.deadlineDate, d.deadlineTime),
    proof_required: proofList(d),
  }
  if (d.mode === 'catalogue' && d.chosen) body.catalogue_item_id = d.chosen.id
  return body
}

Component({
  behaviors: [publishForm],
  data: {
    mode: 'catalogue', // 'catalogue' or 'free'
    groups: GROUPS,
    group: '',
    q: '',
    catalogue: [],
    catalogueTotal: 0,
    cataloguePage: 0,
    catalogueLoading: false,
    catalogueError: '',
    chosen: null, // the chosen catalogue item
    title: '',
    description: '',
    slots: '',
    points: '',
    deadlineDate: '',
    deadlineTime: '18:00',
    today: '',
    proof: { photo: true, note: false },
    maxTitle: MAX_TITLE,
    maxDescription: MAX_DESCRIPTION,
  },
  methods: {
    async onLoad() {
      // A week is the usual time to find someone and get it done.
      this.setData({ today: shanghaiDate(0), deadlineDate: this.data.deadlineDate || shanghaiDate(7) })
      if (await this.loadLeader('只有网格长可以发布微事项')) this.loadCatalogue()
    },

    // ---- the catalogue ----
    async loadCatalogue(more = false) {
      const page = more ? this.data.cataloguePage + 1 : 1
      this.setData({ catalogueLoading: true, catalogueError: '' })
      try {
        const res = await listCatalogue({ group: this.data.group, q: this.data.q.trim(), page, page_size: PAGE_SIZE })
        const items = more ? this.data.catalogue.concat(res.items) : res.items
        this.setData({ catalogue: items, catalogueTotal: res.total, cataloguePage: page })
        // No catalogue imported for this street yet: writing freely is the only way.
        if (page === 1 && !items.length && !this.data.group && !this.data.q.trim()) this.setData({ mode: 'free' })
      } catch (err) {
        this.setData({ catalogueError: errorMessage(err) })
      } finally {
        this.setData({ catalogueLoading: false })
      }
    },
    onMoreCatalogue() {
      if (!this.data.catalogueLoading && this.data.catalogue.length < this.data.catalogueTotal) this.loadCatalogue(true)
    },
    onGroup(e) {
      const group = e.currentTarget.dataset.group
      if (group === this.data.group) return
      this.setData({ group })
      this.loadCatalogue()
    },
    onSearchInput(e) {
      this.setData({ q: e.detail.value })
    },
    onSearch() {
      this.loadCatalogue()
    },
    onPickItem(e) {
      const item = this.data.catalogue[e.currentTarget.dataset.index]
      const proof = item.proof_required && item.proof_required.length ? item.proof_required : ['photo']
      this.setData({
        chosen: item,
        title: item.title || '',
        description: item.description || '',
        points: item.points ? `${item.points}` : this.data.points,
        proof: { photo: proof.includes('photo'), note: proof.includes('note') },
        'errors.catalogue': '',
        'errors.title': '',
        'errors.points': '',
        'errors.proof': '',
      })
    },
    onRepick() {
      this.setData({ chosen: null })
    },
    onMode(e) {
      const mode = e.currentTarget.dataset.mode
      if (mode === this.data.mode) return
      // Leaving the catalogue keeps what was filled in, as the leader's own text.
      this.setData({ mode, chosen: mode === 'free' ? null : this.data.chosen, 'errors.catalogue': '' })
      if (mode === 'catalogue' && !this.data.cataloguePage) this.loadCatalogue()
    },

    // ---- the form ----
    onPickTime(e) {
      this.setData({ [e.currentTarget.dataset.field]: e.detail.value, 'errors.deadline': '' })
    },
    onToggleProof(e) {
      const kind = e.currentTarget.dataset.kind
      this.setData({ [`proof.${kind}`]: !this.data.proof[kind], 'errors.proof': '' })
    },
    onPublishError(err) {
      // The item was removed from the catalogue meanwhile: choose again from a fresh list.
      if (err.code === 'catalogue_item_not_found') {
        this.setData({ chosen: null, 'errors.catalogue': err.message })
        this.loadCatalogue()
      }
    },
    onSubmit() {
      return this.publish({
        validate: () => validate(this.data),
        payload: () => toPayload(this.data),
        send: createTask,
        fieldNames: FIELD_NAMES,
        done: task => wx.redirectTo({ url: `/pages/tasks/detail/index?id=${task.id}` }),
      })
    },
  },
})
