"""biaslsp: find biased language in job ads and propose debiased rewrites, locally."""

__version__ = "0.1.0"
