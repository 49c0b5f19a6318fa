// The one line that matters: the wengert plugin rewrites every function marked "use wengert"
// at build time, so the page needs no eval (it runs under `script-src 'self'`).
import { defineConfig } from "vite";
import wengert from "wengert/plugin";

export default defineConfig({
  plugins: [wengert.vite()],
});
