// ECharts, only the parts the console draws (keeps the bundle small).
import * as echarts from 'echarts/core'
import { GraphChart, LineChart, GaugeChart } from 'echarts/charts'
import { TooltipComponent, LegendComponent, GridComponent, TitleComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

echarts.use([GraphChart, LineChart, GaugeChart, TooltipComponent, LegendComponent, GridComponent, TitleComponent, CanvasRenderer])

export default echarts
