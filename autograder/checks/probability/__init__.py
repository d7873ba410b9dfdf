"""Checks for stage 03 (probability), one module per notebook.

    random_variables   01: PMFs, densities, CDFs, inverse-transform sampling, histograms
    random_vectors     02: expectation, variance, covariance, the multivariate Gaussian
    limit_theorems     03: the law of large numbers and the central limit theorem
    bayes              04: base rates, updating, the Beta-Binomial model
    likelihood         05: maximum likelihood and its link with cross-entropy
    information        06: entropy, cross-entropy, KL, softmax, temperature and top-k
    preferences        07: the Bradley-Terry model and a reward model fit by gradient descent
    forecasts          08: proper scoring rules, reliability, recalibration

`shared` holds what the statistical checks share: the seeded-randomness
discipline (same seed, same output; other seed, other output; NumPy's global
state untouched) and tolerances derived from standard errors or the DKW
inequality, so that a correct sampler passes for every seed and a registered
mistake fails by a wide margin.

Expected infinities (log 0 = -inf is often the right answer here) are held to
account by the framework's `compare`: where NaN or infinity is expected, only
the same value passes.

The notebooks import from the modules themselves (this package re-exports
nothing, so that every check is found exactly once).
"""
