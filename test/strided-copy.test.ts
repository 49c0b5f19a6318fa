// The strided copy behind slice, broadcastTo and transpose copies rows of at least 64 contiguous
// elements as blocks (kernels.ts): checked element by element against index arithmetic, on
// rows just below, at and above that length, in every dtype.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import type { NDArray } from "../src/index.js";

const DTYPES = ["float64", "float32", "int32", "bool"] as const;

function source(shape: number[], dtype: (typeof DTYPES)[number]): NDArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const vals = Array.from({ length: n }, (_, i) => (dtype === "bool" ? (i * 7) % 3 === 0 : dtype === "int32" ? i * 3 - 50 : i * 0.37 - 11));
  return w.array(vals as number[], { shape, dtype });
}

for (const dtype of DTYPES) {
  for (const cols of [63, 64, 65, 200]) {
    test(`slice, broadcastTo and transpose with rows of ${cols}, ${dtype}`, () => {
      const rows = 5, a = source([3, rows, cols + 3], dtype);
      const d = a.data;
      // slice [.., 1:1+rows-1, 2:2+cols]: rows of `cols` contiguous elements, strided between.
      const s = w.slice(a, [1, 1, 2], [3, rows, cols + 2]);
      assert.deepEqual(s.shape, [2, rows - 1, cols]);
      for (let i = 0; i < 2; i++) for (let j = 0; j < rows - 1; j++) for (let k = 0; k < cols; k++) {
        assert.equal(s.data[(i * (rows - 1) + j) * cols + k], d[((i + 1) * rows + (j + 1)) * (cols + 3) + (k + 2)]);
      }
      // broadcastTo [rows, cols] → [4, rows, cols]: every copy the source's rows.
      const b0 = w.slice(a, [0, 0, 0], [1, rows, cols]), b = w.broadcastTo(w.reshape(b0, [rows, cols]), [4, rows, cols]);
      for (let r = 0; r < 4; r++) for (let k = 0; k < rows * cols; k++) assert.equal(b.data[r * rows * cols + k], b0.data[k]);
      // transpose [3, rows, cols+3] → [rows, 3, cols+3]: the last axis stays, rows move.
      const t = w.transpose(a, [1, 0, 2]);
      for (let i = 0; i < rows; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < cols + 3; k++) {
        assert.equal(t.data[(i * 3 + j) * (cols + 3) + k], d[(j * rows + i) * (cols + 3) + k]);
      }
      assert.equal(s.dtype, dtype);
      assert.equal(t.dtype, dtype);
    });
  }
}
