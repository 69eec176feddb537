import { createApp } from 'vue';
import 'tdesign-vue-next/es/style/index.css';
import './style.css';
import App from './App.vue';
import { router } from './router.js';
import { locale } from './i18n.js';

document.documentElement.lang = locale.value;
createApp(App).use(router).mount('#app');
