// Leaders publish a volunteer activity, 主题党日, patrol or council meeting for a grid they lead.
// The rules mirror ActivityArgs and create_activity in backend/party; the server has the last word.
const publishForm = require('../../../behaviors/publish-form')
const { createActivity } = require('../../../api/activities')
const { ACTIVITY_KINDS } = require('../../../utils/activity')
const { chooseLocation } = require('../../../utils/location')
const { PLAIN, TEXT, parseIntStrict, parseDecimal, charCount } = require('../../../utils/form')
const { DAY_MS, toIso, toMs, shanghaiDate } = require('../../../utils/datetime')

const KINDS = Object.keys(ACTIVITY_KINDS).map(value => ({ value, name: ACTIVITY_KINDS[value] }))
const MAX_TITLE = 64
const MAX_PLACE = 100
const MAX_DESCRIPTION = 2000
const MAX_CAPACITY = 100000

// The API's field names → this form's
const FIELD_NAMES = {
  grid_id: 'grid',
  kind: 'kind',
  title: 'title',
  description: 'description',
  place: 'place',
  location: 'location',
  checkin_radius_m: 'radius',
  starts_at: 'start',
  ends_at: 'end',
  capacity: 'capacity',
  service_hours: 'serviceHours',
  points: 'points',
}

/** The form's problems as {field: message}; empty when it may be sent */
function validate(d, now = Date.now()) {
  const errors = {}
  if (!d.grid) errors.grid = '请选择举办活动的网格'
  if (d.kindIndex < 0) errors.kind = '请选择活动类型'
  const title = d.title.trim()
  if (!title) errors.title = '请填写活动名称'
  else if (charCount(title) > MAX_TITLE) errors.title = `活动名称最多${MAX_TITLE}个字`
  else if (!PLAIN.test(title)) errors.title = '活动名称不能包含换行等控制字符'
  const place = d.place.trim()
  if (charCount(place) > MAX_PLACE) errors.place = `地点最多${MAX_PLACE}个字`
  else if (!PLAIN.test(place)) errors.place = '地点不能包含换行等控制字符'
  if (charCount(d.description) > MAX_DESCRIPTION) errors.description = `活动介绍最多${MAX_DESCRIPTION}个字`
  else if (!TEXT.test(d.description)) errors.description = '活动介绍不能包含控制字符'
  if (`${d.radius}`.trim()) {
    const radius = parseIntStrict(d.radius)
    if (!(radius >= 30 && radius <= 5000)) errors.radius = '签到范围须为30到5000米之间的整数'
    else if (!d.location) errors.location = '设置签到范围时，请先在地图上选择签到地点'
  }
  const start = toMs(d.startDate, d.startTime)
  const end = toMs(d.endDate, d.endTime)
  if (Number.isNaN(start)) errors.start = '请选择开始时间'
  if (Number.isNaN(end)) errors.end = '请选择结束时间'
  else if (end <= now) errors.end = '活动结束时间已过，请检查时间'
  else if (!Number.isNaN(start) && end <= start) errors.end = '结束时间须晚于开始时间'
  else if (!Number.isNaN(start) && end - start >= 7 * DAY_MS) errors.end = '一场活动最长 7 天'
  const capacity = parseIntStrict(d.capacity)
  if (!`${d.capacity}`.trim()) errors.capacity = '请填写人数上限'
  else if (!(capacity >= 1 && capacity <= MAX_CAPACITY)) errors.capacity = `人数上限须为1到${MAX_CAPACITY}之间的整数`
  if (`${d.serviceHours}`.trim()) {
    const hours = parseDecimal(d.serviceHours)
    if (!(hours >= 0 && hours <= 24)) errors.serviceHours = '服务时长须在0到24小时之间'
  }
  if (`${d.points}`.trim()) {
    const points = parseIntStrict(d.points)
    if (!(points >= 0 && points <= 100)) errors.points = '积分须为0到100之间的整数'
  }
  return errors
}

/** The request body for POST /activities */
function toPayload(d) {
  const body = {
    grid_id: d.grid.id,
    kind: KINDS[d.kindIndex].value,
    title: d.title.trim(),
    description: d.description.trim(),
    place: d.place.trim(),
    starts_at: toIso(d.startDate, d.startTime),
    ends_at: toIso(d.endDate, d.endTime),
    capacity: parseIntStrict(d.capacity),
    service_hours: `${d.serviceHours}`.trim() ? parseDecimal(d.serviceHours) : 0,
    points: `${d.points}`.trim() ? parseIntStrict(d.points) : 0,
  }
  if (d.location) body.location = { lat: d.location.lat, lng: d.location.lng }
  if (`${d.radius}`.trim()) body.checkin_radius_m = parseIntStrict(d.radius)
  return body
}

Component({
  behaviors: [publishForm],
  data: {
    kinds: KINDS,
    kindIndex: -1,
    title: '',
    description: '',
    place: '',
    location: null, // {lat, lng, address} from the map
    radius: '',
    startDate: '',
    startTime: '09:00',
    endDate: '',
    endTime: '11:00',
    today: '',
    capacity: '',
    serviceHours: '',
    points: '',
    maxTitle: MAX_TITLE,
    maxDescription: MAX_DESCRIPTION,
  },
  methods: {
    onLoad() {
      // Tomorrow morning is the usual case; the leader changes what differs.
      const tomorrow = shanghaiDate(1)
      this.setData({ today: shanghaiDate(0), startDate: tomorrow, endDate: tomorrow })
      this.loadLeader('只有网格长可以发布活动')
    },
    onKindChange(e) {
      this.setData({ kindIndex: Number(e.detail.value), 'errors.kind': '' })
    },
    onPickTime(e) {
      const field = e.currentTarget.dataset.field
      const update = { [field]: e.detail.value, 'errors.start': '', 'errors.end': '' }
      // Moving the start date past the end date moves the end date along.
      if (field === 'startDate' && this.data.endDate < e.detail.value) update.endDate = e.detail.value
      this.setData(update)
    },
    async onChooseLocation() {
      const loc = await chooseLocation()
      if (!loc) return
      const update = { location: loc, 'errors.location': '' }
      if (!this.data.place.trim() && loc.address) update.place = [...loc.address].slice(0, MAX_PLACE).join('')
      this.setData(update)
    },
    onClearLocation() {
      this.setData({ location: null, radius: '', 'errors.location': '', 'errors.radius': '' })
    },
    onSubmit() {
      return this.publish({
        validate: () => validate(this.data),
        payload: () => toPayload(this.data),
        send: createActivity,
        fieldNames: FIELD_NAMES,
        done: activity => wx.redirectTo({ url: `/pages/activities/detail/index?id=${activity.id}` }),
      })
    },
  },
})
