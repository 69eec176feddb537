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
        tierBar: app.zailai.svgDataUri(this.client.progressSVG({ percentage: tp.percentage, label: tp.label }, { theme: { bar_width: 600, font_size: 24, bar_height: 16 } })),
        benefits: [
          { name: '签到积分', value: `${b.checkin_points} / 天` },
          { name: '会员折扣', value: b.discount_percent < 100 ? `${b.discount_percent / 10} 折` : '无' },
          { name: '每月免费服务', value: `${b.free_services_per_month} 次` },
        ],
        dimensions: tp.dimensions,
      });
    },
  },
});
