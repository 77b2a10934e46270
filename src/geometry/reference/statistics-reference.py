# Reference values for src/geometry/*statistics* tests, computed with SciPy (1.17.1 here).
# Run once: python3 src/geometry/reference/statistics-reference.py > src/geometry/reference/statistics-reference.json
# Not part of CI: the JSON it printed is committed and read by the tests.
import json
import math
import numpy as np
from scipy import special, stats

rng = np.random.default_rng(7)
cases = []
# Paired samples: planted positive / negative / weak relations, ties, small n.
x1 = rng.normal(size=30); y1 = 0.8 * x1 + rng.normal(scale=0.6, size=30)
x2 = rng.uniform(size=12); y2 = -x2 + rng.normal(scale=0.5, size=12)
x3 = rng.normal(size=200); y3 = 0.1 * x3 + rng.normal(size=200)
x4 = np.array([1, 2, 2, 3, 3, 3, 4, 5, 5, 6], dtype=float); y4 = np.array([2, 1, 4, 3, 3, 5, 4, 6, 7, 6], dtype=float)
x5 = np.array([1.0, 2.0, 3.5, 4.0]); y5 = np.array([0.3, 0.1, 0.9, 0.7])
for name, x, y in [("strong", x1, y1), ("negative", x2, y2), ("weak", x3, y3), ("ties", x4, y4), ("four", x5, y5)]:
    p = stats.pearsonr(x, y)
    s = stats.spearmanr(x, y)
    slope, intercept = np.polyfit(x, y, 1)
    cases.append({"name": name, "x": x.tolist(), "y": y.tolist(),
                  "pearson": [float(p.statistic), float(p.pvalue)],
                  "spearman": [float(s.statistic), float(s.pvalue)],
                  "fit": [float(slope), float(intercept)]})

beta = [[x, a, b, float(special.betainc(a, b, x))] for x, a, b in
        [(0.3, 2, 3), (0.9, 0.5, 0.5), (0.01, 14, 0.5), (0.5, 100, 100), (0.999, 3.5, 7), (0.2, 1e-1, 2)]]
gamma = [[a, x, float(special.gammaincc(a, x))] for a, x in [(0.5, 0.1), (0.5, 3.0), (2, 10), (10, 3), (0.5, 40)]]
t_tail = [[t, df, float(2 * stats.t.sf(abs(t), df))] for t, df in [(2.1, 5), (-0.3, 28), (7.5, 198), (1.0, 1), (15, 3)]]
wilson = []
for k, n in [(0, 10), (10, 10), (7, 10), (1319 // 2, 1319), (1, 3)]:
    z = stats.norm.ppf(0.975)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z / d * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    wilson.append([k, n, max(0.0, c - h), min(1.0, c + h)])
mcnemar = []
for b, c in [(10, 2), (3, 3), (0, 7), (25, 40), (1, 0)]:
    n = b + c
    exact = min(1.0, 2 * stats.binom.cdf(min(b, c), n, 0.5))
    chi = (abs(b - c) - 1) ** 2 / n if n else 0.0
    chi = max(chi, 0.0) if abs(b - c) >= 1 else 0.0
    mcnemar.append([b, c, float(exact), float(chi), float(stats.chi2.sf(chi, 1))])
print(json.dumps({"scipy": __import__("scipy").__version__, "correlations": cases, "betainc": beta, "gammaincc": gamma,
                  "tTwoSided": t_tail, "wilson": wilson, "mcnemar": mcnemar}, indent=1))
