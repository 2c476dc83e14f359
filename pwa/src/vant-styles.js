// Vant's component CSS, imported once for the whole app, WITHOUT Vant's icon font (its CSS is
// ~30 KB gzipped of base64 font plus a fallback URL on a CDN, and Zhibu serves everything
// itself): icons.css draws the few icons used as inline SVG. Components themselves are
// imported on demand by unplugin-vue-components (importStyle: false in vite.config.js).
import 'vant/es/style/base.css'
import 'vant/es/badge/index.css'
import 'vant/es/loading/index.css'
import 'vant/es/button/index.css'
import 'vant/es/cell/index.css'
import 'vant/es/cell-group/index.css'
import 'vant/es/tag/index.css'
import 'vant/es/tabbar/index.css'
import 'vant/es/tabbar-item/index.css'
import 'vant/es/overlay/index.css'
import 'vant/es/popup/index.css'
import 'vant/es/action-bar/index.css'
import 'vant/es/action-bar-button/index.css'
import 'vant/es/dialog/index.css'
import 'vant/es/toast/index.css'
import 'vant/es/notify/index.css'
import 'vant/es/grid/index.css'
import 'vant/es/grid-item/index.css'
import './icons.css'
