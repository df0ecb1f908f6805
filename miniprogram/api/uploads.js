// 图片上传。
const { endpoint } = require('./request')

const upload = endpoint('POST', '/uploads', { upload: true })

/** 上传一张本地图片，onProgress 收到 0..100 */
exports.uploadImage = (filePath, onProgress) => upload({ filePath, onProgress })
