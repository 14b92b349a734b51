import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// served by the node at /console (node/api/console_static.py); `npm run dev` proxies the API
export default defineConfig({
  base: '/console/',
  plugins: [vue()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080' } },
})
