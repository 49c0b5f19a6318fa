# The reference optimum of test/minimize.test.ts's curve fit, computed once with Debian's
# python3-scipy (1.10.1, numpy 1.24.2): apt-get install -y python3-scipy; /usr/bin/python3 <this file>
# The data: x = wengert.linspace(0, 4, 50), y = 2.5·exp(−1.3x) + 0.5 + 0.05·normal(random.key(0), [50]).
import numpy as np
from scipy.optimize import least_squares

x = np.arange(50) * (4 / 49)  # wengert's linspace(0, 4, 50): i·step, exactly
y = np.array([
    2.9897078930260177, 2.7090480141480313, 2.612720853683067, 2.327731087755562, 2.139301959671775,
    1.9520062342925493, 1.8820507096012737, 1.7063138106906746, 1.5738695228067456, 1.418341308244216,
    1.4178054005943452, 1.2000037476365657, 1.2180244693365605, 1.255020755237405, 1.0787797854049321,
    0.9946929743451934, 0.9309472633809528, 0.9299613193364459, 0.8603272132180998, 0.9080630071424349,
    0.8022975352069239, 0.7762844447257463, 0.7515260898237381, 0.720060788283519, 0.625128109266527,
    0.6663399921670408, 0.7140098691150054, 0.5310623034442301, 0.5999453669138033, 0.6302479476206595,
    0.545938777697517, 0.593805880612461, 0.6477701269495112, 0.4486867711796195, 0.5188506143915431,
    0.49052795592307386, 0.49623054444119846, 0.5991894553969062, 0.5231363593937127, 0.5591336482724099,
    0.510056596881192, 0.5310417633625613, 0.5489743135217721, 0.44445832611153224, 0.5182129375455905,
    0.4892783876682357, 0.5363835480472299, 0.5146424867793525, 0.5319754675158996, 0.45703372075893794,
])
res = lambda p: p[0] * np.exp(-p[1] * x) + p[2] - y
jac = lambda p: np.stack([np.exp(-p[1] * x), -p[0] * x * np.exp(-p[1] * x), np.ones_like(x)], 1)

r = least_squares(res, [1.0, 1.0, 0.0], method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15)
print("scipy lm:", repr(list(r.x)), "cost", repr(r.cost), "nfev", r.nfev)
# scipy stops within its tolerances (2.3e-9 from the optimum here); polish with Gauss-Newton
# steps to the float64 fixed point, and confirm it in long double.
p = r.x.copy()
for _ in range(100):
    p = p + np.linalg.lstsq(jac(p), -res(p), rcond=None)[0]
print("optimum:", repr(list(p)), "cost", repr(0.5 * np.sum(res(p) ** 2)))
X, Y, q = x.astype(np.longdouble), y.astype(np.longdouble), p.astype(np.longdouble)
for _ in range(50):
    E = np.exp(-q[1] * X); R = q[0] * E + q[2] - Y; J = np.stack([E, -q[0] * X * E, np.ones_like(X)], 1)
    q = q - np.linalg.solve((J.T @ J).astype(np.float64), (J.T @ R).astype(np.float64)).astype(np.longdouble)
print("long double agrees to", float(np.abs(q - p).max()))
