// 会员: the tier, the bar to the next one (an SVG from the core in an <image>), the benefits.
const app = getApp();

Component({
  behaviors: [require('../../behaviors/client.js')],
  data: { tierName: '', tierBar: '', tierLabel: '', benefits: [], dimensions: [] },
  methods: {
    refresh() {
      const tp = this.client.tierProgress();
      const b = tp.tier.benefits;
      this.setData({
        tierName: tp.tier.name,
        tierLabel: tp.label,
        tierBar: app.zailai.svgDataUri(this.client.progressSVG({ percentage: tp.percentage, label: tp.label }, { theme: { barWidth: 600, fontSize: 24, barHeight: 16 } })),
        benefits: [
          { name: '签到积分', value: `${b.checkinPoints} / 天` },
          { name: '会员折扣', value: b.discountPercent < 100 ? `${b.discountPercent / 10} 折` : '无' },
          { name: '每月免费服务', value: `${b.freeServicesPerMonth} 次` },
        ],
        dimensions: tp.dimensions,
      });
    },
  },
});
