// Shared by the leaders' publishing pages (activities, micro-tasks): who may publish and where,
// the grid choice, per-field and whole-form errors, and one submit flow that keeps the same
// Idempotency-Key while the content is unchanged, so a retried publish never creates two.
const { loadMe, gridsAs } = require('../utils/user')
const { ActionKey } = require('../utils/id')
const { fieldErrors } = require('../utils/form')
const { errorMessage, showError, showSuccess } = require('../utils/ui')

// The roles whose capabilities include activities.manage and tasks.manage (backend/auth/permissions.py)
const LEADER_ROLES = ['grid_leader', 'street_admin']

module.exports = Behavior({
  data: {
    loading: true,
    error: '', // the page cannot be used (not a leader, or /me failed)
    grids: [], // the grids I lead; their subtrees are mine too
    grid: null, // where to publish {id, name, level, path}
    picking: false,
    errors: {}, // field → message, shown under the field
    formError: '', // the server's message for the whole submission
    submitting: false,
    published: false,
  },
  methods: {
    /** Loads who I am; false (with the page's error set) when I lead no grid */
    async loadLeader(notLeaderText) {
      this._key = new ActionKey()
      this.setData({ loading: true, error: '' })
      try {
        const me = await loadMe()
        const grids = gridsAs(me, ...LEADER_ROLES)
        if (!grids.length) {
          this.setData({ error: notLeaderText })
          return false
        }
        // With one grid there is nothing to choose; with several the leader picks deliberately.
        const grid = this.data.grid || (grids.length === 1 ? { ...grids[0], path: grids[0].name } : null)
        this.setData({ grids, grid })
        return true
      } catch (err) {
        this.setData({ error: errorMessage(err) })
        return false
      } finally {
        this.setData({ loading: false })
      }
    },
    onInput(e) {
      const field = e.currentTarget.dataset.field
      this.setData({ [field]: e.detail.value, [`errors.${field}`]: '' })
    },
    onChangeGrid() {
      this.setData({ picking: !this.data.picking })
    },
    onGridSelect(e) {
      this.setData({ grid: e.detail.grid, picking: false, 'errors.grid': '' })
    },
    /**
     * Validate, send and open what was created. options: validate() → {field: message},
     * payload() → request body, send(body, key) → Promise of the created object,
     * fieldNames: the API's field names → the form's, done(created) after the toast.
     */
    async publish({ validate, payload, send, fieldNames, done }) {
      if (this.data.submitting || this.data.published) return
      const errors = validate()
      const first = Object.keys(errors)[0]
      this.setData({ errors, formError: '' })
      if (first) {
        wx.showToast({ title: errors[first], icon: 'none' })
        return
      }
      const body = payload()
      this.setData({ submitting: true })
      try {
        const created = await send(body, this._key.for(body))
        this._key.done()
        // Stay disabled: the page is being replaced by the created object's.
        this.setData({ published: true })
        showSuccess('发布成功')
        done(created)
      } catch (err) {
        // A network failure keeps the key: tapping again with the same content replays, not duplicates.
        this.setData({ formError: errorMessage(err), errors: fieldErrors(err, fieldNames) })
        showError(err)
        this.onPublishError && this.onPublishError(err)
      } finally {
        this.setData({ submitting: false })
      }
    },
  },
})
